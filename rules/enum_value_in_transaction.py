"""enum-value-in-transaction: ALTER TYPE ... ADD VALUE in a transaction before PostgreSQL 12."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import AddEnumValue, literal
from migration_lint.registry import rule


@rule(
    id="enum-value-in-transaction",
    severity=Severity.ERROR,
    inspects=(AddEnumValue,),
    summary="Before PostgreSQL 12, ALTER TYPE ... ADD VALUE fails inside a transaction block.",
    rationale=(
        "PostgreSQL 11 and earlier refuse to add an enum value inside a transaction block, so a "
        "migration that does it under BEGIN, or under a runner that wraps migrations in a "
        "transaction, fails when deployed."
    ),
    bad="BEGIN;\nALTER TYPE \"status\" ADD VALUE 'archived';\nCOMMIT;",
    example_pg_version=11,
    good="ALTER TYPE \"status\" ADD VALUE 'archived';",
)
def enum_value_in_transaction(op: AddEnumValue, ctx: Context) -> Iterator[tuple[str, str]]:
    if ctx.pg_version >= 12 or not ctx.in_transaction:
        return
    yield (
        f"ALTER TYPE {op.enum.sql} ADD VALUE cannot run inside a transaction block on "
        f"PostgreSQL {ctx.pg_version}; this migration fails at run time.",
        f"Put ALTER TYPE {op.enum.sql} ADD VALUE {literal(op.value)} in a "
        f"migration of its own that runs without a transaction, or upgrade to PostgreSQL 12+.",
    )
