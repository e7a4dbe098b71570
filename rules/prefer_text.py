"""prefer-text (opt-in): varchar(n), whose limit can only be raised by a schema change."""

from __future__ import annotations

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
    id="prefer-text",
    severity=Severity.INFO,
    example_schema='CREATE TABLE "users" ("id" bigint PRIMARY KEY);',
    inspects=(CreateTable, AddColumn, AlterColumnType),
    default=False,
    summary="Prefer text with a CHECK constraint to varchar(n).",
    rationale=(
        "varchar(n) and text are stored the same way. A length limit in the type can only be "
        "lowered with a table rewrite; a CHECK constraint can be replaced with NOT VALID and "
        "VALIDATE without blocking."
    ),
    bad='ALTER TABLE "users" ADD COLUMN "nickname" varchar(32);',
    good='ALTER TABLE "users" ADD COLUMN "nickname" text;',
)
def prefer_text(op: Operation, ctx: Context) -> Iterator[tuple[str, str]]:
    for table, column, column_type in declared_types(op):
        if column_type.name == "varchar" and column_type.modifiers:
            limit = column_type.modifiers[0]
            yield (
                f"{table.sql}.{quote(column)} is {column_type.sql}; lowering that limit later "
                f"rewrites the table under an ACCESS EXCLUSIVE lock.",
                f"Declare it text, with CHECK (char_length({quote(column)}) <= {limit}) if the "
                f"limit matters.",
            )
