"""older-problems: naming, sequence or journal problems a folder had before the change."""

from __future__ import annotations

from migration_lint.diagnostic import Severity
from migration_lint.registry import describe

describe(
    id="older-problems",
    severity=Severity.INFO,
    scope="repository",
    summary="Naming, sequence or journal problems the folder had before this change.",
    rationale=(
        "The hooks and `ci` fail only on what a commit or branch introduces: an old journal "
        "defect would otherwise fail every later change that touches the folder. They count the "
        "older problems in one finding; `migration-lint check-naming FOLDER` lists them."
    ),
    bad="-- a commit that adds 0042_prefs.sql to a folder whose 0013_backfill.sql was never "
    "in the journal",
    good="-- the same commit: 0042_prefs.sql is checked; the old file is counted, not failed",
)
