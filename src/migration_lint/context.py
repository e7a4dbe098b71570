"""What the rules may ask about the schema around the statement they inspect.

The context replays operations into a small model of the schema (tables, their columns, and
constraints), so rules can ask whether a table is new in this migration or what a column's type
was before this statement.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import locks
from . import operations as ops
from .parse import Statement, Statements
from .runners import UNKNOWN, Cause, Runner, Transaction
from .source import Source

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


@dataclass(frozen=True)
class Definition:
    """The statement that created a view or function, for rollback plans."""

    sql: str
    path: str
    line: int


@dataclass
class TableModel:
    columns: dict[str, ops.Column] = field(default_factory=dict)
    constraints: dict[str, ops.Constraint] = field(default_factory=dict)


class Context:
    def __init__(self, pg_version: int, runner: Runner = UNKNOWN) -> None:
        self.pg_version = pg_version
        self.runner = runner  # how migrations are applied
        self.tables: dict[TableKey, TableModel] = {}
        self.index_tables: dict[TableKey, ops.Name] = {}  # index -> its table, as written
        self.views: dict[TableKey, Definition] = {}
        # (function or procedure, its argument types) -> how it was created.
        self.functions: dict[tuple[TableKey, tuple[str, ...]], Definition] = {}
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
        self._start_look_ahead(statements)

    @property
    def in_transaction(self) -> bool:
        return self.transaction is not None

    def transaction_fix(self) -> str:
        """How to run a statement that cannot run in the current transaction, for help."""
        if self.transaction is None or self.transaction.cause is not Cause.BEGIN:
            return self.runner.fix
        removal = "Remove the BEGIN/COMMIT around it."
        return f"{removal} {self.runner.fix}" if self.runner_transaction else removal

    def lock(
        self, mode: str, target: str, rewrite: bool | None = None, table: ops.Name | None = None
    ) -> str:
        """The sentence naming the lock a statement takes on `target` (see locks.lock); `table`,
        when the lock is on one table, lets it say what the open transaction already holds."""
        return locks.lock(mode, target, rewrite)

    def first_in_migration(self, key: str) -> bool:
        """True the first time a key is asked in this migration, for once-a-file findings."""
        first = key not in self._reported
        self._reported.add(key)
        return first

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

    def column(self, table: ops.Name, column: str) -> ops.Column | None:
        model = self.tables.get(table.key)
        return model.columns.get(column) if model else None

    def column_type(self, table: ops.Name, column: str) -> ops.ColumnType | None:
        found = self.column(table, column)
        return found.type if found else None

    def apply(self, operation: ops.Operation) -> None:
        """Record what an operation did, after the rules have seen it."""
        self._position += 1
        apply = _APPLY.get(type(operation))
        if apply:
            apply(self, operation)

    # The whole migration: what its other statements do, before and after the current one.

    def _start_look_ahead(self, statements: Sequence[Statement]) -> None:
        self._position = 0  # of the operation the rules are looking at, in the migration
        # Each subject's operations with their positions, in order. A migration too large to
        # keep its operations (parse.KEPT_OPERATIONS) is not looked through.
        self._by_subject: dict[Subject, list[tuple[int, ops.Operation]]] = defaultdict(list)
        if not isinstance(statements, Statements) or not statements.keeps_operations:
            return
        position = 0
        for operations in statements.operations():
            for operation in operations:
                for subject in subjects(operation):
                    self._by_subject[subject].append((position, operation))
                position += 1

    def later(self, subject: Subject) -> list[ops.Operation]:
        """What the statements after the current one in this migration do to `subject`."""
        found = self._by_subject.get(subject, [])
        after = bisect.bisect_right(found, self._position, key=lambda entry: entry[0])
        return [operation for _, operation in found[after:]]

    def earlier(self, subject: Subject) -> list[ops.Operation]:
        """What the statements before the current one in this migration did to `subject`."""
        found = self._by_subject.get(subject, [])
        before = bisect.bisect_left(found, self._position, key=lambda entry: entry[0])
        return [operation for _, operation in found[:before]]

    def column_added_in_migration(self, table: ops.Name, column: str) -> ops.AddColumn | None:
        """The ADD COLUMN of this migration, before the current statement, that added it."""
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

    def _replace_column(self, table: ops.Name, name: str, **changes: object) -> None:
        model = self.tables.get(table.key)
        if model and name in model.columns:
            model.columns[name] = dataclasses.replace(model.columns[name], **changes)  # type: ignore[arg-type]


def _transaction(ctx: Context, op: ops.Transaction) -> None:
    ctx.not_valid_in_transaction.clear()
    if op.action == "begin":
        # Inside the runner's transaction a BEGIN changes nothing (PostgreSQL only warns); in
        # a query of several statements it turns the implicit transaction into this one.
        if ctx.transaction is None or ctx.transaction.cause is Cause.ONE_QUERY:
            line = ctx._source.position(op.location)[0] if ctx._source else 1
            ctx.transaction = Transaction(Cause.BEGIN, f"the migration opens one at line {line}")
        return
    survivor = ctx.runner_transaction
    ctx.transaction = survivor if survivor and survivor.survives_commit else None


def _set_setting(ctx: Context, op: ops.SetSetting) -> None:
    if op.name == "lock_timeout":
        ctx.lock_timeout_set = op.value not in (None, "0")


def _create_index(ctx: Context, op: ops.CreateIndex) -> None:
    if op.name:
        index = op.table.sibling(op.name).key
        ctx.index_tables[index] = op.table
        ctx._new_indexes.add(index)


def _drop_index(ctx: Context, op: ops.DropIndex) -> None:
    ctx.index_tables.pop(op.index.key, None)
    ctx._new_indexes.discard(op.index.key)


def _stored(column: ops.Column) -> ops.Column:
    """A column as the catalog keeps it: a serial column is an integer with a default."""
    integer_type = ops.SERIAL_TYPES.get(column.type.name) if column.type else None
    if integer_type is None:
        return column
    return dataclasses.replace(column, type=ops.ColumnType(integer_type))


def _create_table(ctx: Context, op: ops.CreateTable) -> None:
    ctx.tables[op.table.key] = TableModel(
        {c.name: _stored(c) for c in op.columns}, {c.name: c for c in op.constraints if c.name}
    )
    ctx._new_tables.add(op.table.key)


def _drop_table(ctx: Context, op: ops.DropTable) -> None:
    ctx.tables.pop(op.table.key, None)
    ctx._new_tables.discard(op.table.key)


def _rename_table(ctx: Context, op: ops.RenameTable) -> None:
    new_key = op.table.sibling(op.new_name).key
    if op.table.key in ctx.tables:
        ctx.tables[new_key] = ctx.tables.pop(op.table.key)
    if op.table.key in ctx._new_tables:
        ctx._new_tables.discard(op.table.key)
        ctx._new_tables.add(new_key)


def _add_column(ctx: Context, op: ops.AddColumn) -> None:
    model = ctx.tables.get(op.table.key)
    if model:
        model.columns[op.column.name] = _stored(op.column)


def _drop_column(ctx: Context, op: ops.DropColumn) -> None:
    model = ctx.tables.get(op.table.key)
    if model:
        model.columns.pop(op.column, None)


def _rename_column(ctx: Context, op: ops.RenameColumn) -> None:
    model = ctx.tables.get(op.table.key)
    if model and op.column in model.columns:
        model.columns[op.new_name] = dataclasses.replace(
            model.columns.pop(op.column), name=op.new_name
        )


def _add_constraint(ctx: Context, op: ops.AddConstraint) -> None:
    name = op.constraint.name
    if name:
        # Also for tables without history: a later SET NOT NULL may rely on the constraint.
        ctx.tables.setdefault(op.table.key, TableModel()).constraints[name] = op.constraint
    if name and op.constraint.not_valid and ctx.in_transaction:
        ctx.not_valid_in_transaction.add((op.table.key, name))


def _validate_constraint(ctx: Context, op: ops.ValidateConstraint) -> None:
    model = ctx.tables.get(op.table.key)
    if model and op.name in model.constraints:
        model.constraints[op.name] = dataclasses.replace(
            model.constraints[op.name], not_valid=False
        )


def _drop_constraint(ctx: Context, op: ops.DropConstraint) -> None:
    model = ctx.tables.get(op.table.key)
    if model:
        model.constraints.pop(op.name, None)


def _create_view(ctx: Context, op: ops.CreateView) -> None:
    if op.view.key not in ctx.views:
        ctx._new_views.add(op.view.key)
    ctx.views[op.view.key] = ctx._definition(op)


def _drop_view(ctx: Context, op: ops.DropView) -> None:
    ctx.views.pop(op.view.key, None)
    ctx._new_views.discard(op.view.key)


def _create_function(ctx: Context, op: ops.CreateFunction) -> None:
    key = (op.function.key, op.arguments)
    if key not in ctx.functions:
        ctx._new_functions.add(key)
    ctx.functions[key] = ctx._definition(op)


def _drop_function(ctx: Context, op: ops.DropFunction) -> None:
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
    ops.SetDefault: lambda ctx, op: ctx._replace_column(
        op.table, op.column, has_default=True, default=op.expression
    ),
    ops.DropDefault: lambda ctx, op: ctx._replace_column(
        op.table, op.column, has_default=False, default=None
    ),
    ops.CreateView: _create_view,
    ops.DropView: _drop_view,
    ops.CreateFunction: _create_function,
    ops.DropFunction: _drop_function,
}
