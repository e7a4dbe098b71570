"""truncate-table: TRUNCATE of a table that holds data."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import declare, kept_copy
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import Truncate
from migration_lint.registry import rule


@rule(
    id="truncate-table",
    severity=Severity.BREAKING,
    example_schema='CREATE TABLE "audit_log" ("id" bigint PRIMARY KEY, "event" text);',
    inspects=(Truncate,),
    summary="Truncating a table deletes all of its rows under the strongest lock.",
    rationale=(
        "TRUNCATE removes every row at once, cannot be undone after commit, and waits for and then "
        "blocks every query of the table. Data deletion belongs in a reviewed, batched job."
    ),
    bad='TRUNCATE "audit_log";',
    good='DELETE FROM "audit_log" WHERE "created_at" < now() - interval \'90 days\';',
)
def truncate_table(op: Truncate, ctx: Context) -> Iterator[tuple[str, str]]:
    if ctx.is_new_table(op.table):
        return
    table = op.table.sql
    keep, restore = kept_copy(op.table)
    yield (
        f"TRUNCATE deletes every row of {table}; the data is gone once the migration commits. "
        + ctx.lock("ACCESS EXCLUSIVE", table, table=op.table),
        f"Delete only the rows meant, in batches from a job rather than in a migration, so each "
        f"lock is brief:\n"
        f"   DELETE FROM {table} WHERE ctid IN (SELECT ctid FROM {table} WHERE <condition> "
        f"LIMIT 10000);\n"
        f"repeated until it deletes nothing.\n"
        f"To empty it all, keep a copy to restore from first, in the migration:\n"
        f"   {keep}\n" + declare("truncate-table", restore),
    )
