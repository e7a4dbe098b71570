"""Two schemas compared as if SOURCE were deployed onto TARGET: every difference, and whether
it breaks code that runs against TARGET today, by the linter's rules.

"added" is what SOURCE has and TARGET lacks, "removed" what TARGET has and SOURCE lacks. A
difference is breaking when the migration that makes it would be one the linter reports as
breaking: a table, column, view, materialized view, function or schema dropped; a column type
changed in a way PostgreSQL cannot do without a rewrite (coercion.py: widening a varchar is
compatible, narrowing it is not); a NOT NULL column added without a default; an enum value
removed; a table or column renamed, which is what a table (column) dropped and another of the
same shape added most likely is. Everything else is compatible: additions, widenings, indexes,
constraints, triggers, sequences, extensions, changed definitions.

Pure: two Catalogs in, data out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace

from pglast.parser import ParseError

from ..coercion import rewrites_table
from ..operations import ColumnType
from ..parse import parse_trees
from ..pg_frontend import column_type
from .catalog import Catalog, Change, changes

IDENTICAL, COMPATIBLE, BREAKING = 0, 1, 2  # the exit codes


@dataclass(frozen=True)
class Difference:
    kind: str  # as catalog.Change's
    name: str
    how: str  # "added", "removed", "changed" or "renamed"
    detail: str  # what was added or removed, how it changed; renamed: the name it had
    table: str | None  # the table it is or belongs to; None for what belongs to none
    # Why it breaks code running against TARGET, as the linter names it ("drop-column"); None
    # for a compatible difference.
    rule: str | None = None

    @property
    def breaking(self) -> bool:
        return self.rule is not None

    @property
    def label(self) -> str:
        """What it is: "column public.users.email", "index public.users_email_idx"."""
        if self.kind == "column":
            return f"column {self.table}.{self.name}"
        return f"{self.kind} {self.name}"

    def __str__(self) -> str:
        if self.how == "changed":
            return f"{self.label}: {self.detail}"
        if self.how == "renamed":
            return f"{self.label}: renamed from {self.detail}"
        return f"{self.label}: {self.how}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class Comparison:
    source: Catalog
    target: Catalog
    differences: tuple[Difference, ...]

    @property
    def exit_code(self) -> int:
        if any(d.breaking for d in self.differences):
            return BREAKING
        return COMPATIBLE if self.differences else IDENTICAL

    @property
    def breaking(self) -> list[Difference]:
        return [d for d in self.differences if d.breaking]

    @property
    def compatible(self) -> list[Difference]:
        return [d for d in self.differences if not d.breaking]

    def summary(self) -> str:
        if not self.differences:
            return "identical schemas"
        return f"{len(self.breaking)} breaking, {len(self.compatible)} compatible difference(s)"

    def tables(self) -> list[str]:
        """Every table of either side, in name order."""
        return sorted(self.source.tables.keys() | self.target.tables.keys())

    def of_table(self, table: str) -> list[Difference]:
        """The table's own differences and those of its columns, indexes, constraints and
        triggers; a renamed table's under both names."""
        return [
            d
            for d in self.differences
            if d.table == table or (d.kind == "table" and d.how == "renamed" and d.detail == table)
        ]


def heading(source: str, target: str) -> str:
    """What a comparison of sides shown as `source` and `target` says."""
    return f"{source} compared with {target}: what deploying {source} onto {target} changes"


def compare(source: Catalog, target: Catalog) -> Comparison:
    found = changes(target, source)
    renames = {
        **_renames([c for c in found if c.kind == "table"], source, target, _table_shape),
        **_renames([c for c in found if c.kind == "column"], source, target, _column_shape),
    }
    renamed = set(renames.values())
    return Comparison(
        source,
        target,
        tuple(
            _rename(change, renames[change])
            if change in renames
            else _classified(change, source, target)
            for change in found
            if change not in renamed
        ),
    )


# What a table or column is apart from its name, on the side it is on; None: too little to
# tell a rename by (a table without columns).
_Shape = Callable[[Change, Catalog], Hashable | None]


def _table_shape(change: Change, side: Catalog) -> Hashable | None:
    table = side.tables[change.name]
    columns = tuple(sorted(table.columns.items()))
    return (table.shape, columns) if columns else None


def _column_shape(change: Change, side: Catalog) -> Hashable | None:
    assert change.table is not None
    return change.table, side.tables[change.table].columns[change.name]


def _renames(
    found: list[Change], source: Catalog, target: Catalog, shape: _Shape
) -> dict[Change, Change]:
    """The added -> the removed, where exactly one thing of a shape was removed and exactly
    one of the same shape added: most likely a rename."""
    shapes = {
        c: shape(c, target if c.how == "removed" else source)
        for c in found
        if c.how in ("added", "removed")
    }
    counts = Counter((c.how, s) for c, s in shapes.items() if s is not None)
    removed = {s: c for c, s in shapes.items() if c.how == "removed" and counts["removed", s] == 1}
    return {
        c: removed[s]
        for c, s in shapes.items()
        if c.how == "added" and counts["added", s] == 1 and s in removed
    }


def _rename(added: Change, removed: Change) -> Difference:
    rule = "rename-table" if added.kind == "table" else "rename-column"
    return Difference(
        added.kind, added.name, "renamed", removed.name, added.table or added.name, rule
    )


def _classified(change: Change, source: Catalog, target: Catalog) -> Difference:
    table = change.name if change.kind == "table" else change.table
    difference = Difference(change.kind, change.name, change.how, change.detail, table)
    rule = _breaking_rule(change, source, target)
    return replace(difference, rule=rule) if rule else difference


# What removing each kind of object breaks, by the linter's rule for the statement that does.
_DROPPED = {
    "schema": "drop-schema",
    "table": "drop-table",
    "column": "drop-column",
    "view": "drop-view",
    "materialized view": "drop-view",
    "function": "drop-function",
    "enum": "remove-enum-value",
}


def _breaking_rule(change: Change, source: Catalog, target: Catalog) -> str | None:
    if change.how == "removed":
        return _DROPPED.get(change.kind)
    if change.kind == "column":
        assert change.table is not None
        new = source.tables[change.table].columns[change.name]
        if change.how == "added":
            return "add-required-column" if new.not_null and new.filled is None else None
        old = target.tables[change.table].columns[change.name]
        return "change-column-type" if _rewrites(old.type, new.type) else None
    if change.kind == "enum" and change.how == "changed":
        removed = set(target.enums[change.name]) - set(source.enums[change.name])
        return "remove-enum-value" if removed else None
    return None


def _rewrites(old: str, new: str) -> bool:
    """Whether changing a column from type `old` to `new` (as format_type prints them) is one
    the linter reports: a rewrite, or a change it cannot tell is not one."""
    if old == new:
        return False
    old_type, new_type = _column_type(old), _column_type(new)
    return new_type is None or rewrites_table(old_type, new_type)


def _column_type(formatted: str) -> ColumnType | None:
    """A type as the linter reads it in a migration: "character varying(64)" is varchar(64)."""
    try:
        (statement,) = parse_trees(f"CREATE TABLE t (c {formatted})", 0)
    except (ParseError, ValueError):
        return None
    return column_type(statement.node["tableElts"][0]["ColumnDef"]["typeName"])
