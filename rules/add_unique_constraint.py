"""add-unique-constraint: UNIQUE or PRIMARY KEY built under an ACCESS EXCLUSIVE lock."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import add_column_first, partitioned_index_steps
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import (
    AddColumn,
    AddConstraint,
    Constraint,
    Name,
    Operation,
    quote,
    reads_existing_rows,
)
from migration_lint.registry import rule


@rule(
    id="add-unique-constraint",
    severity=Severity.WARNING,
    example_schema='CREATE TABLE "users" ("id" bigint PRIMARY KEY, "email" text);',
    inspects=(AddConstraint, AddColumn),
    summary="Adding a UNIQUE or PRIMARY KEY constraint builds its index while blocking all access.",
    rationale=(
        "ALTER TABLE ... ADD UNIQUE / PRIMARY KEY builds the index under an ACCESS EXCLUSIVE lock, "
        "so nothing can read or write the table for the whole build. Build the unique index "
        "concurrently first, then attach it with USING INDEX, which is instant."
    ),
    bad='ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE("email");',
    good='ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE USING INDEX '
    '"users_email_unique_idx";',
)
def add_unique_constraint(op: Operation, ctx: Context) -> Iterator[tuple[str, str]]:
    if isinstance(op, AddColumn):
        if op.column.constraints:  # most columns added have none
            yield from _inline(op, ctx)
        return
    assert isinstance(op, AddConstraint)
    constraint = op.constraint
    if constraint.kind not in ("unique", "primary_key") or constraint.using_index:
        return
    if ctx.is_new_table(op.table) or ctx.skipped(op):
        return
    table = op.table.sql
    kind = _KINDS[constraint.kind]
    base = constraint.name or f"{op.table.name}_{'_'.join(constraint.columns)}_key"
    note = ctx.outside_transaction()
    if ctx.is_partitioned(op.table):
        columns = ", ".join(quote(c) for c in constraint.columns) or "<columns>"
        yield (
            f"Adding {kind} {quote(base)} builds its index on partitioned table {table} and every "
            f"partition while holding the lock. "
            + ctx.lock("ACCESS EXCLUSIVE", table, table=op.table),
            "PostgreSQL supports neither CONCURRENTLY nor a constraint USING INDEX on a "
            "partitioned table, so the constraint itself can only be added under the lock. A "
            "unique index enforces the same uniqueness (its columns must include the partition "
            "key). "
            + partitioned_index_steps(
                ctx, op.table, f"{base}_idx"[:63], constraint.columns, f"({columns})", True
            )
            + (f"\n{note}" if note else ""),
        )
        return
    yield (
        f"Adding {kind} {quote(base)} builds its index on {table} while holding the lock. "
        + ctx.lock("ACCESS EXCLUSIVE", table, table=op.table),
        "Build the index first, then attach it:\n"
        + _build_then_attach(1, op.table, constraint, base, note),
    )


_KINDS = {"unique": "UNIQUE", "primary_key": "PRIMARY KEY"}


def _inline(op: AddColumn, ctx: Context) -> Iterator[tuple[str, str]]:
    """UNIQUE or PRIMARY KEY written in ADD COLUMN: built under the ADD COLUMN's lock."""
    # The column's own constraints first: most columns added have none to build.
    built = [
        constraint
        for constraint in op.column.constraints
        if constraint.kind in _KINDS and reads_existing_rows(op.column, constraint)
    ]
    if not built or ctx.is_new_table(op.table) or ctx.skipped(op):
        return
    table, column = op.table.sql, quote(op.column.name)
    for constraint in built:
        kind = _KINDS[constraint.kind]
        # PostgreSQL's own names for them.
        unique = f"{op.table.name}_{op.column.name}_key"
        base = constraint.name or (
            unique if constraint.kind == "unique" else f"{op.table.name}_pkey"
        )
        start, step, end = add_column_first(
            ctx, op, "build the index without blocking and attach it"
        )
        yield (
            f"Adding column {column} to {table} with {kind} builds its unique index over every "
            f"existing row of {table} under the ADD COLUMN's ACCESS EXCLUSIVE lock. "
            + ctx.lock("ACCESS EXCLUSIVE", table, table=op.table),
            start
            + _build_then_attach(step, op.table, constraint, base, ctx.outside_transaction())
            + end,
        )


def _build_then_attach(step: int, table: Name, constraint: Constraint, base: str, note: str) -> str:
    """`note`: how the CONCURRENTLY build leaves the runner's transaction ("" when none)."""
    kind = _KINDS[constraint.kind]
    name, index = quote(base), quote(f"{base}_idx"[:63])
    columns = ", ".join(quote(c) for c in constraint.columns) or "<columns>"
    return (
        f"{step}. CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {index} ON {table.sql} "
        f"({columns});  -- outside a transaction\n"
        + (f"   {note}\n" if note else "")
        + f"{step + 1}. ALTER TABLE {table.sql} ADD CONSTRAINT {name} {kind} USING INDEX {index};  "
        "-- instant"
        + (
            "\nFor a PRIMARY KEY the columns must already be NOT NULL, or the last step scans "
            "the table to set it (see `migration-lint rules set-not-null`)."
            if constraint.kind == "primary_key"
            else ""
        )
    )
