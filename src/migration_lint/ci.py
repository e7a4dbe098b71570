"""The CI gate: lint what a pull request changes and decide pass, needs-approval or blocked.

- pass: nothing fails;
- needs-approval: breaking changes, each declared with `allow`, a reason and a rollback plan,
  that no reviewer has approved yet (`--approved` or MIGRATION_LINT_APPROVED=true approves);
- blocked: any error, or a breaking change that is not declared. Approval never unblocks.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field

from . import git
from .checks import change_problems, folder_problems, is_migration
from .diagnostic import Diagnostic, Severity
from .discovery import migrations_folder
from .drizzle import JOURNAL
from .errors import ConfigError
from .linter import Report, Settings, input_error, lint_paths
from .project import Project
from .source import InputError

BASE_BRANCH_VARIABLES = ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME")


class Gate(str, enum.Enum):
    PASS = "pass"
    NEEDS_APPROVAL = "needs-approval"
    BLOCKED = "blocked"

    @property
    def exit_code(self) -> int:
        return {Gate.PASS: 0, Gate.NEEDS_APPROVAL: 1, Gate.BLOCKED: 2}[self]


def gate_of(diagnostics: list[Diagnostic], approved: bool) -> Gate:
    if any(
        d.severity is Severity.ERROR or (d.fails and d.severity is Severity.BREAKING)
        for d in diagnostics
    ):
        return Gate.BLOCKED
    if not approved and any(d.allowed and d.severity is Severity.BREAKING for d in diagnostics):
        return Gate.NEEDS_APPROVAL
    return Gate.PASS


@dataclass
class CiResult:
    report: Report
    gate: Gate
    base: str
    approved: bool
    migrations: list[str] = field(default_factory=list)  # the migrations the change lints
    project: Project = field(default_factory=Project)


def default_base() -> str:
    """The branch a pull request targets: GitHub's, GitLab's, or origin/main."""
    for variable in BASE_BRANCH_VARIABLES:
        branch = os.environ.get(variable)
        if branch:
            for ref in (f"origin/{branch}", branch):
                if git.ref_exists(ref):
                    return ref
            raise ConfigError(f"${variable} names {branch!r}, which is not fetched (fetch it)")
    for ref in ("origin/main", "main"):
        if git.ref_exists(ref):
            return ref
    raise ConfigError("no base: pass --base, or set GITHUB_BASE_REF")


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


def run_ci(base_ref: str | None, approved: bool, settings: Settings) -> CiResult:
    try:
        base = git.merge_base(base_ref or default_base())
        changes = git.changes_between(base)
        in_base = git.committed_files(base)
    except git.GitError as exc:
        shallow = " (this clone is shallow: fetch with full history, e.g. fetch-depth: 0)"
        raise ConfigError(f"{exc}{shallow if git.is_shallow() else ''}") from None
    project = settings.project
    migrations = [c.path for c in changes if c.status in "AM" and is_migration(c.path, project)]
    report = lint_paths(migrations, settings) if migrations else Report()
    report.diagnostics.extend(change_problems(changes, project))
    changed = {c.path for c in changes}
    for folder in sorted(f for f in _touched_folders(changes, project) if os.path.isdir(f)):
        added = [m for m in migrations if m not in in_base and migrations_folder(m) == folder]
        try:
            problems = folder_problems(folder, project.layout_for(folder), project, added, in_base)
        except InputError as exc:
            problems = [input_error(exc)]
        # Only what this change touches: a folder's old problems do not block every PR.
        report.diagnostics.extend(p for p in problems if p.path in changed)
    gate = gate_of(report.diagnostics, approved)
    return CiResult(report, gate, base, approved, migrations, project)
