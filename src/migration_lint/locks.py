"""What each PostgreSQL lock mode blocks, worded once for every rule's message."""

from __future__ import annotations

_BLOCKS = {
    "ACCESS EXCLUSIVE": "blocks all reads and writes",
    "EXCLUSIVE": "blocks writes; reads continue",
    "SHARE ROW EXCLUSIVE": "blocks writes; reads continue",
    "SHARE": "blocks writes; reads continue",
    "SHARE UPDATE EXCLUSIVE": "blocks other schema changes and VACUUM; reads and writes continue",
    "ROW EXCLUSIVE": "blocks other schema changes; reads and writes continue",
}


def lock(mode: str, target: str, rewrite: bool | None = None) -> str:
    """A sentence naming the lock a statement takes, what it blocks, and any table rewrite."""
    article = "an" if mode[0] in "AEIOU" else "a"
    text = f"Takes {article} {mode} lock on {target} ({_BLOCKS[mode]})"
    if rewrite is True:
        text += " and rewrites the whole table and its indexes while holding it"
    elif rewrite is False:
        text += "; no table rewrite"
    return text + "."
