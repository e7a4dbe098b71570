"""What each PostgreSQL lock mode blocks, worded once for every rule's message."""

from __future__ import annotations

from dataclasses import dataclass

from . import transaction_locks
from .operations import Operation
from .records import FrozenRecord
from .source import Source

# Lock modes from weakest to strongest, as PostgreSQL's documentation names them.
LOCK_MODES = (
    "ACCESS SHARE",
    "ROW SHARE",
    "ROW EXCLUSIVE",
    "SHARE UPDATE EXCLUSIVE",
    "SHARE",
    "SHARE ROW EXCLUSIVE",
    "EXCLUSIVE",
    "ACCESS EXCLUSIVE",
)

_BLOCKS = {
    "ACCESS EXCLUSIVE": "blocks all reads and writes",
    "EXCLUSIVE": "blocks writes; reads continue",
    "SHARE ROW EXCLUSIVE": "blocks writes; reads continue",
    "SHARE": "blocks writes; reads continue",
    "SHARE UPDATE EXCLUSIVE": "blocks other schema changes and VACUUM; reads and writes continue",
    "ROW EXCLUSIVE": "blocks other schema changes; reads and writes continue",
}


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class HeldLock(FrozenRecord):
    """A table lock the open transaction holds: the strongest taken so far, and the statement
    that took it (its line, and a short description such as `ALTER TABLE "t" DROP COLUMN "c"`,
    worked out when a message names them: most locks a migration takes never are)."""

    table: str  # as messages name it
    mode: str
    statement_number: int  # which statement of the migration took it: tells a later one apart
    operation: Operation  # what took it, in `source`
    source: Source | None
    why: str  # what the description adds for a lock it takes on another table

    @property
    def line(self) -> int:
        return self.source.position(self.operation.location)[0] if self.source else 1

    @property
    def statement(self) -> str:
        return transaction_locks.statement(self.operation) + self.why


def stronger(mode: str, than: str) -> bool:
    return LOCK_MODES.index(mode) > LOCK_MODES.index(than)


def _blocked(mode: str) -> int:
    """What running code cannot do against a table locked in this mode: 2 read or write, 1
    write, 0 neither (ROW EXCLUSIVE and weaker conflict only with schema changes and SHARE)."""
    if mode == "ACCESS EXCLUSIVE":
        return 2
    return 1 if LOCK_MODES.index(mode) >= LOCK_MODES.index("SHARE") else 0


def blocks_more(held: str, mode: str) -> bool:
    """Whether a lock already held blocks reads or writes that `mode` alone would let through."""
    return _blocked(held) > _blocked(mode)


def lock(mode: str, target: str, rewrite: bool | None = None, held: HeldLock | None = None) -> str:
    """A sentence naming the lock a statement takes, what it blocks, and any table rewrite.

    `held`: a lock the transaction already holds on the target that blocks more than this one;
    the sentence then says what stays blocked, and which earlier statement took it.
    """
    article = "an" if mode[0] in "AEIOU" else "a"
    if held is None:
        blocks = _BLOCKS[mode]
    else:
        blocked = "reads and writes" if _blocked(held.mode) == 2 else "writes"
        blocks = (
            f"the transaction already holds {held.mode} on {held.table} since line {held.line}, "
            f"so {blocked} stay blocked until it commits"
            + ("; reads continue" if blocked == "writes" else "")
        )
    text = f"Takes {article} {mode} lock on {target} ({blocks})"
    if rewrite is True:
        text += " and rewrites the whole table and its indexes while holding it"
    elif rewrite is False:
        text += "; no table rewrite"
    text += "."
    if held is not None:
        text += f" Line {held.line}: {held.statement}."
    return text
