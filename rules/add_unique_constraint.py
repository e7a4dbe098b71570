"""add-unique-constraint: UNIQUE or PRIMARY KEY built under an ACCESS EXCLUSIVE lock."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import partitioned_index_steps
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import AddConstraint, quote
from migration_lint.registry import rule


@rule(
    id="add-unique-constraint",
    severity=Severity.WARNING,
    example_schema='CREATE TABLE "users" ("id" bigint PRIMARY KEY, "email" text);',
    inspects=(AddConstraint,),
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
def add_unique_constraint(op: AddConstraint, ctx: Context) -> Iterator[tuple[str, str]]:
    constraint = op.constraint
    if constraint.kind not in ("unique", "primary_key") or constraint.using_index:
        return
    if ctx.is_new_table(op.table):
        return
    table = op.table.sql
    kind = "UNIQUE" if constraint.kind == "unique" else "PRIMARY KEY"
    base = constraint.name or f"{op.table.name}_{'_'.join(constraint.columns)}_key"
    name, index = quote(base), quote(f"{base}_idx"[:63])
    columns = ", ".join(quote(c) for c in constraint.columns) or "<columns>"
    note = ctx.outside_transaction()
    if ctx.is_partitioned(op.table):
        yield (
            f"Adding {kind} {name} builds its index on partitioned table {table} and every "
            f"partition while holding the lock. " + ctx.lock("ACCESS EXCLUSIVE", table),
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
        f"Adding {kind} {name} builds its index on {table} while holding the lock. "
        + ctx.lock("ACCESS EXCLUSIVE", table),
        f"Build the index first, then attach it:\n"
        f"1. CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {index} ON {table} ({columns});  "
        f"-- outside a transaction\n"
        + (f"   {note}\n" if note else "")
        + f"2. ALTER TABLE {table} ADD CONSTRAINT {name} {kind} USING INDEX {index};  -- instant"
        + (
            "\nFor a PRIMARY KEY the columns must already be NOT NULL, or step 2 scans the table "
            "to set it (see `migration-lint rules set-not-null`)."
            if constraint.kind == "primary_key"
            else ""
        ),
    )
