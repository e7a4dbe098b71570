"""Every SQL fragment a finding shows runs when pasted: each help statement and each name of a
message parses with pglast and keeps the migration's type names as written (what counts as SQL
is defined once, in migration_lint.help_sql; benchmarks/help_sql_corpus.py runs the same check
on real migration folders)."""

from __future__ import annotations

import pytest

from conftest import lint_under
from migration_lint.help_sql import help_statements, message_names, names_in, problems
from migration_lint.layouts import LAYOUTS
from migration_lint.registry import load_rules

RULES = sorted(
    (r for r in load_rules().values() if r.scope == "sql" and r.check is not None),
    key=lambda r: r.id,
)
EVERY_RULE = frozenset(r.id for r in RULES)


def fragment_problems(layout: str, history: tuple[str, ...], sql: str, **settings: object):
    """The findings' rule ids, and every fragment of their messages and help that fails."""
    found = lint_under(layout, sql, history, select=EVERY_RULE, **settings)
    known = names_in("\n".join([*history, sql]))
    failing = [p for d in found for p in problems(d.message, d.help, known)]
    return {d.rule for d in found}, failing


# What counts as SQL -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("help_text", "statements"),
    [
        pytest.param(
            'Drop it:\n   DROP INDEX CONCURRENTLY IF EXISTS "i";',
            ['DROP INDEX CONCURRENTLY IF EXISTS "i";'],
            id="indented",
        ),
        pytest.param(
            '1. ALTER TABLE "t" ADD COLUMN "c" text;  -- instant\n2. Deploy code.',
            ['ALTER TABLE "t" ADD COLUMN "c" text;  -- instant'],
            id="numbered-with-comment",
        ),
        pytest.param(
            '4. In a later migration: ALTER TABLE "t" DROP COLUMN "c";',
            ['ALTER TABLE "t" DROP COLUMN "c";'],
            id="lead-in",
        ),
        pytest.param(
            '1. ALTER TABLE "t" ADD CONSTRAINT "k" CHECK (\n    "a" > 0\n) NOT VALID;  -- x',
            ['ALTER TABLE "t" ADD CONSTRAINT "k" CHECK (\n    "a" > 0\n) NOT VALID;  -- x'],
            id="over-several-lines",
        ),
        pytest.param(
            "-- migration-lint: allow drop-table -- <why>\n-- rollback:\n"
            '-- CREATE TABLE "t" (\n--   "id" bigint\n-- );',
            ['CREATE TABLE "t" (\n  "id" bigint\n);'],
            id="commented-out-rollback",
        ),
        pytest.param(
            "Start with\n   SET lock_timeout = '2s';  and retry it.",
            ["SET lock_timeout = '2s';  and retry it."],
            id="prose-after-the-semicolon-stays-in",
        ),
        pytest.param(
            'CONCURRENTLY cannot run inside a transaction block. Drop it with DROP INDEX "i".',
            [],
            id="prose",
        ),
        pytest.param(
            'UPDATE "t" SET "a" = \';\' WHERE <batch condition>',
            ['UPDATE "t" SET "a" = \';\' WHERE <batch condition>'],
            id="unterminated",
        ),
    ],
)
def test_help_statements(help_text: str, statements: list[str]) -> None:
    assert help_statements(help_text) == statements


def test_message_names_are_runs_of_identifiers_with_a_quoted_part() -> None:
    message = (
        'Changing the type of "Field"."positionX" from integer to public."Role"[] on "a""b". '
        "Takes a lock."
    )
    assert message_names(message) == ['"Field"."positionX"', 'public."Role"[]', '"a""b"']


@pytest.mark.parametrize(
    ("help_text", "failure"),
    [
        pytest.param('ALTER TABLE "t" ADD COLUMN "c" <type of "c">;', None, id="placeholder"),
        pytest.param('ALTER TABLE "t" ADD COLUMN "c" "Role";', None, id="quoted-type"),
        pytest.param(
            'ALTER TABLE "t" ADD COLUMN "c" Role;', "folds to lower case: role", id="folded-type"
        ),
        pytest.param(
            'ALTER TABLE "t" ADD COLUMN "c" public.Role;',
            "folds to lower case: role",
            id="folded-qualified-type",
        ),
        pytest.param(
            'ALTER TABLE "t" ADD COLUMN "c" my type;', "does not parse", id="unquoted-space"
        ),
        pytest.param(
            'ALTER TABLE "t" ADD CONSTRAINT "k" ... NOT VALID;', "does not parse", id="ellipsis"
        ),
        pytest.param("SET lock_timeout = '2s';  and retry.", "does not parse", id="prose-after"),
    ],
)
def test_problems_name_what_would_not_run(help_text: str, failure: str | None) -> None:
    found = problems("", help_text, {"t", "c", "Role"})
    assert [failure in p for p in found] == ([True] if failure else [])


# The rules' own examples, under every runner --------------------------------------------------


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_help_sql_of_every_bad_example_runs(rule, layout: str) -> None:
    history = (rule.example_schema,) if rule.example_schema else ()
    found = lint_under(
        layout,
        rule.bad,
        history,
        select=frozenset({rule.id}),
        pg_version=rule.example_pg_version,
    )
    assert found, "the bad example is reported"
    known = names_in(rule.example_schema + "\n" + rule.bad)
    assert [p for d in found for p in problems(d.message, d.help, known)] == []


# Prisma and drizzle-kit patterns ------------------------------------------------------------

PRISMA_USERS = (
    "CREATE TYPE \"Role\" AS ENUM ('USER', 'ADMIN', 'OWNER');\n"
    'CREATE TABLE "User" ("id" TEXT NOT NULL, "email" TEXT NOT NULL, '
    '"role" "Role" NOT NULL DEFAULT \'USER\', "nickName" TEXT,\n'
    '    CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n'
    'CREATE TABLE "Post" ("id" SERIAL NOT NULL, "authorId" TEXT, "title" VARCHAR(191),\n'
    '    CONSTRAINT "Post_pkey" PRIMARY KEY ("id"));'
)
PRISMA_AUTH = (
    'CREATE SCHEMA "auth";\n'
    "CREATE TYPE \"auth\".\"Role\" AS ENUM ('A', 'B');\n"
    'CREATE TABLE "auth"."User" ("id" TEXT NOT NULL, "role" "auth"."Role" NOT NULL, '
    '"tags" "auth"."Role"[]);'
)
DRIZZLE_ORDERS = (
    "CREATE TYPE \"public\".\"order_status\" AS ENUM('open', 'paid');--> statement-breakpoint\n"
    'CREATE TABLE "Orders" (\n\t"id" serial PRIMARY KEY NOT NULL,\n\t"status" text,\n'
    '\t"userId" integer,\n\t"total" numeric(10, 2),\n\t"createdAt" timestamp(3)\n);'
)
ODD_NAMES = (
    'CREATE TYPE "My ""Type""" AS ENUM (\'a\');\n'
    'CREATE TABLE "my table" ("we""ird col" "My ""Type""", "the id" bigint, "Wait" interval);'
)


@pytest.mark.parametrize(
    ("layout", "history", "sql", "reported"),
    [
        pytest.param(
            "prisma",
            (PRISMA_USERS,),
            "-- AlterEnum\nBEGIN;\nCREATE TYPE \"Role_new\" AS ENUM ('USER', 'ADMIN');\n"
            'ALTER TABLE "User" ALTER COLUMN "role" DROP DEFAULT;\n'
            'ALTER TABLE "User" ALTER COLUMN "role" TYPE "Role_new" USING '
            '("role"::text::"Role_new");\n'
            'ALTER TYPE "Role" RENAME TO "Role_old";\nALTER TYPE "Role_new" RENAME TO "Role";\n'
            'DROP TYPE "Role_old";\n'
            'ALTER TABLE "User" ALTER COLUMN "role" SET DEFAULT \'USER\';\nCOMMIT;',
            {"change-column-type"},
            id="prisma-enum-recreated",
        ),
        pytest.param(
            "prisma",
            (PRISMA_USERS,),
            '-- AlterTable\nALTER TABLE "Post" ADD COLUMN "kind" "Role" NOT NULL,\n'
            'ADD COLUMN "roles" "Role"[] NOT NULL;',
            {"add-required-column"},
            id="prisma-required-enum-columns",
        ),
        pytest.param(
            "prisma",
            (PRISMA_USERS,),
            '-- AlterTable\nALTER TABLE "User" DROP COLUMN "role",\nDROP COLUMN "nickName";',
            {"drop-column"},
            id="prisma-drop-enum-column",
        ),
        pytest.param(
            "prisma",
            (PRISMA_USERS,),
            'ALTER TABLE "User" RENAME COLUMN "role" TO "userRole";',
            {"rename-column"},
            id="prisma-rename-enum-column",
        ),
        pytest.param(
            "prisma",
            (PRISMA_USERS,),
            '-- CreateIndex\nCREATE UNIQUE INDEX "User_email_key" ON "User"("email");\n\n'
            '-- AddForeignKey\nALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN '
            'KEY ("authorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;\n'
            '-- AlterTable\nALTER TABLE "Post" ALTER COLUMN "authorId" SET NOT NULL;\n'
            'ALTER TABLE "User" ADD CONSTRAINT "User_email_unique" UNIQUE ("email");',
            {
                "create-index-not-concurrently",
                "constraint-not-valid",
                "set-not-null",
                "add-unique-constraint",
            },
            id="prisma-index-foreign-key-not-null",
        ),
        pytest.param(
            "prisma",
            (PRISMA_USERS,),
            'ALTER TABLE "Post" ALTER COLUMN "title" SET DATA TYPE TEXT;\n'
            'ALTER TABLE "User" ALTER COLUMN "email" SET DATA TYPE VARCHAR(64);',
            {"change-column-type"},
            id="prisma-column-types",
        ),
        pytest.param(
            "prisma",
            (PRISMA_AUTH,),
            'ALTER TABLE "auth"."User" DROP COLUMN "role";\n'
            'ALTER TABLE "auth"."User" ADD COLUMN "kind" "auth"."Role" NOT NULL;\n'
            'ALTER TABLE "auth"."User" ALTER COLUMN "tags" SET DATA TYPE TEXT[];\n'
            'DROP INDEX "auth"."User_pkey";\nDROP TABLE "auth"."User";',
            {
                "drop-column",
                "add-required-column",
                "change-column-type",
                "drop-index-not-concurrently",
                "drop-table",
            },
            id="prisma-multi-schema",
        ),
        pytest.param(
            "drizzle",
            (DRIZZLE_ORDERS,),
            'ALTER TABLE "Orders" ALTER COLUMN "status" SET DATA TYPE "public"."order_status" '
            'USING "status"::"public"."order_status";--> statement-breakpoint\n'
            'ALTER TABLE "Orders" ALTER COLUMN "total" SET DATA TYPE double precision;'
            "--> statement-breakpoint\n"
            'ALTER TABLE "Orders" ALTER COLUMN "createdAt" SET DATA TYPE timestamp with time zone;',
            {"change-column-type"},
            id="drizzle-column-types",
        ),
        pytest.param(
            "drizzle",
            (DRIZZLE_ORDERS,),
            'DO $$ BEGIN\n ALTER TABLE "Orders" ADD CONSTRAINT "Orders_userId_Users_id_fk" '
            'FOREIGN KEY ("userId") REFERENCES "public"."Users"("id") ON DELETE cascade ON UPDATE '
            "no action;\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;\n"
            "--> statement-breakpoint\n"
            'CREATE INDEX IF NOT EXISTS "Orders_createdAt_idx" ON "Orders" USING btree '
            '("createdAt");--> statement-breakpoint\n'
            'ALTER TABLE "Orders" ALTER COLUMN "userId" SET NOT NULL;',
            {"constraint-not-valid", "create-index-not-concurrently", "set-not-null"},
            id="drizzle-do-block-index-not-null",
        ),
        pytest.param(
            "drizzle",
            (DRIZZLE_ORDERS,),
            'ALTER TABLE "Orders" ADD COLUMN "displayName" varchar(255) NOT NULL;'
            "--> statement-breakpoint\n"
            'ALTER TABLE "Orders" ADD COLUMN "seq" serial;--> statement-breakpoint\n'
            'ALTER TABLE "Orders" ADD COLUMN "ref" uuid DEFAULT gen_random_uuid();'
            "--> statement-breakpoint\n"
            'ALTER TABLE "Orders" ADD CONSTRAINT "Orders_total_check" CHECK ("total" > 0), '
            'ADD CONSTRAINT "Orders_userId_fk" FOREIGN KEY ("userId") REFERENCES "Users"("id");',
            {
                "add-required-column",
                "prefer-text",
                "volatile-default",
                "prefer-identity",
                "constraint-not-valid",
            },
            id="drizzle-mixed-case-columns",
        ),
        pytest.param(
            "drizzle",
            (DRIZZLE_ORDERS,),
            'ALTER TABLE "Orders" RENAME TO "PurchaseOrders";--> statement-breakpoint\n'
            'DELETE FROM "PurchaseOrders";--> statement-breakpoint\n'
            'TRUNCATE "PurchaseOrders";--> statement-breakpoint\n'
            'REINDEX TABLE "PurchaseOrders";--> statement-breakpoint\n'
            'REINDEX SCHEMA "Billing";--> statement-breakpoint\n'
            'DROP SCHEMA "Billing" CASCADE;',
            {
                "rename-table",
                "delete-all-rows",
                "truncate-table",
                "reindex-not-concurrently",
                "drop-schema",
            },
            id="drizzle-table-and-schema",
        ),
        pytest.param(
            "drizzle",
            (DRIZZLE_ORDERS,),
            'DROP FUNCTION IF EXISTS "Orders_total"(uuid);--> statement-breakpoint\n'
            'DROP PROCEDURE "Orders_archive";--> statement-breakpoint\n'
            'DROP MATERIALIZED VIEW "Orders_totals";--> statement-breakpoint\n'
            'DROP VIEW "Orders_open";',
            {"drop-function", "drop-view"},
            id="drizzle-objects-made-outside-the-history",
        ),
        pytest.param(
            "goose",
            (ODD_NAMES,),
            "-- +goose Up\n"
            'ALTER TABLE "my table" DROP COLUMN "we""ird col";\n'
            'ALTER TABLE "my table" RENAME COLUMN "the id" TO "the ""id""";\n'
            'ALTER TABLE "my table" ALTER COLUMN "Wait" TYPE interval day to second(3);\n'
            'CREATE INDEX "my index" ON "my table" ("the ""id""");\n'
            'ALTER TABLE "my table" ALTER COLUMN "Wait" SET NOT NULL;\n'
            'ALTER TABLE "my table" ADD COLUMN "n""1" integer NOT NULL;',
            {
                "drop-column",
                "rename-column",
                "change-column-type",
                "create-index-not-concurrently",
                "set-not-null",
                "add-required-column",
                "prefer-bigint",
            },
            id="spaces-and-quotes-in-names",
        ),
    ],
)
def test_help_sql_of_prisma_and_drizzle_patterns_runs(
    layout: str, history: tuple[str, ...], sql: str, reported: set[str]
) -> None:
    found, failing = fragment_problems(layout, history, sql)
    assert reported <= found
    assert failing == []


def test_help_sql_of_enum_values_before_postgresql_12_runs() -> None:
    sql = (
        '-- migrate:up\nALTER TYPE "public"."Status" ADD VALUE \'off\';\n'
        "ALTER TYPE \"Status\" ADD VALUE 'it''s';"
    )
    history = ("CREATE TYPE \"Status\" AS ENUM ('on');",)
    found, failing = fragment_problems("dbmate", history, sql, pg_version=11)
    assert found == {"enum-value-in-transaction"}
    assert failing == []


@pytest.mark.parametrize(
    ("sql", "line"),
    [
        pytest.param(
            'ALTER TABLE "Post" ADD COLUMN "kind" "Role" NOT NULL;',
            '1. ALTER TABLE "Post" ADD COLUMN "kind" "Role";',
            id="enum",
        ),
        pytest.param(
            'ALTER TABLE "Post" ADD COLUMN "kinds" "public"."Role"[] NOT NULL;',
            '1. ALTER TABLE "Post" ADD COLUMN "kinds" public."Role"[];',
            id="qualified-enum-array",
        ),
        pytest.param(
            'ALTER TABLE "Post" ADD COLUMN "at" timestamp(3) with time zone NOT NULL;',
            '1. ALTER TABLE "Post" ADD COLUMN "at" timestamptz(3);',
            id="timestamptz",
        ),
        pytest.param(
            'ALTER TABLE "Post" ADD COLUMN "code" char(2) NOT NULL;',
            '1. ALTER TABLE "Post" ADD COLUMN "code" character(2);',
            id="char",
        ),
        pytest.param(
            'ALTER TABLE "Post" ADD COLUMN "flag" "char" NOT NULL;',
            '1. ALTER TABLE "Post" ADD COLUMN "flag" "char";',
            id="one-byte-char",
        ),
        pytest.param(
            'ALTER TABLE "Post" ADD COLUMN "kind" "user" NOT NULL;',
            '1. ALTER TABLE "Post" ADD COLUMN "kind" "user";',
            id="keyword-named-type",
        ),
        pytest.param(
            'ALTER TABLE "Post" ADD COLUMN "ratio" double precision NOT NULL;',
            '1. ALTER TABLE "Post" ADD COLUMN "ratio" double precision;',
            id="double-precision",
        ),
    ],
)
def test_help_writes_the_type_as_postgresql_reads_it_back(sql: str, line: str) -> None:
    (finding,) = lint_under("prisma", sql, (PRISMA_USERS,))
    assert line in finding.help.splitlines()
