"""The CI gate: lint what a pull request changes and decide pass, needs-approval or blocked
(see result.py for the gate)."""

from __future__ import annotations

import os

from . import git
from .checks import allow_by_trailer, change_problems, is_migration, problems_since
from .discovery import migrations_folder
from .drizzle import JOURNAL
from .errors import InputProblem
from .linter import Report, Settings, input_error, lint_paths
from .project import Project
from .result import RunResult
from .source import InputError

BASE_BRANCH_VARIABLES = ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME")


def default_base() -> str:
    """The branch a pull request targets: GitHub's, GitLab's, or the remote's default branch."""
    for variable in BASE_BRANCH_VARIABLES:
        branch = os.environ.get(variable)
        if branch:
            for ref in (f"origin/{branch}", branch):
                if git.ref_exists(ref):
                    return ref
            raise InputProblem(
                f"${variable} names {branch!r}, which is not fetched: fetch it "
                f"(git fetch origin {branch}) or check out with full history (fetch-depth: 0)"
            )
    candidates = (git.origin_head(), "origin/main", "main", "origin/master", "master")
    for candidate in candidates:
        if candidate and git.ref_exists(candidate):
            return candidate
    raise InputProblem(
        "no base branch: found no origin/HEAD, main or master; pass --base BRANCH (the branch "
        "the pull request targets), or set GITHUB_BASE_REF"
    )


def _touched_folders(changes: list[git.Change], project: Project) -> set[str]:
    """Every migrations folder the change touches: a new, edited or deleted migration, or
    drizzle's journal."""
    folders = set()
    for change in changes:
        if change.path.endswith(JOURNAL):
            folders.add(os.path.dirname(os.path.dirname(change.path)))
        elif is_migration(change.path, project) or (
            change.status == "D" and migrations_folder(change.path) in project.folders
        ):
            folders.add(migrations_folder(change.path))
    return folders


def run_ci(base_ref: str | None, approved: bool, settings: Settings) -> RunResult:
    if not git.is_repository():
        raise InputProblem(
            f"{os.getcwd()}: not a git repository: `ci` compares a branch with its base; run it "
            "in the repository's checkout (or use `migration-lint lint` on files)"
        )
    try:
        base = git.merge_base(base_ref or default_base())
        changes = git.changes_between(base)
    except git.GitError as exc:
        shallow = (
            ": this clone is shallow, fetch the base with history (fetch-depth: 0, or "
            "git fetch --unshallow origin)"
            if git.is_shallow()
            else ""
        )
        raise InputProblem(f"{exc}{shallow}") from None
    project = settings.project
    migrations = [c.path for c in changes if c.status in "AM" and is_migration(c.path, project)]
    report = lint_paths(migrations, settings) if migrations else Report()
    report.diagnostics.extend(
        allow_by_trailer(change_problems(changes, project, base), base, project)
    )
    in_base = set(git.committed_files(base))
    for folder in sorted(f for f in _touched_folders(changes, project) if os.path.isdir(f)):
        added = [m for m in migrations if m not in in_base and migrations_folder(m) == folder]
        try:
            problems = problems_since(base, "the base", folder, project, added, list_old=False)
        except InputError as exc:
            problems = [input_error(exc)]
        report.diagnostics.extend(problems)
    return RunResult(
        report,
        "ci",
        settings.fail_on,
        migrations,
        project,
        base=base,
        approved=approved,
    )
