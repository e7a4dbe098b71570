"""Multi-step safe alternatives that several rules recommend, written with the user's names."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .context import column_subject, sequence_name
from .layouts import LAYOUTS
from .operations import (
    NAME_BYTES,
    AddColumn,
    Column,
    ColumnType,
    Constraint,
    DropTable,
    Name,
    SetNotNull,
    Update,
    literal,
    quote,
)

if TYPE_CHECKING:
    from .context import Context, Dependent, StoredColumn


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


# Functions PostgreSQL evaluates once per row (volatile): a default calling one is stored in
# every row, so the table is rewritten. now() and other stable functions are evaluated once.
VOLATILE_FUNCTIONS = frozenset(
    {
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "clock_timestamp",
        "timeofday",
        "random",
        "random_normal",
        "nextval",
        "txid_current",
    }
)


def volatile_default(column: Column) -> str | None:
    """A column's default when it differs per row (volatile), as written; None otherwise."""
    volatile = sorted(column.default_functions & VOLATILE_FUNCTIONS)
    if not volatile or column.generated:
        return None
    return column.default or f"{volatile[0]}()"


def rewrite_on_add(column: Column) -> str:
    """Why ADD COLUMN of this column gives every existing row a value of its own, which
    rewrites the table (from PostgreSQL 11 a constant default does not): a phrase to start a
    sentence with; "" when nothing does."""
    name = quote(column.name)
    if column.serial:
        return f"As a serial column, {name} takes a value from its sequence for every existing row"
    if column.identity:
        return (
            f"As an identity column, {name} takes a value from its sequence for every existing row"
        )
    if column.computed:
        return f"As a generated column, {name} is computed for every existing row"
    default = volatile_default(column)
    return f"Its volatile default {default} is computed for every existing row" if default else ""


def add_filled_in_batches(
    ctx: Context, table: Name, column: Column, first: int = 1
) -> tuple[str, int]:
    """Numbered steps from `first` that add a column whose ADD COLUMN would rewrite the table
    (rewrite_on_add), without the rewrite: plain, given its values for new rows (its default,
    or a sequence), filled in batches, then NOT NULL if it is, and an identity column once it
    is NOT NULL; with the number of the next step. (PostgreSQL adds a computed column in no
    other way.)"""
    column_type = column.stored_type
    table_sql, name = table.sql, quote(column.name)
    sequence = None
    if column.serial or column.identity:
        # An identity's own sequence comes once the column is NOT NULL: fill from another.
        sequence = (
            sequence_name(table, column.name)
            if column.serial
            else table.sibling(f"{table.name}_{column.name}_fill"[:NAME_BYTES])
        )
        value = f"nextval({literal(sequence.sql)})"
        integer = f" AS {column_type.sql}" if column_type else ""
        create = f"   CREATE SEQUENCE {sequence.sql}{integer} OWNED BY {table_sql}.{name};\n"
    else:
        value, create = volatile_default(column) or "<value>", ""
    steps = (
        f"{first}. ALTER TABLE {table_sql} ADD COLUMN {name} "
        f"{type_or_placeholder(column_type, column.name)};\n{create}"
        f"   ALTER TABLE {table_sql} ALTER COLUMN {name} SET DEFAULT {value};  -- new rows only\n"
        f"{first + 1}. Backfill: UPDATE {table_sql} SET {name} = {value} WHERE {name} IS NULL AND "
        "<batch condition>;\n"
    )
    step = first + 2
    if column.not_null or column.serial or column.identity:
        steps += set_not_null_steps(
            table, column.name, ctx.pg_version, ctx.later_transaction(), first=step
        )
        steps += "\n"
        step += 2
    if column.identity and sequence is not None:
        steps += (
            f"{step}. Make it an identity column, its values continuing from the backfill's "
            "(in one migration):\n"
            f"   ALTER TABLE {table_sql} ALTER COLUMN {name} DROP DEFAULT;\n"
            f"   ALTER TABLE {table_sql} ALTER COLUMN {name} ADD {column.generated_sql};\n"
            f"   SELECT setval(pg_get_serial_sequence({literal(table_sql)}, "
            f"{literal(column.name)}), last_value) FROM {sequence.sql};\n"
            f"   DROP SEQUENCE {sequence.sql};\n"
        )
        step += 1
    return steps, step


def add_column_first(ctx: Context, op: AddColumn, then: str) -> tuple[str, int, str]:
    """Help for ADD COLUMN with an inline constraint that reads every row: add the column
    plain first (filled in batches, when adding it as written would rewrite the table too),
    then `then`. The help's start, with the steps that add the column; the number of the step
    that follows them; and its end ("" or the alternative of accepting the rewrite)."""
    table, column = op.table.sql, op.column
    as_written = column.plain_sql or f"{quote(column.name)} <type and default>"
    add = f"1. ALTER TABLE {table} ADD COLUMN {as_written};\n"
    why = rewrite_on_add(column)
    if not why:
        return f"Add the column plain, then {then}:\n{add}", 2, ""
    if column.computed:
        return (
            f"{why}, which rewrites {table} under the same lock: PostgreSQL adds it no other way. "
            f"Add the column without the constraint, then {then}:\n{add}",
            2,
            "",
        )
    steps, step = add_filled_in_batches(ctx, op.table, column)
    return (
        f"{why}, which rewrites {table} under the same lock. Add it without the rewrite, fill "
        f"it in batches, then {then}:\n{steps}",
        step,
        f"\nOr, to accept the rewrite (no reads or writes of {table} while it runs), replace "
        f"steps 1 to {step - 1} with: ALTER TABLE {table} ADD COLUMN {as_written};",
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


# The serial type that declares a column of an integer type with its own sequence.
_SERIALS = {"smallint": "smallserial", "integer": "serial", "bigint": "bigserial"}


def column_definition(column: StoredColumn) -> tuple[str, list[str]]:
    """A column as CREATE TABLE and ADD COLUMN write it, from what history knows: its type
    (serial again for one declared so), GENERATED clause, default and NOT NULL; and a note
    (a `-- ` line) for each part of it history does not show."""
    name = quote(column.name)
    serial = _SERIALS.get(column.type.sql) if column.serial and column.type else None
    text = f"{name} {serial or type_or_placeholder(column.type, column.name)}"
    text += " NOT NULL" if column.not_null else ""
    notes = []
    if column.generated_sql:
        text += f" {column.generated_sql}"
    elif column.generated:
        notes.append(f"-- {name} fills its own values: the migrations do not show how.")
    elif column.default is not None:
        text += f" DEFAULT {column.default}"
    elif column.serial and not serial:
        notes.append(
            f"-- {name} was declared serial, then given another type: its sequence and its "
            "default are not restored."
        )
    elif column.has_default and not serial:
        notes.append(f"-- {name} had a default that the migrations do not show.")
    return text, notes


def constraint_definition(constraint: Constraint) -> str | None:
    """`CONSTRAINT "name" ...` as CREATE TABLE and ADD CONSTRAINT write it (without NOT VALID);
    None when history does not show what it is."""
    keys = ", ".join(quote(c) for c in constraint.columns)
    if constraint.kind == "check":
        body = constraint.clause
    elif not keys:
        body = ""
    elif constraint.kind == "primary_key":
        body = f"PRIMARY KEY ({keys})"
    elif constraint.kind == "unique":
        distinct = " NULLS NOT DISTINCT" if constraint.nulls_not_distinct else ""
        body = f"UNIQUE{distinct} ({keys})"
    elif constraint.kind == "foreign_key" and constraint.references is not None:
        referenced = ", ".join(quote(c) for c in constraint.referenced_columns)
        body = f"FOREIGN KEY ({keys}) REFERENCES {constraint.references.sql}"
        body += f" ({referenced})" if referenced else ""
    else:
        body = ""
    if not (body and constraint.name):
        return None
    return f"CONSTRAINT {quote(constraint.name)} {body}{constraint.options}"


def add_constraint(table: Name, constraint: Constraint) -> str:
    """The statement that adds a constraint again, or a note that history does not show it."""
    definition = constraint_definition(constraint)
    if definition is None:
        return (
            f"-- Constraint {quote(constraint.name or '<its name>')} of {table.sql}: the "
            "migrations do not show its definition."
        )
    not_valid = " NOT VALID" if constraint.not_valid else ""
    return f"ALTER TABLE {table.sql} ADD {definition}{not_valid};"


def create_index(ctx: Context, table: Name, index: str) -> str:
    """The statement that creates an index of a table again, as its migration wrote it (with
    the current names), or a note that history does not show it."""
    known = ctx.index_definitions.get(table.sibling(index).key)
    if known is None:
        return f"-- Index {quote(index)} of {table.sql}: the migrations do not show its definition."
    return (
        f"CREATE {'UNIQUE ' if known.unique else ''}INDEX {quote(index)} ON "
        f"{'ONLY ' if known.only else ''}{table.sql} {known.definition};"
    )


def create_table(ctx: Context, table: Name) -> tuple[list[str], list[str]]:
    """A table as the history made it, for a rollback plan: CREATE TABLE with its columns,
    keys and checks, then its indexes; and apart, the statements that add its foreign keys
    (and checks not validated), which may reference tables to create first. Lines for what
    history does not show are `-- ` notes."""
    columns = ctx.columns(table)
    if not columns:
        return [f"CREATE TABLE {table.sql} (<column> <type>);"], []
    parts, notes, later = [], [], []
    for column in columns:
        definition, unknown = column_definition(column)
        parts.append(definition)
        notes += unknown
    for constraint in ctx.constraints(table):
        inside = constraint_definition(constraint)
        if inside is None or constraint.kind == "foreign_key" or constraint.not_valid:
            later.append(add_constraint(table, constraint))
        else:
            parts.append(inside)
    if ctx.is_partitioned(table):
        partitions = ", ".join(p.sql for p in ctx.partitions(table)) or "none known"
        notes.append(
            f"-- {table.sql} is partitioned: the migrations do not show its partition key, "
            f"nor the bounds of its partitions ({partitions})."
        )
    created = [f"CREATE TABLE {table.sql} ({', '.join(parts)});", *notes]
    created += [create_index(ctx, table, index) for index in ctx.indexes_on(table)]
    return created, later


def restore_table(ctx: Context, table: Name, cascade: bool) -> str:
    """A rollback plan for DROP TABLE: the table as history made it, the foreign keys to it
    that earlier statements of the migration (or CASCADE) dropped, and its own."""
    created, keys = create_table(ctx, table)
    dropped = ctx.constraints_dropped_in_migration(table)
    if cascade:
        dropped += ctx.foreign_keys_to(table)
    keys += [add_constraint(owner, constraint) for owner, constraint in dropped]
    return "\n".join(created + keys)


def restore_column(ctx: Context, table: Name, column: str, cascade: bool) -> str:
    """A rollback plan for DROP COLUMN: the column as history made it, with the constraints
    and indexes that went with it, the constraints earlier statements of the migration
    dropped with it in mind, and with CASCADE the foreign keys to it."""
    known = ctx.column(table, column)
    add = f"ALTER TABLE {table.sql} ADD COLUMN"
    if known is None:
        return f"{add} {quote(column)} {type_or_placeholder(None, column)};"
    plan: list[str] = []
    if known.not_null and not (known.has_default or known.generated):
        # Without a default ADD COLUMN ... NOT NULL fails on a table with rows.
        definition, notes = column_definition(known.replace(not_null=False))
        plan += [
            f"{add} {definition};",
            *notes,
            f"-- Its values are gone with it: fill {quote(column)} in (from a backup), then:",
            f"ALTER TABLE {table.sql} ALTER COLUMN {quote(column)} SET NOT NULL;",
        ]
    else:
        definition, notes = column_definition(known)
        plan += [f"{add} {definition};", *notes]
    plan += [add_constraint(table, c) for c in ctx.constraints(table) if column in c.columns]
    plan += [create_index(ctx, table, index) for index in ctx.indexes_on(table, column)]
    dropped = ctx.constraints_dropped_in_migration(table, column)
    if cascade:
        dropped += ctx.foreign_keys_to(table, column)
    plan += [add_constraint(owner, constraint) for owner, constraint in dropped]
    # History knows which views read the table, not which of its columns they use.
    views = ctx.dependents(DropTable(0, table)) if cascade else []
    if views:
        plan.append(
            f"-- CASCADE also dropped the views that use {quote(column)}: create those of "
            f"{', '.join(d.label for d in views)} again."
        )
    return "\n".join(plan)


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


def restore_serial_default(table: Name, column: StoredColumn) -> str:
    """The statements that give a serial column its sequence's default back: the sequence as
    the serial made it (again, if the migration dropped it), continuing after the rows' ids."""
    sequence = sequence_name(table, column.name)
    name = quote(column.name)
    integer = f" AS {column.type.sql}" if column.type and column.type.sql in _SERIALS else ""
    return (
        f"CREATE SEQUENCE IF NOT EXISTS {sequence.sql}{integer} OWNED BY {table.sql}.{name};\n"
        f"SELECT setval({literal(sequence.sql)}, max({name})) FROM {table.sql};\n"
        f"ALTER TABLE {table.sql} ALTER COLUMN {name} SET DEFAULT nextval({literal(sequence.sql)});"
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
