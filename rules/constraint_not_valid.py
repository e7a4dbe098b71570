"""constraint-not-valid: a FOREIGN KEY or CHECK validated while holding a blocking lock."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.context import Context, default_constraint_name
from migration_lint.diagnostic import Severity
from migration_lint.operations import AddConstraint, Operation, ValidateConstraint, quote
from migration_lint.registry import rule


@rule(
    id="constraint-not-valid",
    severity=Severity.WARNING,
    example_schema=(
        'CREATE TABLE "users" ("id" bigint PRIMARY KEY);\n'
        'CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "user_id" bigint);'
    ),
    inspects=(AddConstraint, ValidateConstraint),
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
                f"Keep the NOT VALID add here and validate {ctx.later_step}:\n"
                f"   ALTER TABLE {op.table.sql} VALIDATE CONSTRAINT {quote(op.name)};",
            )
        return
    assert isinstance(op, AddConstraint)
    constraint = op.constraint
    if constraint.kind not in ("foreign_key", "check") or constraint.not_valid:
        return
    if ctx.is_new_table(op.table):
        return
    table = op.table.sql
    taken = {c.name: c for c in ctx.constraints(op.table) if c.name}
    given = constraint.name or default_constraint_name(op.table.name, constraint, taken)
    name = quote(given) if given else '"<constraint name>"'
    if constraint.kind == "foreign_key" and constraint.references:
        what = f"Adding foreign key {name} checks every row of {table} against "
        what += f"{constraint.references.sql}. " + ctx.lock("SHARE ROW EXCLUSIVE", "both tables")
    else:
        what = f"Adding check constraint {name} checks every row of {table}. "
        what += ctx.lock("ACCESS EXCLUSIVE", table)
    if op.sql:
        add_not_valid = f"{op.sql} NOT VALID;  -- instant; new rows are checked"
    elif constraint.kind == "foreign_key" and constraint.references:
        # One of several commands of its ALTER TABLE: its own statement, written again.
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
        f"Add it without the scan, then validate without blocking:\n"
        f"1. {add_not_valid}\n"
        f"2. Then, {ctx.later_step}:\n"
        f"   ALTER TABLE {table} VALIDATE CONSTRAINT {name};  "
        f"-- SHARE UPDATE EXCLUSIVE: reads and writes continue",
    )
