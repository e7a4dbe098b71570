"""`migration-lint rollback`: undo the newest migrations applied to a database by their
rollback plans, for runners that have no `down` of their own (drizzle, Prisma) and for those
that do, the same checked way.

1. Read the runner's bookkeeping (read-only): which of the folder's migrations are applied.
   It must match the files (bookkeeping_rows.py), and be the folder's first migrations.
2. The migrations to undo, newest first: the newest, or every one applied after `--to`. Each
   must have a rollback plan (rollback_plan.py).
3. Check the plans on a scratch database as `verify --rollback` does: each must restore the
   schema its migration started from.
4. Only then, and only when asked: one transaction with a lock_timeout that locks the
   bookkeeping table (no deploy can run meanwhile), reads it again, and runs each plan and the
   bookkeeping change that makes the runner apply the migration again.

Anything that stops it is an InputProblem (exit 2), before anything is written.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import InputProblem
from ..layouts import Layout
from ..linter import FolderPlan, Settings
from ..project import Project
from ..rollback_plan import RollbackPlan, rollback_plan
from ..source import InputError, read_source
from .bookkeeping_rows import Applied, Bookkeeping, Write, bookkeeping_of
from .connect import LOCK_TIMEOUT, DatabaseError, connect, one_line
from .plans import PlanFailed, run_plan, shown
from .server import ScratchHost
from .urls import Target
from .verify import Verified, run_order, verify_folder

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
    files: tuple[str, ...]  # the folder's migrations, in the runner's order
    folder: FolderPlan  # the migrations through the newest applied; the ones to undo requested
    bookkeeping: Bookkeeping
    applied: tuple[Applied, ...]  # as read: read again in the transaction, it must not differ
    steps: tuple[Step, ...]  # newest first


def plan_rollback(database: Target, folder: str, project: Project, to: str | None) -> Rollback:
    """What undoing the newest migration (or every one after `to`) of `folder` takes, read
    from `database` without writing to it."""
    layout = project.layout_for(folder)
    bookkeeping = bookkeeping_of(layout)
    try:
        files = run_order(layout, project.files(folder), project.max_file_bytes)
        with connect(database, read_only=True) as connection:
            applied = _applied(bookkeeping, connection, layout, files)
        _check_history(applied, files)
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
            steps.append(Step(applied[index], plan, bookkeeping.forget(applied[index], previous)))
    except InputError as exc:
        raise InputProblem(f"{exc.path}: {exc.message}") from None
    through = files[: len(applied)]
    requested = {step.applied.path for step in steps}
    return Rollback(
        tuple(files),
        FolderPlan(layout, through, requested),
        bookkeeping,
        tuple(applied),
        tuple(steps),
    )


def _applied(
    bookkeeping: Bookkeeping,
    connection: psycopg.Connection[tuple[object, ...]],
    layout: Layout,
    files: list[str],
) -> list[Applied]:
    """The applied migrations in the folder's order: the order the scratch check applies them
    in, and so undoes them in (a runner that applied one out of order, goose with
    --allow-missing, is no exception)."""
    applied = bookkeeping.read(connection, layout, files)
    return sorted(applied, key=lambda a: files.index(a.path))


def _check_history(applied: list[Applied], files: list[str]) -> None:
    """The applied migrations must be the folder's first ones: the scratch check applies
    those, and a migration skipped by the database would be applied there, not here."""
    done = {a.path for a in applied}
    if not applied:
        raise InputProblem("no migration of this folder is applied: nothing to roll back")
    for path in files[: len(applied)]:
        if path not in done:
            later = next(f for f in files[len(applied) :] if f in done)
            raise InputProblem(
                f"{path} is not applied, and the later {later} is: the database's history is "
                "not the folder's order, and rollback would check another one; nothing was "
                "changed"
            )


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
    bookkeeping = rollback.bookkeeping
    lines = [
        f"-- Roll back {len(rollback.steps)} migration(s) on {database.shown} "
        f"({bookkeeping.runner}, {bookkeeping.table}), newest first.",
        "BEGIN;",
        f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}';",
        _lock(bookkeeping) + ";",
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
    bookkeeping = rollback.bookkeeping
    layout = rollback.folder.layout
    # Whatever stops it, leaving the `with` rolls the transaction back.
    with connect(database, read_only=False) as connection:
        pg_version = connection.info.server_version // 10000
        connection.execute("BEGIN")
        connection.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        connection.execute(_lock(bookkeeping))
        now = _applied(bookkeeping, connection, layout, list(rollback.files))
        if now != list(rollback.applied):
            raise InputProblem(
                f"{bookkeeping.table} changed since it was read (is a deploy running?): "
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
                    f"{bookkeeping.table}: no row to change for {step.applied.path}: nothing "
                    "was changed"
                )
        connection.execute("COMMIT")


def _lock(bookkeeping: Bookkeeping) -> str:
    # Blocks the runner's own writes (a deploy) until the rollback commits; reads go on.
    return f"LOCK TABLE {bookkeeping.table} IN SHARE ROW EXCLUSIVE MODE"
