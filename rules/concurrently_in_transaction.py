"""concurrently-in-transaction: CONCURRENTLY inside a transaction block, which fails."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import (
    CreateIndex,
    DetachPartition,
    DropIndex,
    Operation,
    RefreshMaterializedView,
    Reindex,
)
from migration_lint.registry import rule

_STATEMENTS = {
    CreateIndex: "CREATE INDEX CONCURRENTLY",
    DropIndex: "DROP INDEX CONCURRENTLY",
    Reindex: "REINDEX CONCURRENTLY",
    RefreshMaterializedView: "REFRESH MATERIALIZED VIEW CONCURRENTLY",
    DetachPartition: "DETACH PARTITION CONCURRENTLY",
}


@rule(
    id="concurrently-in-transaction",
    severity=Severity.ERROR,
    inspects=tuple(_STATEMENTS),
    summary="CONCURRENTLY cannot run inside a transaction block: the migration fails.",
    rationale=(
        "PostgreSQL refuses CREATE/DROP INDEX, REINDEX, REFRESH MATERIALIZED VIEW and DETACH "
        "PARTITION ... CONCURRENTLY inside a transaction block, so a migration that runs them in "
        "one (its own BEGIN, or a runner that wraps every migration) fails when deployed."
    ),
    bad='BEGIN;\nCREATE INDEX CONCURRENTLY "orders_user_id_idx" ON "orders" ("user_id");\nCOMMIT;',
    good='CREATE INDEX CONCURRENTLY "orders_user_id_idx" ON "orders" ("user_id");',
)
def concurrently_in_transaction(op: Operation, ctx: Context) -> Iterator[tuple[str, str]]:
    if not getattr(op, "concurrently", False) or not ctx.in_transaction:
        return
    statement = _STATEMENTS[type(op)]
    yield (
        f"{statement} cannot run inside a transaction block (opened by BEGIN, or because "
        f"{ctx.runner}); this migration fails at run time.",
        f"Run {statement} outside any transaction: remove the BEGIN/COMMIT around it, and put it "
        f"in a migration of its own that the runner executes without a transaction (or run it by "
        f"hand before deploying, with IF NOT EXISTS in the migration so it is a no-op there).",
    )
