"""prefer-timestamptz (opt-in): timestamp without time zone."""

from __future__ import annotations

import json
from collections.abc import Iterator

from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import (
    AddColumn,
    AlterColumnType,
    CreateTable,
    Operation,
    declared_types,
    quote,
)
from migration_lint.registry import rule


@rule(
    id="prefer-timestamptz",
    severity=Severity.INFO,
    example_schema='CREATE TABLE "orders" ("id" bigint PRIMARY KEY);',
    inspects=(CreateTable, AddColumn, AlterColumnType),
    default=False,
    summary="Prefer timestamptz to timestamp without time zone.",
    rationale=(
        "timestamp stores wall-clock time with no zone, so values written from servers or "
        "sessions in different time zones cannot be compared. timestamptz stores an instant."
    ),
    bad='ALTER TABLE "orders" ADD COLUMN "paid_at" timestamp;',
    good='ALTER TABLE "orders" ADD COLUMN "paid_at" timestamptz;',
)
def prefer_timestamptz(op: Operation, ctx: Context) -> Iterator[tuple[str, str]]:
    for table, column, column_type in declared_types(op):
        if column_type.name == "timestamp":
            yield (
                f"{table.sql}.{quote(column)} is timestamp without time zone; values from "
                f"sessions in different time zones cannot be compared (no lock involved).",
                f"Declare it timestamptz (with drizzle: timestamp({json.dumps(column)}, "
                f"{{ withTimezone: true }})).",
            )
