"""Where a migration stands, between its file and the runner's bookkeeping in the database."""

from __future__ import annotations

import enum


class State(str, enum.Enum):
    APPLIED = "applied"
    PENDING = "pending"
    CHANGED = "changed-after-apply"  # the file's checksum is not the one recorded
    DATABASE_ONLY = "database-only"  # recorded as applied, and no file here
    WILL_BE_SKIPPED = "will-be-skipped"  # pending, and drizzle's migrator will pass over it
    # Pending below the newest applied version: goose refuses to migrate (without
    # -allow-missing), Flyway's validate fails (without outOfOrder).
    OUT_OF_ORDER = "out-of-order"
    FAILED = "failed"  # the runner recorded it as started and not finished, or as failed
    DIRTY = "dirty"  # golang-migrate: it failed partway, and the runner refuses to go on

    @property
    def exit_code(self) -> int:
        """0: nothing to do; 1: the database is behind or ahead of the folder; 2: the next
        deploy fails, or does something else than the folder says."""
        if self is State.APPLIED:
            return 0
        return 1 if self in (State.PENDING, State.DATABASE_ONLY) else 2
