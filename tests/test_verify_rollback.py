"""`verify --rollback` on a real server: each plan is run after its migration, and the schema
compared with the one before; and the catalog reading it compares with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import declaration_to_paste, lint_under
from migration_lint.cli import main
from migration_lint.db import catalog
from migration_lint.db.connect import connect
from migration_lint.db.urls import Target
from migration_lint.diagnostic import Severity
from migration_lint.linter import Settings, lint_paths
from migration_lint.registry import load_rules

ORDERS = 'CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "coupon" text);\n'
ALLOW = "-- migration-lint: allow drop-column -- coupons moved to the promotions service\n"
DROP_COUPON = 'ALTER TABLE "orders" DROP COLUMN "coupon";\n'


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no config of the repository's


def verify(pg_url: str, capsys: pytest.CaptureFixture[str], *paths: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    """The exit code and the JSON report; the note of how many plans ran is checked here."""
    code = main(["verify", "--rollback", "--database-url", pg_url, "--format", "json", *paths])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    report["plans_ran"] = int(captured.err.split("ran ")[1].split(" ")[0])
    return code, report


def findings(report: dict) -> list[tuple[str, str, int, int]]:  # type: ignore[type-arg]
    return [
        (d["rule"], Path(d["path"]).name, d["line"], d["column"]) for d in report["diagnostics"]
    ]


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(
            {
                "0001_orders.sql": ORDERS,
                "0002_drop.sql": ALLOW
                + '-- rollback:\n-- ALTER TABLE "orders" ADD COLUMN "coupon" text;\n'
                + DROP_COUPON,
            },
            id="rollback-block",
        ),
        pytest.param(
            {
                "0001_orders.sql": ORDERS
                + 'CREATE VIEW "coupons" AS SELECT "coupon" FROM "orders";\n',
                # In the file's order, the view would be made again before its column.
                "0002_drop.sql": '-- rollback: CREATE VIEW "coupons" AS SELECT "coupon" FROM "orders";\n'
                'DROP VIEW "coupons";\n'
                + ALLOW
                + '-- rollback: ALTER TABLE "orders" ADD COLUMN "coupon" text;\n'
                + DROP_COUPON,
            },
            id="blocks-run-last-first",
        ),
        pytest.param(
            {
                "000001_orders.up.sql": ORDERS,
                "000002_drop.up.sql": DROP_COUPON,
                "000002_drop.down.sql": 'BEGIN;\nALTER TABLE "orders" ADD COLUMN "coupon" text;\nCOMMIT;\n',
            },
            id="golang-migrate-down-file-with-its-own-transaction",
        ),
        pytest.param(
            {
                "00001_orders.sql": "-- +goose Up\n" + ORDERS,
                "00002_drop.sql": "-- +goose Up\n"
                + DROP_COUPON
                + '-- +goose Down\nALTER TABLE "orders" ADD COLUMN "coupon" text;\n',
            },
            id="goose-down-section",
        ),
        pytest.param(
            {
                "20250101000001_orders.sql": "-- migrate:up\n" + ORDERS + "-- migrate:down\n",
                "20250101000002_mood.sql": (
                    "-- migrate:up\nCREATE TYPE mood AS ENUM ('ok', 'sad');\n"
                    "CREATE VIEW coupons AS SELECT coupon FROM orders;\n"
                    "-- migrate:down\nDROP VIEW coupons;\nDROP TYPE mood;\n"
                ),
            },
            id="dbmate-down-section",
        ),
    ],
)
def test_a_plan_that_restores_the_schema_passes(
    write, pg_url: str, capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    root = write({f"m/{name}": sql for name, sql in files.items()})
    last = sorted(name for name in files if not name.endswith(".down.sql"))[-1]
    code, report = verify(pg_url, capsys, str(root / "m" / last))
    assert (code, findings(report), report["plans_ran"]) == (0, [], 1)


def test_the_migration_is_applied_again_for_the_later_ones(
    write, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write(
        {
            "m/0001_orders.sql": ORDERS,
            "m/0002_drop.sql": ALLOW
            + '-- rollback:\n-- ALTER TABLE "orders" ADD COLUMN "coupon" text;\n'
            + DROP_COUPON,
            # Fails unless 0002 dropped the column again after its plan added it back.
            "m/0003_coupon.sql": 'ALTER TABLE "orders" ADD COLUMN "coupon" integer;\n',
        }
    )
    code, report = verify(pg_url, capsys, str(root / "m"))
    assert (code, findings(report)) == (0, [])


@pytest.mark.parametrize(
    ("plan", "differences"),
    [
        pytest.param(
            "SELECT 1;",
            ["column public.orders.coupon: removed (text)"],
            id="column-not-restored",
        ),
        pytest.param(
            'ALTER TABLE "orders" ADD COLUMN "coupon" varchar(20) NOT NULL DEFAULT \'\';',
            [
                "column public.orders.coupon: type text -> character varying(20), "
                "nullable -> NOT NULL, no default -> DEFAULT ''::character varying"
            ],
            id="column-restored-differently",
        ),
        pytest.param(
            'ALTER TABLE "orders" ADD COLUMN "coupon" text;\n-- CREATE INDEX "o" ON "orders" ("id");',
            ["index public.o: added (CREATE INDEX o ON public.orders USING btree (id))"],
            id="index-left-behind",
        ),
    ],
)
def test_a_plan_that_leaves_another_schema_is_a_mismatch(
    write, pg_url: str, capsys: pytest.CaptureFixture[str], plan: str, differences: list[str]
) -> None:
    block = "".join(f"-- {line}\n" for line in plan.replace("\n-- ", "\n").splitlines())
    root = write(
        {
            "m/0001_orders.sql": ORDERS,
            "m/0002_drop.sql": ALLOW + "-- rollback:\n" + block + DROP_COUPON,
            "m/0003_later.sql": 'CREATE TABLE "later" ("id" bigint);\n',
        }
    )
    code, report = verify(pg_url, capsys, str(root / "m"))
    assert code == 2
    assert findings(report) == [("rollback-mismatch", "0002_drop.sql", 2, 1)]
    (finding,) = report["diagnostics"]
    assert finding["message"].endswith(": " + "; ".join(differences))
    assert "The 1 later migration(s) of this folder were not applied." in finding["help"]


@pytest.mark.parametrize(
    ("files", "where", "message"),
    [
        pytest.param(
            {
                "0002_drop.sql": ALLOW
                + "-- rollback:\n"
                + '-- ALTER TABLE "orders" ADD COLUMN "coupon" text;\n'
                + '--    UPDATE "orders" SET "coupon" = "nope";\n'
                + DROP_COUPON
            },
            ("0002_drop.sql", 4, 38),
            '42703: column "nope" does not exist',
            id="rollback-block-at-the-failing-column",
        ),
        pytest.param(
            {
                "0002_drop.up.sql": DROP_COUPON,
                "0002_drop.down.sql": '\n\nALTER TABLE "orders" ADD COLUMN "coupon" text;\nALTER TABLE "nope" ADD COLUMN "x" text;\n',
            },
            ("0002_drop.down.sql", 4, 1),  # the server gives no position: the statement's
            '42P01: relation "nope" does not exist',
            id="down-file",
        ),
        pytest.param(
            {
                "0002_drop.sql": ALLOW
                + '-- rollback:\n-- ALTER TABLE "orders" ADD COLUMN "coupon" text;\n-- ROLLBACK;\n'
                + DROP_COUPON
            },
            ("0002_drop.sql", 4, 4),
            "ROLLBACK would end the transaction the plan runs in",
            id="rollback-statement",
        ),
        pytest.param(
            {
                "0002_index.sql": 'CREATE INDEX CONCURRENTLY "orders_coupon" ON "orders" ("coupon");\n'
                '-- rollback: DROP INDEX CONCURRENTLY "orders_coupon";\n'
            },
            ("0002_index.sql", 2, 14),
            "25001: DROP INDEX CONCURRENTLY cannot run inside a transaction block",
            id="concurrently",
        ),
    ],
)
def test_a_plan_that_fails_is_reported_at_its_statement(
    write,
    pg_url: str,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str],
    where: tuple[str, int, int],
    message: str,
) -> None:
    first = "0001_orders.up.sql" if any(".up." in n for n in files) else "0001_orders.sql"
    root = write({f"m/{first}": ORDERS, **{f"m/{n}": sql for n, sql in files.items()}})
    code, report = verify(pg_url, capsys, str(root / "m"))
    assert code == 2
    assert findings(report) == [("rollback-failed", *where)]
    assert message in report["diagnostics"][0]["message"]


def test_only_the_files_asked_about_are_undone(
    write, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write(
        {
            "m/0001_orders.sql": ORDERS + "-- rollback: SELECT 1;\n",  # would be a mismatch
            "m/0002_drop.sql": ALLOW
            + '-- rollback:\n-- ALTER TABLE "orders" ADD COLUMN "coupon" text;\n'
            + DROP_COUPON,
        }
    )
    code, report = verify(pg_url, capsys, str(root / "m" / "0002_drop.sql"))
    assert (code, findings(report), report["plans_ran"]) == (0, [], 1)


def read_catalog(url: str, sql: str = "") -> catalog.Catalog:
    with connect(Target(url, "test"), read_only=False) as connection:
        if sql:
            connection.execute(sql.encode())
        return catalog.read(connection)


def test_the_catalog_lists_what_migrations_change(scratch_db: str) -> None:
    empty = read_catalog(scratch_db)
    full = read_catalog(
        scratch_db,
        """
        CREATE SCHEMA app;
        CREATE TYPE app.mood AS ENUM ('ok', 'it''s bad');
        CREATE TABLE app."Orders" (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            total integer NOT NULL DEFAULT 0,
            doubled integer GENERATED ALWAYS AS (total * 2) STORED,
            mood app.mood,
            CONSTRAINT positive CHECK (total >= 0)
        );
        CREATE UNLOGGED TABLE app.scratch (note text);
        CREATE INDEX orders_total ON app."Orders" (total);
        CREATE VIEW app.totals AS SELECT total FROM app."Orders";
        CREATE MATERIALIZED VIEW app.moods AS SELECT mood FROM app."Orders";
        CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
        CREATE TRIGGER touched BEFORE UPDATE ON app."Orders" FOR EACH ROW EXECUTE FUNCTION app.touch();
        CREATE SEQUENCE app.tickets START 100;
        """,
    )
    assert catalog.diff(empty, full) == [
        "schema app: added",
        'table app."Orders": added',
        "table app.scratch: added (unlogged table)",
        "view app.totals: added",
        "materialized view app.moods: added",
        "function app.touch(): added",
        'sequence app."Orders_id_seq": added (bigint START 1 INCREMENT 1 MINVALUE 1 '
        'MAXVALUE 9223372036854775807 CACHE 1 OWNED BY app."Orders".id)',
        "sequence app.tickets: added (bigint START 100 INCREMENT 1 MINVALUE 1 "
        "MAXVALUE 9223372036854775807 CACHE 1)",
        "enum app.mood: added ('ok', 'it''s bad')",
    ]
    orders = full.tables['app."Orders"']
    assert {name: str(column) for name, column in orders.columns.items()} == {
        "id": "bigint NOT NULL GENERATED ALWAYS AS IDENTITY",
        "total": "integer NOT NULL DEFAULT 0",
        "doubled": "integer GENERATED ALWAYS AS ((total * 2)) STORED",
        "mood": "app.mood",
    }
    assert full.constraints['positive on app."Orders"'].definition == "CHECK ((total >= 0))"
    assert full.triggers['touched on app."Orders"'].definition.endswith(
        "EXECUTE FUNCTION app.touch()"
    )
    assert read_catalog(scratch_db) == full  # read again: the same
    changed = read_catalog(
        scratch_db,
        """
        ALTER TABLE app."Orders" DROP CONSTRAINT positive, ALTER total DROP DEFAULT;
        DROP INDEX app.orders_total;
        ALTER TYPE app.mood ADD VALUE 'fine';
        ALTER TABLE app.scratch SET LOGGED;
        CREATE OR REPLACE VIEW app.totals AS SELECT total, mood FROM app."Orders";
        DROP TRIGGER touched ON app."Orders";
        """,
    )
    assert catalog.diff(full, changed) == [
        "table app.scratch: unlogged table -> table",
        'column app."Orders".total: DEFAULT 0 -> no default',
        'index app.orders_total: removed (CREATE INDEX orders_total ON app."Orders" USING btree (total))',
        'constraint positive on app."Orders": removed (CHECK ((total >= 0)))',
        'trigger touched on app."Orders": removed (CREATE TRIGGER touched BEFORE UPDATE ON '
        'app."Orders" FOR EACH ROW EXECUTE FUNCTION app.touch())',
        "view app.totals: definition changed",
        "enum app.mood: values 'ok', 'it''s bad' -> 'ok', 'it''s bad', 'fine'",
    ]


# CREATE DATABASE, drop-database's plan, cannot run in the transaction verify runs a plan in.
DECLARED = sorted(
    (
        r
        for r in load_rules().values()
        if r.severity is Severity.BREAKING and r.check and r.id != "drop-database"
    ),
    key=lambda r: r.id,
)


@pytest.mark.parametrize("rule", DECLARED, ids=[r.id for r in DECLARED])
def test_the_rollback_plan_a_breaking_help_writes_restores_the_schema(
    rule, pg_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (finding,) = lint_under("plain", rule.bad, (rule.example_schema,), select=frozenset({rule.id}))
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_schema.sql").write_text(rule.example_schema + "\n")
    (folder / "0002_change.sql").write_text(
        declaration_to_paste(finding.help) + "\n" + rule.bad + "\n"
    )
    code, report = verify(pg_url, capsys, str(folder))
    # Applied, declared, then undone by its plan: the schema is the one from before.
    assert (code, findings(report), report["plans_ran"]) == (0, [], 1)


# Histories as Prisma writes them (the review of issue 12): a dropped column or table had
# defaults, a serial, indexes, checks and foreign keys with actions, which its plan must restore.
USER_WITH_ROLE = (
    'CREATE TABLE "User" ("id" SERIAL NOT NULL, "role" TEXT NOT NULL DEFAULT \'user\', '
    '"score" INTEGER, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n'
    'CREATE INDEX "User_role_idx" ON "User"("role");\n'
)
POSTS = (
    "CREATE TYPE \"Mood\" AS ENUM ('HAPPY', 'SAD');\n"
    'CREATE TABLE "User" ("id" SERIAL NOT NULL, "email" TEXT NOT NULL, '
    'CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n'
    'CREATE TABLE "Post" ("id" TEXT NOT NULL, "authorId" INTEGER NOT NULL, '
    '"mood" "Mood" NOT NULL DEFAULT \'HAPPY\', '
    '"createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, '
    '"views" INTEGER CHECK ("views" >= 0), '
    '"slug" TEXT GENERATED ALWAYS AS (lower("id")) STORED, '
    'CONSTRAINT "Post_pkey" PRIMARY KEY ("id"));\n'
    'CREATE TABLE "Comment" ("id" TEXT NOT NULL, "postId" TEXT NOT NULL, '
    'CONSTRAINT "Comment_pkey" PRIMARY KEY ("id"));\n'
    'CREATE UNIQUE INDEX "Post_authorId_key" ON "Post"("authorId");\n'
    'CREATE INDEX "Post_createdAt_idx" ON "Post"("createdAt" DESC) WHERE "views" > 0;\n'
    'ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") '
    'REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;\n'
    'ALTER TABLE "Comment" ADD CONSTRAINT "Comment_postId_fkey" FOREIGN KEY ("postId") '
    'REFERENCES "Post"("id") ON DELETE CASCADE ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED;\n'
)
AUTHORS = (
    'CREATE TABLE "User" ("id" SERIAL NOT NULL, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n'
    'CREATE TABLE "Post" ("id" SERIAL NOT NULL, "authorId" INTEGER, '
    'CONSTRAINT "Post_pkey" PRIMARY KEY ("id"));\n'
    'ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") '
    'REFERENCES "User"("id");\n'
    'CREATE VIEW "UserIds" AS SELECT "id" FROM "User";\n'
)


def declared(folder: Path, migration: Path) -> str:
    """The migration with the declaration each breaking finding's help writes pasted above
    the line the finding points at."""
    report = lint_paths([str(folder)], Settings())
    lines = migration.read_text().splitlines()
    breaking = [d for d in report.diagnostics if d.severity is Severity.BREAKING]
    assert breaking, "the migration has a breaking change to declare"
    for finding in sorted(breaking, key=lambda d: d.line, reverse=True):
        lines[finding.line - 1 : finding.line - 1] = declaration_to_paste(finding.help).split("\n")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("history", "change"),
    [
        pytest.param(
            USER_WITH_ROLE,
            'ALTER TABLE "User" DROP COLUMN "role";',
            id="drop-column-with-default-and-index",
        ),
        pytest.param(
            POSTS,
            'ALTER TABLE "Post" DROP COLUMN "views";',
            id="drop-column-with-check-and-partial-index",
        ),
        pytest.param(
            POSTS,
            'ALTER TABLE "Post" DROP COLUMN "authorId" CASCADE;',
            id="drop-column-with-foreign-key-and-unique-index",
        ),
        pytest.param(
            POSTS,
            'ALTER TABLE "Comment" DROP CONSTRAINT "Comment_postId_fkey";\n'
            'ALTER TABLE "Post" DROP CONSTRAINT "Post_authorId_fkey";\n'
            'DROP TABLE "Post";',
            id="drop-table-after-its-foreign-keys-as-prisma-does",
        ),
        pytest.param(POSTS, 'DROP TABLE "Post" CASCADE;', id="drop-table-cascade"),
        pytest.param(
            POSTS
            + 'ALTER TABLE "Post" RENAME COLUMN "views" TO "viewCount";\n'
            + 'ALTER TABLE "Post" RENAME COLUMN "id" TO "key";\n'
            + 'ALTER INDEX "Post_createdAt_idx" RENAME TO "Post_created_idx";\n'
            + 'ALTER TABLE "User" RENAME TO "Member";\n',
            'DROP TABLE "Post" CASCADE;',
            id="drop-table-renamed-since",
        ),
        pytest.param(
            AUTHORS, 'DROP TABLE "User" CASCADE;', id="drop-table-cascade-serial-and-view"
        ),
        pytest.param(
            'CREATE TABLE "Counter" ("id" SERIAL NOT NULL, "n" INTEGER NOT NULL, '
            'CONSTRAINT "Counter_pkey" PRIMARY KEY ("id"));\n',
            'ALTER TABLE "Counter" ALTER COLUMN "id" DROP DEFAULT;\nDROP SEQUENCE "Counter_id_seq";',
            id="drop-serial-default-and-its-sequence",
        ),
        pytest.param(
            'CREATE SCHEMA "app";\n'
            + POSTS.replace('"Mood"', '"app"."Mood"')
            .replace('"User"', '"app"."User"')
            .replace('"Post"', '"app"."Post"')
            .replace('"Comment"', '"app"."Comment"')
            + 'CREATE VIEW "app"."Moods" AS SELECT "mood" FROM "app"."Post";\n'
            'CREATE FUNCTION "app"."posts"() RETURNS bigint LANGUAGE sql '
            'AS \'SELECT count(*) FROM "app"."Post"\';\n',
            'DROP SCHEMA "app" CASCADE;',
            id="drop-schema-cascade",
        ),
        pytest.param(
            "CREATE TYPE \"Mood\" AS ENUM ('1', '2');\n"
            'CREATE TABLE "Entry" ("id" SERIAL NOT NULL, "x" INTEGER);\n',
            'ALTER TABLE "Entry" ALTER COLUMN "x" SET DATA TYPE "Mood" USING "x"::text::"Mood";',
            id="change-type-through-casts",
        ),
        pytest.param(
            'CREATE TABLE "Event" ("at" TIMESTAMP(3) NOT NULL);\n',
            'ALTER TABLE "Event" ALTER COLUMN "at" TYPE timestamptz(3) USING "at" AT TIME ZONE '
            "'UTC';",
            id="change-type-at-time-zone",
        ),
    ],
)
def test_the_plan_a_help_writes_restores_what_history_knows(
    history: str, change: str, pg_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "prisma" / "migrations"
    (folder / "20240101000000_init").mkdir(parents=True)
    (folder / "20240101000000_init" / "migration.sql").write_text(history)
    (folder / "migration_lock.toml").write_text('provider = "postgresql"\n')
    migration = folder / "20240102000000_change" / "migration.sql"
    migration.parent.mkdir()
    migration.write_text(change + "\n")
    migration.write_text(declared(folder, migration))
    code, report = verify(pg_url, capsys, str(folder))
    assert ([d["message"] for d in report["diagnostics"]], code) == ([], 0)
