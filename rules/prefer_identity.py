"""prefer-identity (opt-in): serial columns instead of identity columns."""

from __future__ import annotations

import json
from collections.abc import Iterator

from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import (
    SERIAL_TYPES,
    AddColumn,
    CreateTable,
    Operation,
    declared_types,
    quote,
)
from migration_lint.registry import rule


@rule(
    id="prefer-identity",
    severity=Severity.INFO,
    inspects=(CreateTable, AddColumn),
    default=False,
    summary="Prefer GENERATED ... AS IDENTITY to serial columns.",
    rationale=(
        "serial creates a separately owned sequence whose permissions and ownership drift from "
        "the table's; identity columns are standard SQL and tied to their table."
    ),
    bad='CREATE TABLE "events" ("id" bigserial PRIMARY KEY);',
    good='CREATE TABLE "events" ("id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);',
)
def prefer_identity(op: Operation, ctx: Context) -> Iterator[tuple[str, str]]:
    for table, column, column_type in declared_types(op):
        integer_type = SERIAL_TYPES.get(column_type.name)
        if integer_type:
            yield (
                f"{table.sql}.{quote(column)} is {column_type.name}, a column with a loosely "
                f"attached sequence; no lock or rewrite is involved.",
                f"Declare it {integer_type} GENERATED ALWAYS AS IDENTITY (with drizzle: "
                f"{integer_type}({json.dumps(column)}).generatedAlwaysAsIdentity()).",
            )
