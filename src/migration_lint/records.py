"""What @dataclass would generate for equality, hashing, repr and __init__, written once.

@dataclass compiles these methods for each class when its module is imported: for the ninety
classes that every run imports, that took a tenth of a pre-commit run. So those classes are
declared with eq=False, repr=False and one of these bases, which compare, hash and show their
fields as @dataclass would: equality between objects of the same class, field by field (the
fields with compare=True), a hash of the same fields for a frozen class (unhashable otherwise),
and `Class(field=value, ...)` of the fields with repr=True. Their modules also take
`dataclass` from here (below), which makes their __init__ (and a frozen one's __setattr__ and
__delattr__) without compiling it for each class.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import MISSING, FrozenInstanceError, fields
from operator import attrgetter
from types import CodeType, FunctionType
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


# --- __init__ without compiling it for each class ---

# How the records are declared: slotted and mutable (operations.py's fifty), or frozen.
_SLOTTED = {"slots": True, "eq": False, "repr": False}
_FROZEN = {"frozen": True, "eq": False, "repr": False}
# The code of an __init__ that sets n positional and m keyword-only fields (through
# object.__setattr__ for a frozen record), compiled once for all the records with as many:
# @dataclass compiles one for each class, and a frozen one's __setattr__ and __delattr__ too,
# ~0.1 ms apiece.
_init_codes: dict[tuple[int, int, bool], CodeType] = {}


def dataclass(cls: type | None = None, /, **options: Any) -> Any:
    """dataclasses.dataclass, but a record declared @dataclass(slots=True, eq=False,
    repr=False) or @dataclass(frozen=True, eq=False, repr=False) gets an __init__ made from code
    shared with the records of as many fields (the same parameters, defaults and assignments as
    @dataclass's), and a frozen one the same __setattr__ and __delattr__, made without compiling
    them. (Modules import it for the running program only; type checkers read
    dataclasses.dataclass.)"""

    def make(cls: type) -> Any:
        if options in (_SLOTTED, _FROZEN) and _plain(cls):
            return _record(cls, frozen=options == _FROZEN)
        return dataclasses.dataclass(cls, **options)

    return make(cls) if cls else make


def _plain(cls: type) -> bool:
    """Whether @dataclass would give a record no more than _record makes: no default factory,
    __post_init__, ClassVar or InitVar, and no base that @dataclass made frozen."""
    annotations = " ".join(map(str, vars(cls).get("__annotations__", {}).values()))
    return not (
        "ClassVar" in annotations
        or "InitVar" in annotations
        or hasattr(cls, "__post_init__")
        or any(
            isinstance(value, dataclasses.Field) and value.default_factory is not MISSING
            for value in vars(cls).values()
        )
        or any(
            f.default_factory is not MISSING or not f.init
            for base in cls.__mro__[1:]
            for f in getattr(base, "__dataclass_fields__", {}).values()
        )
        or any(
            getattr(getattr(base, "__dataclass_params__", None), "frozen", False)
            for base in cls.__mro__[1:]
        )
    )


def _record(cls: type, frozen: bool) -> type:
    # Made mutable: a frozen record's own __setattr__ and __delattr__ are set below.
    made: Any = dataclasses.dataclass(cls, init=False, eq=False, repr=False, slots=not frozen)
    declared = fields(made)
    if len(declared) != len(made.__dataclass_fields__) or not all(f.init for f in declared):
        raise TypeError(f"{made.__qualname__}: a record that @dataclass would make otherwise")
    positional = [f for f in declared if not f.kw_only]
    keyword = [f for f in declared if f.kw_only]
    defaults = tuple(f.default for f in positional if f.default is not MISSING)
    if any(f.default is MISSING for f in positional[len(positional) - len(defaults) :]):
        raise TypeError(f"{made.__qualname__}: a field without a default follows one with one")
    names = [f.name for f in positional + keyword]
    template = _init_code(len(positional), len(keyword), frozen)
    renamed = dict(zip(template.co_varnames[1:], names, strict=True))
    code = template.replace(
        co_varnames=("self", *names),
        # A frozen record's field names are the constants it passes to object.__setattr__.
        co_consts=tuple(renamed.get(c, c) if isinstance(c, str) else c for c in template.co_consts),
        co_names=template.co_names if frozen else tuple(names),
    )
    init = FunctionType(code, {"_set": object.__setattr__}, "__init__", defaults or None)
    init.__kwdefaults__ = {f.name: f.default for f in keyword if f.default is not MISSING} or None
    init.__qualname__ = f"{made.__qualname__}.__init__"
    init.__module__ = made.__module__
    made.__init__ = init
    if frozen:
        made.__setattr__, made.__delattr__ = _frozen(made, frozenset(names))
    return made  # type: ignore[no-any-return]


def _init_code(positional: int, keyword: int, frozen: bool) -> CodeType:
    code = _init_codes.get((positional, keyword, frozen))
    if code is None:
        names = [f"field_{n}" for n in range(positional + keyword)]
        parameters = ["self", *names[:positional], *(["*"] if keyword else []), *names[positional:]]
        line = '    _set(self, "{0}", {0})\n' if frozen else "    self.{0} = {0}\n"
        body = "".join(line.format(name) for name in names) or "    pass\n"
        namespace: dict[str, Any] = {}
        exec(f"def __init__({', '.join(parameters)}):\n{body}", namespace)
        code = _init_codes[(positional, keyword, frozen)] = namespace["__init__"].__code__
    return code


def _frozen(cls: Any, names: frozenset[str]) -> tuple[Any, Any]:
    """The __setattr__ and __delattr__ that @dataclass(frozen=True) gives a class."""

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __setattr__, __delattr__
