"""What the rules may ask about the schema around the statement they inspect.

The context replays operations into a small model of the schema (tables, their columns, and
constraints), so rules can ask whether a table is new in this migration or what a column's type
was before this statement.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import locks
from . import operations as ops
from .parse import Statement
from .runners import UNKNOWN, Cause, Runner, Transaction
from .source import Source

TableKey = tuple[str, str]


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
        self.start_migration()

    def start_migration(
        self, source: Source | None = None, statements: Sequence[Statement] = ()
    ) -> None:
        """Begin the next migration file (its statements parsed): what earlier ones created is
        no longer new."""
        # Tables and indexes created earlier in this migration: no running code uses them yet.
        self._new_tables: set[TableKey] = set()
        self._new_indexes: set[TableKey] = set()
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

    @property
    def later_step(self) -> str:
        """Where help puts a step that must not share this migration's transaction, true for
        the runner (see Runner.later_step)."""
        return self.runner.later_step

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

    def tables_in(self, schema: str) -> list[ops.Name]:
        """The tables the history made in a schema, in the order it made them."""
        return [ops.Name(name, schema) for (owner, name) in self.tables if owner == schema]

    def columns(self, table: ops.Name) -> list[ops.Column]:
        """The table's columns as the history made them, in order; [] when it is not known."""
        model = self.tables.get(table.key)
        return list(model.columns.values()) if model else []

    def column(self, table: ops.Name, column: str) -> ops.Column | None:
        model = self.tables.get(table.key)
        return model.columns.get(column) if model else None

    def column_type(self, table: ops.Name, column: str) -> ops.ColumnType | None:
        found = self.column(table, column)
        return found.type if found else None

    def apply(self, operation: ops.Operation) -> None:
        """Record what an operation did, after the rules have seen it."""
        apply = _APPLY.get(type(operation))
        if apply:
            apply(self, operation)

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
}
