"""change-column-type: ALTER COLUMN ... TYPE that rewrites the table or rejects old values."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from migration_lint.advice import constraint_name, declare, type_or_placeholder
from migration_lint.coercion import rewrite_unless_utc, rewrites_table
from migration_lint.context import Context, type_key, type_name
from migration_lint.diagnostic import Severity
from migration_lint.operations import AlterColumnType, ColumnType, literal, quote
from migration_lint.registry import rule

RULE_ID = "change-column-type"


@rule(
    id=RULE_ID,
    severity=Severity.BREAKING,
    example_schema='CREATE TABLE "users" ("id" bigint PRIMARY KEY, "name" text);',
    inspects=(AlterColumnType,),
    summary="Changing a column's type rewrites the table and can break code that uses it.",
    rationale=(
        "Most type changes rewrite the whole table and every index on it while holding an ACCESS "
        "EXCLUSIVE lock, so the table is unavailable for the duration; and running code may write "
        "values the new type rejects or read values in a shape it does not expect. Changes "
        "PostgreSQL makes without a rewrite (such as widening a varchar) are not reported. "
        "Recreating an enum without one of its values (as Prisma and drizzle-kit do to remove a "
        "value) gets its own advice: the removed value is the breaking part."
    ),
    bad='ALTER TABLE "users" ALTER COLUMN "name" TYPE varchar(64);',
    good="-- Phase 1 of 4: add the new column; code writes both, a job backfills it.\n"
    'ALTER TABLE "users" ADD COLUMN "name_short" varchar(64);',
)
def change_column_type(op: AlterColumnType, ctx: Context) -> Iterator[tuple[str, str]]:
    if ctx.is_new_table(op.table):
        return
    old_type = ctx.column_type(op.table, op.column)
    recreated = _enum_recreation(op, old_type, ctx)
    if recreated is not None:
        yield recreated
        return
    unless_utc = not op.converts and rewrite_unless_utc(old_type, op.new_type, ctx.pg_version)
    if unless_utc and ctx.timezone_utc:
        return  # the migration set a UTC TimeZone: PostgreSQL keeps the table as it is
    rewrite = op.converts or (not unless_utc and rewrites_table(old_type, op.new_type))
    if not rewrite and not unless_utc and op.collation is None:
        return
    table, column = op.table.sql, quote(op.column)
    new_type = op.new_type.sql
    replacement = quote(f"{op.column}_new")
    change = f"from {old_type.sql} to {new_type}" if old_type else f"to {new_type}"
    if unless_utc:
        what = (
            f"Changing the type of {table}.{column} {change} reinterprets its values in the "
            f"session TimeZone and can break running code that reads or writes it. "
            + ctx.lock("ACCESS EXCLUSIVE", table, table=op.table)
            + " PostgreSQL skips the table rewrite only when the session TimeZone is UTC; "
            "in any other zone it rewrites the whole table and its indexes while holding it."
        )
    elif rewrite:
        what = f"Changing the type of {table}.{column} {change} can break running code that "
        what += "reads or writes it. " + ctx.lock(
            "ACCESS EXCLUSIVE", table, rewrite=True, table=op.table
        )
    else:
        what = (
            f"Changing the collation of {table}.{column} to {quote(op.collation or '')} changes "
            f"how running code's queries sort and compare it, and rebuilds every index on it. "
            + ctx.lock("ACCESS EXCLUSIVE", table, rewrite=False, table=op.table)
        )
    # The new values as the statement computes them: a cast, or its USING as written.
    converted = (op.using or "<its USING expression>") if op.converts else f"{column}::{new_type}"
    phases = (
        f"1. ALTER TABLE {table} ADD COLUMN {replacement} {new_type};\n"
        f"2. Deploy code that writes both columns, then backfill in batches:\n"
        f"   UPDATE {table} SET {replacement} = {converted} WHERE {replacement} IS NULL "
        f"AND <batch condition>;\n"
        f"3. Deploy code that reads and writes only {replacement}.\n"
        f"4. In a later migration: ALTER TABLE {table} DROP COLUMN {column};"
    )
    phases += "\n" + declare(RULE_ID, _change_back(op, old_type, not rewrite and not unless_utc))
    if unless_utc:
        yield what, _utc_route(op, ctx) + "\nOtherwise change the type in phases:\n" + phases
        return
    yield what, "Change a type in phases, without a long lock:\n" + phases


def _change_back(op: AlterColumnType, old_type: ColumnType | None, collation_only: bool) -> str:
    """The statement that gives the column its type (or collation) back."""
    table, column = op.table.sql, quote(op.column)
    if collation_only:
        return (
            f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {op.new_type.sql} "
            "COLLATE <its collation before>;"
        )
    old = type_or_placeholder(old_type, op.column)
    change = f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {old} USING"
    if not op.converts:
        return f"{change} {column}::{old};"
    if op.using_casts is not None:  # the casts back, through the same types
        through = "".join(f"::{t.sql}" for t in reversed(op.using_casts[:-1]))
        return f"{change} {column}{through}::{old};"
    if op.using_zone is not None:  # AT TIME ZONE converts timestamptz and timestamp both ways
        return f"{change} {column} AT TIME ZONE {op.using_zone};"
    computed = f"USING {op.using}" if op.using else "Its USING"
    return (
        f"-- {computed} computed the new values, and no cast undoes it: write how each value "
        f"of {column} maps back.\n"
        f"{change} <expression of {column} that gives its old value>;"
    )


def _utc_route(op: AlterColumnType, ctx: Context) -> str:
    """How to make the change without a rewrite when the stored values are UTC."""
    statement = (
        (
            op.sql
            or f"ALTER TABLE {op.table.sql} ALTER COLUMN {quote(op.column)} TYPE {op.new_type.sql}"
        )
        .rstrip()
        .rstrip(";")
    )
    if ctx.in_transaction:
        steps = f"   SET LOCAL timezone = 'UTC';\n   {statement};"
        where = "in the same transaction, before the ALTER"
    else:  # SET LOCAL outside a transaction block does nothing
        steps = f"   BEGIN;\n   SET LOCAL timezone = 'UTC';\n   {statement};\n   COMMIT;"
        where = "in a transaction of their own"
    return (
        "If the stored values are UTC (the application writes UTC), make PostgreSQL read them "
        f"as UTC and skip the rewrite: run these {where}:\n{steps}"
    )


def _enum_recreation(
    op: AlterColumnType, old_type: ColumnType | None, ctx: Context
) -> tuple[str, str] | None:
    """The finding for a column moved to a recreated enum: to an enum this migration created
    (Prisma: X_new, renamed X afterwards), or to text on the way to one (drizzle-kit: text,
    DROP TYPE, CREATE TYPE, back to the enum); for an array column, to an array of them."""
    if old_type is not None and type_key(old_type) == type_key(op.new_type):
        return None  # the same type: nothing to convert
    dimensions = op.new_type.array_dimensions
    if old_type is not None and old_type.array_dimensions != dimensions:
        return None  # to or from an array: more than the enum changes
    # The enums are the arrays' elements.
    new_type = dataclasses.replace(op.new_type, array_dimensions=0)
    old_element = dataclasses.replace(old_type, array_dimensions=0) if old_type else None
    recreated = (
        ctx.enum_recreated_in_migration(old_element)
        if old_element is not None and ctx.enum_values(old_element) is not None
        else None
    )
    if ctx.is_new_enum(new_type):
        new_values = tuple(ctx.enum_values(new_type) or ())
        old_values = ctx.enum_values(old_element) or ctx.dropped_enum_values(new_type)
        enum = ctx.final_type_name(new_type)
    elif old_element is not None and recreated is not None:
        new_values = recreated
        old_values = ctx.enum_values(old_element)
        enum = ctx.final_type_name(old_element)
    else:
        return None
    table, column = op.table.sql, quote(op.column)
    removed = [v for v in old_values if v not in new_values] if old_values is not None else None
    gone = ", ".join(literal(v) for v in removed or ())
    allowed = ", ".join(literal(v) for v in new_values) or "'<value>'"
    if ctx.is_new_enum(new_type):
        created = type_name(new_type)
        later = f" (renamed {enum.sql} later in this migration)" if enum.key != created.key else ""
        kind = "an array of the enum" if dimensions else "the enum"
        what = f"Changing {table}.{column} to {kind} {created.sql}{later}, which this migration "
        what += "creates,"
    else:
        what = f"Changing {table}.{column} to {op.new_type.sql} so that this migration can "
        what += f"recreate the enum {enum.sql},"
    it, one = ("it", "it") if removed and len(removed) == 1 else ("them", "one of them")
    if removed:
        what += (
            f" removes {gone} from the values the column accepts:"
            if ctx.is_new_enum(new_type)
            else f" without {gone}:"
        )
        what += (
            f" running code that still writes {it} fails, and the migration fails if a row "
            f"holds {one}. "
        )
    elif removed is None:
        what += " makes the migration fail if a row holds a value the new enum lacks. "
    else:
        what += " keeps every value the column holds, yet rewrites the table. "
    what += ctx.lock("ACCESS EXCLUSIVE", table, rewrite=True, table=op.table)
    # An array column holds a removed value when its text array overlaps the removed ones.
    if removed:
        holds = (
            f"{column}::text[] && ARRAY[{gone}]" if dimensions else f"{column}::text IN ({gone})"
        )
        check = f"SELECT count(*) FROM {table} WHERE {holds};  -- must be 0"
        keep = (
            f"- Keep {gone} in the enum (and in the ORM schema): removing an enum value is the "
            f"breaking part. Remove {it} in a later release, once no code writes {it}."
        )
        # IF NOT EXISTS: the plan of each column of the enum adds the value back.
        rollback = "\n".join(
            f"ALTER TYPE {enum.sql} ADD VALUE IF NOT EXISTS {literal(v)};" for v in removed
        )
    else:
        holds = (
            f"NOT {column}::text[] <@ ARRAY[{allowed}]"
            if dimensions
            else f"{column}::text NOT IN ({allowed})"
        )
        check = f"SELECT count(*) FROM {table} WHERE {holds};  -- must be 0"
        keep = (
            "- Keep every value the column may hold: removing an enum value is the breaking "
            f"part. To only add a value, ALTER TYPE {enum.sql} ADD VALUE '<value>'; needs no "
            "new type and no rewrite."
        )
        rollback = (
            "nothing to restore: every value is kept"
            if removed == []
            else f"ALTER TYPE {enum.sql} ADD VALUE IF NOT EXISTS '<removed value>';"
        )
    check_constraint = constraint_name(op.table, op.column, "check")
    accepted = f"{column} <@ ARRAY[{allowed}]" if dimensions else f"{column} IN ({allowed})"
    help_text = (
        f"{keep}\n"
        f"- Or prove that no row and no running code uses a removed value before this deploys "
        f"(search the code for it too):\n"
        f"   {check}\n"
        f"The change rewrites {table} while it blocks every read and write. For a big table, a "
        f"text{'[]' * dimensions} column with a CHECK constraint avoids the rewrite the next "
        "time the values change; changing them is then a new constraint, validated without "
        "blocking writes:\n"
        f"   ALTER TABLE {table} ADD CONSTRAINT {check_constraint} CHECK ({accepted}) NOT VALID;\n"
        f"   Then, {ctx.later_transaction()}:\n"
        f"   ALTER TABLE {table} VALIDATE CONSTRAINT {check_constraint};\n"
        + declare(RULE_ID, rollback)
    )
    return what, help_text
