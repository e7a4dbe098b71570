"""A dialect-neutral model of what a migration does, between the parsers and the rules.

Each parsed statement becomes zero or more operations; rules inspect operations, not parse trees,
so they stay short, and a front end for another dialect could feed the same rules.

These are treated as immutable but not declared frozen: a frozen dataclass is several times
slower to create, and a large folder creates one per statement, column and type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

NAME_BYTES = 63  # PostgreSQL truncates identifiers longer than this


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


_BARE = re.compile(r"[a-z_][a-z0-9_$]*")
# Keywords that PostgreSQL does not read as a bare name everywhere a type or schema name goes.
_NOT_BARE = COL_NAME_KEYWORDS | RESERVED_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS


def quote_if_needed(identifier: str) -> str:
    """The identifier as PostgreSQL reads it back unchanged: bare when it is lower case and not
    a keyword (`role`, `text`), quoted otherwise (`"Role"`, `"user"`, `"my type"`)."""
    if _BARE.fullmatch(identifier) and identifier not in _NOT_BARE:
        return identifier
    return quote(identifier)


# serial types and the integer type each stands for (they add a sequence default).
SERIAL_TYPES = {
    "smallserial": "smallint",
    "serial2": "smallint",
    "serial": "integer",
    "serial4": "integer",
    "bigserial": "bigint",
    "serial8": "bigint",
}


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(slots=True)
class Name:
    """A schema-qualified object name as written; `schema` is None when it was not qualified."""

    name: str
    schema: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        # Unqualified names resolve through search_path, which migrations leave at public. (One
        # "public" for every key, however many the parse trees held: a long history keeps
        # tens of thousands of keys.)
        schema = self.schema
        return ("public" if schema is None or schema == "public" else schema, self.name)

    @property
    def sql(self) -> str:
        return f"{quote(self.schema)}.{quote(self.name)}" if self.schema else quote(self.name)

    def sibling(self, name: str) -> Name:
        return Name(name, self.schema)


# Built-in types as PostgreSQL's grammar spells them (the front end names pg_catalog's types
# so): printed bare, since quoting names another type ("char") or none at all ("integer").
BUILTIN_SPELLINGS = frozenset(
    {
        "smallint",
        "integer",
        "bigint",
        "real",
        "double precision",
        "boolean",
        "numeric",
        "bit",
        "varbit",
        "character",
        "varchar",
        "timestamp",
        "timestamptz",
        "time",
        "timetz",
        "interval",
        "json",
    }
)
# An interval's first modifier is the fields it keeps, as a bit mask (PostgreSQL's datetime.h).
_INTERVAL_FIELDS = {
    1 << 2: "year",
    1 << 1: "month",
    1 << 3: "day",
    1 << 10: "hour",
    1 << 11: "minute",
    1 << 12: "second",
    (1 << 2) | (1 << 1): "year to month",
    (1 << 3) | (1 << 10): "day to hour",
    (1 << 3) | (1 << 10) | (1 << 11): "day to minute",
    (1 << 3) | (1 << 10) | (1 << 11) | (1 << 12): "day to second",
    (1 << 10) | (1 << 11): "hour to minute",
    (1 << 10) | (1 << 11) | (1 << 12): "hour to second",
    (1 << 11) | (1 << 12): "minute to second",
}


@dataclass(slots=True)
class ColumnType:
    # A built-in type's SQL name ("varchar", "integer", "double precision": BUILTIN_SPELLINGS),
    # or a named type's name as PostgreSQL stores it ("text", "uuid", "Role").
    name: str
    modifiers: tuple[int | str, ...] = ()
    array_dimensions: int = 0
    schema: str | None = None  # a named type's schema, when the migration qualifies it

    @property
    def sql(self) -> str:
        """The type as SQL that names it: `varchar(64)`, `"Role"[]`, `public."Role"`."""
        if self.name == "interval" and self.schema is None and self.modifiers:
            text = self._interval()
        else:
            if self.schema is None and self.name in BUILTIN_SPELLINGS:
                text = self.name
            else:
                parts = (self.schema, self.name) if self.schema else (self.name,)
                text = ".".join(quote_if_needed(part) for part in parts)
            if self.modifiers:
                text += f"({', '.join(str(m) for m in self.modifiers)})"
        return text + "[]" * self.array_dimensions

    def _interval(self) -> str:
        fields, *precision = self.modifiers
        phrase = _INTERVAL_FIELDS.get(int(fields))
        text = f"interval {phrase}" if phrase else "interval"
        return text + (f"({precision[0]})" if precision else "")


@dataclass(slots=True)
class Column:
    name: str
    type: ColumnType | None
    not_null: bool = False
    has_default: bool = False
    default_functions: frozenset[str] = frozenset()  # functions the default expression calls
    generated: bool = False  # GENERATED ... AS IDENTITY or AS (expr) STORED: fills its own values
    default: str | None = None  # the default expression as written, when it was read
    # Its REFERENCES, CHECK, UNIQUE and PRIMARY KEY clauses (`columns` is this column), and, in
    # ADD COLUMN, its definition as written without them: for help that adds it plain first.
    constraints: tuple[Constraint, ...] = ()
    plain_sql: str = ""


@dataclass(slots=True)
class Constraint:
    kind: str  # "foreign_key", "check", "unique", "primary_key", "exclusion", "not_null"
    name: str | None = None
    columns: tuple[str, ...] = ()
    not_valid: bool = False
    using_index: str | None = None
    references: Name | None = None
    # For CHECK (col IS NOT NULL): the column it proves not null.
    not_null_column: str | None = None
    referenced_columns: tuple[str, ...] = ()  # a foreign key's columns in `references`
    # In ADD COLUMN, the clause as written after any CONSTRAINT name, e.g.
    # `REFERENCES "users"("id") ON DELETE cascade` or `CHECK ("qty" > 0)`.
    clause: str = ""


def reads_existing_rows(column: Column, constraint: Constraint) -> bool:
    """Whether ADD COLUMN with this inline constraint reads every existing row: a CHECK is
    checked and a UNIQUE index built whatever the values, but a foreign key is checked only when
    the new column gets values (a default, a serial, an identity or generated column), as
    PostgreSQL knows the rows are NULL otherwise (checked on PostgreSQL 18); and without values
    a PRIMARY KEY fails at the first existing row (add-required-column says so)."""
    if constraint.kind in ("foreign_key", "primary_key"):
        return column.has_default or column.generated
    return True


@dataclass(slots=True)
class Operation:
    # Character offsets in the file of the clause the finding points at (clauses.py): the
    # statement, or the ALTER TABLE subcommand, column, constraint or listed object that does
    # this. Set by the front end: `end` (exclusive), and `sql`, a statement that does this one
    # operation alone: the user's own statement, or `ALTER TABLE <name> <subcommand>` for a
    # subcommand of several (rules show it rewritten); "" when there is none.
    location: int
    end: int = field(default=-1, kw_only=True)
    sql: str = field(default="", kw_only=True)


@dataclass(slots=True)
class CreateTable(Operation):
    table: Name
    columns: tuple[Column, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    partitioned: bool = False  # PARTITION BY: its rows live in its partitions
    partition_of: Name | None = None  # PARTITION OF a parent


@dataclass(slots=True)
class DropTable(Operation):
    table: Name
    cascade: bool = False


@dataclass(slots=True)
class DropSchema(Operation):
    schema: str
    cascade: bool = False


@dataclass(slots=True)
class DropDatabase(Operation):
    database: str


@dataclass(slots=True)
class Truncate(Operation):
    table: Name


@dataclass(slots=True)
class Delete(Operation):
    table: Name
    filtered: bool  # has a WHERE clause


@dataclass(slots=True)
class Update(Operation):
    table: Name
    filtered: bool  # has a WHERE clause
    # Its assignments as written ("" when it also reads other tables: UPDATE ... FROM), and
    # the alias they may use.
    set_clause: str = ""
    alias: str | None = None


@dataclass(slots=True)
class RenameTable(Operation):
    table: Name
    new_name: str


@dataclass(slots=True)
class RenameColumn(Operation):
    table: Name
    column: str
    new_name: str


@dataclass(slots=True)
class AddColumn(Operation):
    table: Name
    column: Column


@dataclass(slots=True)
class DropColumn(Operation):
    table: Name
    column: str
    cascade: bool = False


@dataclass(slots=True)
class AlterColumnType(Operation):
    table: Name
    column: str
    new_type: ColumnType
    converts: bool = False  # USING computes values from more than a cast of the column
    collation: str | None = None  # COLLATE given with the new type


@dataclass(slots=True)
class SetNotNull(Operation):
    table: Name
    column: str


@dataclass(slots=True)
class DropNotNull(Operation):
    table: Name
    column: str


@dataclass(slots=True)
class AddConstraint(Operation):
    table: Name
    constraint: Constraint


@dataclass(slots=True)
class ValidateConstraint(Operation):
    table: Name
    name: str


@dataclass(slots=True)
class DropConstraint(Operation):
    table: Name
    name: str


@dataclass(slots=True)
class CreateIndex(Operation):
    table: Name
    name: str | None
    columns: tuple[str, ...] = ()
    unique: bool = False
    concurrently: bool = False
    only: bool = False  # ON ONLY: the parent of a partitioned table alone, not its partitions


@dataclass(slots=True)
class DropIndex(Operation):
    index: Name
    concurrently: bool = False


@dataclass(slots=True)
class Reindex(Operation):
    target: str  # "index", "table", "schema", "database", "system"
    name: str
    concurrently: bool = False
    relation: Name | None = None  # the index or table, for REINDEX INDEX and REINDEX TABLE


@dataclass(slots=True)
class VacuumFull(Operation):
    table: Name | None  # None: every table


@dataclass(slots=True)
class Cluster(Operation):
    table: Name | None


@dataclass(slots=True)
class RefreshMaterializedView(Operation):
    view: Name
    concurrently: bool = False


@dataclass(slots=True)
class DetachPartition(Operation):
    table: Name
    partition: Name
    concurrently: bool = False


@dataclass(slots=True)
class AddEnumValue(Operation):
    enum: Name
    value: str


@dataclass(slots=True)
class Transaction(Operation):
    action: str  # "begin", "commit" or "rollback"


@dataclass(slots=True)
class SetSetting(Operation):
    name: str
    value: str | None
    local: bool = False  # SET LOCAL: until the transaction ends


# Types and renames of indexes and constraints, which the context replays so that every
# message names things as they are called now.


@dataclass(slots=True)
class CreateEnum(Operation):
    enum: Name
    values: tuple[str, ...]


@dataclass(slots=True)
class RenameEnumValue(Operation):
    enum: Name
    value: str
    new_value: str


@dataclass(slots=True)
class DropType(Operation):
    type: Name


@dataclass(slots=True)
class RenameType(Operation):
    type: Name
    new_name: str


@dataclass(slots=True)
class RenameIndex(Operation):
    index: Name
    new_name: str


@dataclass(slots=True)
class RenameConstraint(Operation):
    table: Name
    name: str
    new_name: str


@dataclass(slots=True)
class AttachPartition(Operation):
    table: Name
    partition: Name


# Defaults, views, functions and SQL run through EXECUTE.


@dataclass(slots=True)
class SetDefault(Operation):
    table: Name
    column: str
    expression: str | None  # as written; None when its text could not be read


@dataclass(slots=True)
class DropDefault(Operation):
    """DROP DEFAULT, or SET DEFAULT NULL."""

    table: Name
    column: str


@dataclass(slots=True)
class CreateView(Operation):
    view: Name
    materialized: bool = False


@dataclass(slots=True)
class DropView(Operation):
    view: Name
    materialized: bool = False
    cascade: bool = False


@dataclass(slots=True)
class CreateFunction(Operation):
    function: Name
    # The types of the arguments that identify it (not OUT ones), e.g. ("integer", "text[]").
    arguments: tuple[str, ...]
    kind: str = "function"  # or "procedure"


@dataclass(slots=True)
class DropFunction(Operation):
    function: Name
    arguments: tuple[str, ...] | None  # None: written without an argument list
    kind: str = "function"  # "procedure", or "routine" (either)
    cascade: bool = False

    @property
    def sql_name(self) -> str:
        """The name with its argument list when one was written."""
        if self.arguments is None:
            return self.function.sql
        return f"{self.function.sql}({', '.join(self.arguments)})"


@dataclass(slots=True)
class DynamicSql(Operation):
    """A DO block's EXECUTE of SQL computed when it runs, which the linter cannot read."""

    expression: str  # what EXECUTE evaluates, as written


def declared_types(op: Operation) -> list[tuple[Name, str, ColumnType]]:
    """(table, column, type) for every column type a statement declares."""
    if isinstance(op, CreateTable):
        return [(op.table, c.name, c.type) for c in op.columns if c.type]
    if isinstance(op, AddColumn) and op.column.type:
        return [(op.table, op.column.name, op.column.type)]
    if isinstance(op, AlterColumnType):
        return [(op.table, op.column, op.new_type)]
    return []
