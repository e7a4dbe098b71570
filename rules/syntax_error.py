"""syntax-error: SQL that PostgreSQL cannot parse."""

from __future__ import annotations

from migration_lint.diagnostic import Severity
from migration_lint.registry import describe

describe(
    id="syntax-error",
    severity=Severity.ERROR,
    summary="The statement is not valid PostgreSQL and fails when the migration runs.",
    rationale=(
        "A migration that does not parse fails at deploy time, usually half-applied when the "
        "runner does not wrap it in a transaction. It is reported at the line and column of the "
        "error, and the other statements of the file are still checked."
    ),
    bad='ALTER TABLE "users" ADD COLUM "age" integer;',
    good='ALTER TABLE "users" ADD COLUMN "age" integer;',
)
