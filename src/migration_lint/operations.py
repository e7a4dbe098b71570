"""A dialect-neutral model of what a migration does, between the parsers and the rules.

Each parsed statement becomes zero or more operations; rules inspect operations, not parse trees,
so they stay short, and a front end for another dialect could feed the same rules.

These are treated as immutable but not declared frozen: a frozen dataclass is several times
slower to create, and a large folder creates one per statement, column and type. Each has a
docstring: @dataclass would otherwise compute one from its signature, and every run would pay for
fifty of those (and records.Record has their equality and repr).
"""

from __future__ import annotations

import re
from dataclasses import field
from typing import TYPE_CHECKING

from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

from .records import Record

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same, made faster for the records declared slots=True, eq=False, repr=False
    from .records import dataclass

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


@dataclass(slots=True, eq=False, repr=False)
class Name(Record):
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


@dataclass(slots=True, eq=False, repr=False)
class ColumnType(Record):
    """A column's type as a statement declares it."""

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


class ColumnFacts:
    """What a column's fields tell of it, for a column as a statement defines it (Column) and
    as the schema model keeps it (context.StoredColumn): rules, plugins' among them, ask both
    the same questions."""

    __slots__ = ()

    if TYPE_CHECKING:  # what they are read from: fields, or a stored column's flags

        @property
        def type(self) -> ColumnType | None: ...

        @property
        def generated(self) -> bool: ...

        @property
        def generated_sql(self) -> str: ...

        @property
        def serial(self) -> bool: ...

    @property
    def identity(self) -> bool:
        """GENERATED ... AS IDENTITY [(options)], not a generated column's AS (expression)."""
        return self.generated_sql.split("(")[0].rstrip().upper().endswith("IDENTITY")

    @property
    def stored_type(self) -> ColumnType | None:
        """Its type as the catalog keeps it: a serial column is an integer with a default."""
        integer = SERIAL_TYPES.get(self.type.name) if self.type and self.serial else None
        return ColumnType(integer) if integer else self.type

    @property
    def computed(self) -> bool:
        """A generated column: GENERATED ALWAYS AS (expression), computed from the others."""
        return self.generated and not self.identity


@dataclass(slots=True, eq=False, repr=False)
class Column(ColumnFacts, Record):
    """A column as CREATE TABLE or ADD COLUMN defines it."""

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
    # For an identity or generated column, its GENERATED clause as written
    # (`GENERATED ALWAYS AS IDENTITY`, `GENERATED ALWAYS AS (lower("id")) STORED`); "" when
    # not read. And whether it was declared serial: its default is its own sequence's nextval.
    generated_sql: str = ""
    serial: bool = False


@dataclass(slots=True, eq=False, repr=False)
class Constraint(Record):
    """A table constraint, or a column's own (REFERENCES, CHECK, UNIQUE, PRIMARY KEY...)."""

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
    # `REFERENCES "users"("id") ON DELETE cascade`; for every CHECK, `CHECK (<as written>)`.
    clause: str = ""
    # What PostgreSQL writes after a key's columns, as read: a foreign key's MATCH, ON DELETE
    # and ON UPDATE actions, INCLUDE, DEFERRABLE; and UNIQUE's NULLS NOT DISTINCT.
    options: str = ""
    nulls_not_distinct: bool = False


def reads_existing_rows(column: Column, constraint: Constraint) -> bool:
    """Whether ADD COLUMN with this inline constraint reads every existing row: a CHECK is
    checked and a UNIQUE index built whatever the values, but a foreign key is checked only when
    the new column gets values (a default, a serial, an identity or generated column), as
    PostgreSQL knows the rows are NULL otherwise (checked on PostgreSQL 18); and without values
    a PRIMARY KEY fails at the first existing row (add-required-column says so)."""
    if constraint.kind in ("foreign_key", "primary_key"):
        return column.has_default or column.generated
    return True


@dataclass(slots=True, eq=False, repr=False)
class Operation(Record):
    """What a statement, or one clause or listed object of it, does."""

    # Character offsets in the file of the clause the finding points at (clauses.py): the
    # statement, or the ALTER TABLE subcommand, column, constraint or listed object that does
    # this. Set by the front end: `end` (exclusive), and `sql`, a statement that does this one
    # operation alone: the user's own statement, or `ALTER TABLE <name> <subcommand>` for a
    # subcommand of several (rules show it rewritten); "" when there is none.
    location: int
    end: int = field(default=-1, kw_only=True)
    sql: str = field(default="", kw_only=True)


@dataclass(slots=True, eq=False, repr=False)
class CreateTable(Operation):
    """CREATE TABLE, and CREATE TABLE ... PARTITION OF."""

    table: Name
    columns: tuple[Column, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    partitioned: bool = False  # PARTITION BY: its rows live in its partitions
    partition_of: Name | None = None  # PARTITION OF a parent
    if_not_exists: bool = False  # does nothing when the table exists


@dataclass(slots=True, eq=False, repr=False)
class DropTable(Operation):
    """DROP TABLE: one for each table it names."""

    table: Name
    cascade: bool = False


@dataclass(slots=True, eq=False, repr=False)
class DropSchema(Operation):
    """DROP SCHEMA: one for each schema it names."""

    schema: str
    cascade: bool = False


@dataclass(slots=True, eq=False, repr=False)
class DropDatabase(Operation):
    """DROP DATABASE."""

    database: str


@dataclass(slots=True, eq=False, repr=False)
class Truncate(Operation):
    """TRUNCATE: one for each table it names."""

    table: Name


@dataclass(slots=True, eq=False, repr=False)
class Delete(Operation):
    """DELETE."""

    table: Name
    filtered: bool  # has a WHERE clause
    # The columns of the table its WHERE holds to constants (`"id" = 1`, `"key" IN ('a', 'b')`).
    pinned: tuple[str, ...] = ()


@dataclass(slots=True, eq=False, repr=False)
class Update(Operation):
    """UPDATE."""

    table: Name
    filtered: bool  # has a WHERE clause
    # Its assignments as written ("" when it also reads other tables: UPDATE ... FROM), and
    # the alias they may use.
    set_clause: str = ""
    alias: str | None = None
    # The columns of the table its WHERE holds to constants (`"id" = 1`, `"key" IN ('a', 'b')`).
    pinned: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()  # the columns it sets


@dataclass(slots=True, eq=False, repr=False)
class RenameTable(Operation):
    """ALTER TABLE ... RENAME TO."""

    table: Name
    new_name: str


@dataclass(slots=True, eq=False, repr=False)
class RenameColumn(Operation):
    """ALTER TABLE ... RENAME COLUMN."""

    table: Name
    column: str
    new_name: str


@dataclass(slots=True, eq=False, repr=False)
class AddColumn(Operation):
    """ALTER TABLE ... ADD COLUMN."""

    table: Name
    column: Column
    if_not_exists: bool = False  # does nothing when the column exists


@dataclass(slots=True, eq=False, repr=False)
class DropColumn(Operation):
    """ALTER TABLE ... DROP COLUMN."""

    table: Name
    column: str
    cascade: bool = False


@dataclass(slots=True, eq=False, repr=False)
class AlterColumnType(Operation):
    """ALTER TABLE ... ALTER COLUMN ... TYPE."""

    table: Name
    column: str
    new_type: ColumnType
    converts: bool = False  # USING computes values from more than a cast of the column
    collation: str | None = None  # COLLATE given with the new type
    using: str | None = None  # the USING expression as written, when it was read
    # When USING only casts the column, the types it casts it to, innermost first
    # (`"x"::text::"Role"`: text, "Role"); None otherwise.
    using_casts: tuple[ColumnType, ...] | None = None
    # When USING is `"x" AT TIME ZONE <zone>` (timestamp to timestamptz or back), the zone as
    # written: the same expression converts the values back.
    using_zone: str | None = None


@dataclass(slots=True, eq=False, repr=False)
class SetNotNull(Operation):
    """ALTER TABLE ... ALTER COLUMN ... SET NOT NULL."""

    table: Name
    column: str


@dataclass(slots=True, eq=False, repr=False)
class DropNotNull(Operation):
    """ALTER TABLE ... ALTER COLUMN ... DROP NOT NULL."""

    table: Name
    column: str


@dataclass(slots=True, eq=False, repr=False)
class AddConstraint(Operation):
    """ALTER TABLE ... ADD a table constraint."""

    table: Name
    constraint: Constraint


@dataclass(slots=True, eq=False, repr=False)
class ValidateConstraint(Operation):
    """ALTER TABLE ... VALIDATE CONSTRAINT."""

    table: Name
    name: str


@dataclass(slots=True, eq=False, repr=False)
class DropConstraint(Operation):
    """ALTER TABLE ... DROP CONSTRAINT."""

    table: Name
    name: str


@dataclass(slots=True, eq=False, repr=False)
class CreateIndex(Operation):
    """CREATE INDEX."""

    table: Name
    name: str | None
    columns: tuple[str, ...] = ()
    unique: bool = False
    concurrently: bool = False
    only: bool = False  # ON ONLY: the parent of a partitioned table alone, not its partitions
    if_not_exists: bool = False  # does nothing when an index of its name exists
    # What follows the table's name as written (`USING btree ("a" DESC) WHERE ...`), and every
    # column it reads (keys, expressions, INCLUDE, WHERE): to create it again.
    definition: str = ""
    reads: frozenset[str] = frozenset()


@dataclass(slots=True, eq=False, repr=False)
class DropIndex(Operation):
    """DROP INDEX: one for each index it names."""

    index: Name
    concurrently: bool = False


@dataclass(slots=True, eq=False, repr=False)
class Reindex(Operation):
    """REINDEX."""

    target: str  # "index", "table", "schema", "database", "system"
    name: str
    concurrently: bool = False
    relation: Name | None = None  # the index or table, for REINDEX INDEX and REINDEX TABLE


@dataclass(slots=True, eq=False, repr=False)
class VacuumFull(Operation):
    """VACUUM FULL: one for each table it names, or one for all of them."""

    table: Name | None  # None: every table


@dataclass(slots=True, eq=False, repr=False)
class Cluster(Operation):
    """CLUSTER."""

    table: Name | None


@dataclass(slots=True, eq=False, repr=False)
class RefreshMaterializedView(Operation):
    """REFRESH MATERIALIZED VIEW."""

    view: Name
    concurrently: bool = False


@dataclass(slots=True, eq=False, repr=False)
class DetachPartition(Operation):
    """ALTER TABLE ... DETACH PARTITION."""

    table: Name
    partition: Name
    concurrently: bool = False


@dataclass(slots=True, eq=False, repr=False)
class AddEnumValue(Operation):
    """ALTER TYPE ... ADD VALUE."""

    enum: Name
    value: str


@dataclass(slots=True, eq=False, repr=False)
class Transaction(Operation):
    """BEGIN, START TRANSACTION, COMMIT or ROLLBACK."""

    action: str  # "begin", "commit" or "rollback"


@dataclass(slots=True, eq=False, repr=False)
class LockTable(Operation):
    """A statement that matters to the rules only for the lock it takes on a table, held until
    its transaction ends: LOCK TABLE, CREATE/ALTER/DROP POLICY, and ALTER TABLE's row level
    security, OWNER TO, storage parameters and REPLICA IDENTITY."""

    table: Name
    mode: str  # as locks.LOCK_MODES names it
    description: str  # the statement in short, for messages: `ALTER TABLE "t" OWNER TO "bob"`
    partitions: bool = False  # a partitioned table's partitions are locked in the same mode


@dataclass(slots=True, eq=False, repr=False)
class SetSetting(Operation):
    """SET, SET LOCAL or RESET of a setting."""

    name: str
    value: str | None
    local: bool = False  # SET LOCAL: until the transaction ends


# Types and renames of indexes and constraints, which the context replays so that every
# message names things as they are called now.


@dataclass(slots=True, eq=False, repr=False)
class CreateEnum(Operation):
    """CREATE TYPE ... AS ENUM."""

    enum: Name
    values: tuple[str, ...]


@dataclass(slots=True, eq=False, repr=False)
class RenameEnumValue(Operation):
    """ALTER TYPE ... RENAME VALUE."""

    enum: Name
    value: str
    new_value: str


@dataclass(slots=True, eq=False, repr=False)
class DropType(Operation):
    """DROP TYPE: one for each type it names."""

    type: Name


@dataclass(slots=True, eq=False, repr=False)
class RenameType(Operation):
    """ALTER TYPE ... RENAME TO."""

    type: Name
    new_name: str


@dataclass(slots=True, eq=False, repr=False)
class RenameIndex(Operation):
    """ALTER INDEX ... RENAME TO."""

    index: Name
    new_name: str


@dataclass(slots=True, eq=False, repr=False)
class RenameConstraint(Operation):
    """ALTER TABLE ... RENAME CONSTRAINT."""

    table: Name
    name: str
    new_name: str


@dataclass(slots=True, eq=False, repr=False)
class AttachPartition(Operation):
    """ALTER TABLE ... ATTACH PARTITION."""

    table: Name
    partition: Name


# Defaults, views, functions and SQL run through EXECUTE.


@dataclass(slots=True, eq=False, repr=False)
class SetDefault(Operation):
    """ALTER TABLE ... ALTER COLUMN ... SET DEFAULT to other than NULL (that is DropDefault)."""

    table: Name
    column: str
    expression: str | None  # as written; None when its text could not be read
    only: bool = False  # ALTER TABLE ONLY: not the partitions of a partitioned table


@dataclass(slots=True, eq=False, repr=False)
class DropDefault(Operation):
    """DROP DEFAULT, or SET DEFAULT NULL."""

    table: Name
    column: str
    only: bool = False  # ALTER TABLE ONLY: not the partitions of a partitioned table


@dataclass(slots=True, eq=False, repr=False)
class CreateView(Operation):
    """CREATE VIEW, or CREATE MATERIALIZED VIEW."""

    view: Name
    materialized: bool = False
    reads: tuple[Name, ...] = ()  # the tables and views its query reads


@dataclass(slots=True, eq=False, repr=False)
class DropView(Operation):
    """DROP VIEW or DROP MATERIALIZED VIEW: one for each view it names."""

    view: Name
    materialized: bool = False
    cascade: bool = False


@dataclass(slots=True, eq=False, repr=False)
class CreateFunction(Operation):
    """CREATE FUNCTION or CREATE PROCEDURE."""

    function: Name
    # The types of the arguments that identify it (not OUT ones), e.g. ("integer", "text[]").
    arguments: tuple[str, ...]
    kind: str = "function"  # or "procedure"


@dataclass(slots=True, eq=False, repr=False)
class DropFunction(Operation):
    """DROP FUNCTION, PROCEDURE or ROUTINE: one for each it names."""

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


@dataclass(slots=True, eq=False, repr=False)
class CreateTrigger(Operation):
    """CREATE TRIGGER."""

    table: Name
    name: str
    function: Name  # the function it executes
    row: bool = False  # FOR EACH ROW: on a partitioned table, cloned onto every partition


@dataclass(slots=True, eq=False, repr=False)
class DropTrigger(Operation):
    """DROP TRIGGER."""

    table: Name
    name: str


@dataclass(slots=True, eq=False, repr=False)
class DynamicSql(Operation):
    """A DO block's EXECUTE of SQL computed when it runs, which the linter cannot read."""

    expression: str  # what EXECUTE evaluates, as written
    # The first word of the SQL it builds, upper case, when a string constant starts it and
    # holds one statement (`format('SELECT ...', t)`: "SELECT"); None when that is not known.
    command: str | None = None


def declared_types(op: Operation) -> list[tuple[Name, str, ColumnType]]:
    """(table, column, type) for every column type a statement declares."""
    if isinstance(op, CreateTable):
        return [(op.table, c.name, c.type) for c in op.columns if c.type]
    if isinstance(op, AddColumn) and op.column.type:
        return [(op.table, op.column.name, op.column.type)]
    if isinstance(op, AlterColumnType):
        return [(op.table, op.column, op.new_type)]
    return []
