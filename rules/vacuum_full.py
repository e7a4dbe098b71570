"""vacuum-full: VACUUM FULL and CLUSTER, which rewrite the table under an exclusive lock."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import Cluster, Operation, VacuumFull
from migration_lint.registry import rule


@rule(
    id="vacuum-full",
    severity=Severity.WARNING,
    example_schema='CREATE TABLE "events" ("id" bigint PRIMARY KEY);',
    inspects=(VacuumFull, Cluster),
    summary="VACUUM FULL and CLUSTER rewrite the table while blocking every read and write.",
    rationale=(
        "Both copy the whole table and rebuild its indexes under an ACCESS EXCLUSIVE lock, which "
        "on a large table means an outage. pg_repack or pg_squeeze do the same online."
    ),
    bad='VACUUM FULL "events";',
    good='VACUUM (ANALYZE) "events";',
)
def vacuum_full(op: Operation, ctx: Context) -> Iterator[tuple[str, str]]:
    assert isinstance(op, (VacuumFull, Cluster))
    statement = "VACUUM FULL" if isinstance(op, VacuumFull) else "CLUSTER"
    target = op.table.sql if op.table else "every table of the database"
    yield (
        f"{statement} rewrites {target}. "
        + ctx.lock("ACCESS EXCLUSIVE", target, rewrite=True, table=op.table),
        "Reclaim space online with pg_repack (or pg_squeeze) run by hand, outside the "
        "migrations; plain VACUUM, which blocks nothing, is usually enough.",
    )
