"""delete-all-rows: DELETE without WHERE."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import declare, kept_copy
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import Delete
from migration_lint.registry import rule


@rule(
    id="delete-all-rows",
    severity=Severity.BREAKING,
    example_schema='CREATE TABLE "feature_flags" ("name" text PRIMARY KEY, "enabled" boolean);',
    inspects=(Delete,),
    summary="DELETE without WHERE removes every row of the table.",
    rationale=(
        "A DELETE with no WHERE clause is almost always a mistake in a migration, and when it is "
        "meant it locks every row until the migration commits, blocking concurrent updates."
    ),
    bad='DELETE FROM "feature_flags";',
    good='DELETE FROM "feature_flags" WHERE "name" = \'legacy_checkout\';',
)
def delete_all_rows(op: Delete, ctx: Context) -> Iterator[tuple[str, str]]:
    if op.filtered or ctx.is_new_table(op.table):
        return
    table = op.table.sql
    keep, restore = kept_copy(op.table)
    yield (
        f"DELETE without WHERE removes every row of {table} and locks each one until the "
        f"migration commits, blocking concurrent updates and deletes. "
        + ctx.lock("ROW EXCLUSIVE", table, table=op.table),
        f"Say which rows go: DELETE FROM {table} WHERE <condition>;\n"
        f"To empty a large table, delete in batches from a job:\n"
        f"   DELETE FROM {table} WHERE ctid IN (SELECT ctid FROM {table} LIMIT 10000);\n"
        f"To delete them all, keep a copy to restore from first, in the migration:\n"
        f"   {keep}\n" + declare("delete-all-rows", restore),
    )
