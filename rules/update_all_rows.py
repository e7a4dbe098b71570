"""update-all-rows: UPDATE without WHERE, a backfill of the whole table inside the migration."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import Update, quote
from migration_lint.registry import rule

BATCH_ROWS = 10000


@rule(
    id="update-all-rows",
    severity=Severity.WARNING,
    example_schema='CREATE TABLE "users" ("id" bigint PRIMARY KEY, "locale" text);',
    inspects=(Update,),
    summary="UPDATE without WHERE writes and locks every row of the table in one transaction.",
    rationale=(
        "Every row gets a new version, and each stays locked until the transaction commits: "
        "concurrent UPDATEs and DELETEs of the table wait for the whole backfill, and under a "
        "runner's transaction so does everything the migration's other statements locked. "
        "Backfill in batches outside the migration (a job, or by hand); schema changes and data "
        "changes belong in separate migrations."
    ),
    bad='UPDATE "users" SET "locale" = \'en\';',
    good='UPDATE "users" SET "locale" = \'en\'\n'
    'WHERE ctid IN (SELECT ctid FROM "users" WHERE "locale" IS NULL LIMIT 10000);',
)
def update_all_rows(op: Update, ctx: Context) -> Iterator[tuple[str, str]]:
    if op.filtered or ctx.is_new_table(op.table):
        return
    import textwrap  # here: its import compiles regexes that every run would pay for

    table = op.table.sql
    until = "it commits" if ctx.transaction is None else "the transaction commits"
    held = (
        f" It runs inside a transaction ({ctx.transaction.reason}), so the locks the "
        "migration's earlier statements took stay held while it runs."
        if ctx.transaction is not None
        else ""
    )
    target = f"{table} AS {quote(op.alias)}" if op.alias else table
    assignments = op.set_clause or "<column> = <value>"
    batch = (
        f"UPDATE {target} SET {assignments}\n"
        f"WHERE ctid IN (SELECT ctid FROM {table} WHERE <rows not yet updated> LIMIT {BATCH_ROWS});"
    )
    yield (
        f"UPDATE without WHERE writes a new version of every row of {table} and keeps each row "
        f"locked until {until}: concurrent UPDATEs and DELETEs of those rows wait for the whole "
        "update." + held + " " + ctx.lock("ROW EXCLUSIVE", table, table=op.table),
        "Run the update in batches outside the migration (from a job, or by hand), each batch "
        "committing on its own so that it holds its row locks briefly:\n"
        + textwrap.indent(batch, "   ")
        + "\nrepeated until it updates no row. Schema changes and data changes belong in "
        "separate migrations, as the team's process asks: keep this migration to schema changes "
        "and run the backfill as a step of its own.",
    )
