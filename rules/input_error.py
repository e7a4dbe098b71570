"""input-error: a path or file that cannot be linted."""

from __future__ import annotations

from migration_lint.diagnostic import Severity
from migration_lint.registry import describe

describe(
    id="input-error",
    severity=Severity.ERROR,
    summary="A path that does not exist, or a file that is not SQL text (binary, not UTF-8, "
    "empty).",
    rationale=(
        "A migration runner would fail on the file, or silently run nothing. The file is named "
        "with the line where known, and the other files are still linted."
    ),
    bad="-- a migration file that holds only this comment",
    good='CREATE TABLE "users" ("id" bigint PRIMARY KEY);',
)
