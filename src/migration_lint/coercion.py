"""Which column type changes PostgreSQL makes without rewriting the table.

PostgreSQL skips the rewrite when the old values are valid, bit for bit, in the new type
(binary-coercible) and no stricter length or precision has to be checked. Each answer here was
checked on PostgreSQL 18 by comparing the table's relfilenode before and after the change
(tests/test_schema_model.py does so for every branch).
"""

from __future__ import annotations

from .operations import ColumnType

# Casts PostgreSQL marks binary-coercible where every old value stays valid.
_COERCIBLE = frozenset(
    {
        ("varchar", "text"),
        ("text", "varchar"),  # only without a length: checked below
        ("cidr", "inet"),
        ("xml", "text"),
        ("xml", "varchar"),
        ("bit", "varbit"),  # only without a length: checked below
    }
)
# Types whose modifier is a number of fractional-second digits, at most 6 (the default).
_FRACTIONAL_SECONDS = frozenset({"timestamp", "timestamptz", "time", "timetz"})
MAX_SECOND_DIGITS = 6
# An interval's first modifier is a bit mask of its fields; the least field it keeps decides
# which values it can hold: 0 for seconds (and the full range), up to 5 for years.
_INTERVAL_FIELD_BITS = (
    (1 << 12, 0),
    (1 << 11, 1),
    (1 << 10, 2),
    (1 << 3, 3),
    (1 << 1, 4),
    (1 << 2, 5),
)
_INTERVAL_FULL_RANGE = 0x7FFF
_TIMESTAMPS = frozenset({"timestamp", "timestamptz"})


def rewrites_table(old: ColumnType | None, new: ColumnType) -> bool:
    """Whether changing a column from `old` to `new` rewrites the table; unknown old: assume so.

    Between timestamp and timestamptz it answers for a session TimeZone other than UTC (see
    rewrite_unless_utc)."""
    if old is None or old.array_dimensions != new.array_dimensions:
        return True
    if old == new:
        return False
    if old.name == new.name:
        return not _widens(old.name, old.modifiers, new.modifiers)
    if (old.name, new.name) not in _COERCIBLE:
        return True
    # Into a length-limited varchar or varbit, old values must be checked (text has no limit).
    return bool(new.modifiers)


def rewrite_unless_utc(old: ColumnType | None, new: ColumnType, pg_version: int) -> bool:
    """Whether PostgreSQL skips the rewrite only when the session TimeZone is UTC: from
    timestamp to timestamptz or back, on PostgreSQL 12+, into the full precision (the values
    are the same microseconds; only their meaning depends on the zone)."""
    if old is None or pg_version < 12 or old.array_dimensions or new.array_dimensions:
        return False
    if {old.name, new.name} != _TIMESTAMPS:
        return False
    digits = _integers(new.modifiers)
    return digits is not None and (not digits or digits[0] >= MAX_SECOND_DIGITS)


def _integers(modifiers: tuple[int | str, ...]) -> tuple[int, ...] | None:
    """The modifiers as numbers; None when one is not a number (nothing is then assumed)."""
    if not all(isinstance(m, int) for m in modifiers):
        return None
    return tuple(int(m) for m in modifiers)


def _widens(
    name: str, old_modifiers: tuple[int | str, ...], new_modifiers: tuple[int | str, ...]
) -> bool:
    """Same type, modifiers that accept every old value: a longer length, more precision."""
    old, new = _integers(old_modifiers), _integers(new_modifiers)
    if old is None or new is None:
        return False
    if name in _FRACTIONAL_SECONDS:
        # timestamp(3) -> timestamp keeps every value; timestamp -> timestamp(3) rounds them.
        return not new or new[0] >= MAX_SECOND_DIGITS or (bool(old) and new[0] >= old[0])
    if name == "interval":
        return _interval_widens(old, new)
    if not new:  # varchar(n) -> varchar, numeric(p, s) -> numeric, varbit(n) -> varbit
        return name in ("varchar", "numeric", "varbit")
    if not old:
        return False
    if name in ("varchar", "varbit"):
        return new[0] >= old[0]
    if name == "numeric":
        old_scale = old[1] if len(old) > 1 else 0
        new_scale = new[1] if len(new) > 1 else 0
        return new_scale == old_scale and new[0] >= old[0]
    return False


def _interval_widens(old: tuple[int, ...], new: tuple[int, ...]) -> bool:
    """An interval keeps its values when it keeps fields as small as before and, if it holds
    seconds, at least as many fractional digits."""
    if not new:
        return True
    old_least = _least_field(old[0] if old else _INTERVAL_FULL_RANGE)
    new_least = _least_field(new[0])
    old_digits = old[1] if len(old) > 1 else MAX_SECOND_DIGITS
    new_digits = new[1] if len(new) > 1 else MAX_SECOND_DIGITS
    return new_least <= old_least and (old_least > 0 or new_digits >= old_digits)


def _least_field(fields: int) -> int:
    return next((rank for bit, rank in _INTERVAL_FIELD_BITS if fields & bit), 0)
