"""Checks on a migrations folder and on what a commit changes, rather than on SQL.

Each returns diagnostics for rules the linter reports itself: migration-naming,
migration-sequence, journal-mismatch (drizzle), missing-migration and edited-migration.
"""

from __future__ import annotations

import fnmatch
import itertools
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence

from .diagnostic import Diagnostic, Severity
from .discovery import migrations_folder
from .drizzle import JOURNAL, journal_problems
from .git import Change
from .layouts import Layout
from .project import Project


def _error(rule: str, path: str, message: str, help_text: str = "") -> Diagnostic:
    return Diagnostic(rule, Severity.ERROR, path, 1, 1, 1, 1, message, help_text)


def folder_problems(
    folder: str,
    layout: Layout,
    project: Project,
    named: Iterable[str] | None = None,
    committed: set[str] | None = None,
) -> list[Diagnostic]:
    """Naming, sequence and journal problems of one migrations folder.

    `named`: the files whose names to check (default: all); `committed`: the files already
    committed, to catch a new migration that sorts before one of them.
    """
    files = layout.files(folder)
    problems = [naming_problem(f, layout, project) for f in (files if named is None else named)]
    in_journal = files
    if layout.name == "drizzle":
        journal = journal_problems(folder, files)
        problems.extend(journal)
        # Files the journal leaves out never run: that is their problem, not their number.
        missing = {d.path for d in journal if d.path != os.path.join(folder, JOURNAL)}
        in_journal = [f for f in files if f not in missing]
    drizzle = layout.name == "drizzle"
    problems.extend(sequence_problems(in_journal, layout, drizzle, committed))
    # drizzle's migrator goes by the journal's `when`, which journal-mismatch checks, not names.
    if committed is not None and not drizzle:
        problems.extend(out_of_order(files, layout, committed))
    return [p for p in problems if p is not None]


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
    old = [f for f in files if f in committed]
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


def change_problems(changes: Sequence[Change], project: Project) -> list[Diagnostic]:
    """A schema change without a migration, and edits to committed migrations."""
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
                    "change; if the change needs no SQL (comments, formatting), commit the schema "
                    "file with `--no-verify`, or set SKIP=migration-lint-require-migration.",
                )
            )
    for change in migrations:
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
