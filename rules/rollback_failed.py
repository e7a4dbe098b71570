"""rollback-failed: a rollback plan PostgreSQL refused when `verify --rollback` ran it."""

from __future__ import annotations

from migration_lint.diagnostic import Severity
from migration_lint.registry import describe

describe(
    id="rollback-failed",
    severity=Severity.ERROR,
    summary="A rollback plan fails to run: `verify --rollback` applied the migration, then its "
    "plan, and PostgreSQL refused a statement of the plan.",
    rationale=(
        "A rollback plan is read when something has already gone wrong, often at night: it must "
        "run the first time. `verify --rollback` runs each plan (the migration's down migration, "
        "or its `-- rollback:` blocks, last first) in one transaction on the scratch database "
        "right after the migration, and reports the statement refused at its own line."
    ),
    example_schema='CREATE TABLE "users" ("id" bigint PRIMARY KEY);',
    bad='ALTER TABLE "users" ADD COLUMN "locale" text;\n'
    "-- rollback:\n"
    '-- ALTER TABLE "users" DROP COLUMN "language";',
    good='ALTER TABLE "users" ADD COLUMN "locale" text;\n'
    "-- rollback:\n"
    '-- ALTER TABLE "users" DROP COLUMN "locale";',
    scope="database",
)
