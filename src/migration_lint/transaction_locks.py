"""The table locks each statement takes and keeps until its transaction ends, with a short
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


def taken(op: ops.Operation, ctx: Context) -> tuple[str, Locks]:
    """A short description of the statement, and the table locks it takes (none for a kind of
    statement not listed here, or one that locks no table another session could be using)."""
    found = _TAKEN.get(type(op))
    if found is None:
        return "", []
    statement, locks = found(op, ctx)
    table = getattr(op, "table", None)
    if isinstance(table, ops.Name) and _reaches_partitions(op) and ctx.is_partitioned(table):
        # Its lock on the partitioned table is taken on every partition too, in the same mode.
        why = f" (which locks the partitions of {table.sql} too)"
        mode = next(mode for locked, mode, _ in locks if locked.key == table.key)
        locks += [(partition, mode, why) for partition in _partitions(table, ctx)]
    return statement, locks


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


def _create_table(op: ops.CreateTable, ctx: Context) -> tuple[str, Locks]:
    # The new table is seen by no other session before the commit; the tables its foreign keys
    # reference are locked against writes until then.
    # (op.constraints holds those written inline in its columns too.)
    keys = _references(op.constraints, "SHARE ROW EXCLUSIVE")
    return f"CREATE TABLE {op.table.sql}", keys


def _drop_table(op: ops.DropTable, ctx: Context) -> tuple[str, Locks]:
    # Dropping a table drops its foreign keys' triggers on the tables they reference.
    keys = _references(tuple(ctx.constraints(op.table)), "ACCESS EXCLUSIVE")
    return f"DROP TABLE {op.table.sql}", [(op.table, "ACCESS EXCLUSIVE", ""), *keys]


def _add_column(op: ops.AddColumn, ctx: Context) -> tuple[str, Locks]:
    keys = _references(op.column.constraints, "SHARE ROW EXCLUSIVE")
    text = f"ALTER TABLE {op.table.sql} ADD COLUMN {ops.quote(op.column.name)}"
    return text, [(op.table, "ACCESS EXCLUSIVE", ""), *keys]


def _drop_column(op: ops.DropColumn, ctx: Context) -> tuple[str, Locks]:
    # Its foreign keys go with it, and their triggers on the referenced tables.
    its_keys = tuple(c for c in ctx.constraints(op.table) if op.column in c.columns)
    keys = _references(its_keys, "ACCESS EXCLUSIVE")
    text = f"ALTER TABLE {op.table.sql} DROP COLUMN {ops.quote(op.column)}"
    return text, [(op.table, "ACCESS EXCLUSIVE", ""), *keys]


def _add_constraint(op: ops.AddConstraint, ctx: Context) -> tuple[str, Locks]:
    constraint = op.constraint
    named = f"CONSTRAINT {ops.quote(constraint.name)} " if constraint.name else ""
    text = f"ALTER TABLE {op.table.sql} ADD {named}{_KINDS[constraint.kind]}"
    if constraint.kind == "foreign_key":
        keys = _references((constraint,), "SHARE ROW EXCLUSIVE")
        return text, [(op.table, "SHARE ROW EXCLUSIVE", ""), *keys]
    return text, [(op.table, "ACCESS EXCLUSIVE", "")]


def _drop_constraint(op: ops.DropConstraint, ctx: Context) -> tuple[str, Locks]:
    dropped = tuple(c for c in ctx.constraints(op.table) if c.name == op.name)
    keys = _references(dropped, "ACCESS EXCLUSIVE")
    text = f"ALTER TABLE {op.table.sql} DROP CONSTRAINT {ops.quote(op.name)}"
    return text, [(op.table, "ACCESS EXCLUSIVE", ""), *keys]


def _create_index(op: ops.CreateIndex, ctx: Context) -> tuple[str, Locks]:
    unique = "UNIQUE " if op.unique else ""
    name = f"{ops.quote(op.name)} " if op.name else ""
    mode = "SHARE UPDATE EXCLUSIVE" if op.concurrently else "SHARE"
    return f"CREATE {unique}INDEX {name}ON {op.table.sql}", [(op.table, mode, "")]


def _drop_index(op: ops.DropIndex, ctx: Context) -> tuple[str, Locks]:
    table = ctx.table_of_index(op.index)
    mode = "SHARE UPDATE EXCLUSIVE" if op.concurrently else "ACCESS EXCLUSIVE"
    return f"DROP INDEX {op.index.sql}", [(table, mode, "")] if table else []


def _refresh(op: ops.RefreshMaterializedView, ctx: Context) -> tuple[str, Locks]:
    mode = "EXCLUSIVE" if op.concurrently else "ACCESS EXCLUSIVE"
    return f"REFRESH MATERIALIZED VIEW {op.view.sql}", [(op.view, mode, "")]


def _detach(op: ops.DetachPartition, ctx: Context) -> tuple[str, Locks]:
    mode = "SHARE UPDATE EXCLUSIVE" if op.concurrently else "ACCESS EXCLUSIVE"
    text = f"ALTER TABLE {op.table.sql} DETACH PARTITION {op.partition.sql}"
    return text, [(op.table, mode, ""), (op.partition, "ACCESS EXCLUSIVE", "")]


def _alter(table: ops.Name, action: str, mode: str = "ACCESS EXCLUSIVE") -> tuple[str, Locks]:
    return f"ALTER TABLE {table.sql} {action}", [(table, mode, "")]


_TAKEN: dict[type, Callable[[Any, Context], tuple[str, Locks]]] = {
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
    ops.RenameTable: lambda op, ctx: _alter(op.table, f"RENAME TO {ops.quote(op.new_name)}"),
    ops.RenameColumn: lambda op, ctx: _alter(
        op.table, f"RENAME COLUMN {ops.quote(op.column)} TO {ops.quote(op.new_name)}"
    ),
    ops.AlterColumnType: lambda op, ctx: _alter(
        op.table, f"ALTER COLUMN {ops.quote(op.column)} TYPE {op.new_type.sql}"
    ),
    ops.SetNotNull: lambda op, ctx: _alter(
        op.table, f"ALTER COLUMN {ops.quote(op.column)} SET NOT NULL"
    ),
    ops.DropNotNull: lambda op, ctx: _alter(
        op.table, f"ALTER COLUMN {ops.quote(op.column)} DROP NOT NULL"
    ),
    ops.SetDefault: lambda op, ctx: _alter(
        op.table, f"ALTER COLUMN {ops.quote(op.column)} SET DEFAULT {op.expression or '...'}"
    ),
    ops.DropDefault: lambda op, ctx: _alter(
        op.table, f"ALTER COLUMN {ops.quote(op.column)} DROP DEFAULT"
    ),
    ops.ValidateConstraint: lambda op, ctx: _alter(
        op.table, f"VALIDATE CONSTRAINT {ops.quote(op.name)}", "SHARE UPDATE EXCLUSIVE"
    ),
    ops.Truncate: lambda op, ctx: (
        f"TRUNCATE {op.table.sql}",
        [(op.table, "ACCESS EXCLUSIVE", "")],
    ),
    ops.Update: lambda op, ctx: (f"UPDATE {op.table.sql}", [(op.table, "ROW EXCLUSIVE", "")]),
    ops.Delete: lambda op, ctx: (f"DELETE FROM {op.table.sql}", [(op.table, "ROW EXCLUSIVE", "")]),
    ops.RenameConstraint: lambda op, ctx: _alter(
        op.table, f"RENAME CONSTRAINT {ops.quote(op.name)} TO {ops.quote(op.new_name)}"
    ),
    ops.LockTable: lambda op, ctx: (op.description, [(op.table, op.mode, "")]),
    ops.CreateTrigger: lambda op, ctx: (
        f"CREATE TRIGGER {ops.quote(op.name)} ON {op.table.sql}",
        [(op.table, "SHARE ROW EXCLUSIVE", "")],
    ),
    # A row trigger of a partitioned table is on its partitions too, which dropping it locks;
    # but which triggers are row triggers is not known here.
    ops.DropTrigger: lambda op, ctx: (
        f"DROP TRIGGER {ops.quote(op.name)} ON {op.table.sql}",
        [(op.table, "ACCESS EXCLUSIVE", "")],
    ),
    ops.Cluster: lambda op, ctx: (
        (f"CLUSTER {op.table.sql}", [(op.table, "ACCESS EXCLUSIVE", "")]) if op.table else ("", [])
    ),
}
