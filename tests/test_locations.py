"""Where findings point: the clause that causes each, with its end, as editors and SARIF show it.

An ALTER TABLE of several subcommands gives each finding its subcommand (an added column's
definition, an added constraint); a DROP or TRUNCATE of several objects, its object; any other
statement is its own clause.
"""

from __future__ import annotations

import pytest
from pglast.parser import parse_sql_json

from conftest import lint_sql
from migration_lint.diagnostic import Diagnostic
from migration_lint.source import Source

# (rule, (line, column, end_line, end_column), the text between the two): 1-based, end exclusive.
Place = tuple[str, tuple[int, int, int, int], str]


def places(sql: str, findings: list[Diagnostic]) -> list[Place]:
    source = Source("0001_x.sql", sql)
    found = []
    for d in findings:
        start, end = source.offset(d.line, d.column), source.offset(d.end_line, d.end_column)
        assert start is not None and end is not None, d
        found.append((d.rule, (d.line, d.column, d.end_line, d.end_column), sql[start:end]))
    return found


@pytest.mark.parametrize(
    ("sql", "layout", "expected"),
    [
        pytest.param(
            'ALTER TABLE "users" ADD COLUMN "a" int NOT NULL, ALTER COLUMN "b" SET NOT NULL, '
            'DROP COLUMN "c";',
            "plain",
            [
                ("add-required-column", (1, 32, 1, 48), '"a" int NOT NULL'),
                ("set-not-null", (1, 50, 1, 79), 'ALTER COLUMN "b" SET NOT NULL'),
                ("drop-column", (1, 81, 1, 96), 'DROP COLUMN "c"'),
            ],
            id="three-subcommands-on-one-line",
        ),
        pytest.param(
            '-- AlterTable\nALTER TABLE "User" DROP COLUMN "a",\nADD COLUMN "b" TEXT NOT NULL,\n'
            'ALTER COLUMN "c" SET NOT NULL;\n',
            "prisma",
            [
                ("drop-column", (2, 20, 2, 35), 'DROP COLUMN "a"'),
                ("add-required-column", (3, 12, 3, 29), '"b" TEXT NOT NULL'),
                ("set-not-null", (4, 1, 4, 30), 'ALTER COLUMN "c" SET NOT NULL'),
            ],
            id="prisma-one-subcommand-a-line",
        ),
        pytest.param(
            'ALTER TABLE "t" ADD COLUMN "a" numeric(10, 2) DEFAULT random() NOT NULL, '
            'ALTER COLUMN "b" SET DEFAULT ARRAY[1, 2], DROP COLUMN "c";',
            "plain",
            [
                (
                    "volatile-default",
                    (1, 28, 1, 72),
                    '"a" numeric(10, 2) DEFAULT random() NOT NULL',
                ),
                ("drop-column", (1, 116, 1, 131), 'DROP COLUMN "c"'),
            ],
            id="commas-inside-parentheses-and-brackets",
        ),
        pytest.param(
            'ALTER TABLE "t" DROP COLUMN "a", -- no longer read\n  /* kept: , */ DROP COLUMN "b";\n',
            "plain",
            [
                ("drop-column", (1, 17, 1, 32), 'DROP COLUMN "a"'),
                ("drop-column", (2, 17, 2, 32), 'DROP COLUMN "b"'),
            ],
            id="comments-between-subcommands",
        ),
        pytest.param(
            'ALTER TABLE ONLY "s"."t" DROP COLUMN "a", DROP COLUMN "b";',
            "plain",
            [
                ("drop-column", (1, 26, 1, 41), 'DROP COLUMN "a"'),
                ("drop-column", (1, 43, 1, 58), 'DROP COLUMN "b"'),
            ],
            id="only-and-a-qualified-name",
        ),
        pytest.param(
            'ALTER TABLE "t"\r\n  DROP COLUMN "a",\r\n  DROP COLUMN "b";\r\n',
            "plain",
            [
                ("drop-column", (2, 3, 2, 18), 'DROP COLUMN "a"'),
                ("drop-column", (3, 3, 3, 18), 'DROP COLUMN "b"'),
            ],
            id="crlf-line-ends",
        ),
        pytest.param(
            "COMMENT ON TABLE \"t\" IS 'café ☕ 𝄞';\n"
            'ALTER TABLE "é" DROP COLUMN "ü", DROP COLUMN "𝄞";\n',
            "plain",
            [
                ("drop-column", (2, 17, 2, 32), 'DROP COLUMN "ü"'),
                ("drop-column", (2, 34, 2, 49), 'DROP COLUMN "𝄞"'),
            ],
            id="non-ascii-text-counts-characters",
        ),
        pytest.param(
            'DO $$ BEGIN\n  ALTER TABLE "é" DROP COLUMN "a",\n    DROP COLUMN "b";\n'
            "EXCEPTION WHEN undefined_column THEN null;\nEND $$;\n",
            "plain",
            [
                ("drop-column", (2, 19, 2, 34), 'DROP COLUMN "a"'),
                ("drop-column", (3, 5, 3, 20), 'DROP COLUMN "b"'),
            ],
            id="inside-a-do-block",
        ),
        pytest.param(
            'ALTER TABLE "t" DROP COLUMN "a";--> statement-breakpoint\n'
            'ALTER TABLE "t" ADD COLUMN "b" text NOT NULL, DROP COLUMN "c"--> statement-breakpoint\n'
            'CREATE INDEX "i" ON "t" ("d");',
            "drizzle",
            [
                ("drop-column", (1, 1, 1, 32), 'ALTER TABLE "t" DROP COLUMN "a"'),
                ("add-required-column", (2, 28, 2, 45), '"b" text NOT NULL'),
                ("drop-column", (2, 47, 2, 62), 'DROP COLUMN "c"'),
                ("create-index-not-concurrently", (3, 1, 3, 30), 'CREATE INDEX "i" ON "t" ("d")'),
                ("exclusive-lock-held", (3, 1, 3, 30), 'CREATE INDEX "i" ON "t" ("d")'),
            ],
            id="drizzle-breakpoints",
        ),
        pytest.param(
            'ALTER TABLE "t"\n  DROP COLUMN "a";\n',
            "plain",
            [("drop-column", (1, 1, 2, 18), 'ALTER TABLE "t"\n  DROP COLUMN "a"')],
            id="one-subcommand-is-the-statement",
        ),
        pytest.param(
            'ALTER TABLE "t" ADD COLUMN "a" text NOT NULL;',
            "plain",
            [("add-required-column", (1, 28, 1, 45), '"a" text NOT NULL')],
            id="one-added-column-is-its-definition",
        ),
        pytest.param(
            'ALTER TABLE "t"\n  ADD CONSTRAINT "t_u_fk" FOREIGN KEY ("u") REFERENCES "u" ("id");',
            "plain",
            [
                (
                    "constraint-not-valid",
                    (2, 7, 2, 66),
                    'CONSTRAINT "t_u_fk" FOREIGN KEY ("u") REFERENCES "u" ("id")',
                )
            ],
            id="one-added-constraint-is-the-constraint",
        ),
        pytest.param(
            'DROP TABLE IF EXISTS "a",\n  "s"."b" CASCADE;\n',
            "plain",
            [
                ("drop-table", (1, 22, 1, 25), '"a"'),
                ("drop-table", (2, 3, 2, 10), '"s"."b"'),
            ],
            id="drop-table-of-two",
        ),
        pytest.param(
            'DROP INDEX "a", "s"."b";',
            "plain",
            [
                ("drop-index-not-concurrently", (1, 12, 1, 15), '"a"'),
                ("drop-index-not-concurrently", (1, 17, 1, 24), '"s"."b"'),
            ],
            id="drop-index-of-two",
        ),
        pytest.param(
            'DROP SCHEMA "a", "b";',
            "plain",
            [
                ("drop-schema", (1, 13, 1, 16), '"a"'),
                ("drop-schema", (1, 18, 1, 21), '"b"'),
            ],
            id="drop-schema-of-two",
        ),
        pytest.param(
            'DROP TABLE "a";',
            "plain",
            [("drop-table", (1, 1, 1, 15), 'DROP TABLE "a"')],
            id="drop-table-of-one-is-the-statement",
        ),
        pytest.param(
            'TRUNCATE "a", ONLY "s"."b";',
            "plain",
            [
                ("truncate-table", (1, 10, 1, 13), '"a"'),
                ("truncate-table", (1, 20, 1, 27), '"s"."b"'),
            ],
            id="truncate-of-two",
        ),
        pytest.param(
            'VACUUM (FULL) "a", "s"."b" ("c");',
            "plain",
            [
                ("vacuum-full", (1, 15, 1, 18), '"a"'),
                ("vacuum-full", (1, 20, 1, 27), '"s"."b"'),
            ],
            id="vacuum-full-of-two",
        ),
        pytest.param(
            'CREATE INDEX "i"\n  ON "t" ("c");',
            "plain",
            [("create-index-not-concurrently", (1, 1, 2, 15), 'CREATE INDEX "i"\n  ON "t" ("c")')],
            id="create-index-is-the-statement",
        ),
    ],
)
def test_a_finding_points_at_its_clause(sql: str, layout: str, expected: list[Place]) -> None:
    assert places(sql, lint_sql(sql, layout=layout)) == expected


ROLLBACK = (
    '-- rollback:\n-- ALTER TABLE "t" ADD COLUMN "a" text, ADD COLUMN "c" text;\n'
    '-- ALTER TABLE "t" ALTER COLUMN "b" DROP NOT NULL;\n'
)
STATEMENT = (
    'ALTER TABLE "t"\n  DROP COLUMN "a",\n  ALTER COLUMN "b" SET NOT NULL,\n  DROP COLUMN "c";\n'
)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param(
            "-- migration-lint: ignore set-not-null -- 200 rows\n" + STATEMENT,
            [("drop-column", False, 3), ("drop-column", False, 5)],
            id="ignore-covers-a-subcommand-on-a-later-line",
        ),
        pytest.param(
            "-- migration-lint: allow drop-column -- read by nothing since v12\n"
            + ROLLBACK
            + STATEMENT,
            [("drop-column", True, 6), ("set-not-null", False, 7), ("drop-column", True, 8)],
            id="allow-covers-every-subcommand-of-the-statement",
        ),
        pytest.param(
            "-- migration-lint: allow drop-table -- both replaced by v2 tables\n"
            '-- rollback:\n-- CREATE TABLE "a" ("id" bigint);\n-- CREATE TABLE "b" ("id" bigint);\n'
            'DROP TABLE "a",\n  "b";\n',
            [("drop-table", True, 5), ("drop-table", True, 6)],
            id="allow-covers-every-object-of-a-drop",
        ),
        pytest.param(
            "-- migration-lint: ignore set-not-null -- 200 rows\n"
            'ALTER TABLE "t" DROP COLUMN "a";\n'
            'ALTER TABLE "t" DROP COLUMN "c",\n  ALTER COLUMN "b" SET NOT NULL;\n',
            [
                ("invalid-suppression", False, 1),
                ("drop-column", False, 2),
                ("drop-column", False, 3),
                ("set-not-null", False, 4),
            ],
            id="a-directive-covers-only-the-next-statement",
        ),
    ],
)
def test_suppressions_cover_every_clause_of_their_statement(
    sql: str, expected: list[tuple[str, bool, int]]
) -> None:
    assert [(d.rule, d.allowed, d.line) for d in lint_sql(sql)] == expected


FOREIGN_KEY = 'ADD CONSTRAINT "fk" FOREIGN KEY ("user_id") REFERENCES "users" ("id")'


@pytest.mark.parametrize(
    ("sql", "rewritten"),
    [
        pytest.param(
            f'ALTER TABLE "orders" {FOREIGN_KEY};',
            f'ALTER TABLE "orders" {FOREIGN_KEY} NOT VALID;',
            id="the-statement-of-one-subcommand",
        ),
        pytest.param(
            f'ALTER TABLE "orders" {FOREIGN_KEY}, ALTER COLUMN "note" SET DEFAULT \'\';',
            f'ALTER TABLE "orders" {FOREIGN_KEY} NOT VALID;',
            id="one-subcommand-of-two",
        ),
        pytest.param(
            'ALTER TABLE IF EXISTS ONLY "s"."orders" -- the orders\n  DROP COLUMN "note",\n'
            f"  {FOREIGN_KEY} -- to users\n  ;",
            f'ALTER TABLE IF EXISTS ONLY "s"."orders" {FOREIGN_KEY} NOT VALID;',
            id="comments-around-a-subcommand-of-two",
        ),
    ],
)
def test_help_rewrites_the_subcommand_alone(sql: str, rewritten: str) -> None:
    """Help that rewrites the user's statement rewrites the subcommand's own statement."""
    (finding,) = [d for d in lint_sql(sql) if d.rule == "constraint-not-valid"]
    assert f"1. {rewritten}  -- instant" in finding.help
    parse_sql_json(rewritten)
