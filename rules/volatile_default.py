"""volatile-default: ADD COLUMN with a default that differs per row, which rewrites the table."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import type_or_placeholder
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import SERIAL_TYPES, AddColumn, literal, quote
from migration_lint.registry import rule

# Functions PostgreSQL evaluates once per row (volatile): a default calling one is stored in
# every row, so the table is rewritten. now() and other stable functions are evaluated once.
VOLATILE_FUNCTIONS = frozenset(
    {
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "clock_timestamp",
        "timeofday",
        "random",
        "random_normal",
        "nextval",
        "txid_current",
    }
)


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
    volatile = sorted(column.default_functions & VOLATILE_FUNCTIONS)
    serial = SERIAL_TYPES.get(column.type.name) if column.type else None  # its integer type
    if not (volatile or serial) or ctx.pg_version < 11 or ctx.is_new_table(op.table):
        return
    if ctx.skipped(op):  # IF NOT EXISTS of a column that exists
        return
    table, name = op.table.sql, quote(column.name)
    if serial:
        sequence = op.table.sibling(f"{op.table.name}_{column.name}_seq"[:63]).sql
        value, column_type = f"nextval({literal(sequence)})", serial
        create = f"   CREATE SEQUENCE {sequence} OWNED BY {table}.{name};\n"
    else:
        value, column_type = f"{volatile[0]}()", type_or_placeholder(column.type, column.name)
        create = ""
    yield (
        f"Adding {name} to {table} with the volatile default {value} computes a value for every "
        f"existing row. " + ctx.lock("ACCESS EXCLUSIVE", table, rewrite=True, table=op.table),
        f"Add the column without the default, then fill it in batches:\n"
        f"1. ALTER TABLE {table} ADD COLUMN {name} {column_type};\n{create}"
        f"   ALTER TABLE {table} ALTER COLUMN {name} SET DEFAULT {value};  -- new rows only\n"
        f"2. Backfill: UPDATE {table} SET {name} = {value} WHERE {name} IS NULL AND "
        f"<batch condition>;\n"
        "3. If it must be NOT NULL, add that afterwards (`migration-lint rules set-not-null`).",
    )
