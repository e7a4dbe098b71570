"""Multi-step safe alternatives that several rules recommend, written with the user's names."""

from __future__ import annotations

from .layouts import LAYOUTS
from .operations import Column, ColumnType, Constraint, Name, quote


def constraint_name(table: Name, column: str, suffix: str) -> str:
    # PostgreSQL truncates identifiers at 63 bytes.
    return quote(f"{table.name}_{column}_{suffix}"[:63])


def default_constraint_name(table: Name, constraint: Constraint) -> str | None:
    """The name PostgreSQL gives a constraint added without one, when it can be told: a
    foreign key's is <table>_<columns>_fkey, a check's <table>_<first column>_check; None when
    the name would be truncated (PostgreSQL shortens it its own way) or the column is unknown."""
    if constraint.kind == "foreign_key" and constraint.columns:
        name = f"{table.name}_{'_'.join(constraint.columns)}_fkey"
    elif constraint.kind == "check" and constraint.not_null_column:
        name = f"{table.name}_{constraint.not_null_column}_check"
    else:
        return None
    return name if len(name.encode()) <= 63 else None


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


def kept_copy(table: Name) -> tuple[str, str]:
    """SQL that keeps a copy of a table's rows before a migration deletes them, and SQL that
    puts them back (identity columns keep their values) and drops the copy."""
    copy = table.sibling(f"{table.name}_backup"[:63]).sql
    return (
        f"CREATE TABLE {copy} AS TABLE {table.sql};",
        f"INSERT INTO {table.sql} OVERRIDING SYSTEM VALUE SELECT * FROM {copy};\n"
        f"DROP TABLE {copy};",
    )


def create_table(table: Name, columns: list[Column], constraints: list[Constraint]) -> str:
    """CREATE TABLE for a table as the history made it: its columns, their types and NOT
    NULL, and its primary key and unique constraints (the others' definitions are not kept)."""
    if not columns:
        return f"CREATE TABLE {table.sql} (<column> <type>);"
    parts = [
        f"{quote(c.name)} {type_or_placeholder(c.type, c.name)}"
        + (" NOT NULL" if c.not_null else "")
        for c in columns
    ]
    for constraint in constraints:
        kind = {"primary_key": "PRIMARY KEY", "unique": "UNIQUE"}.get(constraint.kind)
        if kind and constraint.name and constraint.columns:
            keys = ", ".join(quote(c) for c in constraint.columns)
            parts.append(f"CONSTRAINT {quote(constraint.name)} {kind} ({keys})")
    return f"CREATE TABLE {table.sql} ({', '.join(parts)});"


def runner_examples(
    statement: str, left_in_migration: str = "", by_hand: tuple[str, ...] = ("drizzle", "supabase")
) -> dict[str, str]:
    """Good examples, by layout (Rule.good_by_runner), of a statement that cannot run inside a
    transaction block, for the runners that put a migration in one: goose's and dbmate's own
    ways out, and for the layouts in `by_hand`, whose runner cannot run it, the statement run by
    hand before the deploy and `left_in_migration` in the migration (a no-op form under an
    ignore directive; nothing but comments when it is empty)."""
    examples = {
        "goose": f"-- +goose NO TRANSACTION\n-- +goose Up\n{statement}",
        "dbmate": f"-- migrate:up transaction:false\n{statement}",
    }
    for layout in by_hand:
        runner = LAYOUTS[layout].runner
        reason = runner.transaction_reason or f"{runner.name} runs this migration in a transaction"
        left = left_in_migration or "-- Nothing else is left in the migration."
        examples[layout] = (
            f"-- {reason}.\n-- Run it by hand (psql) before the deploy:\n--   {statement}\n{left}"
        )
    return examples


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
