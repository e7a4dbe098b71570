"""records.Record and FrozenRecord: the equality, hash and repr that @dataclass would generate."""

from __future__ import annotations

import copy
import dataclasses
import inspect
from dataclasses import dataclass, field
from typing import Any

import pytest

from migration_lint import (
    checks,
    config,
    context,
    drizzle,
    git,
    layouts,
    linter,
    located,
    operations,
    parse,
    project,
    records,
    registry,
    runners,
    source,
    suppressions,
)
from migration_lint.records import FrozenRecord, Record


@dataclass(frozen=True, eq=False, repr=False)
class Point(FrozenRecord):
    x: int
    y: int = 0
    label: str = field(default="", compare=False)
    secret: str = field(default="", repr=False)


@dataclass(frozen=True)
class PointAsGenerated:
    x: int
    y: int = 0
    label: str = field(default="", compare=False)
    secret: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Single(FrozenRecord):
    value: object


@dataclass(frozen=True, slots=True)
class SingleAsGenerated:
    value: object


@dataclass(eq=False, repr=False)
class Cell(Record):
    items: list[int] = field(default_factory=list)


@dataclass
class CellAsGenerated:
    items: list[int] = field(default_factory=list)


@dataclass(frozen=True, eq=False, repr=False)
class Empty(FrozenRecord):
    pass


@dataclass(frozen=True)
class EmptyAsGenerated:
    pass


NAN = float("nan")
PAIRS = [
    pytest.param(Point, PointAsGenerated, (1, 2, "a", "s"), (1, 2, "b", "t"), id="same-compared"),
    pytest.param(Point, PointAsGenerated, (1, 2), (1, 3), id="one-field-differs"),
    pytest.param(Point, PointAsGenerated, (1,), (2,), id="first-field-differs"),
    pytest.param(Single, SingleAsGenerated, ("a",), ("a",), id="one-field-equal"),
    pytest.param(Single, SingleAsGenerated, ("a",), ("b",), id="one-field-unequal"),
    pytest.param(Single, SingleAsGenerated, (NAN,), (float("nan"),), id="two-nans"),
    pytest.param(Cell, CellAsGenerated, ([1],), ([1],), id="mutable-equal"),
    pytest.param(Cell, CellAsGenerated, ([1],), ([2],), id="mutable-unequal"),
    pytest.param(Empty, EmptyAsGenerated, (), (), id="no-fields"),
]


@pytest.mark.parametrize(("record", "generated", "first", "second"), PAIRS)
def test_records_compare_hash_and_show_as_dataclass_would(
    record: type[Any], generated: type[Any], first: tuple[Any, ...], second: tuple[Any, ...]
) -> None:
    ours, theirs = (record(*first), record(*second)), (generated(*first), generated(*second))
    assert (ours[0] == ours[1]) == (theirs[0] == theirs[1])
    assert (ours[0] != ours[1]) == (theirs[0] != theirs[1])
    assert repr(ours[0]) == repr(theirs[0]).replace(generated.__qualname__, record.__qualname__)
    if generated.__hash__ is None:
        with pytest.raises(TypeError, match="unhashable"):
            hash(ours[0])
    else:
        assert hash(ours[0]) == hash(theirs[0])
        assert hash(ours[1]) == hash(theirs[1])


def test_a_record_holding_the_same_object_is_equal_on_every_python() -> None:
    """Fields compare as tuples do, the same object first (as @dataclass did before Python
    3.13, which compares them one by one): a record holding NaN is in the set it was put in."""
    record = Single(NAN)
    assert record == Single(NAN)
    assert record in {record}


def test_records_of_different_classes_are_never_equal() -> None:
    assert Single(1) != Point(1)
    assert Point(1) != (1, 0)
    assert Point(1) == Point(1) and Point(1) in {Point(1)}


RECORD_MODULES = (
    checks,
    config,
    context,
    drizzle,
    git,
    layouts,
    linter,
    located,
    operations,
    parse,
    project,
    registry,
    runners,
    source,
    suppressions,
)


def shared_init_records() -> list[type]:
    """The classes whose __init__ records.dataclass made from shared code."""
    return [
        kind
        for module in RECORD_MODULES
        for kind in vars(module).values()
        if isinstance(kind, type)
        and kind.__module__ == module.__name__
        and dataclasses.is_dataclass(kind)
        and set(kind.__init__.__globals__) <= {"_set", "__builtins__"}  # type: ignore[misc]
    ]


def test_the_records_of_every_run_get_an_init_from_shared_code() -> None:
    assert {operations.Name, operations.CreateTable, parse.Statement, context.Definition} <= set(
        shared_init_records()
    )


@pytest.mark.parametrize("kind", shared_init_records(), ids=lambda kind: kind.__name__)
def test_a_records_init_is_the_one_dataclass_would_make(kind: type) -> None:
    frozen = hasattr(kind, "__dict__") and "__slots__" not in vars(kind)
    # The same record made by dataclasses.dataclass itself, from its fields.
    twin = dataclasses.make_dataclass(
        kind.__name__,
        [
            (f.name, f.type, field(default=f.default, kw_only=f.kw_only))
            for f in dataclasses.fields(kind)
        ],
        slots=not frozen,
        frozen=frozen,
        eq=False,
        repr=False,
    )

    def parameters(made: type) -> list[tuple[str, object, object]]:
        return [(p.name, p.kind, p.default) for p in inspect.signature(made).parameters.values()]

    assert parameters(kind) == parameters(twin)
    values = {f.name: f"value of {f.name}" for f in dataclasses.fields(kind)}
    made = kind(**values)
    assert {name: getattr(made, name) for name in values} == values
    required = [p for p in inspect.signature(kind).parameters.values() if p.default is p.empty]
    if required:
        with pytest.raises(TypeError, match=required[-1].name):
            kind(**{name: v for name, v in values.items() if name != required[-1].name})
    if frozen:
        name = next(iter(values))
        with pytest.raises(dataclasses.FrozenInstanceError, match=name):
            setattr(made, name, "changed")
        with pytest.raises(dataclasses.FrozenInstanceError, match=name):
            delattr(made, name)
        assert copy.deepcopy(made).__dict__ == made.__dict__


def test_a_record_with_a_default_factory_is_made_by_dataclass_itself() -> None:
    @records.dataclass(frozen=True, eq=False, repr=False)
    class Listed(FrozenRecord):
        items: list[int] = field(default_factory=list)

    assert Listed().items == [] and Listed().items is not Listed().items
    with pytest.raises(dataclasses.FrozenInstanceError):
        Listed().items = [1]  # type: ignore[misc]
