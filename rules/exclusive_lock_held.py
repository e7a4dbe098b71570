"""exclusive-lock-held: a slow statement on a table an earlier statement of the transaction
locked ACCESS EXCLUSIVE, which keeps the table unreadable for as long as it runs."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.coercion import rewrites_table
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import (
    AddColumn,
    AddConstraint,
    AlterColumnType,
    Cluster,
    Constraint,
    CreateIndex,
    Delete,
    Name,
    Operation,
    RefreshMaterializedView,
    Reindex,
    SetNotNull,
    Update,
    ValidateConstraint,
    quote,
    reads_existing_rows,
)
from migration_lint.registry import rule
from migration_lint.transaction_locks import taken

_SLOW = (
    AddColumn,
    AddConstraint,
    AlterColumnType,
    Cluster,
    CreateIndex,
    Delete,
    RefreshMaterializedView,
    Reindex,
    SetNotNull,
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
    slow = _slow_work(op, ctx)
    if slow is None:
        return
    scanned, work, advice = slow
    # A foreign key's check also reads the table it references.
    # A statement that takes ACCESS EXCLUSIVE on the table itself (a rewrite, SET NOT NULL, a
    # CHECK) blocks it for its whole run anyway, and its own rule says so: what the earlier
    # lock makes worse is a statement that would otherwise let reads (and often writes) go on.
    own = {table.key for table, mode, _ in taken(op, ctx) if mode == "ACCESS EXCLUSIVE"}
    locked = [
        (table, held)
        for table in (scanned, *_referenced(op))
        if (held := ctx.held_before(table, op))
        and held.mode == "ACCESS EXCLUSIVE"
        and table.key not in own
        and not ctx.is_new_table(table)
    ]
    if not locked:
        return
    table, held = locked[0]
    # One finding per lock held: the first slow statement under it says what the lock costs
    # (drizzle-kit's migrations often rebuild a dozen foreign keys under one DROP CONSTRAINT).
    if not ctx.first_in_migration(f"exclusive-lock-held {table.key} {held.line}"):
        return
    yield (
        f"{work} runs while the transaction holds an ACCESS EXCLUSIVE lock on {table.sql}, taken "
        f"at line {held.line} by {held.statement}: nothing can read or write {table.sql} from "
        f"line {held.line} until the transaction commits, however long this and any later "
        "slow statement on it take.",
        f"Run this statement {ctx.later_transaction()}, so that {table.sql} is locked only for "
        f"the statement of line {held.line}. {advice}",
    )


def _referenced(op: Operation) -> list[Name]:
    if isinstance(op, AddConstraint):
        constraints: tuple[Constraint, ...] = (op.constraint,)
    elif isinstance(op, AddColumn):
        constraints = op.column.constraints
    else:
        return []
    return [c.references for c in constraints if c.kind == "foreign_key" and c.references]


def _slow_work(op: Operation, ctx: Context) -> tuple[Name, str, str] | None:
    """The table a statement reads or writes in full, what it does there in words, and how to do
    it without a long lock; None for a statement that is quick."""
    if isinstance(op, (Update, Delete)):
        statement = "UPDATE" if isinstance(op, Update) else "DELETE"
        rows = "" if op.filtered else "every row of "
        batch = (
            f"UPDATE {op.table.sql} SET <column> = <value> WHERE <batch condition>;"
            if isinstance(op, Update)
            else f"DELETE FROM {op.table.sql} WHERE <batch condition>;"
        )
        return (
            op.table,
            f"This {statement} of {rows}{op.table.sql}",
            "Better still, run it after the deploy in batches from a job, so that each batch "
            f"locks its rows briefly:\n   {batch}",
        )
    if isinstance(op, CreateIndex) and not op.concurrently:
        name = f"{quote(op.name)} " if op.name else ""
        return (
            op.table,
            f"Building index {name}on {op.table.sql}",
            _see("create-index-not-concurrently", "to build it without blocking writes"),
        )
    if isinstance(op, AddConstraint):
        return _constraint_work(op.table, op.constraint, "Adding")
    if isinstance(op, AddColumn):
        scanning = [c for c in op.column.constraints if reads_existing_rows(op.column, c)]
        adding = f"Adding column {quote(op.column.name)} with its"
        return _constraint_work(op.table, scanning[0], adding) if scanning else None
    if isinstance(op, ValidateConstraint):
        return (
            op.table,
            f"VALIDATE CONSTRAINT {quote(op.name)} (a scan of every row of {op.table.sql})",
            "Validating in a transaction of its own takes only SHARE UPDATE EXCLUSIVE, which "
            "lets reads and writes continue.",
        )
    if isinstance(op, SetNotNull) and not ctx.proves_not_null(op.table, op.column):
        return (
            op.table,
            f"SET NOT NULL on {op.table.sql}.{quote(op.column)} (a scan of every row)",
            _see("set-not-null", "to prove it with a CHECK constraint validated without blocking"),
        )
    if isinstance(op, AlterColumnType) and (
        op.converts or rewrites_table(ctx.column_type(op.table, op.column), op.new_type)
    ):
        return (
            op.table,
            f"Rewriting {op.table.sql} for the new type of {quote(op.column)}",
            _see("change-column-type", "to change the type without a rewrite under the lock"),
        )
    if isinstance(op, Cluster) and op.table:
        return op.table, f"CLUSTER of {op.table.sql}", _see("vacuum-full", "for online ways")
    if isinstance(op, Reindex) and op.relation and not op.concurrently:
        table = op.relation if op.target == "table" else ctx.table_of_index(op.relation)
        rebuild = _see("reindex-not-concurrently", "to rebuild it without blocking")
        return (table, f"REINDEX {op.target.upper()} {op.name}", rebuild) if table else None
    if isinstance(op, RefreshMaterializedView):
        return (
            op.view,
            f"REFRESH MATERIALIZED VIEW {op.view.sql} (its whole query runs again)",
            "",
        )
    return None


def _constraint_work(
    table: Name, constraint: Constraint, adding: str
) -> tuple[Name, str, str] | None:
    name = f" {quote(constraint.name)}" if constraint.name else ""
    if constraint.kind in ("foreign_key", "check") and not constraint.not_valid:
        kind = "foreign key" if constraint.kind == "foreign_key" else "check constraint"
        return (
            table,
            f"{adding} {kind}{name} (a check of every row of {table.sql})",
            _see("constraint-not-valid", "to add it NOT VALID and validate it without the lock"),
        )
    if constraint.kind in ("unique", "primary_key", "exclusion") and not constraint.using_index:
        index = {"unique": "UNIQUE", "primary_key": "PRIMARY KEY", "exclusion": "EXCLUDE"}
        return (
            table,
            f"{adding} {index[constraint.kind]}{name} (an index build over every row of "
            f"{table.sql})",
            _see("add-unique-constraint", "to build the index first without blocking"),
        )
    return None


def _see(rule_id: str, purpose: str) -> str:
    return f"`migration-lint rules {rule_id}` shows how {purpose}."
