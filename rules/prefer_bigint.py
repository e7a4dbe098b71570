"""prefer-bigint (opt-in): integer columns, which run out at 2^31."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import (
    SERIAL_TYPES,
    AddColumn,
    AlterColumnType,
    CreateTable,
    Operation,
    declared_types,
    quote,
)
from migration_lint.registry import rule

# The largest value of each too-small integer type.
_MAXIMUM = {"smallint": "32,767", "integer": "2,147,483,647"}


@rule(
    id="prefer-bigint",
    severity=Severity.INFO,
    inspects=(CreateTable, AddColumn, AlterColumnType),
    default=False,
    summary="Prefer bigint to integer and smallint: widening later rewrites the table.",
    rationale=(
        "An integer id runs out at 2,147,483,647, and changing the type then rewrites the table "
        "under an ACCESS EXCLUSIVE lock. bigint costs four more bytes a row."
    ),
    bad='CREATE TABLE "events" ("id" serial PRIMARY KEY);',
    good='CREATE TABLE "events" ("id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, '
    '"count" bigint);',
)
def prefer_bigint(op: Operation, ctx: Context) -> Iterator[tuple[str, str]]:
    for table, column, column_type in declared_types(op):
        serial = column_type.name in SERIAL_TYPES
        integer_type = SERIAL_TYPES.get(column_type.name, column_type.name)
        if integer_type in _MAXIMUM:
            yield (
                f"{table.sql}.{quote(column)} is {column_type.name}, which overflows at "
                f"{_MAXIMUM[integer_type]}; changing it later rewrites the table under an "
                f"ACCESS EXCLUSIVE lock.",
                f"Declare it {'bigserial' if serial else 'bigint'} now.",
            )
