"""missing-migration: a schema file changed and no migration was added or changed with it."""

from __future__ import annotations

from migration_lint.diagnostic import Severity
from migration_lint.registry import describe

describe(
    id="missing-migration",
    severity=Severity.ERROR,
    scope="repository",
    summary=("A schema file changed and no migration was added or changed with it."),
    rationale=(
        "The application code that uses the new schema would deploy against a database without "
        "the change. The schema files come from `schema` in the config or from "
        "drizzle.config.ts. A schema edit that needs no SQL (drizzle `relations()`, comments, "
        "exported types) skips the hook with SKIP=migration-lint-require-migration, and passes "
        "`ci` with a `Migration-Not-Needed: <reason>` trailer in the message of the commit that "
        "changes the schema file."
    ),
    bad="-- staged: src/db/schema-pg.ts alone",
    good="-- staged: src/db/schema-pg.ts, drizzle/postgres/0007_add_user_prefs.sql and "
    "meta/_journal.json",
)
