"""One line per schema change a migration makes, for the pull request comment."""

from __future__ import annotations

from . import operations as ops


def describe_change(op: ops.Operation) -> str | None:
    """Tables and columns added, dropped, renamed or retyped; None for anything else."""
    if isinstance(op, ops.CreateTable):
        return f"table {op.table.sql} created ({len(op.columns)} columns)"
    if isinstance(op, ops.DropTable):
        return f"table {op.table.sql} dropped"
    if isinstance(op, ops.RenameTable):
        return f"table {op.table.sql} renamed to {ops.quote(op.new_name)}"
    if isinstance(op, ops.AddColumn):
        column_type = f" {op.column.type.sql}" if op.column.type else ""
        required = " NOT NULL" if op.column.not_null else ""
        return f"column {op.table.sql}.{ops.quote(op.column.name)}{column_type}{required} added"
    if isinstance(op, ops.DropColumn):
        return f"column {op.table.sql}.{ops.quote(op.column)} dropped"
    if isinstance(op, ops.RenameColumn):
        return f"column {op.table.sql}.{ops.quote(op.column)} renamed to {ops.quote(op.new_name)}"
    if isinstance(op, ops.AlterColumnType):
        return f"column {op.table.sql}.{ops.quote(op.column)} retyped to {op.new_type.sql}"
    return None
