"""The table of the locks each statement takes and keeps until its transaction ends
(transaction_locks.py), checked against PostgreSQL 18's pg_locks inside an open transaction, so
that it cannot drift from what the server does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from migration_lint import locks, transaction_locks
from migration_lint.context import Context
from migration_lint.db.connect import connect
from migration_lint.db.observe import lock_mode
from migration_lint.db.server import ScratchHost, Target
from migration_lint.linter import lint_source
from migration_lint.operations import quote
from migration_lint.parse import parse_trees
from migration_lint.pg_frontend import operations_of
from migration_lint.source import Source

# A plain table with a foreign key, a check, an index, a policy and a trigger; a partitioned
# table with a partition and a partitioned partition of its own.
HISTORY = """
CREATE TABLE "users" ("id" int PRIMARY KEY);
CREATE TABLE "orders" ("id" int PRIMARY KEY, "user_id" int, "total" int,
  CONSTRAINT "orders_total_check" CHECK ("total" > 0),
  CONSTRAINT "orders_user_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id"));
CREATE INDEX "orders_total_idx" ON "orders" ("total");
CREATE POLICY "orders_all" ON "orders" USING (true);
CREATE FUNCTION "touch"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER "orders_touch" BEFORE UPDATE ON "orders" FOR EACH ROW EXECUTE FUNCTION "touch"();
CREATE TABLE "events" ("id" int NOT NULL, "at" int NOT NULL, "user_id" int, "kind" text)
  PARTITION BY RANGE ("at");
CREATE TABLE "events_1" PARTITION OF "events" FOR VALUES FROM (0) TO (10);
CREATE TABLE "events_2" PARTITION OF "events" FOR VALUES FROM (10) TO (20)
  PARTITION BY RANGE ("at");
CREATE TABLE "events_2a" PARTITION OF "events_2" FOR VALUES FROM (10) TO (15);
ALTER TABLE "events" ADD CONSTRAINT "events_id_check" CHECK ("id" > 0) NOT VALID;
"""
PARTITIONS = ('"events_1"', '"events_2"', '"events_2a"')

# Observed modes weaker than this are reads (a statement's catalog lookups), which block only
# ACCESS EXCLUSIVE: the table leaves them out.
WEAKEST_KEPT = "ROW EXCLUSIVE"


def every_partition(mode: str) -> dict[str, str]:
    return {'"events"': mode, **dict.fromkeys(PARTITIONS, mode)}


AE, SUE, SRE = "ACCESS EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE ROW EXCLUSIVE"


def case(statement: str, expected: dict[str, str], id: str | None = None) -> object:
    return pytest.param(statement, expected, id=id or statement)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        # Row level security, policies and triggers.
        *(
            case(f'ALTER TABLE "orders" {action} ROW LEVEL SECURITY', {'"orders"': AE})
            for action in ("ENABLE", "DISABLE", "FORCE", "NO FORCE")
        ),
        case('ALTER TABLE "events" ENABLE ROW LEVEL SECURITY', {'"events"': AE}),
        case('CREATE POLICY "p" ON "orders" USING (true)', {'"orders"': AE}),
        case('ALTER POLICY "orders_all" ON "orders" USING (false)', {'"orders"': AE}),
        case('ALTER POLICY "orders_all" ON "orders" RENAME TO "x"', {'"orders"': AE}),
        case('DROP POLICY "orders_all" ON "orders"', {'"orders"': AE}),
        case(
            'CREATE TRIGGER "t" AFTER INSERT ON "orders" FOR EACH ROW EXECUTE FUNCTION "touch"()',
            {'"orders"': SRE},
        ),
        case(
            'CREATE TRIGGER "t" AFTER INSERT ON "events" FOR EACH ROW EXECUTE FUNCTION "touch"()',
            every_partition(SRE),
            id="row-trigger-on-partitioned",
        ),
        case(
            'CREATE TRIGGER "t" AFTER INSERT ON "events" EXECUTE FUNCTION "touch"()',
            {'"events"': SRE},
            id="statement-trigger-on-partitioned",
        ),
        case('DROP TRIGGER "orders_touch" ON "orders"', {'"orders"': AE}),
        # Other ALTER TABLE subcommands that change no column.
        case(
            'ALTER TABLE "orders" RENAME CONSTRAINT "orders_total_check" TO "x"', {'"orders"': AE}
        ),
        case('ALTER TABLE "orders" RENAME CONSTRAINT "orders_user_fkey" TO "x"', {'"orders"': AE}),
        case('ALTER TABLE "orders" OWNER TO CURRENT_USER', {'"orders"': AE}),
        case('ALTER TABLE "events" OWNER TO CURRENT_USER', {'"events"': AE}),
        case('ALTER TABLE "orders" REPLICA IDENTITY FULL', {'"orders"': AE}),
        case('ALTER TABLE "events" REPLICA IDENTITY FULL', {'"events"': AE}),
        case('ALTER TABLE "orders" SET (fillfactor = 70)', {'"orders"': SUE}),
        case(
            'ALTER TABLE "orders" SET (autovacuum_enabled = false, '
            "toast.autovacuum_enabled = false)",
            {'"orders"': SUE},
        ),
        case('ALTER TABLE "orders" RESET (fillfactor)', {'"orders"': SUE}),
        case(
            'ALTER TABLE "orders" SET (fillfactor = 70, user_catalog_table = true)',
            {'"orders"': AE},
        ),
        case('ALTER TABLE "orders" RESET (user_catalog_table)', {'"orders"': AE}),
        # LOCK TABLE, in every mode.
        *(
            case(f'LOCK TABLE "orders" IN {mode} MODE', {'"orders"': mode})
            for mode in locks.LOCK_MODES
            if locks.LOCK_MODES.index(mode) >= locks.LOCK_MODES.index(WEAKEST_KEPT)
        ),
        case('LOCK TABLE "orders" IN ROW SHARE MODE', {}),
        case('LOCK "orders"', {'"orders"': AE}),
        case('LOCK "orders", "users" IN SHARE MODE', {'"orders"': "SHARE", '"users"': "SHARE"}),
        case('LOCK TABLE "events" IN EXCLUSIVE MODE', every_partition("EXCLUSIVE")),
        case('LOCK TABLE ONLY "events" IN EXCLUSIVE MODE', {'"events"': "EXCLUSIVE"}),
        # A partitioned table: what changes its columns, constraints or indexes locks every
        # partition too.
        case('ALTER TABLE "events" ADD COLUMN "n" int', every_partition(AE)),
        case('ALTER TABLE "events" DROP COLUMN "kind"', every_partition(AE)),
        case('ALTER TABLE "events" RENAME COLUMN "kind" TO "k"', every_partition(AE)),
        case('ALTER TABLE "events" ALTER COLUMN "id" TYPE bigint', every_partition(AE)),
        case('ALTER TABLE "events" ALTER COLUMN "kind" SET NOT NULL', every_partition(AE)),
        case('ALTER TABLE "events" ALTER COLUMN "id" DROP NOT NULL', every_partition(AE)),
        case('ALTER TABLE "events" ALTER COLUMN "kind" SET DEFAULT \'x\'', every_partition(AE)),
        case('ALTER TABLE ONLY "events" ALTER COLUMN "kind" SET DEFAULT \'x\'', {'"events"': AE}),
        case('ALTER TABLE "events" ALTER COLUMN "kind" DROP DEFAULT', every_partition(AE)),
        case('ALTER TABLE "events" ADD CONSTRAINT "c" CHECK ("at" >= 0)', every_partition(AE)),
        case(
            'ALTER TABLE "events" ADD CONSTRAINT "events_user_fkey" FOREIGN KEY ("user_id") '
            'REFERENCES "users" ("id")',
            {**every_partition(SRE), '"users"': SRE},
        ),
        case('ALTER TABLE "events" ADD CONSTRAINT "u" UNIQUE ("id", "at")', every_partition(AE)),
        case('ALTER TABLE "events" VALIDATE CONSTRAINT "events_id_check"', every_partition(SUE)),
        case('ALTER TABLE "events" DROP CONSTRAINT "events_id_check"', every_partition(AE)),
        case(
            'ALTER TABLE "events" RENAME CONSTRAINT "events_id_check" TO "x"',
            every_partition(AE),
        ),
        case('CREATE INDEX "i" ON "events" ("kind")', every_partition("SHARE")),
        case('CREATE INDEX "i" ON ONLY "events" ("kind")', {'"events"': "SHARE"}),
        case('TRUNCATE "events"', every_partition(AE)),
        case(
            'ALTER TABLE "events" DETACH PARTITION "events_1"', {'"events"': AE, '"events_1"': AE}
        ),
        # Statements on a plain table, and the tables their foreign keys reference.
        case('ALTER TABLE "orders" ADD COLUMN "n" int', {'"orders"': AE}),
        case(
            'ALTER TABLE "orders" DROP CONSTRAINT "orders_user_fkey"',
            {'"orders"': AE, '"users"': AE},
        ),
        case('ALTER TABLE "orders" DROP COLUMN "user_id"', {'"orders"': AE, '"users"': AE}),
        case('DROP INDEX "orders_total_idx"', {'"orders"': AE}),
        case('UPDATE "orders" SET "total" = 1', {'"orders"': "ROW EXCLUSIVE"}),
    ],
)
def test_the_locks_said_to_be_held_are_those_postgresql_holds(
    locks_db: Target, statement: str, expected: dict[str, str]
) -> None:
    assert held_by_postgresql(locks_db, statement) == expected
    assert said_to_be_held(statement) == expected


@pytest.fixture(scope="module")
def locks_db(pg_server: ScratchHost) -> Iterator[Target]:
    with pg_server.database("locks") as target:
        with connect(target, read_only=False) as connection:
            connection.execute(HISTORY)  # type: ignore[arg-type]
        yield target


def held_by_postgresql(target: Target, statement: str) -> dict[str, str]:
    """The strongest lock the transaction holds on each table once the statement has run."""
    with connect(target, read_only=False, autocommit=False) as connection:
        connection.execute(statement)  # type: ignore[arg-type]
        rows = connection.execute(
            "SELECT k.relname, l.mode FROM pg_locks l JOIN pg_class k ON k.oid = l.relation"
            " WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted"
            " AND k.relnamespace = 'public'::regnamespace AND k.relkind IN ('r', 'p')"
        ).fetchall()
        connection.rollback()
    return strongest((quote(str(name)), lock_mode(str(mode))) for name, mode in rows)


def said_to_be_held(statement: str) -> dict[str, str]:
    """The strongest lock on each table that the linter says the statement takes, after the
    same history."""
    context = Context(18)
    lint_source(Source("0001_history.sql", HISTORY), None, context)
    context.start_migration()
    taken = []
    for tree in parse_trees(statement, 0):
        for operation in operations_of(tree):
            taken += [
                (table.sql, mode) for table, mode, _ in transaction_locks.taken(operation, context)
            ]
            context.apply(operation)
    return strongest(taken)


def strongest(held: Iterator[tuple[str, str]] | list[tuple[str, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for table, mode in held:
        if table not in found or locks.stronger(mode, found[table]):
            found[table] = mode
    kept = locks.LOCK_MODES.index(WEAKEST_KEPT)
    return {
        table: mode for table, mode in sorted(found.items()) if locks.LOCK_MODES.index(mode) >= kept
    }
