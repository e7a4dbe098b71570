"""The table locks each statement takes and keeps until its transaction ends, and a short
description of the statement, so that messages can say what an earlier statement of the same
transaction still blocks.

The modes are PostgreSQL's, read from pg_locks inside an open transaction (PostgreSQL 18): a
lock taken is held until COMMIT or ROLLBACK, whatever the statement, and a weaker mode taken
later does not release a stronger one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import operations as ops

if TYPE_CHECKING:
    from .context import Context

# (table, lock mode, what to add to the statement's description to say why it locks that table)
Locks = list[tuple[ops.Name, str, str]]

_KINDS = {
    "foreign_key": "FOREIGN KEY",
    "check": "CHECK",
    "unique": "UNIQUE",
    "primary_key": "PRIMARY KEY",
    "exclusion": "EXCLUDE",
    "not_null": "NOT NULL",
}


def taken(op: ops.Operation, ctx: Context) -> Locks:
    """The table locks a statement takes (none for a kind of statement not listed here, or one
    that locks no table another session could be using)."""
    found = _TAKEN.get(type(op))
    if found is None:
        return []
    locks = found(op, ctx)
    table = getattr(op, "table", None)
    if isinstance(table, ops.Name) and _reaches_partitions(op) and ctx.is_partitioned(table):
        # Its lock on the partitioned table is taken on every partition too, in the same mode.
        why = f" (which locks the partitions of {table.sql} too)"
        mode = next(mode for locked, mode, _ in locks if locked.key == table.key)
        locks += [(partition, mode, why) for partition in _partitions(table, ctx)]
    return locks


def statement(op: ops.Operation) -> str:
    """A short description of a statement that takes locks, for messages that name it: worked
    out only then, as most locks taken are never named."""
    return _STATEMENTS[type(op)](op)


def _reaches_partitions(op: ops.Operation) -> bool:
    """Whether a statement on a partitioned table also locks its partitions (PostgreSQL 18:
    what changes columns, constraints or indexes recurses; a rename of the table, row level
    security or OWNER TO does not)."""
    if isinstance(op, ops.LockTable):
        return op.partitions
    if isinstance(op, ops.CreateTrigger):
        return op.row  # a row trigger is cloned onto every partition
    if isinstance(op, (ops.SetDefault, ops.DropDefault, ops.CreateIndex)):
        return not op.only
    return isinstance(op, _RECURSING)


_RECURSING = (
    ops.AddColumn,
    ops.DropColumn,
    ops.RenameColumn,
    ops.AlterColumnType,
    ops.SetNotNull,
    ops.DropNotNull,
    ops.AddConstraint,
    ops.ValidateConstraint,
    ops.DropConstraint,
    ops.RenameConstraint,
    ops.Truncate,
)


def _partitions(table: ops.Name, ctx: Context) -> list[ops.Name]:
    """The partitions history shows for a table, and theirs, to any depth."""
    found: list[ops.Name] = []
    seen = {table.key}
    waiting = ctx.partitions(table)
    while waiting:
        partition = waiting.pop(0)
        if partition.key not in seen:  # a history that attaches in a circle ends here
            seen.add(partition.key)
            found.append(partition)
            waiting += ctx.partitions(partition)
    return found


def _references(constraints: tuple[ops.Constraint, ...], mode: str) -> Locks:
    return [
        (c.references, mode, f" (its foreign key references {c.references.sql})")
        for c in constraints
        if c.kind == "foreign_key" and c.references
    ]


def _create_table(op: ops.CreateTable, ctx: Context) -> Locks:
    # The new table is seen by no other session before the commit; the tables its foreign keys
    # reference are locked against writes until then.
    # (op.constraints holds those written inline in its columns too.)
    return _references(op.constraints, "SHARE ROW EXCLUSIVE")


def _drop_table(op: ops.DropTable, ctx: Context) -> Locks:
    # Dropping a table drops its foreign keys' triggers on the tables they reference.
    keys = _references(tuple(ctx.constraints(op.table)), "ACCESS EXCLUSIVE")
    return [(op.table, "ACCESS EXCLUSIVE", ""), *keys]


def _add_column(op: ops.AddColumn, ctx: Context) -> Locks:
    keys = _references(op.column.constraints, "SHARE ROW EXCLUSIVE")
    return [(op.table, "ACCESS EXCLUSIVE", ""), *keys]


def _drop_column(op: ops.DropColumn, ctx: Context) -> Locks:
    # Its foreign keys go with it, and their triggers on the referenced tables.
    its_keys = tuple(c for c in ctx.constraints(op.table) if op.column in c.columns)
    return [(op.table, "ACCESS EXCLUSIVE", ""), *_references(its_keys, "ACCESS EXCLUSIVE")]


def _add_constraint(op: ops.AddConstraint, ctx: Context) -> Locks:
    if op.constraint.kind == "foreign_key":
        keys = _references((op.constraint,), "SHARE ROW EXCLUSIVE")
        return [(op.table, "SHARE ROW EXCLUSIVE", ""), *keys]
    return [(op.table, "ACCESS EXCLUSIVE", "")]


def _drop_constraint(op: ops.DropConstraint, ctx: Context) -> Locks:
    dropped = tuple(c for c in ctx.constraints(op.table) if c.name == op.name)
    return [(op.table, "ACCESS EXCLUSIVE", ""), *_references(dropped, "ACCESS EXCLUSIVE")]


def _create_index(op: ops.CreateIndex, ctx: Context) -> Locks:
    return [(op.table, "SHARE UPDATE EXCLUSIVE" if op.concurrently else "SHARE", "")]


def _drop_index(op: ops.DropIndex, ctx: Context) -> Locks:
    table = ctx.table_of_index(op.index)
    mode = "SHARE UPDATE EXCLUSIVE" if op.concurrently else "ACCESS EXCLUSIVE"
    return [(table, mode, "")] if table else []


def _refresh(op: ops.RefreshMaterializedView, ctx: Context) -> Locks:
    return [(op.view, "EXCLUSIVE" if op.concurrently else "ACCESS EXCLUSIVE", "")]


def _detach(op: ops.DetachPartition, ctx: Context) -> Locks:
    mode = "SHARE UPDATE EXCLUSIVE" if op.concurrently else "ACCESS EXCLUSIVE"
    return [(op.table, mode, ""), (op.partition, "ACCESS EXCLUSIVE", "")]


def _on_table(mode: str) -> Callable[[Any, Context], Locks]:
    return lambda op, ctx: [(op.table, mode, "")]


_TAKEN: dict[type, Callable[[Any, Context], Locks]] = {
    ops.CreateTable: _create_table,
    ops.DropTable: _drop_table,
    ops.AddColumn: _add_column,
    ops.DropColumn: _drop_column,
    ops.AddConstraint: _add_constraint,
    ops.DropConstraint: _drop_constraint,
    ops.CreateIndex: _create_index,
    ops.DropIndex: _drop_index,
    ops.RefreshMaterializedView: _refresh,
    ops.DetachPartition: _detach,
    ops.RenameTable: _on_table("ACCESS EXCLUSIVE"),
    ops.RenameColumn: _on_table("ACCESS EXCLUSIVE"),
    ops.AlterColumnType: _on_table("ACCESS EXCLUSIVE"),
    ops.SetNotNull: _on_table("ACCESS EXCLUSIVE"),
    ops.DropNotNull: _on_table("ACCESS EXCLUSIVE"),
    ops.SetDefault: _on_table("ACCESS EXCLUSIVE"),
    ops.DropDefault: _on_table("ACCESS EXCLUSIVE"),
    ops.ValidateConstraint: _on_table("SHARE UPDATE EXCLUSIVE"),
    ops.Truncate: _on_table("ACCESS EXCLUSIVE"),
    ops.Update: _on_table("ROW EXCLUSIVE"),
    ops.Delete: _on_table("ROW EXCLUSIVE"),
    ops.RenameConstraint: _on_table("ACCESS EXCLUSIVE"),
    ops.LockTable: lambda op, ctx: [(op.table, op.mode, "")],
    ops.CreateTrigger: _on_table("SHARE ROW EXCLUSIVE"),
    # A row trigger of a partitioned table is on its partitions too, which dropping it locks;
    # but which triggers are row triggers is not known here.
    ops.DropTrigger: _on_table("ACCESS EXCLUSIVE"),
    ops.Cluster: lambda op, ctx: [(op.table, "ACCESS EXCLUSIVE", "")] if op.table else [],
}


def _add_constraint_statement(op: ops.AddConstraint) -> str:
    constraint = op.constraint
    named = f"CONSTRAINT {ops.quote(constraint.name)} " if constraint.name else ""
    return _alter(op, f"ADD {named}{_KINDS[constraint.kind]}")


def _create_index_statement(op: ops.CreateIndex) -> str:
    unique = "UNIQUE " if op.unique else ""
    name = f"{ops.quote(op.name)} " if op.name else ""
    return f"CREATE {unique}INDEX {name}ON {op.table.sql}"


def _alter(op: Any, action: str) -> str:
    return f"ALTER TABLE {op.table.sql} {action}"


def _alter_column(op: Any, action: str) -> str:
    return _alter(op, f"ALTER COLUMN {ops.quote(op.column)} {action}")


_STATEMENTS: dict[type, Callable[[Any], str]] = {
    ops.CreateTable: lambda op: f"CREATE TABLE {op.table.sql}",
    ops.DropTable: lambda op: f"DROP TABLE {op.table.sql}",
    ops.AddColumn: lambda op: _alter(op, f"ADD COLUMN {ops.quote(op.column.name)}"),
    ops.DropColumn: lambda op: _alter(op, f"DROP COLUMN {ops.quote(op.column)}"),
    ops.AddConstraint: _add_constraint_statement,
    ops.DropConstraint: lambda op: _alter(op, f"DROP CONSTRAINT {ops.quote(op.name)}"),
    ops.CreateIndex: _create_index_statement,
    ops.DropIndex: lambda op: f"DROP INDEX {op.index.sql}",
    ops.RefreshMaterializedView: lambda op: f"REFRESH MATERIALIZED VIEW {op.view.sql}",
    ops.DetachPartition: lambda op: _alter(op, f"DETACH PARTITION {op.partition.sql}"),
    ops.RenameTable: lambda op: _alter(op, f"RENAME TO {ops.quote(op.new_name)}"),
    ops.RenameColumn: lambda op: _alter(
        op, f"RENAME COLUMN {ops.quote(op.column)} TO {ops.quote(op.new_name)}"
    ),
    ops.AlterColumnType: lambda op: _alter_column(op, f"TYPE {op.new_type.sql}"),
    ops.SetNotNull: lambda op: _alter_column(op, "SET NOT NULL"),
    ops.DropNotNull: lambda op: _alter_column(op, "DROP NOT NULL"),
    ops.SetDefault: lambda op: _alter_column(op, f"SET DEFAULT {op.expression or '...'}"),
    ops.DropDefault: lambda op: _alter_column(op, "DROP DEFAULT"),
    ops.ValidateConstraint: lambda op: _alter(op, f"VALIDATE CONSTRAINT {ops.quote(op.name)}"),
    ops.Truncate: lambda op: f"TRUNCATE {op.table.sql}",
    ops.Update: lambda op: f"UPDATE {op.table.sql}",
    ops.Delete: lambda op: f"DELETE FROM {op.table.sql}",
    ops.RenameConstraint: lambda op: _alter(
        op, f"RENAME CONSTRAINT {ops.quote(op.name)} TO {ops.quote(op.new_name)}"
    ),
    ops.LockTable: lambda op: op.description,
    ops.CreateTrigger: lambda op: f"CREATE TRIGGER {ops.quote(op.name)} ON {op.table.sql}",
    ops.DropTrigger: lambda op: f"DROP TRIGGER {ops.quote(op.name)} ON {op.table.sql}",
    ops.Cluster: lambda op: f"CLUSTER {op.table.sql}",
}
