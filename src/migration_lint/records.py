"""What @dataclass would generate for equality, hashing and repr, written once.

@dataclass compiles these methods for each class when its module is imported: for the ninety
classes that every run imports, that took a tenth of a pre-commit run. So those classes are
declared with eq=False, repr=False and one of these bases, which compare, hash and show their
fields as @dataclass would: equality between objects of the same class, field by field (the
fields with compare=True), a hash of the same fields for a frozen class (unhashable otherwise),
and `Class(field=value, ...)` of the fields with repr=True.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from operator import attrgetter
from typing import Any

Values = Callable[[Any], tuple[Any, ...]]

# Per class: what it compares, and the names it shows (worked out once, when first asked for).
_compared: dict[type, Values] = {}
_shown: dict[type, tuple[str, ...]] = {}


class _Fields:
    """Equality field by field, between objects of the same class, and the repr."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        values = _compared.get(self.__class__) or _values(self.__class__)
        return values(self) == values(other)

    def __repr__(self) -> str:
        kind = self.__class__
        shown = _shown.get(kind)
        if shown is None:
            shown = _shown[kind] = tuple(f.name for f in fields(kind) if f.repr)  # type: ignore[arg-type]
        values = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{kind.__qualname__}({values})"


class Record(_Fields):
    """A mutable dataclass's equality and repr; unhashable, as @dataclass makes it."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]


class FrozenRecord(_Fields):
    """A frozen dataclass's equality, hash (of the fields compared) and repr."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash((_compared.get(self.__class__) or _values(self.__class__))(self))


def _values(kind: type) -> Values:
    """The tuple of a record's compared fields, as @dataclass compares and hashes them."""
    names = tuple(f.name for f in fields(kind) if f.compare)
    # attrgetter makes the tuple in C, but gives one field's value bare.
    values = attrgetter(*names) if len(names) >= 2 else _each(names)
    _compared[kind] = values
    return values


def _each(names: tuple[str, ...]) -> Values:
    def values(record: Any) -> tuple[Any, ...]:
        return tuple(getattr(record, name) for name in names)

    return values
