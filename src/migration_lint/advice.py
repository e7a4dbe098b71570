"""Multi-step safe alternatives that several rules recommend, written with the user's names."""

from __future__ import annotations

from .operations import ColumnType, Name, quote


def constraint_name(table: Name, column: str, suffix: str) -> str:
    # PostgreSQL truncates identifiers at 63 bytes.
    return quote(f"{table.name}_{column}_{suffix}"[:63])


def set_not_null_steps(
    table: Name, column: str, pg_version: int, later: str, first: int = 1, when: str = ""
) -> str:
    """Making an existing column NOT NULL without a long ACCESS EXCLUSIVE scan, as numbered
    steps from `first` (`when`: a lead-in for the first). The validation must not share the
    transaction that added the check (it would keep the add's lock for the scan): `later` says
    where it goes (Context.later_step)."""
    check = constraint_name(table, column, "not_null")
    col = quote(column)
    lead = f"{when}\n   " if when else ""
    steps = (
        f"{first}. {lead}ALTER TABLE {table.sql} ADD CONSTRAINT "
        f"{check} CHECK ({col} IS NOT NULL) NOT VALID;  -- instant; new rows are checked\n"
        f"{first + 1}. Then, {later}:\n"
        f"   ALTER TABLE {table.sql} VALIDATE CONSTRAINT {check};  "
        "-- scans without blocking reads or writes\n"
    )
    if pg_version >= 12:
        return steps + (
            f"   ALTER TABLE {table.sql} ALTER COLUMN {col} SET NOT NULL;  "
            "-- PostgreSQL 12+ uses the valid CHECK and skips the scan\n"
            f"   ALTER TABLE {table.sql} DROP CONSTRAINT {check};"
        )
    return steps + (
        "   Before PostgreSQL 12, SET NOT NULL always scans under ACCESS EXCLUSIVE: keep the\n"
        "   CHECK constraint instead of SET NOT NULL until you upgrade."
    )


def type_or_placeholder(column_type: ColumnType | None, column: str) -> str:
    return column_type.sql if column_type else f"<type of {quote(column)}>"


def declare(rule_id: str, rollback: str) -> str:
    """The end of every breaking finding's help: how to ship the change as it is, declared in
    the migration with a reason and a rollback plan (`rollback`: SQL that undoes it, written
    with the statement's names, one statement a line)."""
    plan = "\n".join(f"-- {line}" for line in rollback.splitlines())
    return (
        "To ship it as it is, declare it above the statement, with why it is safe and how to "
        "undo it:\n"
        f"-- migration-lint: allow {rule_id} -- <why running code no longer needs it>\n"
        f"-- rollback:\n{plan}"
    )
