"""migration-sequence: duplicate, skipped or out-of-order migration numbers."""

from __future__ import annotations

from migration_lint.diagnostic import Severity
from migration_lint.registry import describe

describe(
    id="migration-sequence",
    severity=Severity.ERROR,
    scope="repository",
    summary=(
        "Duplicate or skipped migration numbers, or a new migration that sorts before a "
        "committed one."
    ),
    rationale=(
        "Two migrations with one number run in an arbitrary order or not at all, and a "
        "migration merged from an older branch sorts before ones databases already ran, so "
        "runners skip or reject it. Only what the layout's runner rejects is reported: Prisma "
        "migrations may share a timestamp, and golang-migrate and Flyway accept gaps."
    ),
    bad="-- drizzle/postgres/0007_a.sql and drizzle/postgres/0007_b.sql",
    good="-- drizzle/postgres/0007_a.sql and drizzle/postgres/0008_b.sql",
)
