"""concurrently-in-transaction: CONCURRENTLY inside a transaction block, which fails."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import runner_examples
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import (
    CreateIndex,
    DetachPartition,
    DropIndex,
    Operation,
    Reindex,
)
from migration_lint.registry import rule

# REFRESH MATERIALIZED VIEW CONCURRENTLY is not here: it runs inside a transaction block
# (checked on PostgreSQL 15).
_STATEMENTS = {
    CreateIndex: "CREATE INDEX CONCURRENTLY",
    DropIndex: "DROP INDEX CONCURRENTLY",
    Reindex: "REINDEX CONCURRENTLY",
    DetachPartition: "DETACH PARTITION CONCURRENTLY",
}


@rule(
    id="concurrently-in-transaction",
    severity=Severity.ERROR,
    example_schema='CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "user_id" bigint);',
    inspects=tuple(_STATEMENTS),
    summary="CONCURRENTLY cannot run inside a transaction block: the migration fails.",
    rationale=(
        "PostgreSQL refuses CREATE/DROP INDEX, REINDEX and DETACH PARTITION ... CONCURRENTLY "
        "inside a transaction block, so a migration that runs them in one fails when deployed. "
        "The block may be the migration's own BEGIN, the runner's transaction (drizzle's "
        "migrator runs all pending migrations in one), or a migration of several statements "
        "sent as one query (Prisma before 7.4, golang-migrate), which PostgreSQL runs as one "
        "transaction; the finding names the cause and the runner's way out."
    ),
    bad='BEGIN;\nCREATE INDEX CONCURRENTLY "orders_user_id_idx" ON "orders" ("user_id");\nCOMMIT;',
    good='CREATE INDEX CONCURRENTLY "orders_user_id_idx" ON "orders" ("user_id");',
    good_by_runner=runner_examples(
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_user_id_idx" ON "orders" ("user_id");',
        "-- migration-lint: ignore create-index-not-concurrently -- built by hand with "
        "CONCURRENTLY\n"
        'CREATE INDEX IF NOT EXISTS "orders_user_id_idx" ON "orders" ("user_id");',
    ),
)
def concurrently_in_transaction(op: Operation, ctx: Context) -> Iterator[tuple[str, str]]:
    transaction = ctx.transaction
    if not getattr(op, "concurrently", False) or transaction is None:
        return
    yield (
        f"{_STATEMENTS[type(op)]} cannot run inside a transaction block, and "
        f"{transaction.reason}; this migration fails at run time.",
        ctx.transaction_fix(),
    )
