"""The CI gate: lint what a pull request changes and decide pass, needs-approval or blocked
(see result.py for the gate)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from . import git
from .checks import allow_by_trailer, change_problems, is_migration, problems_since
from .discovery import migrations_folder
from .drizzle import JOURNAL
from .errors import InputProblem
from .linter import Report, Settings, input_error, lint_paths
from .project import Project
from .result import RunResult
from .snapshot import head_snapshot
from .source import InputError

BASE_BRANCH_VARIABLES = ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
FULL_HISTORY = (
    "or check out the full history (actions/checkout: `fetch-depth: 0`; GitLab: `GIT_DEPTH: 0`)"
)


@dataclass(frozen=True)
class Comparison:
    """What `ci` checks: HEAD's commit against the merge-base with the base branch."""

    base_ref: str  # the base branch (or commit) as named
    base: str  # the merge-base of HEAD and base_ref
    head: str
    branch: str | None  # None: a detached HEAD (GitHub checks out a merge commit so)
    changes: list[git.Change]
    uncommitted: list[str]  # files whose uncommitted state is not checked
    # Committed files not read, and why (see snapshot.py).
    left_out: dict[str, str] = field(default_factory=dict)

    def note(self) -> str:
        """What was checked, in one line."""
        branch = f"branch {self.branch}" if self.branch else "detached"
        text = (
            f"checks the committed HEAD {self.head[:12]} ({branch}) against {self.base_ref} "
            f"(merge-base {self.base[:12]})"
        )
        if self.base == self.head:
            text += f"; HEAD is already in {self.base_ref}: it changes nothing to check"
        count = len(self.uncommitted)
        if count:
            shown = ", ".join(self.uncommitted[:3]) + (", ..." if count > 3 else "")
            text += (
                f"; {count} uncommitted change{'s are' if count != 1 else ' is'} not checked "
                f"({shown})"
            )
        return text


@contextlib.contextmanager
def committed_head(
    base_ref: str | None, project: Project, files: Iterable[str] = ()
) -> Iterator[Comparison]:
    """Compare HEAD with its base, and work in HEAD's committed migrations (and `files`, a
    baseline) until the block ends."""
    comparison = compare(base_ref)
    changed = [c.path for c in comparison.changes if c.path.endswith((".sql", JOURNAL))]
    folders = {*project.folders, *map(_folder_of, changed)}
    with head_snapshot(folders, files) as snapshot:
        yield dataclasses.replace(comparison, left_out=snapshot.left_out)


def compare(base_ref: str | None) -> Comparison:
    """HEAD and its merge-base with the base branch, or why they cannot be compared here."""
    if not git.is_repository():
        raise InputProblem(
            f"{os.getcwd()}: not a git repository: `ci` compares a branch with its base; run it "
            "in the repository's checkout (or use `migration-lint lint` on files)"
        )
    head = git.head_commit()
    if head is None:
        raise InputProblem("no commit yet: `ci` checks what a branch's commits change")
    ref = base_ref or default_base()
    if not git.ref_exists(ref):
        raise InputProblem(f"--base {ref}: no such branch or commit here{_fetch_advice(ref)}")
    try:
        base = git.merge_base(ref)
    except git.GitError:
        if git.is_shallow():
            raise InputProblem(
                f"this clone is shallow: its history stops before HEAD and {ref} meet"
                + _fetch_advice(ref)
            ) from None
        raise InputProblem(
            f"HEAD and {ref} have no commit in common: pass --base with the branch this one "
            "was made from"
        ) from None
    return Comparison(
        ref, base, head, git.current_branch(), git.changes_between(base), git.uncommitted_changes()
    )


def default_base() -> str:
    """The branch a pull request targets: GitHub's, GitLab's, or the remote's default branch."""
    for variable in BASE_BRANCH_VARIABLES:
        branch = os.environ.get(variable)
        if branch:
            for ref in (f"origin/{branch}", branch):
                if git.ref_exists(ref):
                    return ref
            raise InputProblem(
                f"${variable} names {branch!r}, which is not fetched"
                + _fetch_advice(f"origin/{branch}")
            )
    candidates = (git.origin_head(), "origin/main", "main", "origin/master", "master")
    for candidate in candidates:
        if candidate and git.ref_exists(candidate):
            return candidate
    raise InputProblem(
        "no base branch: found no origin/HEAD, main or master; pass --base BRANCH (the branch "
        "the pull request targets), or set GITHUB_BASE_REF"
        + (f"; this clone is shallow: fetch the branch, {FULL_HISTORY}" if git.is_shallow() else "")
    )


def _fetch_advice(ref: str) -> str:
    """How to fetch `ref`, and the history down to where HEAD leaves it, from the remote."""
    remotes = git.remotes()
    remote, _, branch = ref.partition("/")
    if remote not in remotes or not branch:
        remote, branch = "origin", ref
    if remote not in remotes:
        return ""  # a repository of its own: nothing to fetch from
    unshallow = "--unshallow " if git.is_shallow() else ""
    if _COMMIT.fullmatch(branch):
        command = f"git fetch {unshallow}{remote}"
    else:
        tracking = f"{remote}/{branch}"
        command = f"git fetch {unshallow}{remote} +refs/heads/{branch}:refs/remotes/{tracking}"
        if ref != tracking:
            command += f"` and pass `--base {tracking}"
    return f": run `{command}`, {FULL_HISTORY}"


_COMMIT = re.compile(r"[0-9a-f]{7,40}")


def _touched_folders(changes: list[git.Change], project: Project) -> set[str]:
    """Every migrations folder the change touches: a new, edited or deleted migration, or
    drizzle's journal."""
    return {
        _folder_of(change.path)
        for change in changes
        if change.path.endswith(JOURNAL)
        or is_migration(change.path, project)
        or (change.status == "D" and migrations_folder(change.path) in project.folders)
    }


def _folder_of(path: str) -> str:
    """The migrations folder of a migration, or of drizzle's journal."""
    if path.endswith(JOURNAL):
        return os.path.dirname(os.path.dirname(path))
    return migrations_folder(path)


def run_ci(comparison: Comparison, approved: bool, settings: Settings) -> RunResult:
    """The gate on what HEAD changes since the merge-base, read from HEAD as committed (run it
    in a `committed_head` block)."""
    base, changes, left_out = comparison.base, comparison.changes, comparison.left_out
    project = settings.project
    migrations = [c.path for c in changes if c.status in "AM" and is_migration(c.path, project)]
    readable = [m for m in migrations if m not in left_out]
    report = lint_paths(readable, settings) if readable else Report()
    report.diagnostics += [
        input_error(InputError(m, left_out[m])) for m in migrations if m in left_out
    ]
    report.files += len(migrations) - len(readable)
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
