"""exclusive-lock-held: a slow statement on a table an earlier statement of the transaction
locked ACCESS EXCLUSIVE, which keeps the table unreadable for as long as it runs."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import constraint_name, not_null_after_backfill
from migration_lint.context import Context, default_constraint_name
from migration_lint.diagnostic import Severity
from migration_lint.locks import HeldLock
from migration_lint.operations import (
    AddColumn,
    AddConstraint,
    Constraint,
    CreateIndex,
    Delete,
    Name,
    Operation,
    RefreshMaterializedView,
    Reindex,
    Update,
    ValidateConstraint,
    quote,
    reads_existing_rows,
)
from migration_lint.registry import rule
from migration_lint.transaction_locks import taken

# The slow statements that take less than ACCESS EXCLUSIVE on the table they read (those that
# take it themselves, a rewrite, SET NOT NULL, a CHECK or UNIQUE, block it for their whole run
# anyway, and their own rules say so): a foreign key's check, a backfill, an index build, a
# validation, a concurrent refresh.
_SLOW = (
    AddColumn,
    AddConstraint,
    CreateIndex,
    Delete,
    RefreshMaterializedView,
    Reindex,
    Update,
    ValidateConstraint,
)


@rule(
    id="exclusive-lock-held",
    severity=Severity.WARNING,
    example_schema='CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "paid_at" timestamptz);',
    inspects=_SLOW,
    summary="A slow statement (backfill, index build, validation, rewrite) runs on a table an "
    "earlier statement of the same transaction locked ACCESS EXCLUSIVE.",
    rationale=(
        "A transaction keeps every lock it takes until it commits. Once a statement such as ADD "
        "COLUMN, DROP COLUMN or SET NOT NULL has taken ACCESS EXCLUSIVE on a table (often in "
        "milliseconds), every later statement of the transaction runs while nothing can read or "
        "write that table: a backfill UPDATE, an index build, a constraint validation or a "
        "rewrite there turns a lock of milliseconds into an outage as long as the scan. The "
        "transaction may be the migration's own BEGIN ... COMMIT, the one its runner opens "
        "(drizzle's migrator: all pending migrations in one; goose, dbmate, Supabase, Flyway: "
        "each migration), or a migration of several statements sent as one query (Prisma before "
        "7.4, golang-migrate). Tables created in the same migration are empty: not reported."
    ),
    bad="BEGIN;\n"
    'ALTER TABLE "orders" ADD COLUMN "status" text;\n'
    'UPDATE "orders" SET "status" = \'paid\' WHERE "paid_at" IS NOT NULL;\n'
    "COMMIT;",
    good="-- The backfill runs after the deploy, in batches from a job.\n"
    'ALTER TABLE "orders" ADD COLUMN "status" text;',
)
def exclusive_lock_held(op: Operation, ctx: Context) -> Iterator[tuple[str, str]]:
    read = _read_in_full(op, ctx)
    if not read:
        return
    # The locks held come first: most slow statements run where the transaction holds none,
    # and the rest costs more.
    held_exclusive = [
        (table, held)
        for table in read
        if (held := ctx.held_before(table, op)) and held.mode == "ACCESS EXCLUSIVE"
    ]
    if not held_exclusive:
        return
    if isinstance(op, (Update, Delete)) and _names_rows(op, ctx):
        return
    # What makes the earlier lock worse is a statement that would otherwise let reads (and
    # often writes) go on: not one that takes ACCESS EXCLUSIVE on the table itself.
    own = {table.key for table, mode, _ in taken(op, ctx) if mode == "ACCESS EXCLUSIVE"}
    locked = [
        (table, held)
        for table, held in held_exclusive
        if table.key not in own and not ctx.is_new_table(table)
    ]
    if not locked:
        return
    table, held = locked[0]
    # One finding per slow statement, so that an ignore on one leaves the others reported (the
    # subcommands of one ALTER TABLE are one statement, and one finding).
    if not ctx.first_in_migration(f"exclusive-lock-held {ctx.statement_number}"):
        return
    yield (
        f"{_work(op)} runs while the transaction holds an ACCESS EXCLUSIVE lock on "
        f"{table.sql}, taken at line {held.line} by {held.statement}: nothing can read or write "
        f"{table.sql} from line {held.line} until the transaction commits, however long this "
        "and any later slow statement on it take.",
        _way_out(op, ctx, table, held),
    )


def _foreign_keys(op: Operation) -> list[Constraint]:
    """The foreign keys a statement adds and checks against existing rows."""
    if isinstance(op, AddConstraint):
        checked = [op.constraint] if not op.constraint.not_valid else []
    elif isinstance(op, AddColumn):
        checked = [c for c in op.column.constraints if reads_existing_rows(op.column, c)]
    else:
        return []
    return [c for c in checked if c.kind == "foreign_key"]


def _read_in_full(op: Operation, ctx: Context) -> list[Name]:
    """The tables a slow statement reads or writes in full, the one it works on first (a
    foreign key's check also reads the table it references); none for a quick statement (but
    an UPDATE or DELETE whose WHERE names its rows is quick too: _names_rows)."""
    if isinstance(op, (Update, Delete, ValidateConstraint)):
        return [op.table]
    if isinstance(op, CreateIndex):
        return [] if op.concurrently else [op.table]
    if isinstance(op, (AddConstraint, AddColumn)):
        keys = _foreign_keys(op)
        return [op.table, *(c.references for c in keys if c.references)] if keys else []
    if isinstance(op, Reindex):
        table = None
        if op.relation and not op.concurrently:
            table = op.relation if op.target == "table" else ctx.table_of_index(op.relation)
        return [table] if table else []
    if isinstance(op, RefreshMaterializedView):
        return [op.view]
    return []


def _work(op: Operation) -> str:
    """What a slow statement does to the table it scans, in words."""
    if isinstance(op, (Update, Delete)):
        statement = "UPDATE" if isinstance(op, Update) else "DELETE"
        rows = "" if op.filtered else "every row of "
        return f"This {statement} of {rows}{op.table.sql}"
    if isinstance(op, CreateIndex):
        name = f"{quote(op.name)} " if op.name else ""
        return f"Building index {name}on {op.table.sql}"
    if isinstance(op, (AddConstraint, AddColumn)):
        constraint = _foreign_keys(op)[0]
        name = f" {quote(constraint.name)}" if constraint.name else ""
        adding = (
            f"Adding column {quote(op.column.name)} with its"
            if isinstance(op, AddColumn)
            else "Adding"
        )
        return f"{adding} foreign key{name} (a check of every row of {op.table.sql})"
    if isinstance(op, ValidateConstraint):
        return f"VALIDATE CONSTRAINT {quote(op.name)} (a scan of every row of {op.table.sql})"
    if isinstance(op, Reindex):
        return f"REINDEX {op.target.upper()} {op.name}"
    assert isinstance(op, RefreshMaterializedView)
    return f"REFRESH MATERIALIZED VIEW {op.view.sql} (its whole query runs again)"


def _names_rows(op: Update | Delete, ctx: Context) -> bool:
    """Whether the WHERE of an UPDATE or DELETE names the rows it writes: it holds every column
    of a primary key or unique constraint to constants (`"id" = 1`, `"key" IN ('a', 'b')`), so
    it writes a row a constant, as a migration that fixes a setting or a seed row does. Any
    other WHERE may pick most of the table, and is taken for a backfill: IS NULL, a range, a
    subquery, and equality on a column that is no key (`"status" = 'COMPLETED'`, documenso's
    backfill of every completed document)."""
    pinned = set(op.pinned)
    return any(
        c.kind in ("primary_key", "unique") and c.columns and pinned.issuperset(c.columns)
        for c in ctx.constraints(op.table)
    )


def _way_out(op: Operation, ctx: Context, table: Name, held: HeldLock) -> str:
    """How to run the slow work without the earlier lock, and what moving it would break."""
    if isinstance(op, (AddConstraint, AddColumn)):
        return _foreign_key_not_valid(op, ctx)
    later = (
        f"Run this statement {ctx.later_transaction()}, so that {table.sql} is locked only for "
        f"the statement of line {held.line}."
    )
    if isinstance(op, (Update, Delete)):
        # Each batch keeps the statement's own condition.
        where = (
            "WHERE <its condition> AND <batch condition>"
            if op.filtered
            else "WHERE <batch condition>"
        )
        batch = (
            f"UPDATE {op.table.sql} SET {op.set_clause or '<column> = <value>'} {where};"
            if isinstance(op, Update)
            else f"DELETE FROM {op.table.sql} {where};"
        )
        filled = not_null_after_backfill(op, ctx) if isinstance(op, Update) else ""
        return (
            f"{later} Better still, run it after the deploy in batches from a job, so that each "
            f"batch locks its rows briefly:\n   {batch}" + (f"\n{filled}" if filled else "")
        )
    if isinstance(op, CreateIndex):
        unique = (
            " Until a unique index is built, nothing rejects duplicates and INSERT ... ON "
            "CONFLICT on its columns fails: deploy code that relies on it once it is built."
            if op.unique
            else ""
        )
        return f"{later}{unique} " + _see(
            "create-index-not-concurrently", "to build it without blocking writes"
        )
    if isinstance(op, ValidateConstraint):
        return (
            f"{later} Validating in a transaction of its own takes only SHARE UPDATE EXCLUSIVE, "
            "which lets reads and writes continue; until then the constraint checks new rows."
        )
    if isinstance(op, Reindex):
        return f"{later} " + _see("reindex-not-concurrently", "to rebuild it without blocking")
    return later


def _foreign_key_not_valid(op: AddConstraint | AddColumn, ctx: Context) -> str:
    """A foreign key stays in the migration, added NOT VALID (instant), and is validated once
    the transaction has committed: moved to a later migration whole, it would leave the table
    without its foreign key in between (Prisma and drizzle-kit drop a foreign key and add it
    again to change its ON DELETE)."""
    table = op.table.sql
    constraint = _foreign_keys(op)[0]
    columns = ", ".join(quote(c) for c in constraint.columns)
    references = constraint.references.sql if constraint.references else "<table>"
    if isinstance(op, AddColumn):
        name = (
            quote(constraint.name)
            if constraint.name
            else constraint_name(op.table, op.column.name, "fkey")
        )
        plain = op.column.plain_sql or f"{quote(op.column.name)} <type and default>"
        steps = [
            f"ALTER TABLE {table} ADD COLUMN {plain};",
            f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({columns}) "
            f"{constraint.clause or f'REFERENCES {references}'} NOT VALID;",
        ]
    else:
        taken_names = {c.name: c for c in ctx.constraints(op.table) if c.name}
        given = constraint.name or default_constraint_name(op.table.name, constraint, taken_names)
        name = quote(given) if given else '"<constraint name>"'
        steps = [
            f"{op.sql} NOT VALID;"
            if op.sql
            else f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({columns}) REFERENCES "
            f"{references} NOT VALID;  -- with its referenced columns and ON DELETE/ON UPDATE "
            "as written"
        ]
    numbered = "".join(f"{number}. {step}\n" for number, step in enumerate(steps, start=1))
    return (
        "Keep the foreign key in this migration, added NOT VALID: that is instant, and rows "
        "written from then on are checked. Validate it once the transaction has committed: "
        "VALIDATE CONSTRAINT takes only SHARE UPDATE EXCLUSIVE, which lets reads and writes "
        f"continue. (Moved whole to a later migration, it would leave {table} without its "
        "foreign key in between.)\n"
        + numbered
        + f"{len(steps) + 1}. Then, {ctx.later_transaction()}:\n"
        f"   ALTER TABLE {table} VALIDATE CONSTRAINT {name};"
    )


def _see(rule_id: str, purpose: str) -> str:
    return f"`migration-lint rules {rule_id}` shows how {purpose}."
