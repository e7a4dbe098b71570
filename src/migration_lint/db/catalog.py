"""A database's schema as plain data, read from pg_catalog, and the differences between two.

What is read is what migrations change and what code depends on: schemas, extensions, tables
and their columns (type, default, nullability), indexes, constraints, triggers, views,
materialized views, functions, sequences and enum types; not data, owners, grants or
comments. The objects of an extension are left to the extension's name and version. Names are
schema-qualified, and quoted where PostgreSQL would need it.

Nothing here knows why two schemas are compared: `verify --rollback` compares a database before
a migration with the same database after the migration and its rollback plan; the schemas of
two deployed databases compare the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

from .bookkeeping import DRIZZLE_SCHEMA, RUNNERS
from .query_text import normalised

if TYPE_CHECKING:
    import psycopg


@dataclass(frozen=True)
class Column:
    type: str
    not_null: bool
    # How it is filled when a row leaves it out: "DEFAULT <expression>", an identity's or a
    # generated column's GENERATED clause; None for none.
    filled: str | None

    def __str__(self) -> str:
        return " ".join(
            part for part in (self.type, "NOT NULL" if self.not_null else "", self.filled) if part
        )


@dataclass(frozen=True)
class Table:
    kind: str  # "table", "unlogged table", "partitioned table", "foreign table"
    columns: Mapping[str, Column]
    # "PARTITION BY <key>" and/or "PARTITION OF <parent> <bound>"; "" for neither.
    partitioning: str = ""

    @property
    def shape(self) -> str:
        """What the table is, apart from its columns: its kind and partitioning."""
        return " ".join(part for part in (self.kind, self.partitioning) if part)


@dataclass(frozen=True)
class OnTable:
    """An index, constraint or trigger: the table it belongs to, and its definition."""

    table: str
    definition: str


@dataclass(frozen=True)
class Sequence:
    settings: str  # its type, start, increment, bounds, cache and cycle
    owned_by: str | None = None  # the column of a serial or identity: "<table>.<column>"
    table: str | None = None  # the owning column's table

    def __str__(self) -> str:
        return self.settings + (f" OWNED BY {self.owned_by}" if self.owned_by else "")


@dataclass(frozen=True)
class Catalog:
    schemas: frozenset[str]
    extensions: Mapping[str, str]  # name -> version
    tables: Mapping[str, Table]
    indexes: Mapping[str, OnTable]  # by the index's name
    constraints: Mapping[str, OnTable]  # by "name on table"
    triggers: Mapping[str, OnTable]  # by "name on table"
    views: Mapping[str, str]  # name -> its query, as query_text prints it
    materialized_views: Mapping[str, str]
    functions: Mapping[str, str]  # "name(argument types)" -> CREATE FUNCTION ...
    sequences: Mapping[str, Sequence]
    enums: Mapping[str, tuple[str, ...]]  # name -> its values, in order


# The user's schemas: not the system's, not TOAST's, not a session's temporary ones.
_USER_SCHEMA = (
    "{n}.nspname NOT IN ('pg_catalog', 'information_schema') AND {n}.nspname !~ '^pg_(toast|temp_)'"
)
_QUALIFIED = "quote_ident({n}.nspname) || '.' || quote_ident({o}.{name})"


def _own(catalog: str, oid: str) -> str:
    """The object is not an extension's (deptype 'e': it goes with the extension)."""
    return (
        f"NOT EXISTS (SELECT FROM pg_depend e WHERE e.classid = '{catalog}'::regclass "
        f"AND e.objid = {oid} AND e.deptype = 'e')"
    )


def _relations(kinds: str) -> str:
    """FROM and WHERE for the user's relations `c` of these relkinds, in namespace `n`."""
    return (
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE c.relkind IN ({kinds}) AND {_USER_SCHEMA.format(n='n')} "
        f"AND {_own('pg_class', 'c.oid')}"
    )


_TABLE_NAME = _QUALIFIED.format(n="n", o="c", name="relname")
_SCHEMAS = f"""
    SELECT quote_ident(n.nspname) FROM pg_namespace n
    WHERE {_USER_SCHEMA.format(n="n")} AND {_own("pg_namespace", "n.oid")}
"""
_EXTENSIONS = "SELECT quote_ident(extname), extversion FROM pg_extension"
_TABLE_KINDS = "'r', 'p', 'f'"
# A partition's parent: with the partition's own name, schema-qualified as every name here.
_PARENT = _QUALIFIED.format(n="pn", o="pc", name="relname")
_TABLES = f"""
    SELECT {_TABLE_NAME}, c.relkind, c.relpersistence, pg_get_partkeydef(c.oid),
           (SELECT {_PARENT} || ' ' || pg_get_expr(c.relpartbound, c.oid)
            FROM pg_inherits i
            JOIN pg_class pc ON pc.oid = i.inhparent
            JOIN pg_namespace pn ON pn.oid = pc.relnamespace
            WHERE i.inhrelid = c.oid AND c.relispartition)
    {_relations(_TABLE_KINDS)}
"""
_COLUMNS = f"""
    SELECT {_TABLE_NAME}, quote_ident(a.attname), format_type(a.atttypid, a.atttypmod),
           a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ({_TABLE_KINDS})
      AND {_USER_SCHEMA.format(n="n")} AND {_own("pg_class", "c.oid")}
"""
_INDEXES = f"""
    SELECT {_QUALIFIED.format(n="n", o="i", name="relname")}, {_TABLE_NAME},
           pg_get_indexdef(x.indexrelid) || CASE WHEN x.indisvalid THEN '' ELSE ' (INVALID)' END
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class c ON c.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE {_USER_SCHEMA.format(n="n")} AND {_own("pg_class", "c.oid")}
"""
# NOT NULL constraints (contype 'n', PostgreSQL 18 on) are the columns' nullability already.
# A constraint a partition inherits (conparentid) is its parent's, under a name each major
# makes up its own way (fkey1 on 15, fkey_1 on 18).
_CONSTRAINTS = f"""
    SELECT quote_ident(k.conname), {_TABLE_NAME}, pg_get_constraintdef(k.oid)
    FROM pg_constraint k
    JOIN pg_class c ON c.oid = k.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE k.contype <> 'n' AND k.conparentid = 0
      AND {_USER_SCHEMA.format(n="n")} AND {_own("pg_class", "c.oid")}
"""
_TRIGGERS = f"""
    SELECT quote_ident(t.tgname), {_TABLE_NAME}, pg_get_triggerdef(t.oid)
    FROM pg_trigger t
    JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE NOT t.tgisinternal AND {_USER_SCHEMA.format(n="n")} AND {_own("pg_class", "c.oid")}
"""
_VIEW_KINDS = "'v', 'm'"
_VIEWS = f"SELECT {_TABLE_NAME}, c.relkind, pg_get_viewdef(c.oid, true) {_relations(_VIEW_KINDS)}"
_FUNCTIONS = f"""
    SELECT {_QUALIFIED.format(n="n", o="p", name="proname")}
           || '(' || pg_get_function_identity_arguments(p.oid) || ')',
           CASE WHEN p.prokind = 'a' THEN 'an aggregate' ELSE pg_get_functiondef(p.oid) END
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE {_USER_SCHEMA.format(n="n")} AND {_own("pg_proc", "p.oid")}
"""
# A serial's sequence depends on its column automatically ('a'), an identity's internally ('i').
_SEQUENCES = f"""
    SELECT {_TABLE_NAME}, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin,
           s.seqmax, s.seqcache, s.seqcycle, {_QUALIFIED.format(n="tn", o="t", name="relname")},
           quote_ident(a.attname)
    FROM pg_sequence s
    JOIN pg_class c ON c.oid = s.seqrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
         AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
    LEFT JOIN pg_class t ON t.oid = d.refobjid
    LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    WHERE {_USER_SCHEMA.format(n="n")} AND {_own("pg_class", "c.oid")}
"""
_ENUMS = f"""
    SELECT {_QUALIFIED.format(n="n", o="t", name="typname")},
           array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
    FROM pg_type t
    JOIN pg_enum e ON e.enumtypid = t.oid
    JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE {_USER_SCHEMA.format(n="n")} AND {_own("pg_type", "t.oid")}
    GROUP BY 1
"""

_TABLE_KIND_NAMES = {"r": "table", "p": "partitioned table", "f": "foreign table"}
_IDENTITY = {"a": "GENERATED ALWAYS AS IDENTITY", "d": "GENERATED BY DEFAULT AS IDENTITY"}
_GENERATED = {"s": "STORED", "v": "VIRTUAL"}


def read(connection: psycopg.Connection[tuple[object, ...]]) -> Catalog:
    """The schema of the database `connection` is on.

    Read in one transaction (a savepoint in the caller's), with an empty search_path: the
    definitions PostgreSQL prints then name every object with its schema, the same way
    whatever the session's search_path."""
    with connection.transaction():
        (search_path,) = connection.execute("SELECT current_setting('search_path')").fetchall()[0]
        connection.execute("SELECT set_config('search_path', '', true)")
        catalog = _read(connection)
        connection.execute("SELECT set_config('search_path', %s, true)", (search_path,))
    return catalog


def _read(connection: psycopg.Connection[tuple[object, ...]]) -> Catalog:
    def rows(query: str) -> list[tuple[object, ...]]:
        return connection.execute(query).fetchall()

    columns: dict[str, dict[str, Column]] = {}
    for table, name, type_, not_null, default, identity, generated in rows(_COLUMNS):
        columns.setdefault(str(table), {})[str(name)] = Column(
            str(type_), bool(not_null), _filled(default, identity, generated)
        )
    tables = {
        str(name): Table(
            ("unlogged " if persistence == "u" else "") + _TABLE_KIND_NAMES[str(kind)],
            columns.get(str(name), {}),
            " ".join(
                f"{word} {value}"
                for word, value in (("PARTITION BY", key), ("PARTITION OF", parent))
                if value
            ),
        )
        for name, kind, persistence, key, parent in rows(_TABLES)
    }
    views = rows(_VIEWS)
    return Catalog(
        schemas=frozenset(str(name) for (name,) in rows(_SCHEMAS)),
        extensions={str(name): str(version) for name, version in rows(_EXTENSIONS)},
        tables=tables,
        indexes=_on_table(rows(_INDEXES), keyed_by_table=False),
        constraints=_on_table(rows(_CONSTRAINTS), keyed_by_table=True),
        triggers=_on_table(rows(_TRIGGERS), keyed_by_table=True),
        views={str(name): normalised(str(query)) for name, kind, query in views if kind == "v"},
        materialized_views={
            str(name): normalised(str(query)) for name, kind, query in views if kind == "m"
        },
        functions={str(name): str(definition) for name, definition in rows(_FUNCTIONS)},
        sequences={str(row[0]): _sequence(row[1:]) for row in rows(_SEQUENCES)},
        enums={str(name): _texts(values) for name, values in rows(_ENUMS)},
    )


def _filled(default: object, identity: object, generated: object) -> str | None:
    if identity in _IDENTITY:
        return _IDENTITY[str(identity)]
    if generated in _GENERATED:
        return f"GENERATED ALWAYS AS ({default}) {_GENERATED[str(generated)]}"
    return None if default is None else f"DEFAULT {default}"


def _texts(values: object) -> tuple[str, ...]:
    return tuple(str(value) for value in values) if isinstance(values, list) else ()


def _on_table(rows: list[tuple[object, ...]], keyed_by_table: bool) -> dict[str, OnTable]:
    # Constraint and trigger names are unique on their table only; index names in the schema.
    return {
        f"{name} on {table}" if keyed_by_table else str(name): OnTable(str(table), str(definition))
        for name, table, definition in rows
    }


def _sequence(row: tuple[object, ...]) -> Sequence:
    type_, start, increment, minimum, maximum, cache, cycle, table, column = row
    settings = (
        f"{type_} START {start} INCREMENT {increment} MINVALUE {minimum} MAXVALUE {maximum} "
        f"CACHE {cache}{' CYCLE' if cycle else ''}"
    )
    if table is None:
        return Sequence(settings)
    return Sequence(settings, f"{table}.{column}", str(table))


# The tables migration runners keep their bookkeeping in (bookkeeping.py), in whatever schema:
# a runner's, not the application's.
_BOOKKEEPING_TABLES = frozenset(runner.table for runner in RUNNERS.values())


def without_bookkeeping(catalog: Catalog) -> Catalog:
    """The catalog without the runners' bookkeeping tables, what belongs to them (indexes,
    constraints, triggers, their serial's sequence), and drizzle's schema when nothing else is
    in it: two databases migrated to the same schema by different runs compare equal."""
    left_out = {name for name in catalog.tables if _bare_name(name) in _BOOKKEEPING_TABLES}
    kept = replace(
        catalog,
        tables={k: v for k, v in catalog.tables.items() if k not in left_out},
        indexes={k: v for k, v in catalog.indexes.items() if v.table not in left_out},
        constraints={k: v for k, v in catalog.constraints.items() if v.table not in left_out},
        triggers={k: v for k, v in catalog.triggers.items() if v.table not in left_out},
        sequences={k: v for k, v in catalog.sequences.items() if v.table not in left_out},
    )
    if DRIZZLE_SCHEMA in kept.schemas and not _in_schema(kept, DRIZZLE_SCHEMA):
        kept = replace(kept, schemas=kept.schemas - {DRIZZLE_SCHEMA})
    return kept


def _bare_name(qualified: str) -> str:
    # Bookkeeping tables have plain lower-case names, which quote_ident leaves unquoted.
    return qualified.rsplit(".", 1)[-1]


def _in_schema(catalog: Catalog, schema: str) -> bool:
    prefix = schema + "."
    named = (
        catalog.tables,
        catalog.views,
        catalog.materialized_views,
        catalog.functions,
        catalog.sequences,
        catalog.enums,
    )
    return any(name.startswith(prefix) for names in named for name in names)


T = TypeVar("T")


@dataclass(frozen=True)
class Change:
    """One thing that differs from one catalog to another."""

    kind: str  # "schema", "extension", "table", "column", "index", "constraint", "trigger",
    # "view", "materialized view", "function", "sequence" or "enum"
    name: str  # its key in the catalog; a column's, its name in its table
    how: str  # "added", "removed" or "changed"
    detail: str  # what was added or removed ("" for nothing to show); how it changed
    table: str | None = None  # a column's, index's, constraint's or trigger's table

    def __str__(self) -> str:
        label = f"{self.kind} {self.table}.{self.name}" if self.kind == "column" else self.label
        if self.how == "changed":
            return f"{label}: {self.detail}"
        return f"{label}: {self.how}" + (f" ({self.detail})" if self.detail else "")

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"


def diff(before: Catalog, after: Catalog) -> list[str]:
    """What differs from `before` to `after`, one line each: "<kind> <name>: added (...)",
    "removed (...)", or how it changed."""
    return [str(change) for change in changes(before, after)]


def changes(before: Catalog, after: Catalog) -> list[Change]:
    """What differs from `before` to `after`. The columns, indexes, constraints and triggers of
    a table added or removed are left out: the table's change says it."""
    found = _compare("schema", dict.fromkeys(before.schemas, ""), dict.fromkeys(after.schemas, ""))
    found += _compare("extension", before.extensions, after.extensions, _arrow, shown=str)
    found += _compare("table", _shapes(before), _shapes(after), _arrow, shown=_unless_plain)
    for table in sorted(before.tables.keys() & after.tables.keys()):
        found += _compare(
            "column",
            before.tables[table].columns,
            after.tables[table].columns,
            _column_change,
            shown=str,
            tables=dict.fromkeys(
                before.tables[table].columns.keys() | after.tables[table].columns.keys(), table
            ),
        )
    added_or_removed = before.tables.keys() ^ after.tables.keys()
    for kind, attached_before, attached_after in (
        ("index", before.indexes, after.indexes),
        ("constraint", before.constraints, after.constraints),
        ("trigger", before.triggers, after.triggers),
    ):
        found += _compare(
            kind,
            _definitions(attached_before, added_or_removed),
            _definitions(attached_after, added_or_removed),
            _arrow,
            shown=str,
            tables={
                name: on.table for name, on in (*attached_before.items(), *attached_after.items())
            },
        )
    found += _compare("view", before.views, after.views)
    found += _compare("materialized view", before.materialized_views, after.materialized_views)
    found += _compare("function", before.functions, after.functions)
    found += _compare("sequence", before.sequences, after.sequences, _settings_change, shown=str)
    found += _compare("enum", before.enums, after.enums, _values_change, shown=_values)
    return found


def _compare(
    kind: str,
    before: Mapping[str, T],
    after: Mapping[str, T],
    change: Callable[[T, T], str] | None = None,
    shown: Callable[[T], str] | None = None,
    tables: Mapping[str, str] | None = None,
) -> list[Change]:
    """A change for each name that only one side has, or whose value differs: `change` says
    how (None: "definition changed", for what is too long to show), `shown` what was added or
    removed, `tables` whose each one is."""
    found = []
    table = (tables or {}).get
    for name in sorted(before.keys() | after.keys()):
        if name not in after:
            found.append(Change(kind, name, "removed", _detail(shown, before[name]), table(name)))
        elif name not in before:
            found.append(Change(kind, name, "added", _detail(shown, after[name]), table(name)))
        elif before[name] != after[name]:
            how = change(before[name], after[name]) if change else "definition changed"
            found.append(Change(kind, name, "changed", how, table(name)))
    return found


def _definitions(attached: Mapping[str, OnTable], left_out: set[str]) -> dict[str, str]:
    return {name: on.definition for name, on in attached.items() if on.table not in left_out}


def _detail(shown: Callable[[T], str] | None, value: T) -> str:
    return shown(value) if shown is not None else ""


def _shapes(catalog: Catalog) -> dict[str, str]:
    return {name: table.shape for name, table in catalog.tables.items()}


def _unless_plain(kind: str) -> str:
    return "" if kind == "table" else kind


def _arrow(before: str, after: str) -> str:
    return f"{before} -> {after}"


def _settings_change(before: Sequence, after: Sequence) -> str:
    return _arrow(str(before), str(after))


def _values(values: tuple[str, ...]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def _values_change(before: tuple[str, ...], after: tuple[str, ...]) -> str:
    return f"values {_values(before)} -> {_values(after)}"


def _column_change(before: Column, after: Column) -> str:
    changes = []
    if before.type != after.type:
        changes.append(f"type {before.type} -> {after.type}")
    if before.not_null != after.not_null:
        changes.append("NOT NULL -> nullable" if before.not_null else "nullable -> NOT NULL")
    if before.filled != after.filled:
        changes.append(f"{before.filled or 'no default'} -> {after.filled or 'no default'}")
    return ", ".join(changes)
