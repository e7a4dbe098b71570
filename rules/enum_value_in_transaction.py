"""enum-value-in-transaction: ALTER TYPE ... ADD VALUE in a transaction before PostgreSQL 12."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import runner_examples
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import AddEnumValue, literal
from migration_lint.registry import rule


@rule(
    id="enum-value-in-transaction",
    severity=Severity.ERROR,
    example_schema="CREATE TYPE \"status\" AS ENUM ('active');",
    inspects=(AddEnumValue,),
    summary="Before PostgreSQL 12, ALTER TYPE ... ADD VALUE fails inside a transaction block.",
    rationale=(
        "PostgreSQL 11 and earlier refuse to add an enum value inside a transaction block, so a "
        "migration that does it under its own BEGIN, under a runner's transaction, or as one of "
        "several statements sent as one query fails when deployed."
    ),
    bad="BEGIN;\nALTER TYPE \"status\" ADD VALUE 'archived';\nCOMMIT;",
    example_pg_version=11,
    good="ALTER TYPE \"status\" ADD VALUE 'archived';",
    good_by_runner=runner_examples("ALTER TYPE \"status\" ADD VALUE 'archived';"),
)
def enum_value_in_transaction(op: AddEnumValue, ctx: Context) -> Iterator[tuple[str, str]]:
    transaction = ctx.transaction
    if ctx.pg_version >= 12 or transaction is None:
        return
    yield (
        f"ALTER TYPE {op.enum.sql} ADD VALUE {literal(op.value)} cannot run inside a transaction "
        f"block on PostgreSQL {ctx.pg_version}, and {transaction.reason}; this migration fails "
        "at run time.",
        f"{ctx.transaction_fix()} Or upgrade to PostgreSQL 12+, where it can.",
    )
