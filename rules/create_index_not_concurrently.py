"""create-index-not-concurrently: CREATE INDEX that blocks writes while it builds."""

from __future__ import annotations

import re
from collections.abc import Iterator

from migration_lint.advice import partitioned_index_steps, runner_examples
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import CreateIndex, quote
from migration_lint.registry import rule


@rule(
    id="create-index-not-concurrently",
    severity=Severity.WARNING,
    example_schema='CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "user_id" bigint);',
    inspects=(CreateIndex,),
    summary="CREATE INDEX without CONCURRENTLY blocks writes to the table while it builds.",
    rationale=(
        "A plain CREATE INDEX holds a SHARE lock for the whole build, so every INSERT, UPDATE and "
        "DELETE on the table waits, for minutes on a big table. CREATE INDEX CONCURRENTLY builds "
        "it while writes continue. An index on a table created in the same migration is fine. "
        "PostgreSQL refuses CONCURRENTLY on a partitioned table: there the index is built on "
        "the parent alone (CREATE INDEX ... ON ONLY, instant, not reported), concurrently on "
        "each partition, and attached."
    ),
    bad='CREATE INDEX "orders_user_id_idx" ON "orders" USING btree ("user_id");',
    good='CREATE INDEX CONCURRENTLY "orders_user_id_idx" ON "orders" USING btree ("user_id");',
    good_by_runner=runner_examples(
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_user_id_idx" ON "orders" USING btree '
        '("user_id");',
        "-- migration-lint: ignore create-index-not-concurrently -- built by hand with "
        "CONCURRENTLY\n"
        'CREATE INDEX IF NOT EXISTS "orders_user_id_idx" ON "orders" USING btree ("user_id");',
    ),
)
def create_index_not_concurrently(op: CreateIndex, ctx: Context) -> Iterator[tuple[str, str]]:
    if op.concurrently or ctx.is_new_table(op.table) or ctx.skipped(op):
        return
    if op.only and not ctx.is_plain_table(op.table):
        return  # the parent of a partitioned table alone: instant, its partitions untouched
    table = op.table.sql
    name = f"{quote(op.name)} " if op.name else ""
    if ctx.is_partitioned(op.table):
        steps = _partition_by_partition(op, ctx) + "\n"
        what = (
            f"Building index {name}on partitioned table {table} builds it on every partition "
            f"and blocks writes to all of them for the whole build. "
        )
    else:
        steps = f"Build it without blocking writes:\n   {_concurrently(op)}\n"
        what = (
            f"Building index {name}on {table} without CONCURRENTLY blocks writes for the whole "
            f"build. "
        )
    note = ctx.outside_transaction()
    if note:
        steps += note + "\n"
    steps += (
        "If a concurrent build fails it leaves an INVALID index: drop it with DROP INDEX "
        "CONCURRENTLY and build it again."
    )
    yield what + ctx.lock("SHARE", table, table=op.table), steps


def _partition_by_partition(op: CreateIndex, ctx: Context) -> str:
    columns = ", ".join(quote(c) for c in op.columns) or "<columns>"
    definition = op.definition or f"({columns})"
    name = op.name or f"{op.table.name}_{'_'.join(op.columns) or 'expr'}_idx"[:63]
    return partitioned_index_steps(ctx, op.table, name, op.columns, definition, op.unique)


_CREATE_INDEX = re.compile(r"^(CREATE\s+(?:UNIQUE\s+)?INDEX)\s+", re.IGNORECASE)
_IF_NOT_EXISTS = re.compile(r"\bIF\s+NOT\s+EXISTS\b", re.IGNORECASE)


def _concurrently(op: CreateIndex) -> str:
    """The user's own statement with CONCURRENTLY (and IF NOT EXISTS, so a rerun is harmless)."""
    if not op.sql:
        columns = ", ".join(quote(c) for c in op.columns) or "<columns>"
        return f"CREATE INDEX CONCURRENTLY ON {op.table.sql} ({columns});"
    guard = "IF NOT EXISTS " if op.name and not _IF_NOT_EXISTS.search(op.sql) else ""
    return _CREATE_INDEX.sub(lambda m: f"{m[1]} CONCURRENTLY {guard}", op.sql, count=1) + ";"
