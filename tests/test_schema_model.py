"""The schema model the context replays (renames, enums, new columns, partitions, foreign keys,
drizzle's journal order) and the column type changes PostgreSQL makes without a rewrite: what
the findings say because of it, with the facts they rest on checked on PostgreSQL 18."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from conftest import lint_folder, lint_sql
from drizzle_repo import journal
from migration_lint.advice import create_index
from migration_lint.coercion import rewrite_unless_utc, rewrites_table
from migration_lint.context import Context, Positioned, _stored_constraint
from migration_lint.db.server import ScratchHost
from migration_lint.diagnostic import Diagnostic
from migration_lint.linter import Settings, lint_paths, replay_source
from migration_lint.operations import ColumnType, Constraint, CreateTable, Name
from migration_lint.parse import parse_trees
from migration_lint.pg_frontend import column_type, operations_of
from migration_lint.source import Source

# The enum change exactly as Prisma Migrate writes it (removing the value GUEST).
PRISMA_ROLE = (
    "-- CreateEnum\nCREATE TYPE \"Role\" AS ENUM ('USER', 'ADMIN', 'GUEST');\n\n"
    '-- CreateTable\nCREATE TABLE "User" (\n    "id" SERIAL NOT NULL,\n'
    '    "role" "Role" NOT NULL DEFAULT \'USER\',\n\n'
    '    CONSTRAINT "User_pkey" PRIMARY KEY ("id")\n);\n'
)
PRISMA_REMOVE_GUEST = (
    "/*\n  Warnings:\n\n  - The values [GUEST] on the enum `Role` will be removed. If these "
    "variants are still used in the database, this will fail.\n\n*/\n"
    "-- AlterEnum\nBEGIN;\n"
    "CREATE TYPE \"Role_new\" AS ENUM ('USER', 'ADMIN');\n"
    'ALTER TABLE "User" ALTER COLUMN "role" DROP DEFAULT;\n'
    'ALTER TABLE "User" ALTER COLUMN "role" TYPE "Role_new" USING ("role"::text::"Role_new");\n'
    'ALTER TYPE "Role" RENAME TO "Role_old";\n'
    'ALTER TYPE "Role_new" RENAME TO "Role";\n'
    'DROP TYPE "Role_old";\n'
    'ALTER TABLE "User" ALTER COLUMN "role" SET DEFAULT \'USER\';\n'
    "COMMIT;\n"
)
# The same, as Prisma 6.x writes it with the schema named.
PRISMA_PUBLIC_TYPE = (
    "CREATE TYPE \"public\".\"Type\" AS ENUM ('BUY', 'SELL', 'ITEM');\n"
    'CREATE TABLE "public"."Order" ("id" TEXT NOT NULL, "type" "public"."Type" NOT NULL);\n'
)
PRISMA_REMOVE_ITEM = (
    "-- AlterEnum\nBEGIN;\n"
    "CREATE TYPE \"public\".\"Type_new\" AS ENUM ('BUY', 'SELL');\n"
    'ALTER TABLE "public"."Order" ALTER COLUMN "type" TYPE "public"."Type_new" USING '
    '("type"::text::"public"."Type_new");\n'
    'ALTER TYPE "public"."Type" RENAME TO "Type_old";\n'
    'ALTER TYPE "public"."Type_new" RENAME TO "Type";\n'
    'DROP TYPE "public"."Type_old";\n'
    "COMMIT;\n"
)
# drizzle-kit's way: through text, DROP TYPE, CREATE TYPE, back to the enum.
DRIZZLE_STATUS = (
    "CREATE TYPE \"public\".\"status\" AS ENUM('pending', 'done', 'failed');--> statement-breakpoint\n"
    'CREATE TABLE "jobs" ("id" serial PRIMARY KEY NOT NULL, "status" "status" NOT NULL);\n'
)
DRIZZLE_REMOVE_FAILED = (
    'ALTER TABLE "jobs" ALTER COLUMN "status" SET DATA TYPE text;--> statement-breakpoint\n'
    'DROP TYPE "public"."status";--> statement-breakpoint\n'
    "CREATE TYPE \"public\".\"status\" AS ENUM('pending', 'done');--> statement-breakpoint\n"
    'ALTER TABLE "jobs" ALTER COLUMN "status" SET DATA TYPE "public"."status" USING '
    '"status"::"public"."status";'
)


def findings_of(tmp_path: Path, migrations: list[str], **settings: object) -> list[Diagnostic]:
    return lint_folder(tmp_path, migrations, pg_version=18, **settings)


def text_of(findings: list[Diagnostic]) -> str:
    return "\n".join(f"{d.message}\n{d.help}" for d in findings)


# 1. Renames are replayed, so that every message names things as they are called now.


def test_after_prisma_recreates_an_enum_later_migrations_see_its_old_name(tmp_path) -> None:
    findings = findings_of(
        tmp_path,
        [
            PRISMA_ROLE,
            PRISMA_REMOVE_GUEST,
            'ALTER TABLE "User" RENAME COLUMN "role" TO "kind";\n'
            'ALTER TABLE "User" ALTER COLUMN "kind" SET DATA TYPE text;',
        ],
    )
    assert [d.rule for d in findings] == ["rename-column", "change-column-type"]
    rename, retype = findings
    assert re.search(r'ADD COLUMN "kind" "?Role"?;', rename.help)
    assert re.search(r'from "?Role"? to text', retype.message)
    assert "Role_new" not in text_of(findings) and "Role_old" not in text_of(findings)


@pytest.mark.parametrize(
    ("migrations", "expected"),
    [
        pytest.param(
            [
                'CREATE TYPE "Old" AS ENUM (\'a\');\nCREATE TABLE "t" ("c" "Old");',
                'ALTER TYPE "Old" RENAME TO "New";\n'
                'ALTER TABLE "t" ALTER COLUMN "c" SET DATA TYPE "New";',
            ],
            [],
            id="retyping-to-the-renamed-type-changes-nothing",
        ),
        pytest.param(
            [
                'CREATE TYPE "Old" AS ENUM (\'a\');\nCREATE TABLE "t" ("c" "Old");',
                'ALTER TYPE "Old" RENAME TO "New";\n'
                'ALTER TABLE "t" ALTER COLUMN "c" SET DATA TYPE "Old";',
            ],
            ["change-column-type"],
            id="retyping-to-another-type-of-the-old-name-is-a-change",
        ),
        pytest.param(
            [
                'CREATE TYPE "s" AS ENUM (\'a\');\nCREATE TABLE "t" ("c" "s");',
                "DO $$ BEGIN\n CREATE TYPE \"s\" AS ENUM ('a');\nEXCEPTION\n WHEN "
                "duplicate_object THEN null;\nEND $$;\n"
                'ALTER TABLE "t" ALTER COLUMN "c" SET DATA TYPE "s";',
            ],
            [],
            id="drizzle-guarded-create-type-of-an-existing-enum-is-no-recreation",
        ),
        pytest.param(
            [
                'CREATE TABLE "t" ("id" bigint, "c" text);',
                'ALTER TABLE "t" ADD CONSTRAINT "a" CHECK ("c" IS NOT NULL) NOT VALID;',
                'ALTER TABLE "t" VALIDATE CONSTRAINT "a";\n'
                'ALTER TABLE "t" RENAME CONSTRAINT "a" TO "b";\n'
                'ALTER TABLE "t" ALTER COLUMN "c" SET NOT NULL;',
            ],
            [],
            id="a-renamed-check-still-proves-not-null",
        ),
        pytest.param(
            [
                'CREATE TABLE "a" ("id" bigint, "code" varchar(10));',
                'ALTER TABLE "a" RENAME TO "b";\nALTER TABLE "b" RENAME COLUMN "code" TO "sku";',
                'ALTER TABLE "b" ALTER COLUMN "sku" TYPE varchar(20);',
            ],
            [],
            id="renamed-table-and-column-keep-their-type",
        ),
    ],
)
def test_renames_in_history(tmp_path, migrations: list[str], expected: list[str]) -> None:
    assert [d.rule for d in findings_of(tmp_path, migrations)] == expected


@pytest.mark.parametrize(
    ("migrations", "names"),
    [
        pytest.param(
            [
                'CREATE TABLE "orders" ("id" bigint, "user_id" bigint);\n'
                'CREATE INDEX "orders_u" ON "orders" ("user_id");',
                'ALTER INDEX "orders_u" RENAME TO "orders_user_id_idx";',
                'DROP INDEX "orders_user_id_idx";',
            ],
            'queues every query of "orders"',
            id="renamed-index",
        ),
        pytest.param(
            [
                'CREATE TABLE "orders" ("id" bigint, "user_id" bigint);\n'
                'CREATE INDEX "orders_user_id_idx" ON "orders" ("user_id");',
                'ALTER TABLE "orders" RENAME TO "purchases";',
                'DROP INDEX "orders_user_id_idx";',
            ],
            'queues every query of "purchases"',
            id="index-of-a-renamed-table",
        ),
        pytest.param(
            [
                'CREATE TABLE "orders" ("id" bigint, "user_id" bigint);\n'
                'CREATE INDEX "orders_u" ON "orders" ("user_id");',
                'ALTER INDEX "orders_u" RENAME TO "orders_user_id_idx";',
                'DROP INDEX "orders_u";',
            ],
            'queues every query of the table of "orders_u"',
            id="the-old-name-of-a-renamed-index-is-unknown",
        ),
        pytest.param(
            [
                'CREATE TABLE "orders" ("id" bigint, "uid" bigint);\n'
                'CREATE INDEX "orders_uid_idx" ON "orders" ("uid");',
                'ALTER TABLE "orders" RENAME COLUMN "uid" TO "user_id";',
                'ALTER TABLE "orders" DROP COLUMN "user_id";',
            ],
            'It also drops index "orders_uid_idx".',
            id="index-on-a-renamed-column",
        ),
    ],
)
def test_indexes_follow_renames(tmp_path, migrations: list[str], names: str) -> None:
    (finding,) = findings_of(tmp_path, migrations)
    assert names in finding.message


# 2. Recreating an enum without a value: its own advice.


@pytest.mark.parametrize(
    ("migrations", "message", "help_lines"),
    [
        pytest.param(
            [PRISMA_ROLE, PRISMA_REMOVE_GUEST],
            'Changing "User"."role" to the enum "Role_new" (renamed "Role" later in this '
            "migration), which this migration creates, removes 'GUEST' from the values the "
            "column accepts",
            [
                '   SELECT count(*) FROM "User" WHERE "role"::text IN (\'GUEST\');  -- must be 0',
                "-- migration-lint: allow change-column-type -- <why running code no longer "
                "needs it>",
                "-- ALTER TYPE \"Role\" ADD VALUE IF NOT EXISTS 'GUEST';",
            ],
            id="prisma",
        ),
        pytest.param(
            [PRISMA_PUBLIC_TYPE, PRISMA_REMOVE_ITEM],
            'to the enum "public"."Type_new" (renamed "public"."Type" later in this migration)',
            [
                '   SELECT count(*) FROM "public"."Order" WHERE "type"::text IN (\'ITEM\');  '
                "-- must be 0",
                '-- ALTER TYPE "public"."Type" ADD VALUE IF NOT EXISTS \'ITEM\';',
            ],
            id="prisma-with-the-schema-named",
        ),
        pytest.param(
            [DRIZZLE_STATUS, DRIZZLE_REMOVE_FAILED],
            'Changing "jobs"."status" to text so that this migration can recreate the enum '
            "\"status\", without 'failed'",
            [
                '   SELECT count(*) FROM "jobs" WHERE "status"::text IN (\'failed\');  -- must be 0',
                "-- ALTER TYPE \"status\" ADD VALUE IF NOT EXISTS 'failed';",
            ],
            id="drizzle-through-text",
        ),
        pytest.param(
            [PRISMA_REMOVE_GUEST],
            'to the enum "Role_new" (renamed "Role" later in this migration), which this '
            "migration creates, makes the migration fail if a row holds a value the new enum "
            "lacks",
            [
                "   SELECT count(*) FROM \"User\" WHERE \"role\"::text NOT IN ('USER', 'ADMIN');  "
                "-- must be 0",
                "-- ALTER TYPE \"Role\" ADD VALUE IF NOT EXISTS '<removed value>';",
            ],
            id="old-values-unknown",
        ),
    ],
)
def test_enum_recreation_advice(
    tmp_path, migrations: list[str], message: str, help_lines: list[str]
) -> None:
    findings = findings_of(tmp_path, migrations)
    assert findings and {d.rule for d in findings} == {"change-column-type"}
    first = findings[0]
    assert message in first.message
    assert "and rewrites the whole table and its indexes while holding it." in first.message
    for line in help_lines:
        assert line in first.help.splitlines()
    # Not the add-a-column, write-both advice of other type changes.
    assert "ADD COLUMN" not in first.help and "Deploy code that writes both" not in first.help
    assert "CHECK (" in first.help and "NOT VALID;" in first.help


def test_the_prisma_enum_change_rewrites_and_its_help_runs(tmp_path, scratch_db) -> None:
    """On the server: the change rewrites the table; the help's check and rollback run."""
    findings = findings_of(tmp_path, [PRISMA_ROLE, PRISMA_REMOVE_GUEST])
    help_text = findings[0].help
    check = next(line.strip() for line in help_text.splitlines() if "count(*)" in line)
    rollback = next(line[3:] for line in help_text.splitlines() if "ADD VALUE" in line)
    with psycopg.connect(scratch_db, autocommit=True) as connection:
        connection.execute(PRISMA_ROLE)
        connection.execute("INSERT INTO \"User\" (\"role\") VALUES ('ADMIN'), ('GUEST')")
        assert connection.execute(check).fetchone() == (1,)
        connection.execute('DELETE FROM "User" WHERE "role" = \'GUEST\'')
        assert connection.execute(check).fetchone() == (0,)
        before = relfilenode(connection, "User")
        connection.execute(PRISMA_REMOVE_GUEST)
        assert relfilenode(connection, "User") != before
        connection.execute(rollback)
        labels = connection.execute('SELECT enum_range(NULL::"Role")::text').fetchone()
        assert labels == ("{USER,ADMIN,GUEST}",)


# 3. A column added in this migration is new: no running code uses it.


@pytest.mark.parametrize(
    ("migrations", "expected"),
    [
        pytest.param(
            [
                'CREATE TABLE "t" ("id" bigint);',
                'ALTER TABLE "t" ADD COLUMN "test" boolean DEFAULT false NOT NULL;\n'
                'ALTER TABLE "t" RENAME COLUMN "test" TO "livemode";',
            ],
            [],
            id="rename-of-a-column-added-here",
        ),
        pytest.param(
            [
                'CREATE TABLE "t" ("id" bigint);',
                'ALTER TABLE "t" ADD COLUMN "tmp" boolean;\nALTER TABLE "t" DROP COLUMN "tmp";',
            ],
            [],
            id="drop-of-a-column-added-here",
        ),
        pytest.param(
            [
                'CREATE TABLE "t" ("id" text);',
                "DO $$ BEGIN\n"
                '  ALTER TABLE "t" ADD COLUMN new_id text;\n'
                '  UPDATE "t" SET new_id = id;\n'
                '  ALTER TABLE "t" DROP COLUMN id;\n'
                '  ALTER TABLE "t" RENAME COLUMN new_id TO id;\n'
                "END $$;",
            ],
            ["update-all-rows", "drop-column"],
            id="swap-in-a-temporary-column",
        ),
        pytest.param(
            [
                'CREATE TABLE "t" ("id" bigint);',
                'ALTER TABLE "t" ADD COLUMN "a" text;\nALTER TABLE "t" RENAME COLUMN "a" TO "b";\n'
                'ALTER TABLE "t" DROP COLUMN "b";',
            ],
            [],
            id="a-renamed-new-column-stays-new",
        ),
        pytest.param(
            [
                'CREATE TABLE "t" ("id" bigint);',
                'ALTER TABLE "t" ADD COLUMN "a" text;',
                'ALTER TABLE "t" RENAME COLUMN "a" TO "b";',
            ],
            ["rename-column"],
            id="added-by-an-earlier-migration",
        ),
        pytest.param(
            [
                'CREATE TABLE "t" ("id" bigint, "a" text);',
                'ALTER TABLE "t" ADD COLUMN "b" text;\nALTER TABLE "t" RENAME COLUMN "a" TO "c";',
            ],
            ["rename-column"],
            id="another-column-of-the-table",
        ),
    ],
)
def test_new_columns(tmp_path, migrations: list[str], expected: list[str]) -> None:
    assert [d.rule for d in findings_of(tmp_path, migrations)] == expected


# 4. Partitioned tables.

EVENTS = (
    'CREATE TABLE "events" ("id" bigint, "at" date, "user_id" int) PARTITION BY RANGE ("at");\n'
    'CREATE TABLE "events_2024" PARTITION OF "events" '
    "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n"
    'CREATE TABLE "events_2025" ("id" bigint, "at" date, "user_id" int);\n'
    'ALTER TABLE "events" ATTACH PARTITION "events_2025" '
    "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n"
)


@pytest.mark.parametrize(
    ("migrations", "expected"),
    [
        pytest.param(
            [EVENTS, 'CREATE INDEX "events_at_idx" ON ONLY "events" ("at");'],
            [],
            id="on-only-a-partitioned-table",
        ),
        pytest.param(
            ['CREATE INDEX "events_at_idx" ON ONLY "events" ("at");'],
            [],
            id="on-only-a-table-history-does-not-show",
        ),
        pytest.param(
            ['CREATE TABLE "plain" ("id" bigint);', 'CREATE INDEX "i" ON ONLY "plain" ("id");'],
            ["create-index-not-concurrently"],
            id="on-only-a-plain-table-builds-it",
        ),
        pytest.param(
            [EVENTS, 'CREATE INDEX "events_2024_at_idx" ON "events_2024" ("at");'],
            ["create-index-not-concurrently"],
            id="on-a-partition",
        ),
    ],
)
def test_indexes_and_partitions(tmp_path, migrations: list[str], expected: list[str]) -> None:
    assert [d.rule for d in findings_of(tmp_path, migrations)] == expected


PARENT_INDEX = 'CREATE INDEX "events_user_id_idx" ON "events" USING btree ("user_id");'


def test_an_index_on_a_partitioned_table_is_built_partition_by_partition(tmp_path) -> None:
    (finding,) = findings_of(tmp_path, [EVENTS, PARENT_INDEX])
    assert 'on partitioned table "events" builds it on every partition' in finding.message
    steps = [line.strip() for line in finding.help.splitlines()]
    assert steps[1:9] == [
        '1. CREATE INDEX IF NOT EXISTS "events_user_id_idx" ON ONLY "events" USING btree '
        '("user_id");  -- instant: an invalid index on the parent alone',
        "2. For each partition:",
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "events_2024_user_id_idx" ON "events_2024" '
        'USING btree ("user_id");',
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "events_2025_user_id_idx" ON "events_2025" '
        'USING btree ("user_id");',
        "3. Attach each one; the parent's index is valid once every partition has one:",
        'ALTER INDEX "events_user_id_idx" ATTACH PARTITION "events_2024_user_id_idx";',
        'ALTER INDEX "events_user_id_idx" ATTACH PARTITION "events_2025_user_id_idx";',
        "If a concurrent build fails it leaves an INVALID index: drop it with DROP INDEX "
        "CONCURRENTLY and build it again.",
    ]


@pytest.mark.parametrize(
    ("migrations", "rule", "without"),
    [
        pytest.param(
            [EVENTS, PARENT_INDEX],
            "create-index-not-concurrently",
            'CONCURRENTLY IF NOT EXISTS "events_user_id_idx"',
            id="index",
        ),
        pytest.param(
            [EVENTS, 'ALTER TABLE "events" ADD CONSTRAINT "events_u" UNIQUE ("user_id", "at");'],
            "add-unique-constraint",
            "UNIQUE USING INDEX",
            id="unique-constraint",
        ),
        pytest.param(
            [
                EVENTS + 'CREATE INDEX "events_at_idx" ON "events" ("at");',
                'DROP INDEX "events_at_idx";',
            ],
            "drop-index-not-concurrently",
            "DROP INDEX CONCURRENTLY",
            id="drop-index",
        ),
    ],
)
def test_concurrently_is_never_suggested_on_a_partitioned_table(
    tmp_path, migrations: list[str], rule: str, without: str
) -> None:
    (finding,) = findings_of(tmp_path, migrations)
    assert finding.rule == rule
    assert without not in finding.help
    assert not re.search(r'CONCURRENTLY[^;\n]* ON "events" ', finding.help)
    assert "PostgreSQL refuses" in finding.help


def test_the_partition_by_partition_help_runs_on_the_server(tmp_path, scratch_db) -> None:
    (finding,) = findings_of(tmp_path, [EVENTS, PARENT_INDEX])
    statements = [
        re.sub(r"^(\d\. )?", "", line.strip()).split("  --")[0]
        for line in finding.help.splitlines()
        if re.match(r"\s*(\d\. )?(CREATE|ALTER) ", line)
    ]
    with psycopg.connect(scratch_db, autocommit=True) as connection:
        connection.execute(EVENTS)
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="concurrently"):
            connection.execute(PARENT_INDEX.replace("INDEX", "INDEX CONCURRENTLY", 1))
        for statement in statements:
            connection.execute(statement)
        valid = connection.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = '\"events_user_id_idx\"'::regclass"
        ).fetchone()
    assert valid == (True,)


# 5. Type changes PostgreSQL makes without a rewrite.


def parsed_type(sql_type: str) -> ColumnType:
    (tree,) = parse_trees(f"CREATE TABLE t (c {sql_type})", 0)
    return column_type(tree.node["tableElts"][0]["ColumnDef"]["typeName"])


COERCIONS = [
    # numeric: more digits at the same scale, or no limit
    ("numeric(10,2)", "numeric(12,2)", False),
    ("numeric(10,2)", "numeric", False),
    ("numeric(10,2)", "numeric(8,2)", True),
    ("numeric(10,2)", "numeric(12,3)", True),
    ("numeric", "numeric(10,2)", True),
    # varbit: a longer limit or none; bit into an unlimited varbit
    ("varbit(4)", "varbit(8)", False),
    ("varbit(4)", "varbit", False),
    ("bit(4)", "varbit", False),
    ("varbit(8)", "varbit(4)", True),
    ("varbit", "varbit(4)", True),
    ("bit(4)", "varbit(8)", True),
    # timestamp and its kin: more fractional digits, or the default (6), keep every value
    ("timestamp(3)", "timestamp", False),
    ("timestamp(3)", "timestamp(6)", False),
    ("timestamp", "timestamp(6)", False),
    ("timestamptz(3)", "timestamptz", False),
    ("time(2)", "time", False),
    ("timetz(2)", "timetz(4)", False),
    ("timestamp", "timestamp(3)", True),
    ("timestamptz(3)", "timestamptz(2)", True),
    ("time", "time(3)", True),
    ("timestamp[]", "timestamptz[]", True),
    # interval: fields as small and as many fractional digits
    ("interval(2)", "interval", False),
    ("interval day", "interval", False),
    ("interval(3)", "interval day to second(3)", False),
    ("interval day", "interval hour", False),
    ("interval", "interval(2)", True),
    ("interval", "interval day", True),
    ("interval hour", "interval day", True),
    # binary-coercible casts
    ("varchar(5)", "text", False),
    ("text", "varchar", False),
    ("text", "varchar(5)", True),
    ("integer", "bigint", True),
]


@pytest.fixture(scope="module")
def coercion_db(pg_server: ScratchHost) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with (
        pg_server.database("coercion") as database,
        psycopg.connect(database.url, autocommit=True) as connection,
    ):
        connection.execute("SET timezone = 'Europe/Berlin'")
        yield connection


def relfilenode(connection: psycopg.Connection[tuple[object, ...]], table: str) -> object:
    row = connection.execute(
        "SELECT relfilenode FROM pg_class WHERE oid = %s::regclass", (f'"{table}"',)
    ).fetchone()
    return row[0] if row else None


def server_rewrites(
    connection: psycopg.Connection[tuple[object, ...]], old: str, new: str, before: str = ""
) -> bool:
    connection.execute('DROP TABLE IF EXISTS "t"')
    connection.execute(f'CREATE TABLE "t" ("c" {old}); INSERT INTO "t" VALUES (NULL)')
    was = relfilenode(connection, "t")
    with connection.transaction():
        if before:
            connection.execute(before)
        connection.execute(f'ALTER TABLE "t" ALTER COLUMN "c" TYPE {new}')
    return relfilenode(connection, "t") != was


@pytest.mark.parametrize(
    ("old", "new", "rewrite"),
    [pytest.param(*c, id=f"{c[0]}->{c[1]}") for c in COERCIONS],
)
def test_coercion_table_matches_the_server(coercion_db, old: str, new: str, rewrite: bool) -> None:
    assert rewrites_table(parsed_type(old), parsed_type(new)) is rewrite
    assert server_rewrites(coercion_db, old, new) is rewrite


@pytest.mark.parametrize(
    ("old", "new", "skipped_in_utc"),
    [
        ("timestamp", "timestamptz", True),
        ("timestamptz", "timestamp", True),
        ("timestamp(3)", "timestamptz", True),
        ("timestamp(3)", "timestamptz(6)", True),
        ("timestamp(3)", "timestamptz(3)", False),
        ("timestamp[]", "timestamptz[]", False),
    ],
)
def test_timestamp_to_timestamptz_is_no_rewrite_only_in_utc(
    coercion_db, old: str, new: str, skipped_in_utc: bool
) -> None:
    assert rewrite_unless_utc(parsed_type(old), parsed_type(new), 18) is skipped_in_utc
    assert server_rewrites(coercion_db, old, new) is True  # the session is in Europe/Berlin
    in_utc = server_rewrites(coercion_db, old, new, "SET LOCAL timezone = 'UTC'")
    assert in_utc is not skipped_in_utc


CREATED_AT = 'CREATE TABLE "events" ("id" bigint, "created_at" timestamp(3) NOT NULL);'
TO_TIMESTAMPTZ = 'ALTER TABLE "events" ALTER COLUMN "created_at" SET DATA TYPE timestamptz;'


@pytest.mark.parametrize(
    ("migration", "settings", "expected"),
    [
        pytest.param(
            'ALTER TABLE "events" ALTER COLUMN "created_at" SET DATA TYPE timestamp;',
            {},
            None,
            id="to-the-default-precision",
        ),
        pytest.param(
            'ALTER TABLE "events" ALTER COLUMN "created_at" SET DATA TYPE timestamp(6);',
            {},
            None,
            id="to-the-maximum-precision",
        ),
        pytest.param(
            'ALTER TABLE "events" ALTER COLUMN "created_at" SET DATA TYPE timestamp(0);',
            {},
            "and rewrites the whole table and its indexes while holding it.",
            id="to-fewer-digits",
        ),
        pytest.param(
            TO_TIMESTAMPTZ,
            {},
            "PostgreSQL skips the table rewrite only when the session TimeZone is UTC; in any "
            "other zone it rewrites the whole table and its indexes while holding it.",
            id="to-timestamptz",
        ),
        pytest.param(
            "BEGIN;\nSET LOCAL timezone = 'UTC';\n" + TO_TIMESTAMPTZ + "\nCOMMIT;",
            {},
            None,
            id="to-timestamptz-in-utc",
        ),
        pytest.param(
            "SET TIME ZONE 'Etc/UTC';\n" + TO_TIMESTAMPTZ,
            {},
            None,
            id="to-timestamptz-after-set-time-zone",
        ),
        pytest.param(
            "SET LOCAL timezone = 'UTC';\n" + TO_TIMESTAMPTZ,
            {"assume_in_transaction": False},
            "only when the session TimeZone is UTC",
            id="set-local-outside-a-transaction-does-nothing",
        ),
        pytest.param(
            "BEGIN;\nSET LOCAL timezone = 'UTC';\nCOMMIT;\n" + TO_TIMESTAMPTZ,
            {"assume_in_transaction": False},
            "only when the session TimeZone is UTC",
            id="set-local-ends-with-its-transaction",
        ),
        pytest.param(
            "SET timezone = 'Europe/Berlin';\n" + TO_TIMESTAMPTZ,
            {},
            "only when the session TimeZone is UTC",
            id="to-timestamptz-in-another-zone",
        ),
        pytest.param(
            TO_TIMESTAMPTZ,
            {"pg_version": 11},
            "and rewrites the whole table and its indexes while holding it.",
            id="to-timestamptz-before-postgresql-12",
        ),
    ],
)
def test_timestamp_changes(
    tmp_path, migration: str, settings: dict[str, object], expected: str | None
) -> None:
    options: dict[str, object] = {"pg_version": 18, **settings}
    findings = lint_folder(tmp_path, [CREATED_AT, migration], **options)
    if expected is None:
        assert findings == []
    else:
        (finding,) = findings
        assert finding.rule == "change-column-type" and expected in finding.message


@pytest.mark.parametrize(
    ("settings", "route"),
    [
        pytest.param(
            {"assume_in_transaction": True},
            [
                "SET LOCAL timezone = 'UTC';",
                'ALTER TABLE "events" ALTER COLUMN "created_at" SET DATA TYPE timestamptz;',
            ],
            id="in-the-runner-transaction",
        ),
        pytest.param(
            {"assume_in_transaction": False},
            [
                "BEGIN;",
                "SET LOCAL timezone = 'UTC';",
                'ALTER TABLE "events" ALTER COLUMN "created_at" SET DATA TYPE timestamptz;',
                "COMMIT;",
            ],
            id="outside-any-transaction",
        ),
    ],
)
def test_timestamptz_help_gives_the_utc_route(
    tmp_path, coercion_db, settings: dict[str, object], route: list[str]
) -> None:
    (finding,) = lint_folder(tmp_path, [CREATED_AT, TO_TIMESTAMPTZ], pg_version=18, **settings)
    lines = [line.strip() for line in finding.help.splitlines()]
    start = lines.index(route[0])
    assert lines[start : start + len(route)] == route
    coercion_db.execute('DROP TABLE IF EXISTS "events"')
    coercion_db.execute(CREATED_AT)
    was = relfilenode(coercion_db, "events")
    with coercion_db.transaction():  # the runner's, or the route's own BEGIN
        for statement in route:
            if statement not in ("BEGIN;", "COMMIT;"):
                coercion_db.execute(statement)
    assert relfilenode(coercion_db, "events") == was


# 6. Dropping a table or a foreign-key column locks the tables its foreign keys reference.

USERS_AND_SESSIONS = (
    'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "email" text UNIQUE);\n'
    'CREATE TABLE "sessions" ("id" bigint PRIMARY KEY, '
    '"user_id" bigint REFERENCES "users", "email" text REFERENCES "users" ("email"));\n'
    'CREATE TABLE "audit" ("id" bigint, "session_id" bigint, '
    'CONSTRAINT "audit_session_fk" FOREIGN KEY ("session_id") REFERENCES "sessions" ("id"));\n'
    'CREATE INDEX "sessions_user_id_idx" ON "sessions" ("user_id");\n'
)
LOCKS_USERS = 'Takes an ACCESS EXCLUSIVE lock on "users" (blocks all reads and writes).'


@pytest.mark.parametrize(
    ("statement", "says", "does_not_say"),
    [
        pytest.param(
            'DROP TABLE "sessions" CASCADE;',
            [
                'Dropping its foreign key to "users" locks that table as well. ' + LOCKS_USERS,
                'CASCADE also drops the foreign keys that reference it ("audit_session_fk" of '
                '"audit"), which locks that table. Takes an ACCESS EXCLUSIVE lock on "audit"',
            ],
            ["refuses"],
            id="drop-table-cascade",
        ),
        pytest.param(
            'DROP TABLE "sessions";',
            [
                LOCKS_USERS,
                'PostgreSQL refuses it while foreign keys reference it ("audit_session_fk" of '
                '"audit"): drop them first, or add CASCADE, which drops them.',
            ],
            ['lock on "audit"'],
            id="drop-table-referenced",
        ),
        pytest.param(
            'DROP TABLE "audit";',
            ['Dropping its foreign key to "sessions" locks that table as well.'],
            ["CASCADE", '"users"'],
            id="drop-table-without-dependents",
        ),
        pytest.param(
            'ALTER TABLE "sessions" DROP COLUMN "user_id";',
            [
                'It also drops index "sessions_user_id_idx" and constraint '
                '"sessions_user_id_fkey".',
                'Dropping its foreign key to "users" locks that table as well. ' + LOCKS_USERS,
            ],
            ['"audit"'],
            id="drop-foreign-key-column",
        ),
        pytest.param(
            'ALTER TABLE "sessions" DROP COLUMN "id" CASCADE;',
            [
                'It also drops constraint "sessions_pkey".',
                'CASCADE also drops the foreign keys that reference it ("audit_session_fk" of '
                '"audit")',
            ],
            ['"users"'],
            id="drop-referenced-column-cascade",
        ),
        pytest.param(
            'ALTER TABLE "users" DROP COLUMN "email";',
            ['("sessions_email_fkey" of "sessions"): drop them first'],
            [],
            id="drop-column-an-explicit-reference-names",
        ),
    ],
)
def test_drops_and_foreign_keys(
    tmp_path, statement: str, says: list[str], does_not_say: list[str]
) -> None:
    (finding,) = findings_of(tmp_path, [USERS_AND_SESSIONS, statement])
    for text in says:
        assert text in finding.message
    for text in does_not_say:
        assert text not in finding.message


USERS = 'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "email" text);'
SESSIONS = 'CREATE TABLE "sessions" ("id" bigint, "user_id" bigint REFERENCES "users" ("id"));'


@pytest.mark.parametrize(
    ("migrations", "says", "does_not_say"),
    [
        pytest.param(
            [
                USERS,
                SESSIONS,
                'ALTER TABLE "users" RENAME TO "accounts";',
                'DROP TABLE "accounts";',
            ],
            'while foreign keys reference it ("sessions_user_id_fkey" of "sessions")',
            "",
            id="the-referenced-table-renamed",
        ),
        pytest.param(
            [USERS, SESSIONS, 'ALTER TABLE "sessions" RENAME TO "logins";', 'DROP TABLE "users";'],
            'while foreign keys reference it ("sessions_user_id_fkey" of "logins")',
            "",
            id="the-referencing-table-renamed",
        ),
        pytest.param(
            [
                USERS,
                'CREATE TABLE "audit" ("id" bigint, "user_id" bigint);',
                SESSIONS,
                'ALTER TABLE "audit" ADD CONSTRAINT "audit_fk" FOREIGN KEY ("user_id") '
                'REFERENCES "users" ("id");',
                'DROP TABLE "users";',
            ],
            'reference it ("audit_fk" of "audit", "sessions_user_id_fkey" of "sessions")',
            "",
            id="in-the-order-the-tables-were-created-not-the-keys",
        ),
        pytest.param(
            [
                USERS,
                SESSIONS,
                'DROP TABLE "sessions";\nCREATE TABLE "sessions" ("id" bigint);',
                'ALTER TABLE "users" DROP COLUMN "id";',
            ],
            'It also drops constraint "users_pkey".',
            "foreign keys reference it",
            id="none-once-the-referencing-table-is-made-again-without-it",
        ),
        pytest.param(
            [
                USERS + '\nCREATE INDEX "users_email_idx" ON "users" ("email");',
                'ALTER TABLE "users" RENAME TO "accounts";\n'
                'ALTER INDEX "users_email_idx" RENAME TO "accounts_email_idx";',
                'ALTER TABLE "accounts" DROP COLUMN "email";',
            ],
            'It also drops index "accounts_email_idx".',
            "",
            id="an-index-renamed-with-its-table",
        ),
    ],
)
def test_foreign_keys_and_indexes_through_renames_and_drops(
    tmp_path, migrations: list[str], says: str, does_not_say: str
) -> None:
    (finding,) = findings_of(tmp_path, migrations)
    assert says in finding.message
    assert not does_not_say or does_not_say not in finding.message


def test_dropping_a_foreign_key_takes_access_exclusive_on_the_referenced_table(
    scratch_db,
) -> None:
    with psycopg.connect(scratch_db) as connection:
        connection.execute(USERS_AND_SESSIONS)
        connection.commit()
        modes = {}
        for statement in (
            'DROP TABLE "sessions" CASCADE',
            'ALTER TABLE "sessions" DROP COLUMN "user_id"',
        ):
            connection.execute(statement)
            modes[statement] = dict(
                connection.execute(
                    "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c "
                    "ON c.oid = l.relation WHERE l.pid = pg_backend_pid() "
                    "AND c.relname IN ('users', 'audit')"
                ).fetchall()
            )
            connection.rollback()
    assert modes == {
        'DROP TABLE "sessions" CASCADE': {
            "users": "AccessExclusiveLock",
            "audit": "AccessExclusiveLock",
        },
        'ALTER TABLE "sessions" DROP COLUMN "user_id"': {"users": "AccessExclusiveLock"},
    }


# 7. drizzle: history follows the journal.


def drizzle_folder(tmp_path: Path, files: dict[str, str], listed: list[str]) -> Path:
    folder = tmp_path / "drizzle"
    (folder / "meta").mkdir(parents=True)
    (folder / "meta" / "_journal.json").write_text(journal(listed))
    for tag, sql in files.items():
        (folder / f"{tag}.sql").write_text(sql)
    return folder


WIDEN = 'ALTER TABLE "t" ALTER COLUMN "code" SET DATA TYPE varchar(20);'


@pytest.mark.parametrize(
    ("files", "listed", "linted", "expected"),
    [
        pytest.param(
            {
                "0000_init": 'CREATE TABLE "t" ("id" bigint, "code" varchar(10));',
                "0001_stray": 'ALTER TABLE "t" ALTER COLUMN "code" SET DATA TYPE text;',
                "0002_widen": WIDEN,
            },
            ["0000_init", "0002_widen"],
            "0002_widen",
            [],
            id="an-unlisted-file-is-no-history",
        ),
        pytest.param(
            {
                "0000_init": 'CREATE TABLE "t" ("id" bigint, "code" varchar(10));',
                "0001_by_hand": "-- migration-lint: not-in-journal -- ran by hand\n"
                'ALTER TABLE "t" ALTER COLUMN "code" SET DATA TYPE text;',
                "0002_widen": WIDEN,
            },
            ["0000_init", "0002_widen"],
            "0002_widen",
            ["change-column-type"],
            id="a-file-that-ran-by-hand-is-history",
        ),
        pytest.param(
            {
                "0000_init": 'CREATE TABLE "t" ("id" bigint, "code" varchar(10));',
                "0001_widen": WIDEN,
                "0002_narrow": 'ALTER TABLE "t" ALTER COLUMN "code" SET DATA TYPE varchar(15);',
            },
            ["0000_init", "0002_narrow", "0001_widen"],
            "0002_narrow",
            [],  # varchar(10) to varchar(15): 0001 runs after it
            id="journal-order-not-name-order",
        ),
        pytest.param(
            {
                "0000_init": 'CREATE TABLE "t" ("id" bigint, "code" varchar(10));',
                "0001_stray": 'ALTER TABLE "t" DROP COLUMN "id";',
            },
            ["0000_init"],
            "0001_stray",
            ["drop-column"],
            id="an-unlisted-file-is-still-linted",
        ),
        pytest.param(
            {
                "0000_init": 'CREATE TABLE "t" ("id" bigint, "code" varchar(10));',
                "0001_widen": WIDEN,
            },
            ["0000_silly_sage"],
            "0001_widen",
            [],
            id="a-journal-of-none-of-the-files-does-not-order-them",
        ),
    ],
)
def test_drizzle_history_follows_the_journal(
    tmp_path, files: dict[str, str], listed: list[str], linted: str, expected: list[str]
) -> None:
    folder = drizzle_folder(tmp_path, files, listed)
    report = lint_paths([str(folder / f"{linted}.sql")], Settings())
    assert [d.rule for d in report.diagnostics] == expected


def test_a_whole_drizzle_folder_lints_its_unlisted_file_without_replaying_it(tmp_path) -> None:
    folder = drizzle_folder(
        tmp_path,
        {
            "0000_init": 'CREATE TABLE "t" ("id" bigint, "code" varchar(10));',
            "0001_stray": 'ALTER TABLE "t" RENAME COLUMN "code" TO "sku";',
            "0002_widen": WIDEN,
        },
        ["0000_init", "0002_widen"],
    )
    report = lint_paths([str(folder)], Settings())
    assert [(Path(d.path).name, d.rule) for d in report.diagnostics] == [
        ("0001_stray.sql", "rename-column")
    ]


STRAY_CHANGES = (
    'ALTER TABLE "t" RENAME COLUMN "code" TO "sku";\n'
    'DROP INDEX "t_code_idx";\n'
    "ALTER TYPE \"size\" ADD VALUE 'l';\n"
    'ALTER TABLE "t" ADD CONSTRAINT "t_id_key" UNIQUE ("id");'
)
LATER_READS = (
    'DROP INDEX "t_code_idx";\n'
    'ALTER TABLE "t" ALTER COLUMN "code" SET DATA TYPE varchar(20);\n'
    'ALTER TABLE "t" ALTER COLUMN "size" SET DATA TYPE text;'
)


def test_an_unlisted_file_is_linted_on_a_copy_of_the_history_that_it_leaves_unchanged(
    tmp_path: Path,
) -> None:
    """A file drizzle's journal does not list is linted on the schema so far, and what it does
    (a rename, a dropped index, an enum value, a constraint) is no part of what later
    migrations are linted on."""
    files = {
        "0000_init": "CREATE TYPE \"size\" AS ENUM ('s', 'm');\n"
        'CREATE TABLE "t" ("id" bigint, "code" varchar(10), "size" "size");\n'
        'CREATE INDEX "t_code_idx" ON "t" USING btree ("code");',
        "0001_stray": STRAY_CHANGES,
        "0002_later": LATER_READS,
    }
    folder = drizzle_folder(tmp_path / "with", files, ["0000_init", "0002_later"])
    found = lint_paths([str(folder)], Settings()).diagnostics
    del files["0001_stray"]
    alone = drizzle_folder(tmp_path / "without", files, ["0000_init", "0002_later"])
    later = [(d.line, d.rule, d.message) for d in found if d.path.endswith("0002_later.sql")]
    assert later == [
        (d.line, d.rule, d.message)
        for d in lint_paths([str(alone)], Settings()).diagnostics
        if d.path.endswith("0002_later.sql")
    ]
    # The stray file itself is linted on the history: it knows the index's table.
    stray = [(d.rule, d.message) for d in found if d.path.endswith("0001_stray.sql")]
    assert [rule for rule, _ in stray] == [
        "rename-column",
        "drop-index-not-concurrently",
        "add-unique-constraint",
    ]
    assert 'queues every query of "t"' in stray[1][1]


def test_lint_sql_still_works_without_history() -> None:
    (finding,) = lint_sql(PRISMA_REMOVE_GUEST)
    assert "NOT IN ('USER', 'ADMIN')" in finding.help


def or_equals(table: Positioned[str, int]) -> None:
    table |= {"c": 3, "a": 9}
    assert isinstance(table, Positioned)


@pytest.mark.parametrize(
    "add",
    [
        pytest.param(lambda table: table.update({"c": 3, "a": 9}), id="update-with-a-dict"),
        pytest.param(lambda table: table.update([("c", 3), ("a", 9)]), id="update-with-pairs"),
        pytest.param(lambda table: table.update(c=3, a=9), id="update-with-keywords"),
        pytest.param(or_equals, id="or-equals"),
    ],
)
def test_the_tables_know_their_places_however_they_are_added(
    add: Callable[[Positioned[str, int]], None],
) -> None:
    """The foreign keys to a table are listed in the order of the tables (Positioned): a table
    added by update or |= has its place, after those before it; one set again keeps its own."""
    tables = Positioned([("a", 1), ("b", 2)])
    add(tables)
    assert tables == {"a": 9, "b": 2, "c": 3}
    assert sorted(tables, key=tables.position) == list(tables) == ["a", "b", "c"]


def test_a_constraint_the_model_stores_keeps_every_field_it_was_given() -> None:
    """The model stores a constraint field by field (context._stored_constraint): one of
    each field set, it is stored equal."""
    values: dict[str, object] = {}
    for declared in dataclasses.fields(Constraint):
        default = declared.default
        if "Name" in str(declared.type):
            values[declared.name] = Name("teams", "app")
        elif isinstance(default, bool):
            values[declared.name] = not default
        elif isinstance(default, tuple) or "tuple" in str(declared.type):
            values[declared.name] = ("team_id",)
        else:
            values[declared.name] = f"{declared.name} text"
    given = Constraint(**values)  # type: ignore[arg-type]
    assert _stored_constraint(given, given.name or "") == given


COLUMNS_OF_EVERY_KIND = (
    'CREATE TABLE "t" ("id" integer GENERATED ALWAYS AS IDENTITY, "n" serial, "b" bigserial, '
    '"s" text NOT NULL DEFAULT now()::text, "g" text GENERATED ALWAYS AS (lower("s")) STORED, '
    '"r" integer REFERENCES "t" ("id"));'
)


@pytest.mark.parametrize(
    "question",
    [
        "name",
        "stored_type",
        "not_null",
        "has_default",
        "default_functions",
        "generated",
        "default",
        "generated_sql",
        "serial",
        "identity",
        "computed",
    ],
)
def test_a_column_of_the_model_answers_as_the_statement_that_made_it(question: str) -> None:
    """Rules (plugins' among them) read columns from the model (Context.column) as they read
    them from a statement (ops.Column): each question gets the statement's answer."""
    (statement,) = parse_trees(COLUMNS_OF_EVERY_KIND, 0)
    (created,) = operations_of(statement)
    assert isinstance(created, CreateTable)
    context = Context(16)
    replay_source(Source("0.sql", COLUMNS_OF_EVERY_KIND), context)
    context.start_migration()  # as the next migration reads it
    stored = [context.column(Name("t"), column.name) for column in created.columns]
    assert [getattr(c, question) for c in stored] == [getattr(c, question) for c in created.columns]
    assert {(c.constraints, c.plain_sql) for c in stored if c} == {((), "")}


@pytest.mark.parametrize(
    ("definition", "after_rename"),
    [
        pytest.param('USING btree ("a", "B")', 'USING btree ("c", "B")', id="drizzle-kit"),
        pytest.param('("a")', '("c")', id="prisma"),
        pytest.param('("a" DESC, "B")', '("c" DESC, "B")', id="ordered"),
        pytest.param(
            'USING btree ("a") WHERE ("B" > 0)', 'USING btree ("c") WHERE ("B" > 0)', id="partial"
        ),
        pytest.param('USING gin ("a")', 'USING gin ("c")', id="gin"),
        pytest.param("(lower(a))", '(lower("c"))', id="expression"),
        pytest.param("USING btree (a)", 'USING btree ("c")', id="unquoted"),
    ],
)
def test_an_index_is_created_again_as_written_with_its_columns_current_names(
    definition: str, after_rename: str
) -> None:
    """A rollback plan creates an index again as its migration wrote it (the model keeps the
    usual forms by number, not text), with a renamed column's new name."""
    context = Context(16)
    created = f'CREATE TABLE t (a text, "B" int);\nCREATE INDEX i ON t {definition};'
    replay_source(Source("0.sql", created), context)
    assert create_index(context, Name("t"), "i") == f'CREATE INDEX "i" ON "t" {definition};'
    replay_source(Source("1.sql", "ALTER TABLE t RENAME COLUMN a TO c;"), context)
    assert create_index(context, Name("t"), "i") == f'CREATE INDEX "i" ON "t" {after_rename};'
