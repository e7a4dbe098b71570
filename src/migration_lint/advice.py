"""Multi-step safe alternatives that several rules recommend, written with the user's names."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .context import column_subject
from .layouts import LAYOUTS
from .operations import NAME_BYTES, Column, ColumnType, Constraint, Name, SetNotNull, Update, quote

if TYPE_CHECKING:
    from .context import Context, Dependent


def constraint_name(table: Name, column: str, suffix: str) -> str:
    # PostgreSQL truncates identifiers at 63 bytes.
    return quote(f"{table.name}_{column}_{suffix}"[:63])


def set_not_null_steps(
    table: Name, column: str, pg_version: int, later: str, first: int = 1, when: str = ""
) -> str:
    """Making an existing column NOT NULL without a long ACCESS EXCLUSIVE scan, as numbered
    steps from `first` (`when`: a lead-in for the first). The validation must not share the
    transaction that added the check (it would keep the add's lock for the scan): `later` says
    where it goes (Context.later_transaction)."""
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
    NULL, its primary key and unique constraints, and its foreign keys (without their ON
    DELETE/ON UPDATE actions, which the model does not keep; nor does it keep checks)."""
    if not columns:
        return f"CREATE TABLE {table.sql} (<column> <type>);"
    parts = [
        f"{quote(c.name)} {type_or_placeholder(c.type, c.name)}"
        + (" NOT NULL" if c.not_null else "")
        for c in columns
    ]
    for constraint in constraints:
        kind = {"primary_key": "PRIMARY KEY", "unique": "UNIQUE", "foreign_key": "FOREIGN KEY"}
        if constraint.kind not in kind or not (constraint.name and constraint.columns):
            continue
        keys = ", ".join(quote(c) for c in constraint.columns)
        definition = f"CONSTRAINT {quote(constraint.name)} {kind[constraint.kind]} ({keys})"
        if constraint.references is not None:
            referenced = ", ".join(quote(c) for c in constraint.referenced_columns)
            definition += f" REFERENCES {constraint.references.sql}"
            definition += f" ({referenced})" if referenced else ""
        elif constraint.kind == "foreign_key":
            continue
        parts.append(definition)
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


def set_default(table: Name, column: str, expression: str | None) -> str:
    """The statement that gives a column its default back (a placeholder when not known)."""
    return (
        f"ALTER TABLE {table.sql} ALTER COLUMN {quote(column)} SET DEFAULT "
        f"{expression or '<previous default>'};"
    )


# A definition longer than this is not copied into a rollback plan: its place is named instead.
RECREATE_MAX_LINES = 40


def recreate(sql: str, written_at: str, placeholder: str) -> str:
    """The statement that creates an object again, for a rollback plan: `sql`, the statement
    that created it (where `written_at` says), or `placeholder` when it is not known."""
    if not sql:
        return placeholder
    if sql.count("\n") >= RECREATE_MAX_LINES:
        return f"<the statement at {written_at}, which created it>"
    return sql.rstrip().rstrip(";") + ";"


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


def foreign_key_effects(ctx: Context, table: Name, column: str | None, cascade: bool) -> str:
    """What dropping a table (or one of its columns) does through foreign keys, from history:
    the tables it locks by dropping its own foreign keys, and what CASCADE drops with it (or
    that PostgreSQL refuses the drop without CASCADE). Sentences to end a message with."""
    text = ""
    referenced = _distinct(
        c.references for c in ctx.foreign_keys_of(table, column) if c.references is not None
    )
    referenced = [t for t in referenced if t.key != table.key]
    if referenced:
        names = ", ".join(t.sql for t in referenced)
        text += (
            f" Dropping its foreign key{'s' if len(referenced) > 1 else ''} to {names} locks "
            f"{'that table' if len(referenced) == 1 else 'those tables'} as well. "
            + " ".join(ctx.lock("ACCESS EXCLUSIVE", t.sql, table=t) for t in referenced)
        )
    dependents = ctx.foreign_keys_to(table, column)
    if not dependents:
        return text
    listed = ", ".join(f"{quote(c.name or '')} of {other.sql}" for other, c in dependents)
    if not cascade:
        return text + (
            f" PostgreSQL refuses it while foreign keys reference it ({listed}): drop them "
            f"first, or add CASCADE, which drops them."
        )
    others = _distinct(other for other, _ in dependents)
    return (
        text
        + f" CASCADE also drops the foreign keys that reference it ({listed}), which locks "
        + f"{'that table' if len(others) == 1 else 'those tables'}. "
        + " ".join(ctx.lock("ACCESS EXCLUSIVE", t.sql, table=t) for t in others)
    )


def _distinct(tables: Iterable[Name]) -> list[Name]:
    found: dict[tuple[str, str], Name] = {}
    for table in tables:
        found.setdefault(table.key, table)
    return list(found.values())


def partitioned_index_steps(
    ctx: Context, table: Name, index: str, columns: tuple[str, ...], definition: str, unique: bool
) -> str:
    """Building an index on a partitioned table without blocking writes, which PostgreSQL
    cannot do with CONCURRENTLY: the parent's index alone (ON ONLY, instant, invalid), each
    partition's concurrently, then each attached (the parent's becomes valid with the last).
    `definition` is what follows the table: `USING btree ("user_id") WHERE ...`; the
    partitions' indexes are named as PostgreSQL names them, from their table and `columns`."""
    create = "CREATE UNIQUE INDEX" if unique else "CREATE INDEX"
    suffix = "_".join(columns) or "expr"
    partitions = [
        (p.sql, quote(f"{p.name}_{suffix}"[: NAME_BYTES - 4] + "_idx"))
        for p in ctx.partitions(table)
    ]
    if not partitions:
        partitions = [("<partition>", "<partition index>")]
    parent = quote(index)
    builds = "\n".join(
        f"   {create} CONCURRENTLY IF NOT EXISTS {name} ON {partition} {definition};"
        for partition, name in partitions
    )
    attaches = "\n".join(
        f"   ALTER INDEX {parent} ATTACH PARTITION {name};" for _, name in partitions
    )
    return (
        "PostgreSQL refuses CONCURRENTLY on a partitioned table. Build the index partition by "
        "partition instead, without blocking writes:\n"
        f"1. {create} IF NOT EXISTS {parent} ON ONLY {table.sql} {definition};  "
        "-- instant: an invalid index on the parent alone\n"
        f"2. For each partition:\n{builds}\n"
        "3. Attach each one; the parent's index is valid once every partition has one:\n"
        f"{attaches}"
    )


# --- What DROP ... CASCADE drops with an object, from history (review of issue 12) ---


def views_effects(views: list[Dependent], cascade: bool) -> str:
    """A sentence to end the message of a table's or view's drop with: the views that depend
    on it in history, which CASCADE drops too, and without which PostgreSQL refuses the drop
    (2BP01). "" when history shows none."""
    if not views:
        return ""
    listed = ", ".join(d.label for d in views)
    if cascade:
        return f" CASCADE also drops the views that depend on it (in history: {listed})."
    return (
        f" Views depend on it (in history: {listed}): PostgreSQL refuses the drop while they "
        "exist; drop them first, or add CASCADE, which drops them."
    )


def dependents_locks(ctx: Context, dependents: list[Dependent]) -> str:
    """Dropping a trigger takes ACCESS EXCLUSIVE on its table (checked on PostgreSQL 18)."""
    tables = _distinct(d.relation for d in dependents if d.trigger is not None)
    return "".join(" " + ctx.lock("ACCESS EXCLUSIVE", t.sql, table=t) for t in tables)


def recreate_dependents(dependents: list[Dependent]) -> str:
    """The statements that create dependents again, as history made them, one per line."""
    return "\n".join(
        recreate(
            d.definition.sql,
            f"{d.definition.path}:{d.definition.line}",
            f"<the statement at {d.definition.path}:{d.definition.line}>",
        )
        for d in dependents
    )


def lost_to_cascade(
    ctx: Context,
    dropped: str,
    lock: str,
    dependents: list[Dependent],
    in_place: str,
    rule_id: str,
    undo: str,
) -> tuple[str, str] | None:
    """The finding for a drop with CASCADE of an object the migration creates again, when
    CASCADE also drops dependents the migration does not create again (`dropped`: the object,
    as `view "v1"`; `lock`: the sentence of the lock the drop takes; `in_place`: how to change
    the object without dropping it; `undo`: SQL that drops the object created again and
    creates it as it was, to which the rollback plan adds its dependents). None when the
    migration creates them all again."""
    lost = [d for d in dependents if not ctx.created_again_later(d)]
    if not lost:
        return None
    effects = []
    if any(d.trigger is None for d in lost):
        effects.append("queries of the dropped views fail")
    if any(d.trigger is not None for d in lost):
        effects.append("the dropped triggers no longer run")
    again = "\n".join(f"   {line}" for line in recreate_dependents(lost).splitlines())
    them = "it" if len(lost) == 1 else "them"
    return (
        f"Dropping {dropped} with CASCADE also drops {', '.join(d.label for d in lost)}, which "
        f"this migration does not create again: {' and '.join(effects)} once it commits."
        + (f" {lock}" if lock else "")
        + dependents_locks(ctx, lost),
        f"Create {them} again after {dropped} in this migration, as history made {them}:\n"
        f"{again}\n{in_place}" + declare(rule_id, f"{undo}\n{recreate_dependents(dependents)}"),
    )


def not_null_after_backfill(update: Update, ctx: Context) -> str:
    """For help that moves a backfill out of the migration: a later SET NOT NULL of a column it
    fills (ADD COLUMN, UPDATE, SET NOT NULL) fails without it, and goes with it ("" when the
    migration has none)."""
    found = [
        (column, ctx.line(later.location))
        for column in dict.fromkeys(update.columns)
        for later in ctx.later(column_subject(update.table, column))
        if isinstance(later, SetNotNull)
    ]
    return " ".join(
        f"Line {line} sets {quote(column)} NOT NULL, which fails while rows are not filled: move "
        "it with the backfill, after its last batch, where `migration-lint rules set-not-null` "
        "shows how to set it without a long lock."
        for column, line in found
    )
