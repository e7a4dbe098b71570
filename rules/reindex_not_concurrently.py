"""reindex-not-concurrently: REINDEX that blocks the table while it rebuilds."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import runner_examples
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import Reindex
from migration_lint.registry import rule


@rule(
    id="reindex-not-concurrently",
    severity=Severity.WARNING,
    example_schema=(
        'CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "user_id" bigint);\n'
        'CREATE INDEX "orders_user_id_idx" ON "orders" ("user_id");'
    ),
    inspects=(Reindex,),
    summary="REINDEX without CONCURRENTLY blocks writes, and nearly every read of the table, while "
    "it rebuilds.",
    rationale=(
        "REINDEX takes a SHARE lock on the table (blocking writes) and an ACCESS EXCLUSIVE lock "
        "on each index it rebuilds, which blocks nearly every read of the table too: the planner "
        "locks all of a table's indexes for any query of it (checked on PostgreSQL 18). REINDEX "
        "CONCURRENTLY, from PostgreSQL 12, rebuilds while both continue."
    ),
    bad='REINDEX INDEX "orders_user_id_idx";',
    good='REINDEX INDEX CONCURRENTLY "orders_user_id_idx";',
    good_by_runner=runner_examples(
        'REINDEX INDEX CONCURRENTLY "orders_user_id_idx";',
        by_hand=("drizzle", "supabase", "flyway"),
    ),
)
def reindex_not_concurrently(op: Reindex, ctx: Context) -> Iterator[tuple[str, str]]:
    if op.concurrently:
        return
    target = f"{op.target.upper()} {op.name}".strip()
    if ctx.pg_version >= 12:
        note = ctx.outside_transaction()
        safe = (
            f"Rebuild without blocking:\n   REINDEX {op.target.upper()} CONCURRENTLY {op.name};  "
            "-- outside a transaction" + (f"\n{note}" if note else "")
        )
    else:
        safe = (
            "Before PostgreSQL 12, rebuild without blocking by hand: CREATE INDEX CONCURRENTLY a "
            "copy of the index, then DROP INDEX CONCURRENTLY the old one and rename the copy."
        )
    yield (
        f"REINDEX {target} takes a SHARE lock on the table and an ACCESS EXCLUSIVE lock on each "
        f"index it rebuilds: writes wait, and so does nearly every read, as the planner locks "
        f"all of a table's indexes for any query of it.",
        safe,
    )
