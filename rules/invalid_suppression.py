"""invalid-suppression: an ignore or allow comment that cannot take effect."""

from __future__ import annotations

from migration_lint.diagnostic import Severity
from migration_lint.registry import describe

describe(
    id="invalid-suppression",
    severity=Severity.WARNING,
    summary="An ignore or allow comment without a reason, naming an unknown rule, or an allow "
    "without a rollback plan.",
    rationale=(
        "Suppressions are reviewed like code: each names the rules it covers and says why. "
        "Breaking changes are not ignored but allowed, with a rollback plan, and errors can "
        "never be silenced. A suppression that breaks these rules does not apply, so the "
        "finding it meant to cover stays too."
    ),
    bad='-- migration-lint: ignore create-index-not-concurrently\nCREATE INDEX "i" ON "t" ("c");',
    good='-- migration-lint: ignore create-index-not-concurrently -- "t" holds 40 rows\n'
    'CREATE INDEX "i" ON "t" ("c");',
    example_schema='CREATE TABLE "t" ("c" integer);',
)
