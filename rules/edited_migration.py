"""edited-migration: a migration that is already committed was modified or deleted."""

from __future__ import annotations

from migration_lint.diagnostic import Severity
from migration_lint.registry import describe

describe(
    id="edited-migration",
    severity=Severity.ERROR,
    scope="repository",
    summary=("A migration that is already committed was modified or deleted."),
    rationale=(
        "Databases that already ran a migration never run it again, so an edit reaches only new"
        " databases and environments drift apart. Changes go in a new migration."
    ),
    bad="-- staged: a modified drizzle/postgres/0003_add_prefs.sql that HEAD already has",
    good="-- staged: a new drizzle/postgres/0008_fix_prefs.sql",
)
