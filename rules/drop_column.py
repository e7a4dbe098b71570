"""drop-column: ALTER TABLE ... DROP COLUMN on a column running code may still use."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import declare, foreign_key_effects, restore_column
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import DropColumn, quote
from migration_lint.registry import rule


@rule(
    id="drop-column",
    severity=Severity.BREAKING,
    example_schema='CREATE TABLE "users" ("id" bigint PRIMARY KEY, "nickname" text);',
    inspects=(DropColumn,),
    summary="Dropping a column breaks code that still reads or writes it.",
    rationale=(
        "The previous release keeps running while a migration deploys. Its queries that name the "
        "column fail, and ORMs that select every mapped column fail on every query of the table. "
        "Remove the column from the code first, deploy, then drop it in a later migration."
    ),
    bad='ALTER TABLE "users" DROP COLUMN "nickname";',
    good="-- Release 41 stopped reading and writing users.nickname.\n"
    "-- migration-lint: allow drop-column -- nickname unused since release 41\n"
    "-- rollback:\n"
    '-- ALTER TABLE "users" ADD COLUMN "nickname" text;\n'
    'ALTER TABLE "users" DROP COLUMN "nickname";',
)
def drop_column(op: DropColumn, ctx: Context) -> Iterator[tuple[str, str]]:
    if ctx.is_new_column(op.table, op.column):  # no running code uses it yet
        return
    table, column = op.table.sql, quote(op.column)
    known = ctx.column(op.table, op.column)
    key = ctx.primary_key(op.table)
    unused = f"deploy code that no longer reads or writes {column} (remove it from the ORM schema)"
    if key is not None and op.column in key.columns:
        # PostgreSQL refuses DROP NOT NULL on it (42P16), and inserts must set it.
        first = (
            f"1. Give {table} a primary key without {column} first: while it is in "
            f"{quote(key.name or '')}, it stays NOT NULL and every INSERT must set it. Then "
            f"{unused}.\n"
        )
    elif known is not None and not known.not_null:
        first = f"1. {unused[0].upper()}{unused[1:]}.\n"
    else:
        first = (
            f"1. Make it optional so new code can stop writing it:\n"
            f"   ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL;\n"
            f"   and {unused}.\n"
        )
    yield (
        f"Dropping column {column} of {table} breaks running code that still selects, inserts "
        f"or updates it. "
        + ctx.lock("ACCESS EXCLUSIVE", table, rewrite=False, table=op.table)
        + _dropped_with_it(op, ctx)
        + foreign_key_effects(ctx, op.table, op.column, op.cascade),
        "Drop a column in two releases:\n"
        + first
        + f"2. In a later migration: ALTER TABLE {table} DROP COLUMN {column};\n"
        + declare("drop-column", restore_column(ctx, op.table, op.column, op.cascade)),
    )


def _dropped_with_it(op: DropColumn, ctx: Context) -> str:
    """The table's indexes and constraints that involve the column, which go with it."""
    indexes = [quote(i) for i in ctx.indexes_on(op.table, op.column)]
    constraints = [
        quote(c.name) for c in ctx.constraints(op.table) if c.name and op.column in c.columns
    ]
    parts = []
    if indexes:
        parts.append(f"index{'es' if len(indexes) > 1 else ''} {', '.join(indexes)}")
    if constraints:
        parts.append(f"constraint{'s' if len(constraints) > 1 else ''} {', '.join(constraints)}")
    return f" It also drops {' and '.join(parts)}." if parts else ""
