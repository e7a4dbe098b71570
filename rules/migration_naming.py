"""migration-naming: a file name that breaks the naming convention."""

from __future__ import annotations

from migration_lint.diagnostic import Severity
from migration_lint.registry import describe

describe(
    id="migration-naming",
    severity=Severity.ERROR,
    scope="repository",
    summary=(
        "A migration's file name breaks the layout's naming convention or the configured pattern."
    ),
    rationale=(
        "Runners order and recognise migrations by name; a misnamed file is skipped or runs out"
        " of order. drizzle's default is a 4-digit sequence, `_` and a lower-case description."
    ),
    bad="-- drizzle/postgres/3_AddPrefs.sql",
    good="-- drizzle/postgres/0003_add_prefs.sql",
)
