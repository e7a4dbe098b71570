"""apply-failed: a statement PostgreSQL refused when `verify` applied the migrations."""

from __future__ import annotations

from migration_lint.diagnostic import Severity
from migration_lint.registry import describe

describe(
    id="apply-failed",
    severity=Severity.ERROR,
    summary="PostgreSQL refused a statement when `verify` applied the migrations to a scratch "
    "database.",
    rationale=(
        "SQL can parse and still fail: a table or column that does not exist yet, a type that "
        "does not cast, a statement the runner's transaction does not allow. `verify` applies "
        "the folder's migrations in order, as the runner would, and reports the first statement "
        "refused at its line and column, with the server's SQLSTATE and message; the later "
        "migrations are not applied."
    ),
    example_schema='CREATE TABLE "users" ("id" bigint PRIMARY KEY);',
    bad='ALTER TABLE "users" ADD COLUMN "team_id" bigint REFERENCES "teams" ("id");',
    good='CREATE TABLE "teams" ("id" bigint PRIMARY KEY);\n'
    'ALTER TABLE "users" ADD COLUMN "team_id" bigint REFERENCES "teams" ("id");',
    scope="database",
)
