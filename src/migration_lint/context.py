"""What the rules may ask about the schema around the statement they inspect.

The context replays operations into a small model of the schema (tables, their columns, and
constraints), so rules can ask whether a table is new in this migration or what a column's type
was before this statement.
"""

from __future__ import annotations

import bisect
import dataclasses
import sys
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, MutableMapping, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from . import clauses, locks, transaction_locks
from . import operations as ops
from .parse import Statement, Statements
from .records import FrozenRecord, Record
from .runners import UNKNOWN, Cause, Runner, Transaction
from .shared import share
from .source import Source

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same, made faster for records (records.dataclass)
    from .records import dataclass

TableKey = tuple[str, str]
# What an operation acts on, for questions about the rest of a migration: ("relation", schema,
# name) for tables, views and indexes, ("column", schema, table, column), ("function", schema,
# name).
Subject = tuple[str, ...]


def relation_subject(name: ops.Name) -> Subject:
    return ("relation", *name.key)


def column_subject(table: ops.Name, column: str) -> Subject:
    return ("column", *table.key, column)


def function_subject(name: ops.Name) -> Subject:
    return ("function", *name.key)


def subjects(operation: ops.Operation) -> Iterator[Subject]:
    """The relations, columns and functions an operation acts on (read from its fields)."""
    relation = getattr(operation, "table", None) or getattr(operation, "view", None)
    if isinstance(relation, ops.Name):
        yield relation_subject(relation)
        column = getattr(operation, "column", None)
        column_name = column.name if isinstance(column, ops.Column) else column
        if isinstance(column_name, str):
            yield column_subject(relation, column_name)
    function = getattr(operation, "function", None)
    if isinstance(function, ops.Name):
        yield function_subject(function)


@dataclass(frozen=True, eq=False, repr=False)
class Definition(FrozenRecord):
    """The statement that created a view, function or trigger, for rollback plans."""

    sql: str
    path: str
    line: int
    # A view's: the tables and views its query reads (what PostgreSQL makes it depend on).
    reads: frozenset[TableKey] = frozenset()
    materialized: bool = False


@dataclass(frozen=True, eq=False, repr=False)
class Trigger(FrozenRecord):
    """A trigger the history created, and the function it executes."""

    table: ops.Name
    function: TableKey  # the function it executes
    definition: Definition


@dataclass(frozen=True, eq=False, repr=False)
class Dependent(FrozenRecord):
    """Something DROP ... CASCADE drops with the table, view or function it depends on."""

    label: str  # as messages name it: 'view "v2"', 'trigger "t" on "users"'
    relation: ops.Name  # the view, or the trigger's table
    trigger: str | None  # the trigger's name; None for a view
    definition: Definition


# The flags of a stored column, one bit each (StoredColumn.flags), in this order.
_FLAGS = ("not_null", "has_default", "generated", "serial")
NOT_NULL, HAS_DEFAULT, GENERATED, SERIAL = (1 << bit for bit in range(len(_FLAGS)))


@dataclass(slots=True, eq=False, repr=False)
class StoredColumn(ops.ColumnFacts, Record):
    """A column as the model keeps it: what ops.Column says of it, less what only the statement
    that adds it is read for (its constraints, which the table keeps, and its text without
    them), with its flags in one number. A long history keeps hundreds of thousands: this takes
    80 bytes where an ops.Column takes 128."""

    name: str
    type: ops.ColumnType | None  # as the catalog keeps it: a serial column's is an integer
    flags: int  # NOT_NULL | HAS_DEFAULT | GENERATED | SERIAL: ops.Column's fields of those names
    default_functions: frozenset[str]
    default: str | None
    generated_sql: str

    @property
    def not_null(self) -> bool:
        return bool(self.flags & NOT_NULL)

    @property
    def has_default(self) -> bool:
        return bool(self.flags & HAS_DEFAULT)

    @property
    def generated(self) -> bool:
        return bool(self.flags & GENERATED)

    @property
    def serial(self) -> bool:
        return bool(self.flags & SERIAL)

    # ops.Column's fields for the statement that adds a column, read by rules of either.
    @property
    def constraints(self) -> tuple[ops.Constraint, ...]:
        return ()

    @property
    def plain_sql(self) -> str:
        return ""

    def replace(self, **changes: Any) -> StoredColumn:
        """A copy with changes, the flags among them named as ops.Column's fields (which
        dataclasses.replace does not know)."""
        flags = self.flags
        for bit, name in enumerate(_FLAGS):
            if name in changes:
                flags = flags | 1 << bit if changes.pop(name) else flags & ~(1 << bit)
        # Made field by field: dataclasses.replace costs four times as much, and a long
        # history changes tens of thousands of columns.
        changed = StoredColumn(
            self.name, self.type, flags, self.default_functions, self.default, self.generated_sql
        )
        for field_name, value in changes.items():
            setattr(changed, field_name, value)
        return changed


Columns = dict[str, StoredColumn]
Constraints = dict[str, ops.Constraint]


# What most index definitions are, as drizzle-kit and Prisma write them, made from the index's
# columns: an index keeps the number of its form rather than the text (a long history keeps tens
# of thousands).
_DEFINITION_FORMS = ("USING btree ({})", "({})")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class IndexDefinition(FrozenRecord):
    """How an index was created, to create it again:
    CREATE [UNIQUE] INDEX <its name> ON [ONLY] <its table> <definition>."""

    unique: bool
    only: bool
    # What follows the table's name, with the columns' current names; "" when it is the form
    # `form` of _DEFINITION_FORMS, of its columns (index_definition).
    written: str
    # Every column it reads, sorted (dropping one of them drops the index): a tuple, a quarter
    # of a set's size, as a long history keeps tens of thousands.
    reads: tuple[str, ...]
    columns: tuple[str, ...] = ()  # its plain columns (Context.index_columns_of)
    form: int = 0

    @property
    def definition(self) -> str:
        if self.written:
            return self.written
        return _DEFINITION_FORMS[self.form].format(", ".join(map(ops.quote, self.columns)))


def index_definition(
    unique: bool, only: bool, definition: str, reads: tuple[str, ...], columns: tuple[str, ...]
) -> IndexDefinition:
    """An index's definition as the model keeps it: by the number of its form when it has one
    of _DEFINITION_FORMS."""
    listed = ", ".join(map(ops.quote, columns))
    for form, template in enumerate(_DEFINITION_FORMS):
        if definition == template.format(listed):
            return IndexDefinition(unique, only, "", reads, columns, form)
    return IndexDefinition(unique, only, definition, reads, columns)


_K = TypeVar("_K")
_V = TypeVar("_V")
_D = TypeVar("_D")
_MISSING = object()


class Positioned(dict[_K, _V], Generic[_K, _V]):
    """A dict that knows where each key stands in its iteration order.

    The foreign keys that reference a table are found through a side index (a long history
    holds thousands of tables: scanning them all for each dropped or renamed column made linting
    quadratic); sorting what it finds by position lists it in the order a scan of the whole dict
    would.
    """

    def __init__(self, items: Iterable[tuple[_K, _V]] = ()) -> None:
        # Filled as a dict fills itself (a key given again keeps its place), and numbered in
        # its order: a long history's model, loaded from the history cache, holds thousands.
        super().__init__(items)
        self._positions: dict[_K, int] = {key: position for position, key in enumerate(self)}
        self._next = len(self._positions)

    def position(self, key: _K) -> int:
        return self._positions[key]

    def __setitem__(self, key: _K, value: _V) -> None:
        if key not in self:  # a key set again keeps its place, as in any dict
            self._positions[key] = self._next
            self._next += 1
        super().__setitem__(key, value)

    def setdefault(self, key: _K, default: _V) -> _V:
        if key not in self:
            self[key] = default
        return self[key]

    # dict's own update and |= would add keys without a position.
    def update(self, *others: Any, **keywords: _V) -> None:
        for key, value in dict(*others, **keywords).items():
            self[key] = value

    # The ignore: mypy holds |= to the result types of dict's |, which may widen them.
    def __ior__(self, other: Any) -> Positioned[_K, _V]:  # type: ignore[override,misc]
        self.update(other)
        return self

    @overload
    def pop(self, key: _K) -> _V: ...

    @overload
    def pop(self, key: _K, default: _V) -> _V: ...

    @overload
    def pop(self, key: _K, default: _D) -> _V | _D: ...

    def pop(self, key: _K, default: Any = _MISSING) -> Any:
        self._positions.pop(key, None)
        return super().pop(key) if default is _MISSING else super().pop(key, default)

    def __delitem__(self, key: _K) -> None:
        self._positions.pop(key, None)
        super().__delitem__(key)

    def __reduce__(self) -> tuple[Any, ...]:
        # Copied and pickled as its items: a dict's own way sets them before the positions.
        return (type(self), (list(self.items()),))


class TableModel:
    """A table as the history made it: its columns and constraints by name.

    From the history cache (history_cache.py), its columns and its constraints are each a
    function that reads them, called when they are first asked for: a migration reads a few of
    the thousands of tables a long history makes, and reading them all takes longer than
    replaying the history.
    """

    __slots__ = ("_columns", "_constraints", "partial", "partitioned", "partitions")

    def __init__(
        self,
        columns: Columns | Callable[[], Columns] | None = None,
        constraints: Constraints | Callable[[], Constraints] | None = None,
        partitioned: bool = False,  # PARTITION BY: an index on it is built on every partition
        partitions: Sequence[ops.Name] = (),  # as written when attached
        # Made outside the folder: only what the folder's migrations added to it is known.
        partial: bool = False,
    ) -> None:
        self._columns = {} if columns is None else columns
        self._constraints = {} if constraints is None else constraints
        self.partitioned = partitioned
        # A tuple: most tables have none, and an empty list each is a long history's megabyte.
        self.partitions = tuple(partitions)
        self.partial = partial

    @property
    def columns(self) -> Columns:
        if not isinstance(self._columns, dict):
            self._columns = self._columns()
        return self._columns

    @property
    def constraints(self) -> Constraints:
        if not isinstance(self._constraints, dict):
            self._constraints = self._constraints()
        return self._constraints

    def held(
        self,
    ) -> tuple[Columns | Callable[[], Columns], Constraints | Callable[[], Constraints]]:
        """Its columns and constraints as it holds them: those not asked for yet still unread."""
        return self._columns, self._constraints

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TableModel) and (
            self.columns,
            self.constraints,
            self.partitioned,
            self.partitions,
            self.partial,
        ) == (
            other.columns,
            other.constraints,
            other.partitioned,
            other.partitions,
            other.partial,
        )


# What a migration leaves for the ones after it: the schema model. Context.start_migration
# resets everything else, and the history cache stores exactly these.
SCHEMA_MODEL = (
    "tables",
    "referencing",
    "column_types",
    "function_sets",
    "table_keys",
    "index_tables",
    "index_columns",
    "index_definitions",
    "enums",
    "views",
    "functions",
    "triggers",
)


class Context:
    def __init__(self, pg_version: int, runner: Runner = UNKNOWN) -> None:
        self.pg_version = pg_version
        self.runner = runner  # how migrations are applied
        self.tables: Positioned[TableKey, TableModel] = Positioned()
        # The parts of the model typed MutableMapping are dicts, or, loaded from the history
        # cache, read from it when first asked for (history_cache.Deferred).
        # Table -> the tables whose foreign keys may reference it: a superset (what no longer
        # does is checked, and left out, when it is read), so that finding them is not a scan
        # of every table's constraints.
        self.referencing: MutableMapping[TableKey, list[TableKey]] = {}
        self.index_tables: dict[TableKey, ops.Name] = {}  # index -> its table, as written
        # index -> its plain columns, for an index without a definition (index_columns_of):
        # one more dict of every index was a long history's megabytes.
        self.index_columns: MutableMapping[TableKey, tuple[str, ...]] = {}
        self.index_definitions: MutableMapping[TableKey, IndexDefinition] = {}
        # Each table's indexes in index_tables' order, for indexes_on: scanning every index for
        # each dropped column is quadratic in a long history. None: rebuilt when next asked
        # (after a change other than adding or removing one index).
        self._indexes_by_table: dict[TableKey, list[TableKey]] | None = {}
        # One of each column type the model keeps, for all the columns of that type.
        self.column_types: dict[tuple[object, ...], ops.ColumnType] = {}
        # One of each set of functions columns' defaults call (most call none): one set per
        # column was a quarter of a long history's model.
        self.function_sets: dict[frozenset[str], frozenset[str]] = {}
        # One key of each table the model names, for the places that keep it (table_key).
        self.table_keys: dict[TableKey, TableKey] = {}
        self.enums: MutableMapping[TableKey, list[str]] = {}  # enum type -> its values
        self.views: MutableMapping[TableKey, Definition] = {}
        # (function or procedure, its argument types) -> how it was created.
        self.functions: MutableMapping[tuple[TableKey, tuple[str, ...]], Definition] = {}
        # (table, name) -> trigger
        self.triggers: MutableMapping[tuple[TableKey, str], Trigger] = {}
        self.start_migration()

    def start_migration(
        self, source: Source | None = None, statements: Sequence[Statement] = ()
    ) -> None:
        """Begin the next migration file (its statements parsed): what earlier ones created is
        no longer new."""
        # Tables and indexes created earlier in this migration: no running code uses them yet.
        self._new_tables: set[TableKey] = set()
        self._new_indexes: set[TableKey] = set()
        self._new_views: set[TableKey] = set()
        self._new_functions: set[tuple[TableKey, tuple[str, ...]]] = set()
        # Constraints earlier statements of this migration dropped, with their tables: Prisma
        # drops the foreign keys of a table, and those to it, before the table.
        self._dropped_constraints: list[tuple[ops.Name, ops.Constraint]] = []
        self._source = source
        # The transaction the runner puts this migration in, and the one the statement being
        # linted runs in (the migration's own BEGIN and COMMIT change it).
        self.runner_transaction = (
            self.runner.transaction(source.path, source.text, statements, self.pg_version)
            if source
            else None
        )
        self.transaction = self.runner_transaction
        # Constraints added NOT VALID in the open transaction: validating them there too keeps
        # the add's lock for the whole scan.
        self.not_valid_in_transaction: set[tuple[TableKey, str]] = set()
        self.lock_timeout_set = False
        self._reported: set[str] = set()
        # Schema model: columns and types created earlier in this migration, the enums it
        # creates anywhere (read ahead, on demand), and the session TimeZone it sets.
        self._new_columns: set[tuple[TableKey, str]] = set()
        self._new_types: set[TableKey] = set()
        self._dropped_enums: dict[TableKey, list[str]] = {}
        self.timezone_utc: bool | None = None  # None: not set by this migration
        self._timezone_local = False
        self._held: dict[TableKey, locks.HeldLock] = {}
        # Which statement of the migration the rules are looking at (the operations of one
        # ALTER TABLE are one statement: a lock taken by an earlier subcommand is no earlier).
        self.statement_number = 0
        self._start_look_ahead(statements)

    def schema_model(self) -> dict[str, Any]:
        """The schema the migrations so far have made (SCHEMA_MODEL), for the history cache."""
        return {name: getattr(self, name) for name in SCHEMA_MODEL}

    def restore(self, model: dict[str, Any]) -> None:
        """Take up the schema a history made (from schema_model), to lint what follows it."""
        for name in SCHEMA_MODEL:
            setattr(self, name, model[name])
        self._indexes_by_table = None

    def replay(self, source: Source, statements: Statements) -> None:
        """Apply an earlier migration to the schema model, as history. No rule inspects it, so
        what only rules ask is not worked out: its transaction, the locks it holds and what its
        statements do further on (none of them changes the model)."""
        self.start_migration()
        self._source = source  # views and functions record where they were created
        for operations in statements.operations():
            for operation in operations:
                apply = _APPLY.get(type(operation))
                if apply:
                    apply(self, operation)

    def fork(self) -> Context:
        """A copy to lint a migration on that is no part of the history (drizzle's journal
        does not list it): what it does leaves this context as it was."""
        # (The history cache module imports this one.)
        from .history_cache import copy_model

        # The schema model is all a migration leaves for the next (the history cache's test
        # checks it): a context that takes up a copy of it is this one as the next migration
        # starts.
        self.start_migration()
        forked = Context(self.pg_version, self.runner)
        forked.restore(copy_model(self.schema_model()))
        return forked

    @property
    def in_transaction(self) -> bool:
        return self.transaction is not None

    def transaction_fix(self) -> str:
        """How to run a statement that cannot run in the current transaction, for help."""
        if self.transaction is None or self.transaction.cause is not Cause.BEGIN:
            return self.runner.fix
        removal = "Remove the BEGIN/COMMIT around it."
        return f"{removal} {self.runner.fix}" if self.runner_transaction else removal

    def outside_transaction(self) -> str:
        """For help that suggests a CONCURRENTLY statement for this migration: why and how it
        must leave the transaction it would run in; "" when it would run in none."""
        if self.transaction is None:
            return ""
        return (
            f"CONCURRENTLY cannot run inside a transaction block, and {self.transaction.reason}. "
            + self.transaction_fix()
        )

    def lock(
        self,
        mode: str,
        target: str,
        rewrite: bool | None = None,
        table: ops.Name | tuple[ops.Name, ...] | None = None,
    ) -> str:
        """The sentence naming the lock a statement takes on `target` (see locks.lock); `table`,
        the table (or tables) it locks, lets it say what the open transaction already holds."""
        strongest = None
        if self._held:  # most statements run where the transaction holds no lock yet
            tables = (table,) if isinstance(table, ops.Name) else table or ()
            blocking = [
                held
                for held in (self._held.get(t.key) for t in tables)
                if held and locks.blocks_more(held.mode, mode)
            ]
            strongest = max(
                blocking, key=lambda held: locks.LOCK_MODES.index(held.mode), default=None
            )
        return locks.lock(mode, target, rewrite, strongest)

    # --- Locks held across the transaction (issue 12) ---

    def held_before(self, table: ops.Name, operation: ops.Operation) -> locks.HeldLock | None:
        """The strongest lock the open transaction holds on a table, taken by a statement
        before the operation's own (an earlier subcommand of its ALTER TABLE does not count)."""
        held = self._held.get(table.key)
        return held if held and held.statement_number != self.statement_number else None

    def proves_not_null(self, table: ops.Name, column: str) -> bool:
        """Whether SET NOT NULL can skip its scan: from PostgreSQL 12 a validated
        CHECK (column IS NOT NULL) proves it."""
        return self.pg_version >= 12 and any(
            c.not_null_column == column and not c.not_valid for c in self.constraints(table)
        )

    def later_transaction(self) -> str:
        """Where a statement goes to run once the open transaction has committed, true for the
        runner: a phrase for help ("in a later migration (...)")."""
        transaction = self.transaction
        if transaction is None:
            return "in a later migration"
        if transaction.cause is Cause.BEGIN:
            return "after the migration's COMMIT, or in a later migration"
        if transaction.cause is Cause.RUNNER and self.runner.runs_pending_in_one_transaction:
            return (
                f"in a later deploy, or by hand ({transaction.reason}, so a later migration of "
                "the same deploy does not commit in between)"
            )
        return "in a later migration"  # the runner commits each migration before the next

    def _hold_locks(self, operation: ops.Operation) -> None:
        """Record the locks a statement takes, which its transaction keeps until it ends."""
        if self.transaction is None or self.transaction.cause is Cause.MIXED:
            return  # each lock ends with its statement (or Flyway refuses the migration)
        for table, mode, why in transaction_locks.taken(operation, self):
            held = self._held.get(table.key)
            if held is None or locks.stronger(mode, held.mode):
                self._held[table.key] = locks.HeldLock(
                    table.sql, mode, self.statement_number, operation, self._source, why
                )

    def first_in_migration(self, key: str) -> bool:
        """True the first time a key is asked in this migration, for once-a-file findings."""
        first = key not in self._reported
        self._reported.add(key)
        return first

    def skipped(
        self, op: ops.AddColumn | ops.CreateTable | ops.CreateIndex | ops.AddConstraint
    ) -> bool:
        """Whether a statement does nothing, as what it makes exists (in history, or earlier in
        this migration): ADD COLUMN, CREATE TABLE and CREATE INDEX IF NOT EXISTS, which
        PostgreSQL skips, and ADD CONSTRAINT of a name the table has, which fails (drizzle-kit
        wraps it in a DO block that ignores the duplicate_object error)."""
        model = self.tables.get(op.table.key)
        if isinstance(op, ops.AddConstraint):
            return model is not None and op.constraint.name in model.constraints
        if not op.if_not_exists:
            return False
        if isinstance(op, ops.CreateIndex):
            return op.name is not None and op.table.sibling(op.name).key in self.index_tables
        if isinstance(op, ops.CreateTable):
            return model is not None
        return model is not None and op.column.name in model.columns

    def is_new_table(self, table: ops.Name) -> bool:
        return table.key in self._new_tables

    def is_new_index(self, index: ops.Name) -> bool:
        table = self.index_tables.get(index.key)
        return index.key in self._new_indexes or (table is not None and self.is_new_table(table))

    def table_of_index(self, index: ops.Name) -> ops.Name | None:
        return self.index_tables.get(index.key)

    def constraints(self, table: ops.Name) -> list[ops.Constraint]:
        model = self.tables.get(table.key)
        return list(model.constraints.values()) if model else []

    def tables_in(self, schema: str) -> list[ops.Name]:
        """The tables the history made in a schema, in the order it made them."""
        return [ops.Name(name, schema) for (owner, name) in self.tables if owner == schema]

    def columns(self, table: ops.Name) -> list[StoredColumn]:
        """The table's columns as the history made them, in order; [] when they are not all
        known."""
        model = self.tables.get(table.key)
        return list(model.columns.values()) if model and not model.partial else []

    def column(self, table: ops.Name, column: str) -> StoredColumn | None:
        model = self.tables.get(table.key)
        return model.columns.get(column) if model else None

    def column_type(self, table: ops.Name, column: str) -> ops.ColumnType | None:
        found = self.column(table, column)
        return found.type if found else None

    def is_new_column(self, table: ops.Name, column: str) -> bool:
        """Whether this migration created the column (or its table): no running code uses it."""
        return self.is_new_table(table) or (table.key, column) in self._new_columns

    def is_partitioned(self, table: ops.Name) -> bool:
        model = self.tables.get(table.key)
        return model is not None and model.partitioned

    def is_plain_table(self, table: ops.Name) -> bool:
        """Whether history shows the table's columns and it is not partitioned."""
        model = self.tables.get(table.key)
        return (
            model is not None
            and bool(model.columns)
            and not model.partitioned
            and not model.partial
        )

    def partitions(self, table: ops.Name) -> list[ops.Name]:
        model = self.tables.get(table.key)
        return list(model.partitions) if model else []

    def enum_values(self, column_type: ops.ColumnType | None) -> list[str] | None:
        """The values of the enum a column type names; None when it is not a known enum."""
        if column_type is None or column_type.array_dimensions:
            return None
        return self.enums.get(type_key(column_type))

    def is_new_enum(self, column_type: ops.ColumnType) -> bool:
        """Whether the type is an enum this migration created before this statement."""
        return (
            type_key(column_type) in self._new_types and self.enum_values(column_type) is not None
        )

    def dropped_enum_values(self, column_type: ops.ColumnType) -> list[str] | None:
        """The values of an enum of this type's name that this migration dropped."""
        return self._dropped_enums.get(type_key(column_type))

    def enum_recreated_in_migration(self, column_type: ops.ColumnType) -> tuple[str, ...] | None:
        """The values of the enum of this type's name that this migration drops and creates
        anew, in any of its statements (drizzle-kit changes its columns to text first)."""
        ahead = self._ahead().types
        key = type_key(column_type)
        return ahead.enums.get(key) if key in ahead.dropped else None

    def final_type_name(self, column_type: ops.ColumnType) -> ops.Name:
        """A type's name once this migration's renames of it have run (Prisma creates X_new
        and renames it X)."""
        schema, name = type_key(column_type)
        for old, new_name in self._ahead().types.renames:
            if old == (schema, name):
                name = new_name
        return ops.Name(name, column_type.schema)

    def foreign_keys_to(
        self, table: ops.Name, column: str | None = None
    ) -> list[tuple[ops.Name, ops.Constraint]]:
        """The foreign keys of other tables that reference a table (or one of its columns),
        with the table each belongs to."""
        found = []
        for key in self._referencing_tables(table.key):
            if key == table.key:
                continue
            for constraint in self.tables[key].constraints.values():
                if self._references(constraint, table, column):
                    # Unqualified in messages when it is in the default schema.
                    schema = None if key[0] == "public" else key[0]
                    found.append((ops.Name(key[1], schema), constraint))
        return found

    def _referencing_tables(self, table: TableKey) -> list[TableKey]:
        """The tables with a foreign key to a table, in the order of `tables`."""
        noted = self.referencing.get(table)
        if not noted:
            return []
        owners = sorted(
            {
                owner
                for owner in noted
                if owner in self.tables
                and any(_is_key_to(c, table) for c in self.tables[owner].constraints.values())
            },
            key=self.tables.position,
        )
        self.referencing[table] = owners  # those noted that no longer do are left out
        return owners

    def table_key(self, table: ops.Name) -> TableKey:
        """A table's key as the model keeps it: one tuple for the places that hold it (the
        tables, those its foreign keys reference, its indexes), as a long history keeps tens of
        thousands."""
        key = table.key
        shared = self.table_keys.get(key)
        if shared is None:
            shared = (sys.intern(key[0]), sys.intern(key[1]))
            self.table_keys[shared] = shared
        return shared

    def note_foreign_keys(self, owner: TableKey, constraints: Iterable[ops.Constraint]) -> None:
        """Record the tables the foreign keys among a table's constraints reference."""
        for constraint in constraints:
            if constraint.kind == "foreign_key" and constraint.references is not None:
                referenced = self.table_key(constraint.references)
                self.referencing.setdefault(referenced, []).append(owner)

    def _references(self, constraint: ops.Constraint, table: ops.Name, column: str | None) -> bool:
        if constraint.kind != "foreign_key" or constraint.references is None:
            return False
        if constraint.references.key != table.key:
            return False
        # Written without the referenced columns, a foreign key references the primary key.
        key = self.primary_key(table)
        referenced = constraint.referenced_columns or (key.columns if key else ())
        return column is None or column in referenced

    def primary_key(self, table: ops.Name) -> ops.Constraint | None:
        """The table's primary key, as history shows it."""
        return next((c for c in self.constraints(table) if c.kind == "primary_key"), None)

    def foreign_keys_of(self, table: ops.Name, column: str | None = None) -> list[ops.Constraint]:
        """The table's own foreign keys (those that include a column, when given)."""
        return [
            c
            for c in self.constraints(table)
            if c.kind == "foreign_key"
            and c.references is not None
            and (column is None or column in c.columns)
        ]

    def indexes_on(self, table: ops.Name, column: str | None = None) -> list[str]:
        """The indexes history shows on a table (that read a column, when given), by name."""
        if self._indexes_by_table is None:
            self._indexes_by_table = defaultdict(list)
            for index, indexed in self.index_tables.items():
                self._indexes_by_table[self.table_key(indexed)].append(index)
        return [
            index[1]
            for index in self._indexes_by_table.get(table.key, ())
            if column is None or column in self._reads(index)
        ]

    def index_columns_of(self, index: TableKey) -> tuple[str, ...]:
        """An index's plain columns (not its expressions), as history shows them."""
        known = self.index_definitions.get(index)
        return known.columns if known else self.index_columns.get(index, ())

    def _reads(self, index: TableKey) -> Collection[str]:
        known = self.index_definitions.get(index)
        return known.reads if known else self.index_columns.get(index, ())

    def constraints_dropped_in_migration(
        self, table: ops.Name, column: str | None = None
    ) -> list[tuple[ops.Name, ops.Constraint]]:
        """The constraints of a table, and the foreign keys to it, that earlier statements of
        this migration dropped (those that involve a column of it, when given), with the table
        each was on."""
        return [
            (owner, constraint)
            for owner, constraint in self._dropped_constraints
            if (owner.key == table.key and (column is None or column in constraint.columns))
            or self._references(constraint, table, column)
        ]

    def apply(self, operation: ops.Operation) -> None:
        """Record what an operation did, after the rules have seen it."""
        self._position += 1
        self._hold_locks(operation)
        apply = _APPLY.get(type(operation))
        if apply:
            apply(self, operation)

    # The whole migration: what its other statements do, before and after the current one.

    def _start_look_ahead(self, statements: Sequence[Statement]) -> None:
        self._position = 0  # of the operation the rules are looking at, in the migration
        self._statements = statements
        self._read_ahead: _ReadAhead | None = None  # read when a rule first asks

    def _ahead(self) -> _ReadAhead:
        """The whole migration's operations by subject, and what it does to types."""
        if self._read_ahead is None:
            self._read_ahead = _ReadAhead(self._statements)
        return self._read_ahead

    def later(self, subject: Subject) -> list[ops.Operation]:
        """What the statements after the current one in this migration do to `subject`."""
        found = self._ahead().by_subject.get(subject, [])
        after = bisect.bisect_right(found, self._position, key=lambda entry: entry[0])
        return [operation for _, operation in found[after:]]

    def earlier(self, subject: Subject) -> list[ops.Operation]:
        """What the statements before the current one in this migration did to `subject`."""
        found = self._ahead().by_subject.get(subject, [])
        before = bisect.bisect_left(found, self._position, key=lambda entry: entry[0])
        return [operation for _, operation in found[:before]]

    def column_added_in_migration(self, table: ops.Name, column: str) -> ops.AddColumn | None:
        """The ADD COLUMN of this migration, before the current statement, that added it (not
        one that IF NOT EXISTS skipped)."""
        if (table.key, column) not in self._new_columns:
            return None
        added = [
            op
            for op in self.earlier(column_subject(table, column))
            if isinstance(op, ops.AddColumn)
        ]
        return added[-1] if added else None

    def default_settled_later(self, table: ops.Name, column: str) -> bool:
        """Whether a later statement of the migration gives the column a default again, makes
        it optional, or drops it or its table: then INSERTs that leave it out do not fail once
        the migration is done."""
        settled = (ops.SetDefault, ops.DropNotNull, ops.DropColumn)
        return any(
            isinstance(op, settled) for op in self.later(column_subject(table, column))
        ) or any(isinstance(op, ops.DropTable) for op in self.later(relation_subject(table)))

    def line(self, offset: int) -> int:
        """The line of the migration a character offset is on."""
        return self._source.position(offset)[0] if self._source else 1

    def is_new_view(self, view: ops.Name) -> bool:
        return view.key in self._new_views

    def is_new_function(self, function: ops.Name, arguments: tuple[str, ...] | None) -> bool:
        return any(
            key == function.key and arguments in (None, known) for key, known in self._new_functions
        )

    def function_definitions(
        self, function: ops.Name, arguments: tuple[str, ...] | None
    ) -> list[Definition]:
        """How the functions of this name (and these argument types, when given) were created."""
        return [
            definition
            for (key, known), definition in self.functions.items()
            if key == function.key and arguments in (None, known)
        ]

    def _definition(self, operation: ops.Operation) -> Definition:
        return Definition(
            operation.sql, self._source.path if self._source else "", self.line(operation.location)
        )

    def model_of(self, table: ops.Name) -> TableModel:
        """The table's model, to record what a migration does to it: a partial one for a table
        the folder's migrations did not make (a later migration may rely on what it records,
        such as a column's NOT NULL or a CHECK)."""
        model = self.tables.get(table.key)
        if model is None:
            model = self.tables[self.table_key(table)] = TableModel(partial=True)
        return model

    # --- What DROP ... CASCADE drops with an object (review of issue 12) ---

    def dependents(self, op: ops.DropTable | ops.DropView | ops.DropFunction) -> list[Dependent]:
        """What history shows depends on a dropped table, view or function, in the order it
        was made: CASCADE drops it too, and without CASCADE PostgreSQL refuses the drop. Known:
        the views that read a table or view (by the relation names in their queries), the
        views that read those, and the triggers that execute a function. Not known: what uses
        a function otherwise (defaults, constraints, views, other functions)."""
        if isinstance(op, ops.DropFunction):
            if op.arguments not in (None, ()):
                return []  # a trigger function takes no arguments
            return [
                Dependent(
                    f"trigger {ops.quote(name)} on {t.table.sql}", t.table, name, t.definition
                )
                for (_, name), t in self.triggers.items()
                if t.function == op.function.key
            ]
        dropped = (op.table if isinstance(op, ops.DropTable) else op.view).key
        gone = {dropped}
        while True:  # the views that read it, then those that read them
            reading = {key for key, view in self.views.items() if view.reads & gone} - gone
            if not reading:
                break
            gone |= reading
        found = []
        for (schema, name), view in self.views.items():
            if (schema, name) in gone - {dropped}:
                relation = ops.Name(name, None if schema == "public" else schema)
                kind = "materialized view" if view.materialized else "view"
                found.append(Dependent(f"{kind} {relation.sql}", relation, None, view))
        return found

    def created_again_later(self, dependent: Dependent) -> bool:
        """Whether a later statement of the migration creates a dependent again."""
        later = self.later(relation_subject(dependent.relation))
        if dependent.trigger is None:
            return any(isinstance(op, ops.CreateView) for op in later)
        return any(
            isinstance(op, ops.CreateTrigger) and op.name == dependent.trigger for op in later
        )

    def _replace_column(self, table: ops.Name, name: str, **changes: object) -> None:
        model = self.tables.get(table.key)
        if model and name in model.columns:
            model.columns[name] = model.columns[name].replace(**changes)


def _transaction(ctx: Context, op: ops.Transaction) -> None:
    ctx.not_valid_in_transaction.clear()
    if op.action != "begin" and ctx._timezone_local:
        ctx.timezone_utc, ctx._timezone_local = None, False
    if op.action == "begin":
        # Inside the runner's transaction a BEGIN changes nothing (PostgreSQL only warns); in
        # a query of several statements it turns the implicit transaction into this one.
        if ctx.transaction is None or ctx.transaction.cause is Cause.ONE_QUERY:
            line = ctx._source.position(op.location)[0] if ctx._source else 1
            ctx.transaction = Transaction(Cause.BEGIN, f"the migration opens one at line {line}")
        return
    ctx._held.clear()  # COMMIT and ROLLBACK release every lock, even where a new transaction starts
    survivor = ctx.runner_transaction
    ctx.transaction = survivor if survivor and survivor.survives_commit else None


def _set_setting(ctx: Context, op: ops.SetSetting) -> None:
    if op.name == "lock_timeout":
        ctx.lock_timeout_set = op.value not in (None, "0")
    if op.name == "timezone" and not (op.local and ctx.transaction is None):
        # SET LOCAL outside a transaction block does nothing (PostgreSQL only warns).
        ctx.timezone_utc = op.value is not None and op.value.lower() in UTC_ZONES
        ctx._timezone_local = op.local


def _create_index(ctx: Context, op: ops.CreateIndex) -> None:
    if op.name and not ctx.skipped(op):
        index = op.table.sibling(op.name).key
        known = ctx.index_tables.get(index)
        ctx.index_tables[index] = _stored_name(op.table)
        columns = _names(op.columns)
        if op.definition:
            ctx.index_definitions[index] = index_definition(
                op.unique, op.only, op.definition, _names(sorted(op.reads)), columns
            )
        else:
            ctx.index_definitions.pop(index, None)
            ctx.index_columns[index] = columns
        ctx._new_indexes.add(index)
        if known is None and ctx._indexes_by_table is not None:
            ctx._indexes_by_table.setdefault(ctx.table_key(op.table), []).append(index)
        elif known is not None and known.key != op.table.key:
            ctx._indexes_by_table = None  # it keeps its place among the other table's indexes


def _forget_index(ctx: Context, index: TableKey) -> None:
    table = ctx.index_tables.pop(index, None)
    ctx.index_columns.pop(index, None)
    ctx.index_definitions.pop(index, None)
    if table is not None and ctx._indexes_by_table is not None:
        ctx._indexes_by_table[table.key].remove(index)


def _drop_index(ctx: Context, op: ops.DropIndex) -> None:
    _forget_index(ctx, op.index.key)
    ctx._new_indexes.discard(op.index.key)


def _stored(ctx: Context, column: ops.Column) -> StoredColumn:
    """A column as the catalog keeps it (a serial column is an integer with a default), and
    small: a long history keeps hundreds of thousands. Its type, and the set of functions its
    default calls, are shared with the other columns that have the same, its names with other
    tables', and it leaves out what only the statement that adds it is read for (its
    constraints, which the table keeps, and its text without them)."""
    column_type = column.stored_type
    if column_type is not None:
        key = (column_type.name, column_type.modifiers, column_type.array_dimensions)
        column_type = ctx.column_types.setdefault((*key, column_type.schema), column_type)
    functions = column.default_functions
    return StoredColumn(
        sys.intern(column.name),
        column_type,
        column.not_null * NOT_NULL
        | column.has_default * HAS_DEFAULT
        | column.generated * GENERATED
        | column.serial * SERIAL,
        ctx.function_sets.setdefault(functions, functions),
        None if column.default is None else sys.intern(column.default),
        column.generated_sql,
    )


def _names(names: Iterable[str]) -> tuple[str, ...]:
    """Column names as the model keeps them: each text once, shared with its column's, and one
    tuple for the lists met often (every primary key `("id",)`, and the foreign keys to it)."""
    kept = tuple(map(sys.intern, names))
    return share(kept, lambda: kept)


def _stored_name(name: ops.Name) -> ops.Name:
    """A table's name as the model keeps it: one Name for the places that name the table close
    together, such as its indexes, its texts shared with all the others (a long history names
    each table in several places). (Not the front end's shared Name: its texts are not.)"""
    text, schema = name.name, name.schema
    return share(
        (_stored_name, text, schema),
        lambda: ops.Name(sys.intern(text), None if schema is None else sys.intern(schema)),
    )


def _stored_constraint(constraint: ops.Constraint, name: str) -> ops.Constraint:
    """A constraint as the table keeps it: with its name, given or PostgreSQL's, and the texts
    it shares with others (column names, the table it references, its options) shared."""
    references = constraint.references
    # Made field by field, as _stored makes a column: dataclasses.replace costs five times as
    # much, and a long history stores tens of thousands.
    return ops.Constraint(
        kind=constraint.kind,
        name=name,
        columns=_names(constraint.columns),
        not_valid=constraint.not_valid,
        using_index=constraint.using_index,
        references=None if references is None else _stored_name(references),
        not_null_column=constraint.not_null_column,
        referenced_columns=_names(constraint.referenced_columns),
        clause=constraint.clause,
        options=sys.intern(constraint.options),
        nulls_not_distinct=constraint.nulls_not_distinct,
    )


def _create_table(ctx: Context, op: ops.CreateTable) -> None:
    if ctx.skipped(op):
        return  # the table stays as history made it, and not new
    columns = {stored.name: stored for stored in (_stored(ctx, c) for c in op.columns)}
    partial = False
    if op.partition_of:
        # Only a partitioned table has partitions, and they have its columns.
        parent = ctx.model_of(op.partition_of)
        parent.partitioned = True
        parent.partitions = (*parent.partitions, _stored_name(op.table))
        columns = {**parent.columns, **columns}
        partial = parent.partial
    constraints: dict[str, ops.Constraint] = {}
    for constraint in op.constraints:
        name = constraint.name or default_constraint_name(op.table.name, constraint, constraints)
        if name:
            constraints[name] = _stored_constraint(constraint, name)
    key = ctx.table_key(op.table)
    ctx.tables[key] = TableModel(columns, constraints, op.partitioned, partial=partial)
    ctx.note_foreign_keys(key, constraints.values())
    ctx._new_tables.add(op.table.key)
    for constraint in op.constraints:
        _primary_key_not_null(ctx, op.table, constraint)


def _is_key_to(constraint: ops.Constraint, table: TableKey) -> bool:
    """Whether a constraint is a foreign key that references a table."""
    references = constraint.references
    return constraint.kind == "foreign_key" and references is not None and references.key == table


def _drop_table(ctx: Context, op: ops.DropTable) -> None:
    _drop_dependents(ctx, op)
    _forget_triggers(ctx, {op.table.key})
    model = ctx.tables.pop(op.table.key, None)
    ctx._new_tables.discard(op.table.key)
    # Its indexes, its partitions (dropped with it) and the foreign keys that reference it
    # (CASCADE drops them; without it the drop fails while they exist) go too.
    gone = {op.table.key, *(p.key for p in model.partitions)} if model else {op.table.key}
    for key in gone - {op.table.key}:
        ctx.tables.pop(key, None)
    for index, table in list(ctx.index_tables.items()):
        if table.key in gone:
            _forget_index(ctx, index)
    for other in ctx.tables.values():
        if other.partitions:
            other.partitions = tuple(p for p in other.partitions if p.key not in gone)
    for owner in {owner for key in gone for owner in ctx.referencing.pop(key, ())}:
        referencing = ctx.tables.get(owner)
        if referencing is None:
            continue
        for name, constraint in list(referencing.constraints.items()):
            if constraint.references is not None and constraint.references.key in gone:
                del referencing.constraints[name]
    ctx._held.pop(op.table.key, None)


def _rename_table(ctx: Context, op: ops.RenameTable) -> None:
    renamed = _stored_name(op.table.sibling(op.new_name))
    new_key = ctx.table_key(renamed)
    if op.table.key in ctx.tables:
        ctx.tables[new_key] = ctx.tables.pop(op.table.key)
    if op.table.key in ctx._new_tables:
        ctx._new_tables.discard(op.table.key)
        ctx._new_tables.add(new_key)
    ctx._new_columns = {
        (new_key if key == op.table.key else key, column) for key, column in ctx._new_columns
    }
    for index, table in ctx.index_tables.items():
        if table.key == op.table.key:
            ctx.index_tables[index] = renamed
            ctx._indexes_by_table = None
    for model in ctx.tables.values():
        if model.partitions:
            model.partitions = tuple(
                renamed if p.key == op.table.key else p for p in model.partitions
            )
    # The tables whose foreign keys reference it (itself, under its new name, among them).
    owners = {new_key if o == op.table.key else o for o in ctx.referencing.pop(op.table.key, ())}
    for owner in owners:
        referencing = ctx.tables.get(owner)
        if referencing is None:
            continue
        for name, constraint in referencing.constraints.items():
            if _is_key_to(constraint, op.table.key):
                referencing.constraints[name] = dataclasses.replace(constraint, references=renamed)
    ctx.referencing[new_key] = [*ctx.referencing.get(new_key, ()), *owners]
    if new_key in ctx.tables:  # its own foreign keys, now under its new name
        ctx.note_foreign_keys(new_key, ctx.tables[new_key].constraints.values())
    # Views read it, and triggers are on it, whatever its name.
    for key, view in ctx.views.items():
        if op.table.key in view.reads:
            ctx.views[key] = dataclasses.replace(
                view, reads=view.reads - {op.table.key} | {new_key}
            )
    for table_key, trigger_name in [key for key in ctx.triggers if key[0] == op.table.key]:
        trigger = ctx.triggers.pop((table_key, trigger_name))
        ctx.triggers[(new_key, trigger_name)] = dataclasses.replace(trigger, table=renamed)
    if op.table.key in ctx._held:  # a lock is on the table, whatever its name
        held = ctx._held.pop(op.table.key)
        ctx._held[new_key] = dataclasses.replace(held, table=op.table.sibling(op.new_name).sql)


def _add_column(ctx: Context, op: ops.AddColumn) -> None:
    if ctx.skipped(op):
        return  # the column stays as history made it, and not new
    model = ctx.model_of(op.table)
    model.columns[op.column.name] = _stored(ctx, op.column)
    for constraint in op.column.constraints:
        name = constraint.name or default_constraint_name(
            op.table.name, constraint, model.constraints
        )
        if name:
            model.constraints[name] = _stored_constraint(constraint, name)
    ctx.note_foreign_keys(ctx.table_key(op.table), op.column.constraints)
    ctx._new_columns.add((op.table.key, op.column.name))


def _drop_column(ctx: Context, op: ops.DropColumn) -> None:
    model = ctx.tables.get(op.table.key)
    ctx._new_columns.discard((op.table.key, op.column))
    if op.cascade:  # other tables' foreign keys that reference it go too
        for table, constraint in ctx.foreign_keys_to(op.table, op.column):
            ctx.tables[table.key].constraints.pop(constraint.name or "", None)
    if model:
        model.columns.pop(op.column, None)
        # Indexes and constraints of the table that involve the column go with it.
        for name, constraint in list(model.constraints.items()):
            if op.column in constraint.columns:
                del model.constraints[name]
    for index in ctx.indexes_on(op.table, op.column):
        _forget_index(ctx, op.table.sibling(index).key)


def _rename_column(ctx: Context, op: ops.RenameColumn) -> None:
    model = ctx.tables.get(op.table.key)
    if model and op.column in model.columns:
        model.columns[op.new_name] = dataclasses.replace(
            model.columns.pop(op.column), name=op.new_name
        )
    if model:  # generated columns' expressions that read it
        for name, column in model.columns.items():
            if column.generated_sql:
                written = clauses.renamed_column(column.generated_sql, op.column, op.new_name)
                model.columns[name] = dataclasses.replace(column, generated_sql=written)
    if (op.table.key, op.column) in ctx._new_columns:
        ctx._new_columns.discard((op.table.key, op.column))
        ctx._new_columns.add((op.table.key, op.new_name))

    def renamed(columns: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(op.new_name if c == op.column else c for c in columns)

    if model:
        for name, constraint in model.constraints.items():
            clause = constraint.clause
            if constraint.kind == "check" and clause:
                clause = clauses.renamed_column(clause, op.column, op.new_name)
            model.constraints[name] = dataclasses.replace(
                constraint, columns=renamed(constraint.columns), clause=clause
            )
    for table, constraint in ctx.foreign_keys_to(op.table, op.column):
        ctx.tables[table.key].constraints[constraint.name or ""] = dataclasses.replace(
            constraint, referenced_columns=renamed(constraint.referenced_columns)
        )
    for index in ctx.indexes_on(op.table, op.column):
        key = op.table.sibling(index).key
        if key in ctx.index_columns:
            ctx.index_columns[key] = renamed(ctx.index_columns[key])
        known = ctx.index_definitions.get(key)
        if known:
            ctx.index_definitions[key] = index_definition(
                known.unique,
                known.only,
                clauses.renamed_column(known.definition, op.column, op.new_name),
                _names(sorted({*known.reads} - {op.column} | {op.new_name})),
                renamed(known.columns),
            )


def _add_constraint(ctx: Context, op: ops.AddConstraint) -> None:
    if ctx.skipped(op):
        return  # the constraint stays as history made it
    model = ctx.model_of(op.table)
    constraint = op.constraint
    if constraint.using_index:
        # The index becomes the constraint's (renamed after it): its columns are the key's.
        index = op.table.sibling(constraint.using_index).key
        columns = ctx.index_columns_of(index)
        constraint = dataclasses.replace(constraint, columns=constraint.columns or columns)
        _forget_index(ctx, index)
    name = constraint.name or default_constraint_name(op.table.name, constraint, model.constraints)
    if name:
        model.constraints[name] = _stored_constraint(constraint, name)
        ctx.note_foreign_keys(ctx.table_key(op.table), (constraint,))
    if name and op.constraint.not_valid and ctx.in_transaction:
        ctx.not_valid_in_transaction.add((op.table.key, name))
    _primary_key_not_null(ctx, op.table, constraint)


def _primary_key_not_null(ctx: Context, table: ops.Name, constraint: ops.Constraint) -> None:
    """A primary key makes its columns NOT NULL (and they stay so when it is dropped)."""
    if constraint.kind != "primary_key":
        return
    for column in constraint.columns:  # for USING INDEX, the index's (_add_constraint)
        ctx._replace_column(table, column, not_null=True)


def _validate_constraint(ctx: Context, op: ops.ValidateConstraint) -> None:
    model = ctx.tables.get(op.table.key)
    if model and op.name in model.constraints:
        model.constraints[op.name] = dataclasses.replace(
            model.constraints[op.name], not_valid=False
        )


def _drop_constraint(ctx: Context, op: ops.DropConstraint) -> None:
    model = ctx.tables.get(op.table.key)
    dropped = model.constraints.pop(op.name, None) if model else None
    if dropped is not None:
        ctx._dropped_constraints.append((op.table, dropped))


# Types, renames of indexes and constraints, and partitions.

# TimeZone settings that are UTC at every instant, as PostgreSQL spells them (compared
# lower-cased): with one of them, PostgreSQL 12+ changes timestamp to timestamptz (and back)
# without rewriting the table.
UTC_ZONES = frozenset(
    {
        "utc",
        "etc/utc",
        "uct",
        "etc/uct",
        "gmt",
        "etc/gmt",
        "gmt0",
        "etc/gmt0",
        "etc/gmt+0",
        "etc/gmt-0",
        "greenwich",
        "etc/greenwich",
        "universal",
        "etc/universal",
        "zulu",
        "etc/zulu",
        "+00",
        "-00",
        "+00:00",
        "0",
    }
)


class _ReadAhead:
    """A whole migration read before its statements are linted: each subject's operations with
    their positions, in order, and what it does to types. A migration too large to keep its
    operations (parse.KEPT_OPERATIONS) is not read through."""

    def __init__(self, statements: Sequence[Statement]) -> None:
        self.by_subject: dict[Subject, list[tuple[int, ops.Operation]]] = defaultdict(list)
        self.types = _TypesAhead()
        if not isinstance(statements, Statements) or not statements.keeps_operations:
            return
        position = 0
        for operations in statements.operations():
            for operation in operations:
                for subject in subjects(operation):
                    self.by_subject[subject].append((position, operation))
                self.types.read(operation)
                position += 1


@dataclass(eq=False, repr=False)
class _TypesAhead(Record):
    """What a whole migration does to types, read before its statements are linted."""

    enums: dict[TableKey, tuple[str, ...]] = field(default_factory=dict)  # created
    dropped: set[TableKey] = field(default_factory=set)
    renames: list[tuple[TableKey, str]] = field(default_factory=list)  # in order

    def read(self, op: ops.Operation) -> None:
        if isinstance(op, ops.CreateEnum):
            self.enums[op.enum.key] = op.values
        elif isinstance(op, ops.DropType):
            self.dropped.add(op.type.key)
        elif isinstance(op, ops.RenameType):
            self.renames.append((op.type.key, op.new_name))


def type_name(column_type: ops.ColumnType) -> ops.Name:
    """The name of the type a column type names, to write it in SQL."""
    return ops.Name(column_type.name, column_type.schema)


def type_key(column_type: ops.ColumnType) -> TableKey:
    """The catalog key of the type a column type names (its name may be schema-qualified)."""
    return (column_type.schema or "public", column_type.name)


def _renamed_type(column_type: ops.ColumnType, new_name: str) -> ops.ColumnType:
    return dataclasses.replace(column_type, name=new_name)


_CONSTRAINT_LABELS = {"foreign_key": "fkey", "unique": "key", "primary_key": "pkey"}


def default_constraint_name(
    table: str, constraint: ops.Constraint, taken: dict[str, ops.Constraint]
) -> str | None:
    """The name PostgreSQL gives a constraint written without one: table, columns (none for a
    primary key) and a label, each part shortened to fit 63 bytes, and a number when taken."""
    label = _CONSTRAINT_LABELS.get(constraint.kind)
    written = constraint.columns
    if label is None:
        if constraint.kind != "check":
            return None  # an exclusion constraint: named from its expression
        # A check is named from the column its expression reads, when it reads only one.
        if constraint.not_null_column and not written:
            written = (constraint.not_null_column,)
        written = written if len(written) == 1 else ()
        label = "check"
    columns = "" if label == "pkey" else "_".join(written)
    base = _object_name(table, columns, label)
    suffix = 0
    name = base
    while name in taken:
        suffix += 1
        name = _object_name(table, columns, f"{label}{suffix}")
    return name


def sequence_name(table: ops.Name, column: str) -> ops.Name:
    """The name PostgreSQL gives the sequence of a serial column."""
    return table.sibling(_object_name(table.name, column, "seq"))


def _object_name(first: str, second: str, label: str) -> str:
    first_bytes, second_bytes = first.encode(), second.encode()
    available = ops.NAME_BYTES - len(label) - 1 - (1 if second_bytes else 0)
    while len(first_bytes) + len(second_bytes) > available:
        if len(first_bytes) > len(second_bytes):
            first_bytes = first_bytes[:-1]
        else:
            second_bytes = second_bytes[:-1]
    parts = [first_bytes.decode(errors="ignore")]
    if second_bytes:
        parts.append(second_bytes.decode(errors="ignore"))
    return "_".join([*parts, label])


def _create_enum(ctx: Context, op: ops.CreateEnum) -> None:
    if op.enum.key in ctx.enums:
        return  # drizzle-kit's DO block that ignores duplicate_object: it stays as it was
    ctx.enums[op.enum.key] = list(op.values)
    ctx._new_types.add(op.enum.key)


def _add_enum_value(ctx: Context, op: ops.AddEnumValue) -> None:
    values = ctx.enums.get(op.enum.key)
    if values is not None and op.value not in values:
        values.append(op.value)


def _rename_enum_value(ctx: Context, op: ops.RenameEnumValue) -> None:
    values = ctx.enums.get(op.enum.key)
    if values is not None and op.value in values:
        values[values.index(op.value)] = op.new_value


def _drop_type(ctx: Context, op: ops.DropType) -> None:
    values = ctx.enums.pop(op.type.key, None)
    if values is not None:
        ctx._dropped_enums[op.type.key] = values
    ctx._new_types.discard(op.type.key)


def _rename_type(ctx: Context, op: ops.RenameType) -> None:
    """Columns of the type now have a type of the new name (Prisma recreates an enum as
    X_new, then renames X to X_old and X_new to X)."""
    old_key, new_key = op.type.key, op.type.sibling(op.new_name).key
    if old_key in ctx.enums:
        ctx.enums[new_key] = ctx.enums.pop(old_key)
    if old_key in ctx._new_types:
        ctx._new_types.discard(old_key)
        ctx._new_types.add(new_key)
    for model in ctx.tables.values():
        for name, column in model.columns.items():
            if column.type is not None and type_key(column.type) == old_key:
                model.columns[name] = dataclasses.replace(
                    column, type=_renamed_type(column.type, op.new_name)
                )


def _rename_index(ctx: Context, op: ops.RenameIndex) -> None:
    old_key, new_key = op.index.key, op.index.sibling(op.new_name).key
    if old_key in ctx.index_tables:
        ctx.index_tables[new_key] = ctx.index_tables.pop(old_key)
        if old_key in ctx.index_columns:
            ctx.index_columns[new_key] = ctx.index_columns.pop(old_key)
        if old_key in ctx.index_definitions:
            ctx.index_definitions[new_key] = ctx.index_definitions.pop(old_key)
        ctx._indexes_by_table = None
    if old_key in ctx._new_indexes:
        ctx._new_indexes.discard(old_key)
        ctx._new_indexes.add(new_key)


def _rename_constraint(ctx: Context, op: ops.RenameConstraint) -> None:
    model = ctx.tables.get(op.table.key)
    if model and op.name in model.constraints:
        model.constraints[op.new_name] = dataclasses.replace(
            model.constraints.pop(op.name), name=op.new_name
        )


def _attach_partition(ctx: Context, op: ops.AttachPartition) -> None:
    parent = ctx.model_of(op.table)
    parent.partitioned = True  # only a partitioned table has partitions to attach
    if op.partition.key not in {p.key for p in parent.partitions}:
        parent.partitions = (*parent.partitions, _stored_name(op.partition))


def _detach_partition(ctx: Context, op: ops.DetachPartition) -> None:
    parent = ctx.tables.get(op.table.key)
    if parent:
        parent.partitions = tuple(p for p in parent.partitions if p.key != op.partition.key)


def _create_view(ctx: Context, op: ops.CreateView) -> None:
    if op.view.key not in ctx.views:
        ctx._new_views.add(op.view.key)
    reads = frozenset(relation.key for relation in op.reads)
    ctx.views[op.view.key] = dataclasses.replace(
        ctx._definition(op), reads=reads, materialized=op.materialized
    )


def _drop_view(ctx: Context, op: ops.DropView) -> None:
    _drop_dependents(ctx, op)
    ctx.views.pop(op.view.key, None)
    ctx._new_views.discard(op.view.key)
    _forget_triggers(ctx, {op.view.key})


def _drop_dependents(ctx: Context, op: ops.DropTable | ops.DropView | ops.DropFunction) -> None:
    """With CASCADE, what depends on the dropped object goes with it."""
    if not op.cascade:
        return
    dependents = ctx.dependents(op)
    for dependent in dependents:
        if dependent.trigger is None:
            ctx.views.pop(dependent.relation.key, None)
        else:
            ctx.triggers.pop((dependent.relation.key, dependent.trigger), None)
    _forget_triggers(ctx, {d.relation.key for d in dependents if d.trigger is None})


def _forget_triggers(ctx: Context, relations: set[TableKey]) -> None:
    """The triggers of dropped tables and views go with them."""
    for key in [key for key in ctx.triggers if key[0] in relations]:
        del ctx.triggers[key]


def _create_trigger(ctx: Context, op: ops.CreateTrigger) -> None:
    ctx.triggers[(op.table.key, op.name)] = Trigger(op.table, op.function.key, ctx._definition(op))


def _drop_trigger(ctx: Context, op: ops.DropTrigger) -> None:
    ctx.triggers.pop((op.table.key, op.name), None)


def _create_function(ctx: Context, op: ops.CreateFunction) -> None:
    key = (op.function.key, op.arguments)
    if key not in ctx.functions:
        ctx._new_functions.add(key)
    ctx.functions[key] = ctx._definition(op)


def _drop_function(ctx: Context, op: ops.DropFunction) -> None:
    _drop_dependents(ctx, op)
    for key in list(ctx.functions):
        if key[0] == op.function.key and op.arguments in (None, key[1]):
            del ctx.functions[key]
            ctx._new_functions.discard(key)


_APPLY: dict[type, Callable[[Context, Any], None]] = {
    ops.Transaction: _transaction,
    ops.SetSetting: _set_setting,
    ops.CreateIndex: _create_index,
    ops.DropIndex: _drop_index,
    ops.CreateTable: _create_table,
    ops.DropTable: _drop_table,
    ops.RenameTable: _rename_table,
    ops.AddColumn: _add_column,
    ops.DropColumn: _drop_column,
    ops.RenameColumn: _rename_column,
    ops.AlterColumnType: lambda ctx, op: ctx._replace_column(op.table, op.column, type=op.new_type),
    ops.SetNotNull: lambda ctx, op: ctx._replace_column(op.table, op.column, not_null=True),
    ops.DropNotNull: lambda ctx, op: ctx._replace_column(op.table, op.column, not_null=False),
    ops.AddConstraint: _add_constraint,
    ops.ValidateConstraint: _validate_constraint,
    ops.DropConstraint: _drop_constraint,
    ops.CreateEnum: _create_enum,
    ops.AddEnumValue: _add_enum_value,
    ops.RenameEnumValue: _rename_enum_value,
    ops.DropType: _drop_type,
    ops.RenameType: _rename_type,
    ops.RenameIndex: _rename_index,
    ops.RenameConstraint: _rename_constraint,
    ops.AttachPartition: _attach_partition,
    ops.DetachPartition: _detach_partition,
    ops.SetDefault: lambda ctx, op: ctx._replace_column(
        op.table, op.column, has_default=True, default=op.expression, serial=False
    ),
    ops.DropDefault: lambda ctx, op: ctx._replace_column(
        op.table, op.column, has_default=False, default=None, serial=False
    ),
    ops.CreateView: _create_view,
    ops.DropView: _drop_view,
    ops.CreateFunction: _create_function,
    ops.DropFunction: _drop_function,
    ops.CreateTrigger: _create_trigger,
    ops.DropTrigger: _drop_trigger,
}
