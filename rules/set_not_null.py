"""set-not-null: SET NOT NULL, which scans the table under an ACCESS EXCLUSIVE lock."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import set_not_null_steps
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import SetNotNull, quote
from migration_lint.registry import rule


@rule(
    id="set-not-null",
    severity=Severity.WARNING,
    example_schema='CREATE TABLE "users" ("id" bigint PRIMARY KEY, "locale" text);',
    inspects=(SetNotNull,),
    summary="SET NOT NULL on an existing column scans the whole table while blocking all access.",
    rationale=(
        "PostgreSQL checks every row for NULLs while holding an ACCESS EXCLUSIVE lock. From "
        "PostgreSQL 12 on, a validated CHECK (column IS NOT NULL) constraint lets it skip the "
        "scan, and that constraint can be validated without blocking reads or writes."
    ),
    bad='ALTER TABLE "users" ALTER COLUMN "locale" SET NOT NULL;',
    good="-- Prove it first: NOT VALID is instant, and new rows are checked.\n"
    'ALTER TABLE "users" ADD CONSTRAINT "users_locale_not_null" CHECK ("locale" IS NOT NULL) '
    "NOT VALID;\n"
    "-- In a later migration (a later deploy with drizzle), once it commits: the validation\n"
    "-- lets reads and writes continue, and SET NOT NULL then skips its scan.\n"
    '-- ALTER TABLE "users" VALIDATE CONSTRAINT "users_locale_not_null";\n'
    '-- ALTER TABLE "users" ALTER COLUMN "locale" SET NOT NULL;\n'
    '-- ALTER TABLE "users" DROP CONSTRAINT "users_locale_not_null";',
)
def set_not_null(op: SetNotNull, ctx: Context) -> Iterator[tuple[str, str]]:
    if ctx.is_new_table(op.table):
        return
    if ctx.proves_not_null(op.table, op.column):
        return  # PostgreSQL uses the validated CHECK and skips the scan
    table = op.table.sql
    yield (
        f"SET NOT NULL on {table}.{quote(op.column)} scans every row. "
        + ctx.lock("ACCESS EXCLUSIVE", table, rewrite=False, table=op.table),
        "Prove it with a CHECK constraint first, validated without blocking:\n"
        + set_not_null_steps(op.table, op.column, ctx.pg_version, ctx.later_transaction()),
    )
