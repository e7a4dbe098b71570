"""Checks on a migrations folder and on what a commit changes, rather than on SQL.

Each returns diagnostics for rules the linter reports itself: migration-naming,
migration-sequence, journal-mismatch (drizzle), missing-migration, edited-migration, and
older-problems (what a folder already had before the change: never fails).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import itertools
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import field
from typing import TYPE_CHECKING

from . import git
from .diagnostic import Diagnostic, Severity
from .discovery import migrations_folder
from .drizzle import JOURNAL, Journal, journal_problems, parse_journal
from .git import Change
from .layouts import Layout
from .project import Project
from .records import FrozenRecord
from .source import InputError, read_text

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same, made faster for records (records.dataclass)
    from .records import dataclass

OLDER_PROBLEMS = "older-problems"


def _error(rule: str, path: str, message: str, help_text: str = "") -> Diagnostic:
    return Diagnostic(rule, Severity.ERROR, path, 1, 1, 1, 1, message, help_text)


@dataclass(frozen=True, eq=False, repr=False)
class FolderState(FrozenRecord):
    """A migrations folder as it is on disk or in a commit."""

    files: list[str]  # its up migrations, in order
    journal: Journal = field(default_factory=Journal)  # drizzle's
    # drizzle: the first line of each file the journal does not list
    first_lines: dict[str, str] = field(default_factory=dict)


def state_on_disk(folder: str, project: Project) -> FolderState:
    files = project.files(folder)
    if project.layout_for(folder).name != "drizzle":
        return FolderState(files)
    journal_path = os.path.join(folder, JOURNAL)
    try:
        journal = parse_journal(
            read_text(journal_path, project.max_file_bytes)
            if os.path.lexists(journal_path)
            else None
        )
    except InputError as exc:  # a FIFO, a file too large, a symlink out: not read
        journal = Journal(unreadable=exc.message)
    unlisted = [f for f in files if _tag(f) not in journal.tags]
    return FolderState(
        files, journal, {f: _first_line(f, project.max_file_bytes) for f in unlisted}
    )


def state_at(ref: str, folder: str, project: Project) -> FolderState:
    """The folder as commit `ref` has it (empty when it has none of it)."""
    layout = project.layout_for(folder)
    files = layout.select(folder, git.files_at(ref, folder))
    if layout.name != "drizzle":
        return FolderState(files)
    journal = parse_journal(git.show(ref, os.path.join(folder, JOURNAL)))
    unlisted = [f for f in files if _tag(f) not in journal.tags]
    texts = git.show_many(ref, unlisted)
    return FolderState(files, journal, {f: _first_line_of(texts[f]) for f in unlisted})


def _tag(path: str) -> str:
    return os.path.basename(path).removesuffix(".sql")


def _first_line(path: str, max_bytes: int) -> str:
    try:
        return _first_line_of(read_text(path, max_bytes))
    except InputError:
        return ""  # linting the file reports why it is not read


def _first_line_of(text: str | None) -> str:
    return (text or "").lstrip().split("\n", 1)[0]


def folder_problems(
    folder: str,
    layout: Layout,
    project: Project,
    state: FolderState,
    named: Iterable[str] | None = None,
    committed: set[str] | None = None,
) -> list[Diagnostic]:
    """Naming, sequence and journal problems of one migrations folder.

    `named`: the files whose names to check (default: all); `committed`: the files already
    committed, to catch a new migration that sorts before one of them.
    """
    files = state.files
    problems = [naming_problem(f, layout, project) for f in (files if named is None else named)]
    in_journal = files
    drizzle = layout.name == "drizzle"
    if drizzle:
        journal = journal_problems(folder, files, state.journal, state.first_lines)
        problems.extend(journal)
        # Files the journal leaves out never run: that is their problem, not their number.
        missing = {d.path for d in journal if d.path != os.path.join(folder, JOURNAL)}
        in_journal = [f for f in files if f not in missing]
    problems.extend(sequence_problems(in_journal, layout, drizzle, committed))
    # drizzle's migrator goes by the journal's `when`, which journal-mismatch checks, not names.
    if committed is not None and not drizzle:
        problems.extend(out_of_order(files, layout, committed))
    return [p for p in problems if p is not None]


def problems_since(
    base: str | None,
    base_label: str,
    folder: str,
    project: Project,
    named: Iterable[str] | None = None,
    list_old: bool = True,
) -> list[Diagnostic]:
    """The folder's problems, failing only for those the change since `base` made.

    Problems the folder already had at `base` are `info`: each one when `list_old`, else one
    finding that counts them (the hooks and `ci`, where they would repeat on every change).
    """
    layout = project.layout_for(folder)
    if base is None or not git.is_inside(folder):
        # No commit, or a folder of another tree: nothing to compare with.
        return folder_problems(folder, layout, project, state_on_disk(folder, project), named)
    # git names files from the working directory: compare the folder's files the same way.
    folder = os.path.relpath(folder)
    named = None if named is None else [os.path.relpath(f) for f in named]
    previous = state_at(base, folder, project)
    current = folder_problems(
        folder, layout, project, state_on_disk(folder, project), named, set(previous.files)
    )
    if not previous.files:
        return current  # a new folder: everything in it is the change's
    before = folder_problems(folder, layout, project, previous)
    known = {(p.rule, p.path, p.message) for p in before}
    new = [p for p in current if (p.rule, p.path, p.message) not in known]
    old = [p for p in current if (p.rule, p.path, p.message) in known]
    if not old:
        return new
    if list_old:
        note = f" (already in {base_label}: not made by this change)"
        return new + [
            dataclasses.replace(p, severity=Severity.INFO, message=p.message + note) for p in old
        ]
    rules = ", ".join(sorted({p.rule for p in old}))
    count = f"{len(old)} older problem{'s' if len(old) != 1 else ''}"
    summary = Diagnostic(
        OLDER_PROBLEMS,
        Severity.INFO,
        folder,
        1,
        1,
        1,
        1,
        f"{count} in {folder} ({rules}) that {base_label} already had: they do not fail",
        f"`migration-lint check-naming {folder}` lists them.",
    )
    return [*new, summary]


def naming_problem(path: str, layout: Layout, project: Project) -> Diagnostic | None:
    name = layout.migration_name(path)
    if project.naming is not None:
        if project.naming.fullmatch(name):
            return None
        convention = f"the configured pattern {project.naming.pattern!r}"
    elif layout.pattern.match(name):
        return None
    else:
        convention = f"the {layout.name} convention: {layout.convention}"
    return _error(
        "migration-naming",
        path,
        f"{name!r} does not follow {convention}",
        "Rename the file before it is committed; once a migration has run anywhere, its name "
        "is part of the history.",
    )


def sequence_problems(
    files: Sequence[str],
    layout: Layout,
    journal: bool = False,
    committed: set[str] | None = None,
) -> list[Diagnostic]:
    """Duplicate versions where the runner tells migrations apart by version, and skipped
    numbers where versions count up one by one."""
    by_version: dict[str, list[str]] = defaultdict(list)
    # Committed files first, so a clash is reported on the newcomer.
    for file in sorted(files, key=lambda f: f not in (committed or ())):
        version = layout.version(file)
        if version:
            by_version[version].append(file)
    problems = [
        _error(
            "migration-sequence",
            clash,
            f"version {version} is used by {len(clashes)} migrations: "
            + ", ".join(layout.migration_name(f) for f in clashes),
            "Renumber the newer one after the last migration (regenerate it after merging).",
        )
        for version, clashes in by_version.items()
        if len(clashes) > 1 and layout.unique_versions
        for clash in clashes[1:]
    ]
    # Counters (not timestamps) should have no gaps, unless the runner does not mind them; a
    # drizzle journal's idx already reports them, so not twice.
    counters = by_version and all(v.isdigit() and len(v) <= 6 for v in by_version)
    if counters and not journal and not layout.gaps_allowed:
        by_number = {int(version): clashes[0] for version, clashes in by_version.items()}
        numbers = sorted(by_number)
        problems.extend(
            _error(
                "migration-sequence",
                by_number[high],
                f"the sequence skips from {low} to {high}",
                "Number migrations one after another; a gap usually means a migration was "
                "deleted or never committed.",
            )
            for low, high in itertools.pairwise(numbers)
            if high > low + 1
        )
    return problems


def out_of_order(files: Sequence[str], layout: Layout, committed: set[str]) -> list[Diagnostic]:
    """New migrations that sort before the last committed one: runners skip or reject them."""
    # A committed name without a version (a stray `manual_fix/`) orders nothing.
    old = [f for f in files if f in committed and layout.version(f)]
    if not old:
        return []
    last = max(old, key=layout.order_key)
    return [
        _error(
            "migration-sequence",
            file,
            f"new migration {layout.migration_name(file)!r} sorts before the committed "
            f"{layout.migration_name(last)!r}; databases that ran that one skip or reject it",
            "Regenerate it (or renumber it) after the last committed migration.",
        )
        for file in files
        if file not in committed and layout.order_key(file) < layout.order_key(last)
    ]


def is_schema_file(path: str, schema: Iterable[str]) -> bool:
    return any(
        fnmatch.fnmatch(path, pattern) or path.startswith(pattern.rstrip("/") + "/")
        for pattern in schema
    )


def is_migration(path: str, project: Project) -> bool:
    """An up migration: in a configured migrations folder, or, with none configured, named as
    its folder's layout names migrations (so src/queries/report.sql is not one)."""
    if not path.endswith(".sql"):
        return False
    folder = migrations_folder(path)
    if project.folders and folder not in project.folders:
        return False
    if not os.path.isdir(folder):
        return bool(project.folders)
    layout = project.layout_for(folder)
    if layout.is_down(os.path.basename(path)):
        return False  # a rollback, not a migration of its own
    return bool(project.folders) or layout.pattern.match(layout.migration_name(path)) is not None


MIGRATION_NOT_NEEDED = "Migration-Not-Needed"


def change_problems(
    changes: Sequence[Change], project: Project, base: str | None = None
) -> list[Diagnostic]:
    """A schema change without a migration, and edits to committed migrations.

    `base`: the commit the changes are made on, to tell a drizzle migration that ran (its
    journal listed it there) from a stray file that never did.
    """
    problems = []
    migrations = [c for c in changes if is_migration(c.path, project)]
    # With no schema files configured, only edits to migrations are checked.
    schema_changes = [c for c in changes if is_schema_file(c.path, project.schema)]
    if schema_changes and not any(c.status in "AM" for c in migrations):
        for change in schema_changes:
            problems.append(
                _error(
                    "missing-migration",
                    change.path,
                    f"the schema file {change.path} changed but no migration was added or "
                    "changed with it",
                    "Generate the migration (drizzle-kit generate) and commit it with the schema "
                    "change. If the change needs no SQL (relations(), comments, types): skip "
                    "this hook for the commit with SKIP=migration-lint-require-migration, and "
                    f"for CI add the trailer `{MIGRATION_NOT_NEEDED}: <reason>` to the message "
                    "of the commit that changes the schema file.",
                )
            )
    never_ran = _unlisted_at(base, {migrations_folder(c.path) for c in migrations}, project)
    for change in migrations:
        if change.path in never_ran:
            continue  # drizzle's migrator never ran it: editing or moving it out is safe
        if change.status == "M":
            problems.append(
                _error(
                    "edited-migration",
                    change.path,
                    f"committed migration {change.path} was edited; databases that already ran it "
                    "will not run it again",
                    "Restore it as committed (git checkout <base> -- FILE; HEAD before a commit) "
                    "and put the change in a new migration.",
                )
            )
        elif change.status == "D":
            problems.append(
                _error(
                    "edited-migration",
                    change.path,
                    f"committed migration {change.path} was deleted or renamed; databases that ran "
                    "it keep its changes, and runners that track it by name lose it",
                    "Restore it under its name (git checkout <base> -- FILE; HEAD before a "
                    "commit); undo its effect, if needed, in a new migration.",
                )
            )
    return problems


def _unlisted_at(base: str | None, folders: set[str], project: Project) -> set[str]:
    """The drizzle migrations in `folders` that the journal at `base` does not list."""
    unlisted: set[str] = set()
    if base is None:
        return unlisted
    for folder in folders:
        layout = project.layout_for(folder) if os.path.isdir(folder) else None
        if layout is None or layout.name != "drizzle":
            continue
        journal = parse_journal(git.show(base, os.path.join(folder, JOURNAL)))
        if journal.unreadable:
            continue  # no journal to tell: every committed migration may have run
        tags = journal.tags
        files = layout.select(folder, git.files_at(base, folder))
        unlisted.update(f for f in files if _tag(f) not in tags)
    return unlisted


def allow_by_trailer(problems: list[Diagnostic], base: str, project: Project) -> list[Diagnostic]:
    """`missing-migration` findings allowed by a `Migration-Not-Needed: <reason>` trailer on a
    commit since `base` that changes the schema file."""
    if not any(p.rule == "missing-migration" for p in problems):
        return problems
    reasons: dict[str, str] = {}
    for commit, reason in git.trailer_commits(base, MIGRATION_NOT_NEEDED):
        for path in git.commit_changes(commit):
            if is_schema_file(path, project.schema):
                reasons.setdefault(path, reason)
    return [
        dataclasses.replace(p, allowed=True, reason=reasons[p.path])
        if p.rule == "missing-migration" and p.path in reasons
        else p
        for p in problems
    ]
