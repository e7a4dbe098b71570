"""Pass and fail SQL for every breaking rule, hand-written and as drizzle-kit writes it."""

from __future__ import annotations

import pytest

from conftest import declaration_to_paste, lint_sql, lint_under, rule_ids
from migration_lint.diagnostic import Severity
from migration_lint.registry import load_rules

DRIZZLE_CREATE_USERS = (
    'CREATE TABLE "users" (\n\t"id" serial PRIMARY KEY NOT NULL,\n\t"name" text\n);\n'
    "--> statement-breakpoint\n"
)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param('DROP TABLE "users";', ["drop-table"], id="drop-table"),
        pytest.param(
            "DROP TABLE a, b CASCADE;", ["drop-table", "drop-table"], id="drop-two-tables"
        ),
        pytest.param(
            'DROP TABLE "public"."users" CASCADE;', ["drop-table"], id="drop-table-drizzle"
        ),
        pytest.param(DRIZZLE_CREATE_USERS + 'DROP TABLE "users";', [], id="drop-new-table"),
        pytest.param(
            'CREATE TABLE "users" ("id" int);\nDROP TABLE "public"."users";',
            [],
            id="drop-new-table-qualified",
        ),
        pytest.param('ALTER TABLE "users" DROP COLUMN "name";', ["drop-column"], id="drop-column"),
        pytest.param(
            'ALTER TABLE "public"."users" DROP COLUMN IF EXISTS "name";--> statement-breakpoint\n',
            ["drop-column"],
            id="drop-column-drizzle",
        ),
        pytest.param(
            DRIZZLE_CREATE_USERS + 'ALTER TABLE "users" DROP COLUMN "name";',
            [],
            id="drop-column-new-table",
        ),
        pytest.param("DROP SCHEMA reporting CASCADE;", ["drop-schema"], id="drop-schema"),
        pytest.param("CREATE SCHEMA reporting;", [], id="create-schema"),
        pytest.param("DROP DATABASE analytics;", ["drop-database"], id="drop-database"),
        pytest.param('TRUNCATE "audit_log";', ["truncate-table"], id="truncate"),
        pytest.param("TRUNCATE a, b;", ["truncate-table", "truncate-table"], id="truncate-two"),
        pytest.param('DELETE FROM "flags";', ["delete-all-rows"], id="delete-all"),
        pytest.param("DELETE FROM flags WHERE name = 'x';", [], id="delete-where"),
        pytest.param(
            'ALTER TABLE "users" RENAME TO "accounts";', ["rename-table"], id="rename-table"
        ),
        pytest.param(
            DRIZZLE_CREATE_USERS + 'ALTER TABLE "users" RENAME TO "accounts";',
            [],
            id="rename-new-table",
        ),
        pytest.param(
            'ALTER TABLE "users" RENAME COLUMN "name" TO "full_name";',
            ["rename-column"],
            id="rename-column",
        ),
        pytest.param("ALTER TABLE users RENAME CONSTRAINT a TO b;", [], id="rename-constraint"),
        pytest.param(
            'ALTER TABLE "users" ALTER COLUMN "name" SET DATA TYPE varchar(64);',
            ["change-column-type"],
            id="change-type-drizzle",
        ),
        pytest.param(
            "ALTER TABLE users ALTER COLUMN age TYPE bigint USING age::bigint;",
            ["change-column-type"],
            id="change-type-using",
        ),
        pytest.param(
            DRIZZLE_CREATE_USERS
            + 'ALTER TABLE "users" ALTER COLUMN "name" SET DATA TYPE varchar(64);',
            [],
            id="change-type-new-table",
        ),
        pytest.param(
            'ALTER TABLE "users" ADD COLUMN "locale" text NOT NULL;',
            ["add-required-column"],
            id="add-required-column",
        ),
        pytest.param(
            "ALTER TABLE users ADD COLUMN locale text NOT NULL DEFAULT 'en';",
            [],
            id="add-column-with-default",
        ),
        pytest.param("ALTER TABLE users ADD COLUMN locale text;", [], id="add-nullable-column"),
        pytest.param(
            "ALTER TABLE users ADD COLUMN n bigserial NOT NULL;",
            ["volatile-default"],
            id="add-serial",
        ),
        pytest.param(
            "ALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS IDENTITY;",
            [],
            id="add-identity",
        ),
        pytest.param(
            "ALTER TABLE users ADD COLUMN n int NOT NULL GENERATED ALWAYS AS (id * 2) STORED;",
            [],
            id="add-generated",
        ),
        pytest.param(
            "ALTER TABLE users ADD COLUMN n int PRIMARY KEY;",
            ["add-required-column"],
            id="add-primary-key-column",
        ),
        pytest.param(
            DRIZZLE_CREATE_USERS + 'ALTER TABLE "users" ADD COLUMN "locale" text NOT NULL;',
            [],
            id="add-required-column-new-table",
        ),
        pytest.param(
            'CREATE TABLE "a" ("id" int);\nALTER TABLE "a" RENAME TO "b";\nALTER TABLE "b" DROP COLUMN "id";',
            [],
            id="renamed-new-table-stays-new",
        ),
        pytest.param(
            'CREATE TABLE "users" ("id" int);\nDROP TABLE "users";\nCREATE TABLE other (id int);\n'
            "DROP TABLE other;\nALTER TABLE users2 DROP COLUMN x;",
            ["drop-column"],
            id="only-existing-tables",
        ),
        pytest.param(
            'CREATE TABLE "s"."users" ("id" int);\nDROP TABLE "users";',
            ["drop-table"],
            id="other-schema-is-not-new",
        ),
    ],
)
def test_breaking_rules(sql: str, expected: list[str]) -> None:
    assert rule_ids(sql) == expected


def test_breaking_findings_use_the_statements_own_names() -> None:
    (finding,) = lint_sql('ALTER TABLE "orders" ALTER COLUMN "total" TYPE numeric(12, 2);')
    assert finding.severity.value == "breaking"
    assert "ACCESS EXCLUSIVE" in finding.message and "rewrites" in finding.message
    assert 'ALTER TABLE "orders" ADD COLUMN "total_new" numeric(12, 2);' in finding.help
    assert 'ALTER TABLE "orders" DROP COLUMN "total";' in finding.help


def test_add_required_column_help_shows_the_not_null_phases() -> None:
    (finding,) = lint_sql('ALTER TABLE "users" ADD COLUMN "locale" text NOT NULL;', pg_version=16)
    assert 'ALTER TABLE "users" ADD COLUMN "locale" text;' in finding.help
    assert (
        'ADD CONSTRAINT "users_locale_not_null" CHECK ("locale" IS NOT NULL) NOT VALID'
        in finding.help
    )
    assert 'ALTER TABLE "users" ALTER COLUMN "locale" SET NOT NULL;' in finding.help


def test_rename_column_help_without_history_leaves_the_type_to_fill_in() -> None:
    (finding,) = lint_sql("ALTER TABLE users RENAME COLUMN name TO full_name;")
    assert 'ALTER TABLE "users" ADD COLUMN "full_name" <type of "name">;' in finding.help


def test_finding_points_at_the_statement() -> None:
    sql = "-- first\nALTER TABLE users ADD COLUMN a int;\n\nALTER TABLE users\n  DROP COLUMN b;\n"
    (finding,) = lint_sql(sql)
    assert (finding.line, finding.column, finding.end_line, finding.end_column) == (4, 1, 5, 16)


# How to declare it: the end of every breaking finding's help ----------------------------------

BREAKING = sorted(
    (r for r in load_rules().values() if r.severity is Severity.BREAKING and r.check),
    key=lambda r: r.id,
)


@pytest.mark.parametrize("layout", ["plain", "drizzle", "prisma"])
@pytest.mark.parametrize("rule", BREAKING, ids=[r.id for r in BREAKING])
def test_the_declaration_in_the_help_declares_the_finding_when_pasted(rule, layout) -> None:
    history = (rule.example_schema,)
    (finding,) = lint_under(layout, rule.bad, history, select=frozenset({rule.id}))
    assert not finding.allowed
    pasted = declaration_to_paste(finding.help) + "\n" + rule.bad
    found = lint_under(layout, pasted, history, select=frozenset({rule.id}))
    assert [(d.rule, d.allowed) for d in found] == [(rule.id, True)]


MOODS = (
    "CREATE TYPE \"Mood\" AS ENUM ('A', 'B');\n"
    'CREATE TABLE "Entry" ("id" SERIAL NOT NULL, "x" INTEGER, CONSTRAINT "Entry_pkey" '
    'PRIMARY KEY ("id"));'
)
PRISMA_HISTORY = (
    "CREATE TYPE \"Role\" AS ENUM ('USER', 'ADMIN');\n"
    'CREATE TABLE "User" ("id" TEXT NOT NULL, "role" "Role" NOT NULL, "tags" "Role"[],\n'
    '    "score" DOUBLE PRECISION, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n'
    'CREATE UNIQUE INDEX "User_tags_key" ON "User"("tags");'
)


@pytest.mark.parametrize(
    ("history", "sql", "rollback"),
    [
        pytest.param(
            PRISMA_HISTORY,
            'ALTER TABLE "User" DROP COLUMN "role";',
            [
                # NOT NULL without a default: ADD COLUMN would fail on a table with rows.
                'ALTER TABLE "User" ADD COLUMN "role" "Role";',
                '-- Its values are gone with it: fill "role" in (from a backup), then:',
                'ALTER TABLE "User" ALTER COLUMN "role" SET NOT NULL;',
            ],
            id="drop-enum-column",
        ),
        pytest.param(
            PRISMA_HISTORY,
            'ALTER TABLE "User" DROP COLUMN "tags";',
            [
                'ALTER TABLE "User" ADD COLUMN "tags" "Role"[];',
                'CREATE UNIQUE INDEX "User_tags_key" ON "User" ("tags");',
            ],
            id="drop-indexed-column",
        ),
        pytest.param(
            "",
            'ALTER TABLE "users" DROP COLUMN "nickname";',
            ['ALTER TABLE "users" ADD COLUMN "nickname" <type of "nickname">;'],
            id="drop-column-without-history",
        ),
        pytest.param(
            PRISMA_HISTORY,
            'DROP TABLE "User";',
            [
                'CREATE TABLE "User" ("id" text NOT NULL, "role" "Role" NOT NULL, "tags" '
                '"Role"[], "score" double precision, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));',
                'CREATE UNIQUE INDEX "User_tags_key" ON "User" ("tags");',
            ],
            id="drop-table",
        ),
        pytest.param(
            'CREATE TABLE "public"."Session" ("id" bigint PRIMARY KEY);',
            'DROP TABLE "public"."Session";',
            [
                'CREATE TABLE "public"."Session" ("id" bigint NOT NULL, '
                'CONSTRAINT "Session_pkey" PRIMARY KEY ("id"));'
            ],
            id="drop-table-inline-primary-key",
        ),
        pytest.param(
            "",
            'DROP TABLE "sessions";',
            ['CREATE TABLE "sessions" (<column> <type>);'],
            id="drop-table-without-history",
        ),
        # What history does not show, the plan says in a note rather than leave it out unsaid.
        pytest.param(
            'CREATE TABLE "Hook" ("id" SERIAL PRIMARY KEY, "url" TEXT);\n'
            'ALTER TABLE "Hook" ALTER COLUMN "id" TYPE text USING "url";',
            'DROP TABLE "Hook";',
            [
                'CREATE TABLE "Hook" ("id" text NOT NULL, "url" text, '
                'CONSTRAINT "Hook_pkey" PRIMARY KEY ("id"));',
                '-- "id" was declared serial, then given another type: its sequence and its '
                "default are not restored.",
            ],
            id="drop-table-serial-retyped",
        ),
        pytest.param(
            'CREATE TABLE "Log" ("at" date NOT NULL) PARTITION BY RANGE ("at");\n'
            'CREATE TABLE "Log_2024" PARTITION OF "Log" FOR VALUES FROM (\'2024-01-01\') '
            "TO ('2025-01-01');",
            'DROP TABLE "Log";',
            [
                'CREATE TABLE "Log" ("at" date NOT NULL);',
                '-- "Log" is partitioned: the migrations do not show its partition key, nor the '
                'bounds of its partitions ("Log_2024").',
            ],
            id="drop-partitioned-table",
        ),
        pytest.param(
            'CREATE TABLE "a" ("id" int PRIMARY KEY, "m" text);\n'
            'CREATE VIEW "v" AS SELECT "m" FROM "a";',
            'ALTER TABLE "a" DROP COLUMN "m" CASCADE;',
            [
                'ALTER TABLE "a" ADD COLUMN "m" text;',
                '-- CASCADE also dropped the views that use "m": create those of view "v" again.',
            ],
            id="drop-column-cascade-with-views",
        ),
        pytest.param(
            PRISMA_HISTORY,
            'ALTER TABLE "User" RENAME COLUMN "role" TO "userRole";',
            ['ALTER TABLE "User" RENAME COLUMN "userRole" TO "role";'],
            id="rename-column",
        ),
        pytest.param(
            'CREATE TABLE "billing"."Invoice" ("id" bigint);',
            'ALTER TABLE "billing"."Invoice" RENAME TO "Bill";',
            ['ALTER TABLE "billing"."Bill" RENAME TO "Invoice";'],
            id="rename-table-in-a-schema",
        ),
        pytest.param(
            PRISMA_HISTORY,
            'ALTER TABLE "User" ALTER COLUMN "role" SET DATA TYPE TEXT;',
            ['ALTER TABLE "User" ALTER COLUMN "role" TYPE "Role" USING "role"::"Role";'],
            id="change-enum-column-to-text",
        ),
        pytest.param(
            MOODS,
            'ALTER TABLE "Entry" ALTER COLUMN "x" SET DATA TYPE "Mood" USING "x"::text::"Mood";',
            ['ALTER TABLE "Entry" ALTER COLUMN "x" TYPE integer USING "x"::text::integer;'],
            id="change-type-through-casts",
        ),
        pytest.param(
            # No cast takes "Mood" to integer, and the values came from no cast of "x".
            MOODS,
            'ALTER TABLE "Entry" ALTER COLUMN "x" SET DATA TYPE "Mood" USING (\'A\'::"Mood");',
            [
                "-- USING ('A'::\"Mood\") computed the new values, and no cast undoes it: "
                'write how each value of "x" maps back.',
                'ALTER TABLE "Entry" ALTER COLUMN "x" TYPE integer '
                'USING <expression of "x" that gives its old value>;',
            ],
            id="change-type-with-a-computed-using",
        ),
        pytest.param(
            'CREATE TABLE "Event" ("at" TIMESTAMP(3) NOT NULL);',
            'ALTER TABLE "Event" ALTER COLUMN "at" TYPE timestamptz(3) USING "at" AT TIME ZONE '
            "'UTC';",
            [
                'ALTER TABLE "Event" ALTER COLUMN "at" TYPE timestamp(3) USING "at" AT TIME ZONE '
                "'UTC';"
            ],
            id="change-type-at-time-zone",
        ),
        pytest.param(
            'CREATE TABLE "Event" ("at" TIMESTAMP(3) NOT NULL);',
            'ALTER TABLE "Event" ALTER COLUMN "at" TYPE timestamptz(3) USING "at" AT LOCAL;',
            [
                '-- USING "at" AT LOCAL computed the new values, and no cast undoes it: write how '
                'each value of "at" maps back.',
                'ALTER TABLE "Event" ALTER COLUMN "at" TYPE timestamp(3) '
                'USING <expression of "at" that gives its old value>;',
            ],
            id="change-type-at-local",
        ),
        pytest.param(
            PRISMA_HISTORY,
            'ALTER TABLE "User" ALTER COLUMN "id" TYPE text COLLATE "C";',
            ['ALTER TABLE "User" ALTER COLUMN "id" TYPE text COLLATE <its collation before>;'],
            id="change-collation",
        ),
        pytest.param(
            PRISMA_HISTORY,
            'ALTER TABLE "User" ADD COLUMN "email" TEXT NOT NULL;',
            ['ALTER TABLE "User" DROP COLUMN "email";'],
            id="add-required-column",
        ),
        pytest.param(
            PRISMA_HISTORY,
            'DELETE FROM "User";',
            [
                'INSERT INTO "User" OVERRIDING SYSTEM VALUE SELECT * FROM "User_backup";',
                'DROP TABLE "User_backup";',
            ],
            id="delete-all-rows",
        ),
        pytest.param(
            'CREATE SCHEMA "Reports";\nCREATE TABLE "Reports"."Daily" ("day" date PRIMARY KEY);',
            'DROP SCHEMA "Reports" CASCADE;',
            [
                'CREATE SCHEMA "Reports";',
                'CREATE TABLE "Reports"."Daily" ("day" date NOT NULL, '
                'CONSTRAINT "Daily_pkey" PRIMARY KEY ("day"));',
            ],
            id="drop-schema-cascade",
        ),
    ],
)
def test_rollback_plan_undoes_it_with_the_statements_names(
    history: str, sql: str, rollback: list[str]
) -> None:
    (finding,) = [
        d for d in lint_under("prisma", sql, (history,)) if d.severity.value == "breaking"
    ]
    plan = finding.help.split("-- rollback:\n")[1]
    assert plan.splitlines() == [f"-- {line}" for line in rollback]


@pytest.mark.parametrize(
    ("sql", "backfill"),
    [
        pytest.param(
            'ALTER TABLE "Entry" ALTER COLUMN "x" TYPE bigint;',
            'UPDATE "Entry" SET "x_new" = "x"::bigint WHERE "x_new" IS NULL AND <batch condition>;',
            id="cast",
        ),
        pytest.param(
            'ALTER TABLE "Entry" ALTER COLUMN "x" TYPE "Mood" USING (\'A\'::"Mood");',
            'UPDATE "Entry" SET "x_new" = (\'A\'::"Mood") WHERE "x_new" IS NULL AND '
            "<batch condition>;",
            id="using",
        ),
        pytest.param(
            'ALTER TABLE "Entry" ALTER COLUMN "x" TYPE "Mood" USING CASE WHEN "x" > 0 '
            "THEN 'A'::\"Mood\" ELSE 'B' END, ALTER COLUMN \"id\" TYPE bigint;",
            'UPDATE "Entry" SET "x_new" = CASE WHEN "x" > 0 THEN \'A\'::"Mood" ELSE \'B\' END '
            'WHERE "x_new" IS NULL AND <batch condition>;',
            id="using-in-one-of-several-subcommands",
        ),
    ],
)
def test_change_column_type_backfills_as_the_statement_converts(sql: str, backfill: str) -> None:
    # A cast of "x" to "Mood" is an error (no cast from integer): the USING says how.
    finding = lint_under("prisma", sql, (MOODS,), select=frozenset({"change-column-type"}))[0]
    assert f"   {backfill}" in finding.help.splitlines()


@pytest.mark.parametrize(
    ("sql", "first"),
    [
        pytest.param(
            'ALTER TABLE "User" DROP COLUMN "role";',
            [
                "1. Make it optional so new code can stop writing it:",
                '   ALTER TABLE "User" ALTER COLUMN "role" DROP NOT NULL;',
            ],
            id="not-null",
        ),
        pytest.param(
            # PostgreSQL refuses DROP NOT NULL on a column of the primary key (42P16).
            'ALTER TABLE "User" DROP COLUMN "id";',
            [
                '1. Give "User" a primary key without "id" first: while it is in "User_pkey", it '
                "stays NOT NULL and every INSERT must set it. Then deploy code that no longer "
                'reads or writes "id" (remove it from the ORM schema).'
            ],
            id="in-the-primary-key",
        ),
    ],
)
def test_drop_column_first_lets_code_stop_writing_it(sql: str, first: list[str]) -> None:
    (finding,) = lint_under("prisma", sql, (PRISMA_HISTORY,), select=frozenset({"drop-column"}))
    lines = finding.help.splitlines()
    assert lines[1 : 1 + len(first)] == first


def test_a_rollback_plan_with_a_placeholder_must_be_filled_in_before_it_declares() -> None:
    # Without history the column's type is unknown: pasted as it is, the plan does not parse,
    # and the linter says so rather than accepting a plan that cannot run.
    sql = 'ALTER TABLE "users" DROP COLUMN "nickname";'
    (finding,) = lint_sql(sql)
    found = lint_sql(declaration_to_paste(finding.help) + "\n" + sql)
    assert [(d.rule, d.line, d.allowed) for d in found] == [
        ("invalid-suppression", 1, False),
        ("invalid-suppression", 2, False),
        ("drop-column", 4, False),
    ]
    assert found[1].message.startswith(
        'the rollback plan is not valid SQL: syntax error at or near "<"'
    )
