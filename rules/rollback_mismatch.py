"""rollback-mismatch: a rollback plan that does not bring the schema back."""

from __future__ import annotations

from migration_lint.diagnostic import Severity
from migration_lint.registry import describe

describe(
    id="rollback-mismatch",
    severity=Severity.ERROR,
    summary="A rollback plan runs but leaves a schema other than the one before the migration.",
    rationale=(
        "`verify --rollback` reads the catalog before the migration, applies it, runs its plan "
        "and reads the catalog again: every table, column (type, default, nullability), index, "
        "constraint, view, function, sequence and enum that differs is listed. A plan that "
        "leaves a column behind makes the next deploy of the same migration fail."
    ),
    example_schema='CREATE TABLE "users" ("id" bigint PRIMARY KEY);',
    bad='ALTER TABLE "users" ADD COLUMN "locale" text NOT NULL DEFAULT \'en\';\n'
    "-- rollback:\n"
    '-- ALTER TABLE "users" ALTER COLUMN "locale" DROP NOT NULL;',
    good='ALTER TABLE "users" ADD COLUMN "locale" text NOT NULL DEFAULT \'en\';\n'
    "-- rollback:\n"
    '-- ALTER TABLE "users" DROP COLUMN "locale";',
    scope="database",
)
