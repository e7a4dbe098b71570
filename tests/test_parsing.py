"""Reading SQL as drizzle-kit writes it and as people hand-write it."""

from __future__ import annotations

import pytest

from conftest import lint_sql, rule_ids
from migration_lint.parse import parse
from migration_lint.pg_frontend import operations_of
from migration_lint.splitting import split_statements


def statement_texts(sql: str) -> list[str]:
    statements, problems = parse(sql, True, operations_of)
    assert problems == []
    return [sql[s.start : s.end] for s in statements]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param(
            'CREATE TABLE "a" ("id" int);\n--> statement-breakpoint\nCREATE TABLE "b" ("id" int);',
            ['CREATE TABLE "a" ("id" int)', 'CREATE TABLE "b" ("id" int)'],
            id="breakpoint-line",
        ),
        pytest.param(
            'ALTER TABLE "a" ADD COLUMN "x" int;--> statement-breakpoint\nDROP INDEX "i";',
            ['ALTER TABLE "a" ADD COLUMN "x" int', 'DROP INDEX "i"'],
            id="breakpoint-after-semicolon",
        ),
        pytest.param(
            'CREATE TABLE "a" ("id" int)\n--> statement-breakpoint\nCREATE TABLE "b" ("id" int)',
            ['CREATE TABLE "a" ("id" int)', 'CREATE TABLE "b" ("id" int)'],
            id="breakpoint-without-semicolon",
        ),
        pytest.param(
            "SELECT 'a;b'; /* c; /* nested; */ d; */ SELECT $$;$$; -- e;\nSELECT E'\\';';",
            ["SELECT 'a;b'", "SELECT $$;$$", "SELECT E'\\';'"],
            id="semicolons-in-literals-and-comments",
        ),
        pytest.param(
            "DO $body$ BEGIN\n  ALTER TABLE a ADD COLUMN x int;\nEXCEPTION WHEN duplicate_column THEN null;\n"
            "END $body$;\nSELECT 1;",
            [
                "DO $body$ BEGIN\n  ALTER TABLE a ADD COLUMN x int;\nEXCEPTION WHEN duplicate_column "
                "THEN null;\nEND $body$",
                "SELECT 1",
            ],
            id="do-block",
        ),
    ],
)
def test_statements_are_split_like_the_runner_does(sql: str, expected: list[str]) -> None:
    assert statement_texts(sql) == expected


@pytest.mark.parametrize(
    ("sql", "spans"),
    [
        pytest.param("a;b", [(0, 2), (2, 3)], id="plain"),
        pytest.param("x $tag$ ; $tag$ ;", [(0, 17)], id="dollar-tag"),
        pytest.param("a$b$ ; c", [(0, 6), (6, 8)], id="dollar-inside-identifier"),
        pytest.param("'open ; ", [(0, 7)], id="unterminated-string-runs-to-end"),
        pytest.param("x;\n--> statement-breakpoint\n", [(0, 2)], id="trailing-breakpoint"),
        pytest.param('"a;""b"; c', [(0, 8), (8, 10)], id="quoted-identifier"),
    ],
)
def test_splitter(sql: str, spans: list[tuple[int, int]]) -> None:
    assert split_statements(sql) == spans


def test_syntax_error_is_reported_at_its_line_and_column_in_the_file() -> None:
    sql = 'CREATE TABLE "a" ("id" int);\n--> statement-breakpoint\nALTER TABLE "a"\n  ADDD COLUMN "x" int;'
    (finding,) = lint_sql(sql)
    assert finding.rule == "syntax-error"
    assert finding.severity.value == "error"
    assert (finding.line, finding.column) == (4, 3)
    assert 'syntax error at or near "ADDD"' in finding.message


def test_syntax_error_does_not_hide_other_statements_findings() -> None:
    sql = "DROP TABLE users;\nSELEC 1;\nALTER TABLE orders DROP COLUMN coupon;\n"
    assert [(d.rule, d.line) for d in lint_sql(sql)] == [
        ("drop-table", 1),
        ("syntax-error", 2),
        ("drop-column", 3),
    ]


def test_positions_count_characters_not_bytes() -> None:
    sql = "COMMENT ON TABLE t IS 'café ☕';\nSELEC 1;\nSELECT 'é' é é;"
    findings = lint_sql(sql)
    assert [(d.rule, d.line, d.column) for d in findings] == [
        ("syntax-error", 2, 1),
        ("syntax-error", 3, 14),
    ]


def test_non_ascii_before_a_finding_keeps_its_column() -> None:
    sql = "COMMENT ON TABLE t IS 'é';  DROP TABLE t;"
    (finding,) = lint_sql(sql)
    assert (finding.line, finding.column, finding.end_column) == (1, 29, 41)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        pytest.param("DROP TABLE a;\nSELECT 'open;\n", "unterminated quoted string", id="string"),
        pytest.param(
            "DROP TABLE a;\nDO $$ BEGIN\n", "unterminated dollar-quoted string", id="dollar"
        ),
        pytest.param("DROP TABLE a;\n/* never closed", "unterminated /* comment", id="comment"),
    ],
)
def test_unterminated_literals_are_syntax_errors_and_earlier_statements_are_checked(
    sql: str, message: str
) -> None:
    findings = lint_sql(sql)
    assert [d.rule for d in findings] == ["drop-table", "syntax-error"]
    assert message in findings[1].message and findings[1].line == 2


def test_comment_only_migration_is_an_input_error() -> None:
    assert rule_ids("-- Custom SQL migration file, put your code below! --\n") == ["input-error"]


DRIZZLE_DO_BLOCK = """CREATE TABLE "account" ("id" text, "user_id" text);
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "session" ADD CONSTRAINT "session_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id");
EXCEPTION
 WHEN duplicate_object THEN null;
END $$;
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "account" ADD CONSTRAINT "account_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id");
EXCEPTION
 WHEN duplicate_object THEN null;
END $$;
"""


def test_statements_inside_drizzle_do_blocks_are_checked_where_they_stand() -> None:
    findings = lint_sql(DRIZZLE_DO_BLOCK)
    # "session" exists already; "account" was created in this migration. The finding points at
    # the constraint the ALTER TABLE inside the block adds.
    assert [(d.rule, d.line, d.column) for d in findings] == [("constraint-not-valid", 4, 28)]
    assert '"session_user_id_fk"' in findings[0].message


_FOREIGN_KEY = (
    'ALTER TABLE "session" ADD CONSTRAINT "fk" FOREIGN KEY ("user_id") REFERENCES "user"("id")'
)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param(
            f"do $$ begin {_FOREIGN_KEY}; exception when DUPLICATE_OBJECT then NULL; end $$;",
            ["constraint-not-valid"],
            id="lower-case",
        ),
        pytest.param(
            f"DO $$ BEGIN {_FOREIGN_KEY} -- note; EXCEPTION WHEN duplicate_object THEN null; END $$;",
            [],
            id="comment-hides-the-rest",
        ),
        pytest.param(
            f"DO $$ BEGIN {_FOREIGN_KEY} /* ; */; EXCEPTION WHEN duplicate_object THEN null; END $$;",
            ["constraint-not-valid"],
            id="semicolon-in-a-comment",
        ),
        pytest.param(
            f"DO $$ BEGIN {_FOREIGN_KEY}; EXCEPTION WHEN duplicate_object THEN null; END; $$;",
            ["constraint-not-valid"],
            id="semicolon-after-end",
        ),
        pytest.param(
            "DO $$ BEGIN CREATE TABLE t AS SELECT 1 AS a INTO x; "
            "EXCEPTION WHEN duplicate_object THEN null; END $$;",
            [],
            id="into-is-pl-pgsql-s",
        ),
    ],
)
def test_drizzle_do_blocks_are_read_as_pl_pgsql_reads_them(sql: str, expected: list[str]) -> None:
    assert rule_ids(sql) == expected


@pytest.mark.parametrize(
    "sql",
    [
        pytest.param("DO $$ BEGIN PERFORM nonsense( ; END $$;", id="invalid-plpgsql"),
        pytest.param("DO LANGUAGE plperl $$ my $x = 1; $$;", id="other-language"),
    ],
)
def test_do_blocks_that_cannot_be_inspected_are_left_alone(sql: str) -> None:
    # What EXECUTE runs is read, or reported as dynamic-sql: tests/test_new_rules.py.
    assert rule_ids(sql) == []


def test_many_statements_after_non_ascii_text_keep_their_positions() -> None:
    sql = (
        "COMMENT ON TABLE t IS 'café';\n"
        + "ALTER TABLE t ADD COLUMN c int;\n" * 300
        + "DROP TABLE é;"
    )
    (finding,) = lint_sql(sql)
    assert (finding.rule, finding.line, finding.column, finding.end_column) == (
        "drop-table",
        302,
        1,
        13,
    )


BREAKPOINT = "--> statement-breakpoint"


def parsed_as_chunks(sql: str) -> list[tuple[str, dict[str, object], int, int, list[object]]]:
    """Each statement of a file drizzle's migrator splits, parsed one chunk at a time as the
    migrator sends them: its kind, flags, place and operations, in file offsets."""
    found = []
    start = 0
    for chunk in sql.split(BREAKPOINT):
        statements, _ = parse(chunk, False, operations_of)
        for statement, operations in zip(statements, statements.operations(), strict=True):
            for operation in operations:  # operations know file offsets from `start`
                operation.location += start
                operation.end += start
            found.append(
                (
                    statement.kind,
                    statement.node,
                    statement.start + start,
                    statement.end + start,
                    [repr(o).split("(")[0] for o in operations],
                )
            )
        start += len(chunk) + len(BREAKPOINT)
    return found


@pytest.mark.parametrize(
    "sql",
    [
        pytest.param(
            'CREATE TABLE "a" ("id" int);\n--> statement-breakpoint\nALTER TABLE "a" ADD "b" int;',
            id="breakpoint-lines",
        ),
        pytest.param(
            "SET lock_timeout = 0;--> statement-breakpoint\n-- why\nSET lock_timeout = '5s';",
            id="a-comment-after-the-breakpoint",
        ),
        pytest.param(
            'SELECT 1\n--> statement-breakpoint\nALTER TABLE "a" ADD "b" int;\n',
            id="a-statement-without-semicolon-before-it",
        ),
        pytest.param(
            "SELECT '--> statement-breakpoint';\nSELECT 2;", id="inside-a-string-the-migrator-cuts"
        ),
        pytest.param(
            'ALTER TABLE "a" ADD "b" int;\n/* note --> statement-breakpoint */\nSELECT 2;',
            id="inside-a-block-comment",
        ),
        pytest.param(
            'ALTER TABLE "a" ADD "b" int; -- note --> statement-breakpoint\nDROP TABLE "a";',
            id="inside-a-line-comment",
        ),
        pytest.param(
            'CREATE TABLE "café" ("é" text);--> statement-breakpoint\nDROP TABLE "café";',
            id="not-ascii",
        ),
        pytest.param(
            'DROP TABLE "a";\n--> statement-breakpoint\n--> statement-breakpoint\n', id="trailing"
        ),
        pytest.param(
            "-- header\n--> statement-breakpoint\nSELECT 1;", id="only-a-comment-before-it"
        ),
        pytest.param("SELECT 1\n--> statement-breakpoint\n;SELECT 2;", id="the-semicolon-after-it"),
    ],
)
def test_a_file_with_breakpoints_parses_as_its_chunks_would(sql: str) -> None:
    statements, _ = parse(sql, True, operations_of)
    whole = [
        (s.kind, s.node, s.start, s.end, [repr(o).split("(")[0] for o in operations])
        for s, operations in zip(statements, statements.operations(), strict=True)
    ]
    assert whole == parsed_as_chunks(sql)
