"""require-lock-timeout (opt-in): blocking DDL with no lock_timeout to bound the wait."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import (
    AddColumn,
    AddConstraint,
    AlterColumnType,
    CreateIndex,
    DropColumn,
    DropIndex,
    DropTable,
    Operation,
    RenameColumn,
    RenameTable,
    SetNotNull,
)
from migration_lint.registry import rule


@rule(
    id="require-lock-timeout",
    severity=Severity.WARNING,
    example_schema='CREATE TABLE "users" ("id" bigint PRIMARY KEY);',
    inspects=(
        AddColumn,
        AddConstraint,
        AlterColumnType,
        CreateIndex,
        DropColumn,
        DropIndex,
        DropTable,
        RenameColumn,
        RenameTable,
        SetNotNull,
    ),
    default=False,
    summary="Set lock_timeout before DDL that takes a blocking lock on an existing table.",
    rationale=(
        "A DDL statement waiting for its lock behind a long query blocks every query queued after "
        "it, even ones its own lock would let through. lock_timeout makes it give up (and the "
        "migration fail, to be retried) instead of taking the application down."
    ),
    bad='ALTER TABLE "users" ADD COLUMN "locale" text;',
    good='SET lock_timeout = \'2s\';\nALTER TABLE "users" ADD COLUMN "locale" text;',
)
def require_lock_timeout(op: Operation, ctx: Context) -> Iterator[tuple[str, str]]:
    table = getattr(op, "table", None)
    if ctx.lock_timeout_set or getattr(op, "concurrently", False):
        return
    if table is not None and ctx.is_new_table(table):
        return
    if not ctx.first_in_migration("require-lock-timeout"):
        return
    yield (
        "This migration takes blocking locks on existing tables without a lock_timeout, so a "
        "wait behind a long query stalls every query queued behind it (reads too, for an ACCESS "
        "EXCLUSIVE lock).",
        "Start the migration with\n   SET lock_timeout = '2s';\nand retry it if it times out.",
    )
