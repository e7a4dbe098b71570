"""drop-index-not-concurrently: DROP INDEX that blocks every query of its table."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import runner_examples
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import DropIndex
from migration_lint.registry import rule


@rule(
    id="drop-index-not-concurrently",
    severity=Severity.WARNING,
    example_schema=(
        'CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "user_id" bigint);\n'
        'CREATE INDEX "orders_user_id_idx" ON "orders" ("user_id");'
    ),
    inspects=(DropIndex,),
    summary="DROP INDEX without CONCURRENTLY blocks every read and write of its table.",
    rationale=(
        "A plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table. The drop itself "
        "is quick, but it waits behind long-running queries, and everything queued behind it "
        "waits too. DROP INDEX CONCURRENTLY waits without blocking others."
    ),
    bad='DROP INDEX "orders_user_id_idx";',
    good='DROP INDEX CONCURRENTLY IF EXISTS "orders_user_id_idx";',
    good_by_runner=runner_examples(
        'DROP INDEX CONCURRENTLY IF EXISTS "orders_user_id_idx";',
        "-- migration-lint: ignore drop-index-not-concurrently -- dropped by hand with "
        "CONCURRENTLY\n"
        'DROP INDEX IF EXISTS "orders_user_id_idx";',
    ),
)
def drop_index_not_concurrently(op: DropIndex, ctx: Context) -> Iterator[tuple[str, str]]:
    if op.concurrently or ctx.is_new_index(op.index):
        return
    table = ctx.table_of_index(op.index)
    target = f"the table of {op.index.sql}" if table is None else table.sql
    if table is not None and ctx.is_partitioned(table):
        yield (
            f"Dropping index {op.index.sql} of partitioned table {target} queues every query of "
            f"the table and its partitions behind it. "
            + ctx.lock("ACCESS EXCLUSIVE", target, table=table),
            "PostgreSQL refuses to drop the index of a partitioned table concurrently. "
            "Run the drop when the tables are quiet, with a short lock_timeout so that it gives "
            "up (and can be retried) rather than queue every query behind it:\n"
            f"   SET lock_timeout = '5s';\n   DROP INDEX IF EXISTS {op.index.sql};",
        )
        return
    note = ctx.outside_transaction()
    yield (
        f"Dropping index {op.index.sql} without CONCURRENTLY queues every query of {target} "
        f"behind it. " + ctx.lock("ACCESS EXCLUSIVE", target, table=table),
        f"Drop it without blocking queries:\n   DROP INDEX CONCURRENTLY IF EXISTS {op.index.sql};"
        + (f"\n{note}" if note else ""),
    )
