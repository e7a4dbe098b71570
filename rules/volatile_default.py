"""volatile-default: ADD COLUMN with a default that differs per row, which rewrites the table."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint import advice
from migration_lint.context import Context, sequence_name
from migration_lint.diagnostic import Severity
from migration_lint.operations import AddColumn, literal, quote
from migration_lint.registry import rule


@rule(
    id="volatile-default",
    severity=Severity.WARNING,
    example_schema='CREATE TABLE "orders" ("id" bigint PRIMARY KEY);',
    inspects=(AddColumn,),
    summary="Adding a column whose default differs per row (gen_random_uuid(), random(), a "
    "serial) rewrites the table.",
    rationale=(
        "Since PostgreSQL 11 a constant default is stored once in the catalog, so ADD COLUMN is "
        "instant. A volatile default must be computed for every existing row, so the table and "
        "its indexes are rewritten under an ACCESS EXCLUSIVE lock."
    ),
    bad='ALTER TABLE "orders" ADD COLUMN "public_id" uuid DEFAULT gen_random_uuid() NOT NULL;',
    good='ALTER TABLE "orders" ADD COLUMN "public_id" uuid;\n'
    'ALTER TABLE "orders" ALTER COLUMN "public_id" SET DEFAULT gen_random_uuid();',
)
def volatile_default(op: AddColumn, ctx: Context) -> Iterator[tuple[str, str]]:
    column = op.column
    default = advice.volatile_default(column)
    if not (default or column.serial) or ctx.pg_version < 11 or ctx.is_new_table(op.table):
        return
    if ctx.skipped(op):  # IF NOT EXISTS of a column that exists
        return
    table, name = op.table.sql, quote(column.name)
    # The message names the function (a default may be long); the help writes it whole.
    volatile = sorted(column.default_functions & advice.VOLATILE_FUNCTIONS)
    what = (
        f"a default that calls the volatile {volatile[0]}()"
        if volatile
        else f"the volatile default nextval({literal(sequence_name(op.table, column.name).sql)})"
    )
    steps, _ = advice.add_filled_in_batches(ctx, op.table, column)
    yield (
        f"Adding {name} to {table} with {what} computes a value for every existing row. "
        + ctx.lock("ACCESS EXCLUSIVE", table, rewrite=True, table=op.table),
        "Add the column without the default, then fill it in batches:\n" + steps.rstrip(),
    )
