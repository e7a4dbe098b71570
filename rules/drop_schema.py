"""drop-schema: DROP SCHEMA, which takes every object in it along."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import create_table, declare, recreate
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import DropSchema, Name, literal, quote
from migration_lint.registry import rule


@rule(
    id="drop-schema",
    severity=Severity.BREAKING,
    example_schema=(
        'CREATE SCHEMA "reporting";\n'
        'CREATE TABLE "reporting"."daily_totals" ("day" date PRIMARY KEY, "total" bigint);'
    ),
    inspects=(DropSchema,),
    summary="Dropping a schema deletes every table, view and function in it.",
    rationale=(
        "With CASCADE, everything in the schema goes at once, with its data; without it, the "
        "statement fails as soon as anything is left in the schema. Either way running code that "
        "uses those objects breaks."
    ),
    bad='DROP SCHEMA "reporting" CASCADE;',
    good="-- migration-lint: allow drop-schema -- reporting moved to the warehouse; it is empty\n"
    "-- rollback:\n"
    '-- CREATE SCHEMA "reporting";\n'
    'DROP SCHEMA "reporting";',
)
def drop_schema(op: DropSchema, ctx: Context) -> Iterator[tuple[str, str]]:
    schema = quote(op.schema)
    what = (
        "deletes every table, view and function in it with their data"
        if op.cascade
        else ("fails if anything is still in it, and breaks code that uses what was in it")
    )
    yield (
        f"Dropping schema {schema} {what}. Takes an ACCESS EXCLUSIVE lock on every table it "
        f"drops (blocks all reads and writes).",
        f"Empty a schema object by object:\n"
        f"1. Deploy code that no longer uses anything in {schema}.\n"
        f"2. Drop its tables one by one in later migrations (each reviewed on its own).\n"
        f"3. Then, without CASCADE so it fails if anything is left: DROP SCHEMA {schema};\n"
        + declare("drop-schema", _create_schema(op, ctx)),
    )


def _create_schema(op: DropSchema, ctx: Context) -> str:
    """The schema, and with CASCADE what the history made in it, created again: its enums,
    its tables, their foreign keys (once every table exists), then its functions and views."""
    statements = [f"CREATE SCHEMA {quote(op.schema)};"]
    if not op.cascade:
        return statements[0]
    for (schema, name), values in ctx.enums.items():
        if schema == op.schema:
            listed = ", ".join(literal(value) for value in values)
            statements.append(f"CREATE TYPE {Name(name, schema).sql} AS ENUM ({listed});")
    keys = []
    for table in ctx.tables_in(op.schema):
        if ctx.columns(table):
            created, added = create_table(ctx, table)
            statements += created
            keys += added
    statements += keys
    made = [d for ((schema, _), _), d in ctx.functions.items() if schema == op.schema]
    made += [d for (schema, _), d in ctx.views.items() if schema == op.schema]
    for definition in made:
        written_at = f"{definition.path}:{definition.line}"
        statements.append(
            recreate(definition.sql, written_at, f"-- The statement at {written_at}.")
        )
    return "\n".join(statements)
