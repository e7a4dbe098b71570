"""Pass and fail SQL for drop-default, update-all-rows, drop-view, drop-function and dynamic-sql
(and add-required-column's default dropped after ADD COLUMN), hand-written and as Prisma and
drizzle-kit write them."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import lint_folder, lint_sql
from migration_lint.diagnostic import Diagnostic

DEFAULT_RULES = frozenset({"drop-default", "add-required-column"})

PRISMA_ORDER = (
    "-- CreateEnum\n"
    "CREATE TYPE \"DataSource\" AS ENUM ('YAHOO', 'RAKUTEN');\n\n"
    "-- CreateTable\n"
    'CREATE TABLE "Order" (\n'
    '    "id" TEXT NOT NULL,\n'
    '    "dataSource" "DataSource" NOT NULL DEFAULT \'YAHOO\',\n'
    "    \"note\" TEXT DEFAULT '',\n"
    '    "currency" TEXT NOT NULL,\n\n'
    '    CONSTRAINT "Order_pkey" PRIMARY KEY ("id")\n'
    ");\n"
)
PRISMA_WEBHOOK = (
    'CREATE TABLE "Webhook" (\n    "id" SERIAL NOT NULL,\n    "url" TEXT NOT NULL,\n\n'
    '    CONSTRAINT "Webhook_pkey" PRIMARY KEY ("id")\n);\n'
)
DRIZZLE_API_KEYS = (
    'CREATE TABLE "api_keys" (\n\t"id" text PRIMARY KEY NOT NULL,\n'
    '\t"livemode" boolean DEFAULT true NOT NULL\n);\n'
)
DRIZZLE_TWO_FACTOR = 'CREATE TABLE "two_factor" (\n\t"id" text PRIMARY KEY NOT NULL\n);\n'


def findings(tmp_path: Path, history: str, sql: str, rules: frozenset[str]) -> list[Diagnostic]:
    """The findings of `sql`, linted after a migration `history` (none when it is empty)."""
    if not history:
        return lint_sql(sql, select=rules)
    return lint_folder(tmp_path, [history, sql], select=rules)


@pytest.mark.parametrize(
    ("history", "sql", "expected"),
    [
        pytest.param(
            PRISMA_ORDER,
            '-- AlterTable\nALTER TABLE "Order" ALTER COLUMN "dataSource" DROP DEFAULT;\n',
            ["drop-default"],
            id="prisma-drop-default",
        ),
        pytest.param(
            DRIZZLE_API_KEYS,
            'ALTER TABLE "api_keys" ALTER COLUMN "livemode" DROP DEFAULT;--> statement-breakpoint\n'
            'ALTER TABLE "api_keys" ADD COLUMN "name" text;',
            ["drop-default"],
            id="drizzle-drop-default",
        ),
        pytest.param(
            PRISMA_ORDER,
            'ALTER TABLE "Order" ALTER COLUMN "dataSource" SET DEFAULT NULL;',
            ["drop-default"],
            id="set-default-null",
        ),
        pytest.param(
            PRISMA_ORDER,
            'ALTER TABLE "Order" ALTER COLUMN "dataSource" SET DEFAULT NULL::"DataSource";',
            ["drop-default"],
            id="set-default-null-cast",
        ),
        pytest.param(
            # Prisma changing a serial id to text: the old release still inserts without an id.
            PRISMA_WEBHOOK,
            '-- AlterTable\nALTER TABLE "Webhook" DROP CONSTRAINT "Webhook_pkey",\n'
            'ALTER COLUMN "id" DROP DEFAULT,\nALTER COLUMN "id" SET DATA TYPE TEXT,\n'
            'ADD CONSTRAINT "Webhook_pkey" PRIMARY KEY ("id");\nDROP SEQUENCE "Webhook_id_seq";',
            ["drop-default"],
            id="prisma-serial-to-text",
        ),
        pytest.param(
            "",
            'ALTER TABLE "events" ALTER COLUMN "kind" DROP DEFAULT;',
            ["drop-default"],
            id="column-not-in-history",
        ),
        pytest.param(
            PRISMA_ORDER,
            'ALTER TABLE "Order" ALTER COLUMN "note" DROP DEFAULT;',
            [],
            id="nullable-column",
        ),
        pytest.param(
            PRISMA_ORDER,
            'ALTER TABLE "Order" ALTER COLUMN "currency" DROP DEFAULT;',
            [],
            id="no-default-to-drop",
        ),
        pytest.param(
            PRISMA_ORDER,
            '-- AlterTable\nALTER TABLE "Order" ALTER COLUMN "dataSource" DROP NOT NULL,\n'
            'ALTER COLUMN "dataSource" DROP DEFAULT;',
            [],
            id="prisma-optional-first",
        ),
        pytest.param(
            PRISMA_ORDER,
            'ALTER TABLE "Order" ALTER COLUMN "dataSource" DROP DEFAULT;\n'
            'ALTER TABLE "Order" ALTER COLUMN "dataSource" DROP NOT NULL;',
            [],
            id="optional-later-in-the-migration",
        ),
        pytest.param(
            # drizzle-kit around a type change: the default is set again.
            DRIZZLE_API_KEYS,
            'ALTER TABLE "api_keys" ALTER COLUMN "livemode" DROP DEFAULT;--> statement-breakpoint\n'
            'ALTER TABLE "api_keys" ALTER COLUMN "livemode" SET DATA TYPE text;'
            "--> statement-breakpoint\n"
            'ALTER TABLE "api_keys" ALTER COLUMN "livemode" SET DEFAULT \'true\';',
            [],
            id="drizzle-default-set-again",
        ),
        pytest.param(
            DRIZZLE_API_KEYS,
            'ALTER TABLE "api_keys" ALTER COLUMN "livemode" DROP DEFAULT;\n'
            'ALTER TABLE "api_keys" DROP COLUMN "livemode";',
            [],
            id="column-dropped-later",
        ),
        pytest.param(
            DRIZZLE_API_KEYS,
            'ALTER TABLE "api_keys" ALTER COLUMN "livemode" DROP DEFAULT;\nDROP TABLE "api_keys";',
            [],
            id="table-dropped-later",
        ),
        pytest.param(
            DRIZZLE_API_KEYS,
            'ALTER TABLE "api_keys" ALTER COLUMN "livemode" DROP DEFAULT;\n'
            'ALTER TABLE "other" ALTER COLUMN "livemode" SET DEFAULT true;',
            ["drop-default"],
            id="another-tables-default-set-later",
        ),
        pytest.param(
            "",
            DRIZZLE_API_KEYS + 'ALTER TABLE "api_keys" ALTER COLUMN "livemode" DROP DEFAULT;',
            [],
            id="new-table",
        ),
        pytest.param(
            PRISMA_ORDER,
            'ALTER TABLE "Order" ALTER COLUMN "dataSource" SET DEFAULT \'RAKUTEN\';',
            [],
            id="set-another-default",
        ),
        # add-required-column: the default of a column added in the same migration dropped.
        pytest.param(
            PRISMA_ORDER,
            "-- AlterTable\n"
            'ALTER TABLE "Order" ADD COLUMN "level" TEXT NOT NULL DEFAULT \'SES\';\n'
            'ALTER TABLE "Order" ALTER COLUMN "level" DROP DEFAULT;',
            ["add-required-column"],
            id="prisma-add-then-drop-default",
        ),
        pytest.param(
            PRISMA_ORDER,
            'ALTER TABLE "Order" ADD COLUMN "quota" INTEGER,\n'
            "ADD COLUMN \"limits\" JSONB NOT NULL DEFAULT '[]'::jsonb,\n"
            'ADD COLUMN "count" INTEGER NOT NULL DEFAULT 0;\n\n'
            'ALTER TABLE "Order" ALTER COLUMN "limits" DROP DEFAULT,\n'
            'ALTER COLUMN "count" DROP DEFAULT;',
            ["add-required-column", "add-required-column"],
            id="prisma-several-columns",
        ),
        pytest.param(
            DRIZZLE_TWO_FACTOR,
            'ALTER TABLE "two_factor" ADD COLUMN IF NOT EXISTS "verified" boolean DEFAULT false;\n'
            'UPDATE "two_factor" SET "verified" = true WHERE "verified" = false;\n'
            'ALTER TABLE "two_factor" ALTER COLUMN "verified" SET NOT NULL;\n'
            'ALTER TABLE "two_factor" ALTER COLUMN "verified" DROP DEFAULT;',
            ["add-required-column"],
            id="added-nullable-made-required-then-default-dropped",
        ),
        pytest.param(
            PRISMA_ORDER,
            'ALTER TABLE "Order" ADD COLUMN "level" TEXT DEFAULT \'SES\';\n'
            'ALTER TABLE "Order" ALTER COLUMN "level" DROP DEFAULT;',
            [],
            id="added-nullable",
        ),
        pytest.param(
            PRISMA_ORDER,
            'ALTER TABLE "Order" ADD COLUMN "level" TEXT NOT NULL DEFAULT \'SES\';\n'
            'ALTER TABLE "Order" ALTER COLUMN "level" DROP DEFAULT;\n'
            'ALTER TABLE "Order" ALTER COLUMN "level" SET DEFAULT \'QES\';',
            [],
            id="added-and-default-changed",
        ),
        pytest.param(
            PRISMA_ORDER,
            'ALTER TABLE "Order" ADD COLUMN "level" TEXT NOT NULL DEFAULT \'SES\';\n'
            'ALTER TABLE "Order" ALTER COLUMN "level" DROP NOT NULL;\n'
            'ALTER TABLE "Order" ALTER COLUMN "level" DROP DEFAULT;',
            [],
            id="added-then-made-optional",
        ),
        pytest.param(
            "",
            DRIZZLE_TWO_FACTOR
            + 'ALTER TABLE "two_factor" ADD COLUMN "verified" boolean NOT NULL DEFAULT false;\n'
            'ALTER TABLE "two_factor" ALTER COLUMN "verified" DROP DEFAULT;',
            [],
            id="added-to-a-new-table",
        ),
    ],
)
def test_drop_default(tmp_path: Path, history: str, sql: str, expected: list[str]) -> None:
    assert [d.rule for d in findings(tmp_path, history, sql, DEFAULT_RULES)] == expected


def test_drop_default_says_why_and_rolls_back_to_the_default_history_knows(
    tmp_path: Path,
) -> None:
    (finding,) = findings(
        tmp_path,
        PRISMA_ORDER,
        'ALTER TABLE "Order" ALTER COLUMN "dataSource" DROP DEFAULT;',
        DEFAULT_RULES,
    )
    assert finding.message.startswith(
        'Removing the default of NOT NULL column "dataSource" of "Order" makes INSERTs that '
        'leave "dataSource" out fail with a not-null violation'
    )
    assert "Prisma and drizzle omit columns that have a default" in finding.message
    assert 'Takes an ACCESS EXCLUSIVE lock on "Order"' in finding.message
    assert 'ALTER TABLE "Order" ALTER COLUMN "dataSource" DROP NOT NULL;' in finding.help
    assert finding.help.endswith(
        "-- migration-lint: allow drop-default -- <why running code no longer needs it>\n"
        "-- rollback:\n"
        '-- ALTER TABLE "Order" ALTER COLUMN "dataSource" SET DEFAULT \'YAHOO\';'
    )


PRISMA_COUNTER = (
    'CREATE TABLE "Counter" ("id" SERIAL NOT NULL, "n" INTEGER NOT NULL, '
    '"kind" TEXT NOT NULL DEFAULT \'a\', CONSTRAINT "Counter_pkey" PRIMARY KEY ("id", "kind"));\n'
)


@pytest.mark.parametrize(
    ("sql", "kept", "rollback"),
    [
        pytest.param(
            # Prisma, when @default(autoincrement()) leaves the schema.
            '-- AlterTable\nALTER TABLE "Counter" ALTER COLUMN "id" DROP DEFAULT;\n'
            'DROP SEQUENCE "Counter_id_seq";',
            'Its default takes its values from the sequence "Counter_id_seq" (Prisma drops both '
            "when @default(autoincrement()) leaves the schema): keep both until step 2.",
            [
                'CREATE SEQUENCE IF NOT EXISTS "Counter_id_seq" AS integer OWNED BY '
                '"Counter"."id";',
                'SELECT setval(\'"Counter_id_seq"\', max("id")) FROM "Counter";',
                'ALTER TABLE "Counter" ALTER COLUMN "id" SET DEFAULT '
                "nextval('\"Counter_id_seq\"');",
            ],
            id="serial",
        ),
        pytest.param(
            'ALTER TABLE "Counter" ALTER COLUMN "kind" DROP DEFAULT;',
            "",
            ['ALTER TABLE "Counter" ALTER COLUMN "kind" SET DEFAULT \'a\';'],
            id="in-a-composite-key",
        ),
    ],
)
def test_drop_default_of_a_key_column_keeps_it_not_null(
    tmp_path: Path, sql: str, kept: str, rollback: list[str]
) -> None:
    (finding,) = findings(tmp_path, PRISMA_COUNTER, sql, DEFAULT_RULES)
    # PostgreSQL refuses DROP NOT NULL on a column of the primary key (42P16).
    assert "DROP NOT NULL" not in finding.help
    column = sql.split('ALTER COLUMN "')[1].split('"')[0]
    assert (
        f'"{column}" is in the primary key "Counter_pkey": it stays NOT NULL, so every INSERT '
        "must set it once its default is gone." in finding.help
    )
    assert kept in finding.help
    assert finding.help.split("-- rollback:\n")[1].splitlines() == [f"-- {r}" for r in rollback]


def test_drop_default_of_a_column_history_does_not_show_is_conditional() -> None:
    (finding,) = lint_sql(
        'ALTER TABLE "events" ALTER COLUMN "kind" DROP DEFAULT;', select=DEFAULT_RULES
    )
    assert "if it is NOT NULL (the earlier migrations do not show whether it is)" in (
        finding.message
    )
    assert finding.help.endswith(
        '-- ALTER TABLE "events" ALTER COLUMN "kind" SET DEFAULT <previous default>;'
    )


def test_a_default_dropped_after_add_column_points_at_the_drop_and_names_the_add(
    tmp_path: Path,
) -> None:
    (finding,) = findings(
        tmp_path,
        PRISMA_ORDER,
        "-- AlterTable\n"
        'ALTER TABLE "Order" ADD COLUMN "level" TEXT NOT NULL DEFAULT \'SES\';\n\n'
        'ALTER TABLE "Order" ALTER COLUMN "level" DROP DEFAULT;',
        DEFAULT_RULES,
    )
    assert (finding.rule, finding.line) == ("add-required-column", 4)
    assert finding.message.startswith(
        'Dropping the default of "level", added to "Order" at line 2, leaves INSERTs'
    )
    assert "1. Keep the ADD COLUMN of line 2" in finding.help
    assert finding.help.endswith(
        "-- migration-lint: allow add-required-column -- <why running code no longer needs it>\n"
        "-- rollback:\n"
        '-- ALTER TABLE "Order" ALTER COLUMN "level" SET DEFAULT \'SES\';'
    )


UPDATE = frozenset({"update-all-rows"})


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param('UPDATE "users" SET "locale" = \'en\';', 1, id="update-all"),
        pytest.param(
            # Prisma: a hand-written data step after its generated SQL.
            '-- AlterTable\nALTER TABLE "Document" ADD COLUMN "updatedAt" TIMESTAMP(3);\n\n'
            'UPDATE "Document"\nSET "updatedAt" = "createdAt";\n',
            1,
            id="prisma-backfill",
        ),
        pytest.param(
            'ALTER TABLE "admin" ADD COLUMN "cleanup" boolean DEFAULT true NOT NULL;'
            '--> statement-breakpoint\nUPDATE "admin" SET "cleanup" = false;',
            1,
            id="drizzle-backfill",
        ),
        pytest.param(
            'UPDATE "prices" SET "pricing_model_id" = (SELECT "pricing_model_id" FROM "products" '
            'WHERE "products"."id" = "prices"."product_id");',
            1,
            id="correlated-subquery",
        ),
        pytest.param(
            'UPDATE "orders" o SET "country_id" = c."id" FROM "countries" c;',
            1,
            id="update-from-without-where",
        ),
        pytest.param(
            "DO $$\nBEGIN\n  UPDATE \"Discounts\" SET new_id = CONCAT('d_', id);\nEND $$;",
            1,
            id="inside-a-do-block",
        ),
        pytest.param('UPDATE "users" SET "locale" = \'en\' WHERE "locale" IS NULL;', 0, id="where"),
        pytest.param(
            'UPDATE "orders" o SET "country_id" = c."id" FROM "countries" c '
            'WHERE c."code" = o."country_code";',
            0,
            id="update-from-with-where",
        ),
        pytest.param(
            'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "locale" text);\n'
            'UPDATE "users" SET "locale" = \'en\';',
            0,
            id="new-table",
        ),
    ],
)
def test_update_all_rows(sql: str, expected: int) -> None:
    assert [d.rule for d in lint_sql(sql, select=UPDATE)] == ["update-all-rows"] * expected


@pytest.mark.parametrize(
    ("sql", "batch"),
    [
        pytest.param(
            'UPDATE "users" SET "locale" = \'en\';',
            '   UPDATE "users" SET "locale" = \'en\'\n'
            '   WHERE ctid IN (SELECT ctid FROM "users" WHERE <rows not yet updated> '
            "LIMIT 10000);",
            id="its-set-clause",
        ),
        pytest.param(
            'UPDATE "Organizations" o\nSET "CountryNewId" = (\n  SELECT "externalId"\n'
            '  FROM "Countries" c\n  WHERE c.id = o."CountryId"\n) RETURNING o."id";',
            '   UPDATE "Organizations" AS "o" SET "CountryNewId" = (\n'
            '     SELECT "externalId"\n'
            '     FROM "Countries" c\n'
            '     WHERE c.id = o."CountryId"\n'
            "   )\n"
            '   WHERE ctid IN (SELECT ctid FROM "Organizations" WHERE <rows not yet updated> '
            "LIMIT 10000);",
            id="alias-and-lines",
        ),
        pytest.param(
            "DO $$\nDECLARE prefix text := 'd_';\nBEGIN\n"
            '  UPDATE "Discounts" SET new_id = CONCAT(prefix, id);\nEND $$;',
            '   UPDATE "Discounts" SET <column> = <value>\n',
            id="do-block-variables-are-not-copied",
        ),
        pytest.param(
            'UPDATE "orders" SET "country_id" = c."id" FROM "countries" c;',
            '   UPDATE "orders" SET <column> = <value>\n',
            id="update-from",
        ),
    ],
)
def test_update_all_rows_help_batches_the_users_own_update(sql: str, batch: str) -> None:
    (finding,) = lint_sql(sql, select=UPDATE)
    assert batch in finding.help
    assert "Schema changes and data changes belong in separate migrations" in finding.help


@pytest.mark.parametrize(
    ("sql", "settings", "transaction"),
    [
        pytest.param('UPDATE "users" SET "locale" = \'en\';', {}, None, id="alone"),
        pytest.param(
            'UPDATE "users" SET "locale" = \'en\';',
            {"assume_in_transaction": True},
            "the runner",
            id="runner-transaction",
        ),
        pytest.param(
            'ALTER TABLE "users" ADD COLUMN "locale" text;\nUPDATE "users" SET "locale" = \'en\';',
            {"assume_in_transaction": False},
            None,
            id="no-transaction",
        ),
    ],
)
def test_update_all_rows_says_what_the_transaction_holds(
    sql: str, settings: dict[str, object], transaction: str | None
) -> None:
    (finding,) = lint_sql(sql, select=UPDATE, **settings)
    assert finding.message.startswith(
        'UPDATE without WHERE writes a new version of every row of "users" and keeps each row '
        "locked until "
    )
    assert 'Takes a ROW EXCLUSIVE lock on "users"' in finding.message
    held = "so the locks the migration's earlier statements took stay held while it runs"
    assert (held in finding.message) == (transaction is not None)


DROPS = frozenset({"drop-view", "drop-function"})
DRIZZLE_VIEW = (
    'CREATE VIEW "public"."active_users" AS (select "id", "email" from "users" '
    'where "users"."deleted_at" is null);'
)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param('DROP VIEW "order_totals";', ["drop-view"], id="drop-view"),
        pytest.param(
            'DROP VIEW "public"."active_users";--> statement-breakpoint\n',
            ["drop-view"],
            id="drizzle-drop-view",
        ),
        pytest.param(
            'DROP MATERIALIZED VIEW "public"."team_stats";',
            ["drop-view"],
            id="drizzle-drop-materialized-view",
        ),
        pytest.param("DROP VIEW IF EXISTS a, b CASCADE;", ["drop-view", "drop-view"], id="two"),
        pytest.param(
            'DROP VIEW "public"."active_users";--> statement-breakpoint\n' + DRIZZLE_VIEW,
            [],
            id="drizzle-recreates-a-changed-view",
        ),
        pytest.param(
            "DROP MATERIALIZED VIEW team_stats;\n"
            "CREATE MATERIALIZED VIEW team_stats AS SELECT 1 AS n;",
            [],
            id="materialized-view-recreated",
        ),
        pytest.param(
            "DROP VIEW v;\nCREATE OR REPLACE VIEW v AS SELECT 1 AS n;",
            [],
            id="recreated-with-or-replace",
        ),
        pytest.param("DROP VIEW v;\nCREATE VIEW w AS SELECT 1 AS n;", ["drop-view"], id="other"),
        pytest.param("CREATE VIEW v AS SELECT 1 AS n;\nDROP VIEW v;", [], id="new-view"),
        pytest.param('DROP FUNCTION "order_total"(bigint);', ["drop-function"], id="drop-function"),
        pytest.param(
            "DROP FUNCTION IF EXISTS get_metrics(uuid);", ["drop-function"], id="if-exists"
        ),
        pytest.param("DROP PROCEDURE archive_orders;", ["drop-function"], id="procedure"),
        pytest.param("DROP ROUTINE archive_orders();", ["drop-function"], id="routine"),
        pytest.param(
            "DROP FUNCTION f(int);\n"
            "CREATE FUNCTION f(a integer) RETURNS integer LANGUAGE sql AS 'SELECT a';",
            [],
            id="recreated-same-arguments",
        ),
        pytest.param(
            "DROP FUNCTION f(varchar(10));\n"
            "CREATE OR REPLACE FUNCTION f(a character varying, OUT b int) LANGUAGE sql "
            "AS 'SELECT 1';",
            [],
            id="recreated-argument-types-respelled",
        ),
        pytest.param(
            "DROP FUNCTION f;\nCREATE FUNCTION f(a text) RETURNS text LANGUAGE sql AS 'SELECT a';",
            [],
            id="recreated-drop-without-arguments",
        ),
        pytest.param(
            "DROP FUNCTION f(int);\n"
            "CREATE FUNCTION f(a text) RETURNS text LANGUAGE sql AS 'SELECT a';",
            ["drop-function"],
            id="other-arguments",
        ),
        pytest.param(
            "DROP PROCEDURE p();\nCREATE FUNCTION p() RETURNS int LANGUAGE sql AS 'SELECT 1';",
            ["drop-function"],
            id="procedure-replaced-by-a-function",
        ),
        pytest.param(
            "DROP ROUTINE p();\nCREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1';",
            [],
            id="routine-recreated-as-procedure",
        ),
        pytest.param(
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\nDROP FUNCTION f();",
            [],
            id="new-function",
        ),
        pytest.param(
            "DO $$\nBEGIN\n  DROP VIEW IF EXISTS v;\n  DROP FUNCTION IF EXISTS f();\nEND $$;",
            ["drop-view", "drop-function"],
            id="inside-a-do-block",
        ),
    ],
)
def test_drop_view_and_drop_function(sql: str, expected: list[str]) -> None:
    assert [d.rule for d in lint_sql(sql, select=DROPS)] == expected


def test_a_view_created_in_history_is_not_new_and_rolls_back_to_its_definition(
    tmp_path: Path,
) -> None:
    (finding,) = lint_folder(
        tmp_path,
        [
            'CREATE TABLE "users" ("id" bigint, "email" text, "deleted_at" timestamptz);\n'
            + DRIZZLE_VIEW,
            'DROP VIEW "public"."active_users";',
        ],
        select=DROPS,
    )
    assert finding.message.startswith(
        'Dropping view "public"."active_users" breaks running code that still queries it. '
        'Takes an ACCESS EXCLUSIVE lock on "public"."active_users"'
    )
    assert 'CREATE OR REPLACE VIEW "public"."active_users" AS <new query>' in finding.help
    assert finding.help.endswith("-- rollback:\n-- " + DRIZZLE_VIEW)


def test_a_dropped_function_rolls_back_to_its_definition_or_a_placeholder(
    tmp_path: Path,
) -> None:
    create = (
        'CREATE FUNCTION "order_total"("order_id" bigint) RETURNS numeric\n'
        "LANGUAGE sql AS $$ SELECT 0 $$;"
    )
    known, unknown = lint_folder(
        tmp_path,
        [create, 'DROP FUNCTION "order_total"(int8);\nDROP FUNCTION "gone";'],
        select=DROPS,
    )
    assert known.message.startswith(
        'Dropping function "order_total"(bigint) breaks running code that calls it'
    )
    assert "PostgreSQL refuses the drop while a trigger" in known.message
    assert known.help.endswith(
        '-- rollback:\n-- CREATE FUNCTION "order_total"("order_id" bigint) RETURNS numeric\n'
        "-- LANGUAGE sql AS $$ SELECT 0 $$;"
    )
    assert unknown.help.endswith(
        '-- rollback:\n-- CREATE FUNCTION "gone"(<its arguments>) RETURNS <its result type> '
        "LANGUAGE <its language> AS $$<its body>$$;"
    )


DYNAMIC = frozenset({"dynamic-sql", "drop-column", "rename-column", "drop-table"})
# nwd's migrations enable row level security on every table this way.
RLS_LOOP = (
    "DO $$\nDECLARE\n    t text;\nBEGIN\n    FOR t IN\n        SELECT table_name\n"
    "        FROM information_schema.tables\n        WHERE table_schema = 'public'\n    LOOP\n"
    "        EXECUTE format('\n            ALTER TABLE %I ENABLE ROW LEVEL SECURITY;\n"
    "        ', t, t);\n    END LOOP;\nEND $$;"
)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param(RLS_LOOP, [("dynamic-sql", 10, 17)], id="format"),
        pytest.param(
            "DO $$\nDECLARE t text := 'old';\nBEGIN\n  EXECUTE 'DROP TABLE ' || quote_ident(t);\n"
            "END $$;",
            [("dynamic-sql", 4, 11)],
            id="concatenation",
        ),
        pytest.param(
            # sim's way to rename only when the column is still there: read as written.
            "DO $$\nBEGIN\n  IF true THEN\n"
            "    EXECUTE 'ALTER TABLE logs RENAME COLUMN metadata TO execution_data';\n"
            "  END IF;\nEND $$;",
            [("rename-column", 4, 14)],
            id="string-constant-is-checked",
        ),
        pytest.param(
            "DO $$\nBEGIN\n  EXECUTE $q$ALTER TABLE logs DROP COLUMN metadata$q$;\nEND $$;",
            [("drop-column", 3, 14)],
            id="dollar-quoted-constant",
        ),
        pytest.param(
            "DO $$\nBEGIN\n  EXECUTE 'ALTER TABLE logs DROP COLUMN \"it''s\"';\nEND $$;",
            [("drop-column", 3, 11)],
            id="constant-with-escapes-points-at-the-string",
        ),
        pytest.param(
            "DO $$\nBEGIN\n  EXECUTE 'SELECT 1';\nEND $$;", [], id="constant-without-findings"
        ),
        pytest.param(
            "DO $$\nBEGIN\n  EXECUTE 'SELEC 1';\nEND $$;", [], id="constant-that-does-not-parse"
        ),
        pytest.param(
            "CREATE FUNCTION f(t text) RETURNS void LANGUAGE plpgsql AS $$\n"
            "BEGIN\n  EXECUTE format('DROP TABLE %I', t);\nEND $$;",
            [],
            id="function-body-runs-later",
        ),
        pytest.param(
            "DO $$ BEGIN\n ALTER TABLE logs DROP COLUMN metadata;\n"
            "EXCEPTION WHEN undefined_column THEN null;\nEND $$;",
            [("drop-column", 2, 2)],
            id="plain-statements",
        ),
        # SQL built at run time that reads or writes rows, not the schema: not reported.
        *(
            pytest.param(
                f"DO $$\nDECLARE n int;\nBEGIN\n  EXECUTE {expression};\nEND $$;", [], id=name
            )
            for name, expression in {
                "select-into": "'SELECT count(*) FROM ' || quote_ident('t') INTO n",
                "setval": "format('SELECT setval(%L, 1)', 't_id_seq')",
                "insert": "format($f$ INSERT INTO %I VALUES (1) $f$, 't')",
                "update": "'UPDATE ' || 't' || ' SET a = 1'",
                "delete": "concat('delete from ', 't')",
                "values": "'VALUES (' || 1 || ')'",
                "with-select": "format('WITH x AS (SELECT 1) SELECT * FROM %I', 't')",
                "commented": "format('-- count\n  (SELECT count(*) FROM %I)', 't') INTO n",
            }.items()
        ),
        # What may change the schema, or cannot be told, is.
        *(
            pytest.param(
                f"DO $$\nBEGIN\n  EXECUTE {expression};\nEND $$;", [("dynamic-sql", 3, 11)], id=name
            )
            for name, expression in {
                "a-setting": "current_setting('app.sql')",
                "a-function-of-it": "lower(current_setting('app.sql'))",
                "it-first": "current_setting('app.sql') || ' SELECT 1'",
                "select-then-ddl": "format('SELECT 1; DROP TABLE %I', 't')",
                "grant": "format('GRANT SELECT ON %I TO app', 't')",
            }.items()
        ),
    ],
)
def test_dynamic_sql(sql: str, expected: list[tuple[str, int, int]]) -> None:
    assert [(d.rule, d.line, d.column) for d in lint_sql(sql, select=DYNAMIC)] == expected


def test_dynamic_sql_quotes_the_expression_and_says_it_was_not_checked() -> None:
    (finding,) = lint_sql(RLS_LOOP, select=DYNAMIC)
    assert finding.message == (
        "EXECUTE format(' ALTER TABLE %I ENABLE ROW LEVEL SECURITY; ', t, t) runs SQL that is "
        "built when the block runs: the linter could not check what it runs (drops, renames, "
        "rewrites, the locks it takes)."
    )
    assert (finding.end_line, finding.end_column) == (12, 17)  # after its closing parenthesis
