"""`migration-lint rollback`: undo the newest migrations applied to a database by their
rollback plans, for runners that have no `down` of their own (drizzle, Prisma) and for those
that do, the same checked way.

1. Read the runner's bookkeeping (read-only) as `status` does: which of the folder's migrations
   are applied. Every one must be applied or pending as status sees it (none changed after it
   was applied, failed, ...), and the applied ones must be the folder's first migrations.
2. The migrations to undo, newest first: the newest, or every one applied after `--to`. Each
   must have a rollback plan (rollback_plan.py).
3. Check the plans on a scratch database as `verify --rollback` does: each must restore the
   schema its migration started from.
4. Only then, and only when asked: one transaction with a lock_timeout that locks the
   bookkeeping table (no deploy can run meanwhile), reads it again, and runs each plan and the
   bookkeeping change that makes the runner apply the migration again (bookkeeping_rows.py).

Anything that stops it is an InputProblem (exit 2), before anything is written.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import InputProblem
from ..linter import FolderPlan, Settings
from ..project import Project
from ..rollback_plan import RollbackPlan, rollback_plan
from ..source import InputError, read_source
from .bookkeeping import read_bookkeeping
from .bookkeeping_rows import Applied, BookkeepingWriter, Write, writer_of
from .connect import LOCK_TIMEOUT, DatabaseError, connect, one_line
from .folder import Migration
from .plans import PlanFailed, run_plan, shown
from .server import ScratchHost
from .state import State
from .status import Entry, compare, folder_migrations
from .urls import Target
from .verify import Verified, verify_folder

if TYPE_CHECKING:
    import psycopg


@dataclass(frozen=True)
class Step:
    """One migration to undo: its plan, and the bookkeeping change that forgets it."""

    applied: Applied
    plan: RollbackPlan
    forget: Write


@dataclass(frozen=True)
class Rollback:
    migrations: tuple[Migration, ...]  # the folder's, in the runner's order
    folder: FolderPlan  # the migrations through the newest applied; the ones to undo requested
    writer: BookkeepingWriter
    applied: tuple[Applied, ...]  # as read: read again in the transaction, it must not differ
    steps: tuple[Step, ...]  # newest first


def plan_rollback(database: Target, folder: str, project: Project, to: str | None) -> Rollback:
    """What undoing the newest migration (or every one after `to`) of `folder` takes, read
    from `database` without writing to it."""
    import psycopg

    layout = project.layout_for(folder)
    writer = writer_of(layout)
    try:
        migrations = folder_migrations(folder, project, layout)
        with connect(database, read_only=True) as connection:
            try:
                applied = _applied(connection, writer, migrations)
            except psycopg.Error as exc:
                raise DatabaseError(database.shown, one_line(exc, database)) from None
        undone = _undone(applied, to, layout.migration_name, layout.version)
        steps = []
        for index in undone:
            path = applied[index].path
            plan = rollback_plan(layout, path, read_source(path).text)
            if plan is None:
                raise InputProblem(
                    f"{path} has no rollback plan (no down migration, no `-- rollback:` "
                    "block): write one, or undo it by hand; nothing was changed"
                )
            previous = applied[index - 1] if index else None
            steps.append(Step(applied[index], plan, writer.forget(applied[index], previous)))
    except InputError as exc:
        raise InputProblem(f"{exc.path}: {exc.message}") from None
    through = [migration.path for migration in migrations[: len(applied)]]
    requested = {step.applied.path for step in steps}
    return Rollback(
        tuple(migrations),
        FolderPlan(layout, through, requested),
        writer,
        tuple(applied),
        tuple(steps),
    )


def _applied(
    connection: psycopg.Connection[tuple[object, ...]],
    writer: BookkeepingWriter,
    migrations: list[Migration],
) -> list[Applied]:
    """The applied migrations in the folder's order, read as `status` reads them: the order the
    scratch check applies them in, and so undoes them in. Refuses bookkeeping that does not
    match the files, or whose applied migrations are not the folder's first ones (the scratch
    check applies those: a migration the database skipped would be applied there, not here)."""
    runner = writer.runner
    bookkeeping = read_bookkeeping(connection, runner)
    if not bookkeeping.found:
        raise InputProblem(
            f"no table {writer.table} in this database: {runner.name} has applied nothing here "
            "(or keeps its bookkeeping in a table of another name, which rollback cannot read)"
        )
    entries = compare(migrations, bookkeeping.records, runner.name)
    for entry in entries:
        if entry.state not in (State.APPLIED, State.PENDING):
            raise InputProblem(
                f"{writer.table} does not match the migration files: {_mismatch(entry)}"
            )
    applied: list[Applied] = []
    pending: Entry | None = None
    for migration, entry in zip(migrations, entries, strict=True):
        if entry.state is State.PENDING:
            pending = pending or entry
        elif pending is not None:
            raise InputProblem(
                f"{pending.path} is not applied, and the later {entry.path} is: the database's "
                "history is not the folder's order, and rollback would check another one; "
                "nothing was changed"
            )
        else:
            # golang-migrate records only the newest version: the files below it have no row.
            row = entry.record.row if entry.record is not None else migration.version or ()
            applied.append(Applied(migration.path, row))
    if not applied:
        raise InputProblem("no migration of this folder is applied: nothing to roll back")
    return applied


def _mismatch(entry: Entry) -> str:
    record = entry.record
    if entry.state is State.CHANGED and record is not None:
        # drizzle and Prisma, the runners here that record a checksum, record a sha256.
        row = ", ".join(map(str, record.row))
        return (
            f"{entry.path} is not the migration the database applied (row {row}): its sha256 "
            f"differs from the recorded {record.checksum}; was it edited after it was applied?"
        )
    if entry.state is State.DATABASE_ONLY:
        return f"{entry.name} is applied, and has no file here"
    return f"{entry.path or entry.name} ({entry.state.value}): {entry.detail}"


def _undone(
    applied: list[Applied],
    to: str | None,
    name_of: Callable[[str], str],
    version_of: Callable[[str], str | None],
) -> list[int]:
    """The indexes in `applied` of the migrations to undo, newest first."""
    newest = len(applied) - 1
    if to is None:
        return [newest]
    wanted = os.path.normpath(to)

    def names(path: str) -> set[str]:
        version = version_of(path)
        versions = {version, version.lstrip("0")} if version else set()  # 000007 is 7 too
        return {
            os.path.normpath(path),
            name_of(path),
            name_of(path).removesuffix(".sql"),
        } | versions

    matches = [index for index, a in enumerate(applied) if wanted in names(a.path)]
    if not matches:
        raise InputProblem(f"--to {to}: no applied migration of this folder is named so")
    if len(matches) > 1:
        raise InputProblem(f"--to {to}: several applied migrations are named so; give its file")
    if matches[0] == newest:
        raise InputProblem(f"--to {to}: it is the newest applied migration: nothing to roll back")
    return list(range(newest, matches[0], -1))


def check_plans(rollback: Rollback, settings: Settings, host: ScratchHost) -> Verified:
    """Run `verify --rollback` for the migrations to undo on a scratch database, after the
    ones applied before them."""
    verified = Verified()
    verify_folder(rollback.folder, settings, host, verified, rollback=True)
    verified.where = host.where  # known once the scratch database was made
    return verified


def plan_sql(rollback: Rollback, database: Target) -> str:
    """The plan as SQL, as it runs: what `--yes` does, and what a person could run instead."""
    writer = rollback.writer
    lines = [
        f"-- Roll back {len(rollback.steps)} migration(s) on {database.shown} "
        f"({writer.runner.name}, {writer.table}), newest first.",
        "BEGIN;",
        f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}';",
        _lock(writer) + ";",
    ]
    for step in rollback.steps:
        lines.append("")
        for part in step.plan.parts:
            lines.append(f"-- {step.applied.path}: its rollback plan at {part.path}:{part.line}")
            lines.append(shown(part))
        lines.append(step.forget.shown())
    lines += ["", "COMMIT;"]
    return "\n".join(lines)


def run_rollback(database: Target, rollback: Rollback) -> None:
    """Run the plan on `database` in one transaction; nothing is changed unless all of it
    runs. Raises InputProblem (or a DatabaseError) when it does not."""
    import psycopg

    try:
        _run(database, rollback)
    except psycopg.Error as exc:  # a lock not granted in time, a privilege missing, ...
        message = f"{one_line(exc, database)}; it was rolled back: nothing was changed"
        raise DatabaseError(database.shown, message) from None


def _run(database: Target, rollback: Rollback) -> None:
    writer = rollback.writer
    # Whatever stops it, leaving the `with` rolls the transaction back.
    with connect(database, read_only=False) as connection:
        pg_version = connection.info.server_version // 10000
        connection.execute("BEGIN")
        connection.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        connection.execute(_lock(writer))
        now = _applied(connection, writer, list(rollback.migrations))
        if now != list(rollback.applied):
            raise InputProblem(
                f"{writer.table} changed since it was read (is a deploy running?): "
                "nothing was changed"
            )
        for step in rollback.steps:
            try:
                run_plan(connection, step.plan, pg_version)
            except PlanFailed as failed:
                failure = failed.failure
                line, column = failure.position()
                code = f"{failure.sqlstate}: " if failure.sqlstate else ""
                raise InputProblem(
                    f"{failure.part.path}:{line}:{column}: the rollback plan of "
                    f"{step.applied.path} failed on {database.shown}: {code}{failure.message}; "
                    "it was rolled back: nothing was changed"
                ) from None
            written = connection.execute(step.forget.sql, step.forget.params).rowcount
            if written < 1:
                raise InputProblem(
                    f"{writer.table}: no row to change for {step.applied.path}: nothing was changed"
                )
        connection.execute("COMMIT")


def _lock(writer: BookkeepingWriter) -> str:
    # Blocks the runner's own writes (a deploy) until the rollback commits; reads go on.
    return f"LOCK TABLE {writer.table} IN SHARE ROW EXCLUSIVE MODE"
