"""journal-mismatch: drizzle's meta/_journal.json disagrees with the SQL files."""

from __future__ import annotations

from migration_lint.diagnostic import Severity
from migration_lint.registry import describe

describe(
    id="journal-mismatch",
    severity=Severity.ERROR,
    scope="repository",
    summary=("drizzle's meta/_journal.json disagrees with the SQL files."),
    rationale=(
        "drizzle's migrator runs journal entries, not files: a file missing from the journal "
        "never runs, an entry without a file fails, and an entry whose `when` is not after every "
        "earlier one is silently skipped. An idx gap is only a warning: the migrator never reads "
        "`idx`. A file left out on purpose (it ran by hand) says so in its first line: "
        "`-- migration-lint: not-in-journal -- <why>`."
    ),
    bad="-- drizzle/postgres/0007_prefs.sql with no journal entry",
    good="-- drizzle/postgres/0007_prefs.sql with its entry in meta/_journal.json",
)
