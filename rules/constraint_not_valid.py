"""constraint-not-valid: a FOREIGN KEY or CHECK validated while holding a blocking lock."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import add_column_first, constraint_name
from migration_lint.context import Context, default_constraint_name
from migration_lint.diagnostic import Severity
from migration_lint.operations import (
    AddColumn,
    AddConstraint,
    Name,
    Operation,
    ValidateConstraint,
    quote,
    reads_existing_rows,
)
from migration_lint.registry import rule


@rule(
    id="constraint-not-valid",
    severity=Severity.WARNING,
    example_schema=(
        'CREATE TABLE "users" ("id" bigint PRIMARY KEY);\n'
        'CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "user_id" bigint);'
    ),
    inspects=(AddConstraint, AddColumn, ValidateConstraint),
    summary="Adding a FOREIGN KEY or CHECK without NOT VALID scans the table under a blocking "
    "lock.",
    rationale=(
        "Adding a foreign key or check constraint checks every existing row while holding a lock "
        "that blocks writes (SHARE ROW EXCLUSIVE on both tables for a foreign key, ACCESS "
        "EXCLUSIVE for a check). Adding it NOT VALID is instant, and a later VALIDATE CONSTRAINT "
        "scans under a lock that lets reads and writes continue, but only in a transaction of its "
        "own: validating in the transaction that added it keeps the add's lock for the scan."
    ),
    bad='ALTER TABLE "orders" ADD CONSTRAINT "orders_user_id_fk" FOREIGN KEY ("user_id") '
    'REFERENCES "public"."users"("id");',
    good='ALTER TABLE "orders" ADD CONSTRAINT "orders_user_id_fk" FOREIGN KEY ("user_id") '
    'REFERENCES "public"."users"("id") NOT VALID;',
)
def constraint_not_valid(op: Operation, ctx: Context) -> Iterator[tuple[str, str]]:
    if isinstance(op, ValidateConstraint):
        if (op.table.key, op.name) in ctx.not_valid_in_transaction:
            yield (
                f"VALIDATE CONSTRAINT {quote(op.name)} runs in the same transaction that added it "
                f"NOT VALID, so the add's lock on {op.table.sql} is held for the whole scan.",
                f"Keep the NOT VALID add here and validate {ctx.later_transaction()}:\n"
                f"   ALTER TABLE {op.table.sql} VALIDATE CONSTRAINT {quote(op.name)};",
            )
        return
    if isinstance(op, AddColumn):
        if op.column.constraints:  # most columns added have none
            yield from _inline(op, ctx)
        return
    assert isinstance(op, AddConstraint)
    constraint = op.constraint
    if constraint.kind not in ("foreign_key", "check") or constraint.not_valid:
        return
    if ctx.is_new_table(op.table) or ctx.skipped(op):
        return
    table = op.table.sql
    taken = {c.name: c for c in ctx.constraints(op.table) if c.name}
    given = constraint.name or default_constraint_name(op.table.name, constraint, taken)
    name = quote(given) if given else '"<constraint name>"'
    if constraint.kind == "foreign_key" and constraint.references:
        what = f"Adding foreign key {name} checks every row of {table} against "
        what += f"{constraint.references.sql}. " + ctx.lock(
            "SHARE ROW EXCLUSIVE", "both tables", table=(op.table, constraint.references)
        )
    else:
        what = f"Adding check constraint {name} checks every row of {table}. "
        what += ctx.lock("ACCESS EXCLUSIVE", table, table=op.table)
    if op.sql:
        add_not_valid = f"{op.sql} NOT VALID;  -- instant; new rows are checked"
    elif constraint.kind == "foreign_key" and constraint.references:
        # Read from a DO block: its own statement, written again.
        columns = ", ".join(quote(c) for c in constraint.columns)
        add_not_valid = (
            f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({columns}) REFERENCES "
            f"{constraint.references.sql} NOT VALID;  -- with its referenced columns and "
            "ON DELETE/ON UPDATE as written"
        )
    else:
        add_not_valid = (
            f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK (<condition as written>) "
            "NOT VALID;  -- instant; new rows are checked"
        )
    yield (
        what,
        "Add it without the scan, then validate without blocking:\n"
        f"1. {add_not_valid}\n" + _validate_later(2, op.table, name, ctx),
    )


def _inline(op: AddColumn, ctx: Context) -> Iterator[tuple[str, str]]:
    """REFERENCES or CHECK written in ADD COLUMN: checked under the ADD COLUMN's lock."""
    # The column's own constraints first: most columns added have none to check.
    checked = [
        constraint
        for constraint in op.column.constraints
        if constraint.kind in ("foreign_key", "check")
        and reads_existing_rows(op.column, constraint)
    ]
    if not checked or ctx.is_new_table(op.table) or ctx.skipped(op):
        return
    table, column = op.table.sql, quote(op.column.name)
    for constraint in checked:
        foreign_key = constraint.kind == "foreign_key"
        name = (
            quote(constraint.name)
            if constraint.name
            else constraint_name(op.table, op.column.name, "fkey" if foreign_key else "check")
        )
        locked = ctx.lock("ACCESS EXCLUSIVE", table, table=op.table)
        if foreign_key and constraint.references:
            referenced = constraint.references
            what = (
                f"Adding column {column} to {table} with REFERENCES {referenced.sql} checks the "
                f"value every existing row of {table} gets against {referenced.sql}, under the "
                f"ADD COLUMN's ACCESS EXCLUSIVE lock. {locked} "
                + ctx.lock("SHARE ROW EXCLUSIVE", referenced.sql, table=referenced)
            )
            add = f"FOREIGN KEY ({column}) {constraint.clause}"
        else:
            what = (
                f"Adding column {column} to {table} with {constraint.clause} checks every "
                f"existing row of {table} under the ADD COLUMN's ACCESS EXCLUSIVE lock. {locked}"
            )
            add = constraint.clause
        start, step, end = add_column_first(
            ctx, op, "the constraint without the scan, and validate it without blocking"
        )
        yield (
            what,
            f"{start}{step}. ALTER TABLE {table} ADD CONSTRAINT {name} {add} NOT VALID;  "
            "-- instant; new rows are checked\n"
            + _validate_later(step + 1, op.table, name, ctx)
            + end,
        )


def _validate_later(step: int, table: Name, name: str, ctx: Context) -> str:
    return (
        f"{step}. Then, {ctx.later_transaction()}:\n"
        f"   ALTER TABLE {table.sql} VALIDATE CONSTRAINT {name};  "
        "-- SHARE UPDATE EXCLUSIVE: reads and writes continue"
    )
