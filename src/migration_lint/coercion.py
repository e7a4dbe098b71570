"""Which column type changes PostgreSQL makes without rewriting the table.

PostgreSQL skips the rewrite when the old values are valid, bit for bit, in the new type
(binary-coercible) and no stricter length or precision has to be checked.
"""

from __future__ import annotations

from .operations import ColumnType

_TEXT_LIKE = frozenset({"varchar", "text"})
# Casts PostgreSQL marks binary-coercible where every old value stays valid.
_COERCIBLE = frozenset(
    {
        ("varchar", "text"),
        ("text", "varchar"),  # only without a length: checked below
        ("cidr", "inet"),
        ("xml", "text"),
        ("xml", "varchar"),
    }
)


def rewrites_table(old: ColumnType | None, new: ColumnType) -> bool:
    """Whether changing a column from `old` to `new` rewrites the table; unknown old: assume so."""
    if old is None or old.array_dimensions != new.array_dimensions:
        return True
    if old == new:
        return False
    if old.name == new.name:
        return not _widens(old.name, old.modifiers, new.modifiers)
    if (old.name, new.name) not in _COERCIBLE:
        return True
    # Into a length-limited varchar, old values must be checked (and text has no limit).
    return new.name == "varchar" and bool(new.modifiers)


def _widens(name: str, old: tuple[int | str, ...], new: tuple[int | str, ...]) -> bool:
    """Same type, modifiers that accept every old value: a longer length, more precision."""
    if not new:  # varchar(n) -> varchar, numeric(p, s) -> numeric, varbit(n) -> varbit
        return name in ("varchar", "numeric", "varbit")
    if not old:
        return False
    if name in ("varchar", "varbit"):
        return int(new[0]) >= int(old[0])
    if name == "numeric":
        old_scale = old[1] if len(old) > 1 else 0
        new_scale = new[1] if len(new) > 1 else 0
        return new_scale == old_scale and int(new[0]) >= int(old[0])
    if name in ("timestamp", "timestamptz", "time", "timetz", "interval"):
        # More fractional-second precision keeps every value; PostgreSQL skips the rewrite.
        return int(new[0]) >= int(old[0])
    return False
