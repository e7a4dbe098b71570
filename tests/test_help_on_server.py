"""Multi-step help run step by step on a real PostgreSQL, as a user would paste it: after the
history (and a few rows), every statement of the help's steps runs without rewriting the table,
and where the steps stand for the statement they replace, the schema ends as the statement
would have left it."""

from __future__ import annotations

import pytest

from conftest import lint_under
from migration_lint.db import catalog
from migration_lint.db.connect import connect
from migration_lint.db.urls import Target
from migration_lint.help_sql import help_statements

ROWS = 'CREATE TABLE "t" ("a" text);\nINSERT INTO "t" VALUES (\'x\'), (\'y\');\n'
MOOD = "CREATE TYPE \"Mood\" AS ENUM ('A', 'B');\n"


def steps(help_text: str) -> list[str]:
    """The statements of a help's steps, placeholders filled in: not its alternatives (from a
    line that starts with `Or`) nor its declaration."""
    shown = help_text.split("\nOr")[0].split("To ship it as it is")[0]
    found = [sql.replace("<batch condition>", "true") for sql in help_statements(shown)]
    assert not [sql for sql in found if "<" in sql], "every placeholder is filled in"
    return found


FILE_OF_T = "SELECT pg_relation_filenode('t')"


def run(url: str, history: str, statements: list[str]) -> tuple[catalog.Catalog, bool]:
    """The schema after the history and the statements, and whether they rewrote "t"."""
    with connect(Target(url, "test"), read_only=False) as connection:
        connection.execute(history.encode())
        before = connection.execute(FILE_OF_T).fetchone()
        for sql in statements:
            connection.execute(sql.encode())
        rewritten = connection.execute(FILE_OF_T).fetchone() != before
        return catalog.read(connection), rewritten


@pytest.mark.parametrize(
    ("history", "sql", "rule", "as_the_statement"),
    [
        pytest.param(
            ROWS,
            'ALTER TABLE "t" ADD COLUMN "pk" SERIAL PRIMARY KEY;',
            "add-unique-constraint",
            True,
            id="serial-primary-key",
        ),
        pytest.param(
            ROWS,
            'ALTER TABLE "t" ADD COLUMN "n" bigint GENERATED ALWAYS AS IDENTITY UNIQUE;',
            "add-unique-constraint",
            True,
            id="identity-unique",
        ),
        pytest.param(
            ROWS,
            'ALTER TABLE "t" ADD COLUMN "id" uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE;',
            "add-unique-constraint",
            True,
            id="volatile-default-unique",
        ),
        pytest.param(
            ROWS,
            'ALTER TABLE "t" ADD COLUMN "r" serial CHECK ("r" > 0);',
            "constraint-not-valid",
            True,
            id="serial-check",
        ),
        pytest.param(
            ROWS,
            'ALTER TABLE "t" ADD COLUMN "n" bigserial;',
            "volatile-default",
            True,
            id="bigserial",
        ),
        pytest.param(
            MOOD + 'CREATE TABLE "t" ("a" text);\n',
            'ALTER TABLE "t" ADD COLUMN "m" "Mood" DEFAULT gen_random_uuid()::text::"Mood";',
            "volatile-default",
            True,
            id="volatile-default-cast",
        ),
        pytest.param(
            MOOD + 'CREATE TABLE "t" ("x" integer);\nINSERT INTO "t" VALUES (1), (2);\n',
            'ALTER TABLE "t" ALTER COLUMN "x" SET DATA TYPE "Mood" USING (\'A\'::"Mood");',
            "change-column-type",
            False,  # the steps replace the column by a new one
            id="change-type-using",
        ),
    ],
)
def test_the_steps_of_a_help_run_and_do_what_the_statement_does(
    pg_server, history: str, sql: str, rule: str, as_the_statement: bool
) -> None:
    findings = lint_under("plain", sql, (history,), select=frozenset({rule}))
    assert [d.rule for d in findings] == [rule]
    with pg_server.database("help") as by_help, pg_server.database("statement") as direct:
        after_help, rewritten = run(by_help.url, history, steps(findings[0].help))
        assert not rewritten
        if as_the_statement:
            after_statement, _ = run(direct.url, history, [sql])
            assert catalog.diff(after_statement, after_help) == []
