"""The linter reads a migration as the runner and PostgreSQL will: what runs is linted, what
fails is a syntax error at its line, and nothing crashes, however careless or hostile the text.

The cases run through the command line (`lint --format json`), as a user sees them. The large
ones build their input here and stay a few megabytes, enough to show the work is linear (time and
memory on 15 MB inputs: benchmarks/memory.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import lint_sql
from drizzle_repo import DrizzleRepo
from migration_lint import parse as parse_module
from migration_lint.cli import main
from migration_lint.parse import CHECKED_CODE_CHARS, TREE_CODE_CHARS
from migration_lint.source import Source
from migration_lint.splitting import BREAKPOINT, chunks, pieces

EXAMPLES = sorted(Path(__file__).parent.parent.glob("examples/**/*.sql"))
DROP_USERS = 'DROP TABLE "users";'

Finding = tuple[str, int, int, str]  # rule, line, column, a part of the message
Report = dict[str, Any]  # the JSON output


def lint_json(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, Report]:
    code = main(["lint", "--format", "json", str(path)])
    out = capsys.readouterr().out
    return code, json.loads(out)


def findings_of(report: Report) -> list[Finding]:
    return [(d["rule"], d["line"], d["column"], d["message"]) for d in report["diagnostics"]]


def assert_findings(report: Report, expected: list[Finding]) -> None:
    found = findings_of(report)
    assert [f[:3] for f in found] == [e[:3] for e in expected], found
    for (*_, message), (*_, part) in zip(found, expected, strict=True):
        assert part in message, message
        assert "\n" not in message and len(message) < 400, message  # one clean line


def run_plain(tmp_path: Path, capsys: pytest.CaptureFixture[str], sql: str) -> tuple[int, Report]:
    folder = tmp_path / "migrations"
    folder.mkdir(exist_ok=True)
    path = folder / "0001_x.sql"
    path.write_bytes(sql.encode("utf-8"))
    return lint_json(path, capsys)


def nested(head: str, opening: str, middle: str, closing: str, tail: str, depth: int) -> str:
    return head + opening * depth + middle + closing * depth + tail


def users_dropped(line: int, column: int = 1) -> Finding:
    return ("drop-table", line, column, 'Dropping table "users"')


@pytest.mark.parametrize(
    ("sql", "expected", "exit_code"),
    [
        pytest.param(
            'CREATE TABLE "x" (\n"id" uuid ',
            [("syntax-error", 2, 10, "invalid SQL: syntax error at end of input")],
            2,
            id="truncated-statement",
        ),
        pytest.param(
            "(", [("syntax-error", 1, 2, "syntax error at end of input")], 2, id="lone-paren"
        ),
        pytest.param(
            'DROP TABLE "a";\r-- a note\rSELEC 1;\rDROP TABLE "b";\r',
            [
                ("drop-table", 1, 1, 'table "a"'),
                ("syntax-error", 3, 1, 'at or near "SELEC"'),
                ("drop-table", 4, 1, 'table "b"'),
            ],
            2,
            id="cr-line-endings",
        ),
        pytest.param(
            'DROP TABLE "a";\r\n-- a note\r\nSELEC 1;\r\nDROP TABLE "b";\r\n',
            [
                ("drop-table", 1, 1, 'table "a"'),
                ("syntax-error", 3, 1, 'at or near "SELEC"'),
                ("drop-table", 4, 1, 'table "b"'),
            ],
            2,
            id="crlf-line-endings",
        ),
        pytest.param(
            "SELECT 1;\u00a0\n",
            [("syntax-error", 1, 10, "(U+00A0 NO-BREAK SPACE: PostgreSQL does not read it as")],
            2,
            id="trailing-no-break-space",
        ),
        pytest.param(
            "SELECT 1;\n\u2028",
            [("syntax-error", 2, 1, "(U+2028 LINE SEPARATOR: PostgreSQL does not read it as")],
            2,
            id="line-separator",
        ),
        pytest.param(
            "SELECT 1;\x01\n",
            [("syntax-error", 1, 10, "(U+0001 a control character: PostgreSQL does not")],
            2,
            id="control-character",
        ),
        pytest.param(
            "SELECT\u200b1;\n",
            [("syntax-error", 1, 1, "(U+200B ZERO WIDTH SPACE: PostgreSQL does not read it")],
            2,
            id="zero-width-space",
        ),
        pytest.param(
            f"SELECT 1;\n\\connect other\n{DROP_USERS}\n",
            [
                ("syntax-error", 2, 1, "\\connect is a psql meta-command, not SQL"),
                users_dropped(3),
            ],
            2,
            id="psql-meta-command",
        ),
        pytest.param(
            f"\\set ON_ERROR_STOP on\n{DROP_USERS} \\g\n",
            [
                ("syntax-error", 1, 1, "\\set is a psql meta-command"),
                users_dropped(2),
                ("syntax-error", 2, 21, "\\g is a psql meta-command"),
            ],
            2,
            id="psql-meta-commands-at-the-start-and-after-a-statement",
        ),
        pytest.param(
            f'COPY "t" ("a", "b") FROM stdin;\n1\tx;\n2\ty\n\\.\n{DROP_USERS}\n',
            [
                ("syntax-error", 2, 1, "3 lines of COPY ... FROM stdin data, not SQL"),
                users_dropped(5),
            ],
            2,
            id="copy-data",
        ),
        pytest.param(
            f"\\copy t from stdin\n1\n\\.\n{DROP_USERS}\n",
            [
                ("syntax-error", 1, 1, "\\copy is a psql meta-command"),
                ("syntax-error", 2, 1, "2 lines of COPY ... FROM stdin data"),
                users_dropped(4),
            ],
            2,
            id="psql-copy-data",
        ),
        pytest.param(
            'COPY "t" FROM STDIN;\n1\tx\n',
            [("syntax-error", 2, 1, "1 line of COPY ... FROM stdin data")],
            2,
            id="copy-data-without-its-end",
        ),
        pytest.param(
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n"
            f"  SELECT CASE WHEN true THEN 2 END;\nEND;\n{DROP_USERS}\nSELEC 1;\n",
            [users_dropped(6), ("syntax-error", 7, 1, '"SELEC"')],
            2,
            id="begin-atomic-body-stays-whole",
        ),
        pytest.param(
            f"SELECT $$$$;\n{DROP_USERS}\nSELEC 1;\n",
            [users_dropped(2), ("syntax-error", 3, 1, '"SELEC"')],
            2,
            id="empty-dollar-quote",
        ),
        pytest.param(
            f"SELECT $a$x$a$$$;\n{DROP_USERS}\n",
            [("syntax-error", 1, 15, "unterminated dollar-quoted string")],
            2,
            id="dollar-quote-right-after-another",
        ),
        pytest.param(
            f"SELECT tax$ FROM t;\n{DROP_USERS}\nSELEC 1;\n",
            [users_dropped(2), ("syntax-error", 3, 1, '"SELEC"')],
            2,
            id="dollar-inside-an-identifier",
        ),
        pytest.param(
            nested("SELECT * FROM ", "(SELECT * FROM ", "t", ") s", ";\n", 1000) + DROP_USERS,
            [users_dropped(2)],
            1,
            id="sub-selects-nested-1000-deep",
        ),
        pytest.param(
            nested("SELECT ARRAY", "[", "1", "]", ";\n", 3000) + DROP_USERS,
            [users_dropped(2)],
            1,
            id="array-nested-3000-deep",
        ),
        pytest.param(
            nested(
                'CREATE TABLE "t" ("c" int CHECK (', '"c" > 0 OR (', '"c" < 0', ")", "));\n", 500
            )
            + DROP_USERS,
            [users_dropped(2)],
            1,
            id="check-nested-500-deep",
        ),
        pytest.param(
            nested(
                'ALTER TABLE "t" ADD COLUMN "c" bigint DEFAULT ',
                "abs(",
                "random()",
                ")",
                ";\n",
                2000,
            ),
            [("volatile-default", 1, 28, "random()")],
            0,
            id="default-nested-2000-deep",
        ),
        pytest.param(
            nested("SELECT ", "1 + ", "1", "", ";\n", 10000) + DROP_USERS,
            [users_dropped(2)],
            1,
            id="sum-of-10000-terms",
        ),
        pytest.param(
            nested("DO $$ ", "BEGIN ", 'ALTER TABLE "t" DROP COLUMN "c"; ', "END; ", "$$;\n", 3000),
            [("drop-column", 1, 18007, 'column "c"')],
            1,
            id="do-blocks-nested-3000-deep",
        ),
        pytest.param(
            nested("SELECT ", "1+", "1", "", ";\n", 40000) + DROP_USERS,
            [
                ("syntax-error", 1, 1, "stack depth limit exceeded (the statement nests deeper"),
                users_dropped(2),
            ],
            2,
            id="sum-deeper-than-postgresql-accepts",
        ),
        pytest.param(
            nested("SELECT ARRAY", "[", "1", "]", ";\n", 20000) + DROP_USERS,
            [
                ("syntax-error", 1, 10008, 'memory exhausted at or near "[" (the statement nests'),
                users_dropped(2),
            ],
            2,
            id="array-deeper-than-postgresql-accepts",
        ),
    ],
)
def test_what_runs_is_linted_and_what_fails_is_a_syntax_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    sql: str,
    expected: list[Finding],
    exit_code: int,
) -> None:
    code, report = run_plain(tmp_path, capsys, sql)
    assert_findings(report, expected)
    assert code == exit_code


@pytest.mark.parametrize(
    ("sql", "expected", "exit_code"),
    [
        pytest.param(
            f"SELECT 1;{BREAKPOINT} {DROP_USERS}\n",
            [users_dropped(1, 35)],
            1,
            id="breakpoint-inside-a-line",
        ),
        pytest.param(
            f"SELECT 1; -- done{BREAKPOINT}\n{DROP_USERS}\n",
            [users_dropped(2)],
            1,
            id="breakpoint-ending-a-comment",
        ),
        pytest.param(
            f"INSERT INTO \"notes\" VALUES ('before{BREAKPOINT}after');\n",
            [
                ("syntax-error", 1, 29, 'unterminated quoted string at or near "\'before"'),
                ("syntax-error", 1, 60, 'syntax error at or near "after"'),
            ],
            2,
            id="breakpoint-inside-a-string",
        ),
        pytest.param(
            f'CREATE TABLE "a" ("id" int);\n-->\nstatement-breakpoint\n{DROP_USERS}\n',
            [
                (
                    "syntax-error",
                    3,
                    1,
                    'at or near "statement" (a broken drizzle breakpoint: drizzle\'s migrator',
                )
            ],
            2,
            id="breakpoint-broken-after-its-arrow",
        ),
        pytest.param(
            f'CREATE TABLE "a" ("id" int);\n--> statement-\nbreakpoint\n{DROP_USERS}\n',
            [("syntax-error", 3, 1, 'at or near "breakpoint" (a broken drizzle breakpoint')],
            2,
            id="breakpoint-broken-inside-its-name",
        ),
        pytest.param(
            f"SELECT 1;{BREAKPOINT}\u00a0\n",
            [("syntax-error", 1, 34, "(U+00A0 NO-BREAK SPACE")],
            2,
            id="breakpoint-followed-by-a-no-break-space",
        ),
    ],
)
def test_drizzle_files_are_split_where_the_migrator_splits_them(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sql: str,
    expected: list[Finding],
    exit_code: int,
) -> None:
    repo = DrizzleRepo(tmp_path / "app", "drizzle")
    monkeypatch.chdir(repo.path)
    repo.add_migration("0002_change", sql)
    code, report = lint_json(Path("drizzle/0002_change.sql"), capsys)
    assert_findings(report, expected)
    assert code == exit_code


def test_a_broken_migration_does_not_break_the_later_ones_reading_it_as_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_deep.sql").write_text(nested("SELECT ARRAY", "[", "1", "]", ";\n", 3000))
    (folder / "0002_broken.sql").write_text('CREATE TABLE "x" (\n"id" uuid ')
    (folder / "0003_drop.sql").write_text(DROP_USERS)
    code, report = lint_json(folder / "0003_drop.sql", capsys)
    assert_findings(report, [users_dropped(1)])
    assert code == 1


# Large inputs, built here: a few megabytes, linted in about a second each.


def test_an_unterminated_string_at_the_start_of_a_large_file_is_one_short_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "".join(f'ALTER TABLE "t" ADD COLUMN "c{n}" integer;\n' for n in range(100_000))
    code, report = run_plain(tmp_path, capsys, "SELECT 'never closed;\n" + body)
    assert_findings(
        report,
        [
            (
                "syntax-error",
                1,
                8,
                'invalid SQL: unterminated quoted string at or near "\'never closed;..."',
            )
        ],
    )
    assert code == 2


def insert_rows(count: int) -> str:
    rows = ",\n".join(f"({n}, 'name {n}', {n}.5)" for n in range(count))
    return f'INSERT INTO "items" ("id", "name", "price") VALUES\n{rows};\n'


def test_a_large_insert_is_checked_for_syntax_without_a_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    insert = insert_rows(30_000)
    assert TREE_CODE_CHARS < len(insert) - len("'name 00000', ") * 30_000 < CHECKED_CODE_CHARS
    broken = insert.replace("(20000, 'name 20000', 20000.5)", "(20000, 'name 20000' 20000.5)")
    code, report = run_plain(tmp_path, capsys, broken + DROP_USERS)
    assert_findings(
        report,
        [
            ("syntax-error", 20_002, 22, 'syntax error at or near "20000.5"'),
            users_dropped(30_002),
        ],
    )
    assert code == 2


def test_an_insert_too_large_to_parse_is_a_statement_the_rules_do_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    insert = insert_rows(100_000)
    assert len(insert) - len("'name 00000', ") * 100_000 > CHECKED_CODE_CHARS
    code, report = run_plain(tmp_path, capsys, insert + DROP_USERS)
    assert_findings(report, [users_dropped(100_002)])
    assert (code, report["summary"]["statements"]) == (1, 2)


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        pytest.param(
            20_000,
            "statement too large to lint: 379 KiB of SQL outside strings and comments (the limit "
            "is 128 KiB); PostgreSQL's parser accepts it, the rules did not read it",
            id="checked-for-syntax",
        ),
        pytest.param(
            80_000,
            "statement too large to lint: 1.5 MiB of SQL outside strings and comments (the limit "
            "is 128 KiB); its syntax was not checked, the rules did not read it",
            id="too-large-to-parse",
        ),
    ],
)
def test_a_statement_too_large_to_lint_is_reported_and_the_others_are_linted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], columns: int, message: str
) -> None:
    elements = ",\n".join(f'  "c{n}" integer' for n in range(columns))
    sql = f'CREATE TABLE "wide" (\n{elements}\n);\n{DROP_USERS}\n'
    code, report = run_plain(tmp_path, capsys, sql)
    assert_findings(report, [("input-error", 1, 1, message), users_dropped(columns + 3)])
    assert code == 2


def test_a_large_do_block_is_read_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = "".join(f"  PERFORM {n};\n" for n in range(100_000))
    sql = f'DO $$\nBEGIN\n{body}  ALTER TABLE "t" DROP COLUMN "c";\nEND $$;\n'
    assert len(body) > CHECKED_CODE_CHARS  # in a string: what it costs to parse is its code
    code, report = run_plain(tmp_path, capsys, sql)
    assert_findings(report, [("drop-column", 100_003, 3, 'column "c"')])
    assert code == 1


def test_more_statements_than_the_linter_keeps_operations_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parse_module, "KEPT_OPERATIONS", 1_000)  # the test's own, to stay quick
    count = 30_000
    statements = "".join(f'UPDATE "t" SET "c" = {n} WHERE "id" = {n};\r' for n in range(count))
    sql = f"{DROP_USERS}\r{statements}{DROP_USERS}\rSELEC 1;\r"
    code, report = run_plain(tmp_path, capsys, sql)
    assert_findings(
        report,
        [
            users_dropped(1),
            users_dropped(count + 2),
            ("syntax-error", count + 3, 1, '"SELEC"'),
        ],
    )
    assert (code, report["summary"]["statements"]) == (2, count + 2)


# Properties every input keeps, checked on the examples, tricky texts, and mutations of both.

TRICKY = [
    f"{DROP_USERS}\r-- comment\rSELECT 1;\r\n/* a /* nested */ comment */ SELECT 2;\n",
    'DO $body$ BEGIN ALTER TABLE "t" ADD COLUMN "c" int; END $body$;\nSELECT E\'\\\';\';\n',
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\nSELECT $$$$;\n",
    f'COPY "t" FROM stdin;\n1\n\\.\n\\connect x\n{DROP_USERS}{BREAKPOINT}SELECT 1;\n',
    "CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2);\nSELECT 'é', \"ü\";\n",
]
INSERTED = ["'", '"', "$$", ";", "--", "/*", "*/", BREAKPOINT, "\r", "\ufeff", "\\", "(", "\u00a0"]


def samples() -> Iterator[str]:
    originals = [path.read_text() for path in EXAMPLES] + TRICKY
    for text in originals:
        yield text
        for at in range(0, len(text), max(len(text) // 6, 1)):
            yield text[:at] + text[at + 1 :]  # a character deleted
            yield text[:at] + text[at : at + 20] + text[at:]  # a part duplicated
            yield text[:at] + text[at + 1 : at + 2] + text[at : at + 1] + text[at + 2 :]  # swapped
            for part in INSERTED:
                yield text[:at] + part + text[at:]


def test_splitting_then_joining_with_the_text_between_gives_the_file_back() -> None:
    for text in samples():
        joined, end = [], 0
        for chunk_start, chunk_end in chunks(text, True):
            for piece in pieces(text, chunk_start, chunk_end):
                assert end <= piece.start and chunk_start <= piece.start, (text, piece)
                assert piece.start < piece.end <= chunk_end, (text, piece)
                joined += [text[end : piece.start], text[piece.start : piece.end]]
                end = piece.end
        assert "".join(joined) + text[end:] == text


def lines_of(text: str) -> list[str]:
    return re.split("\r\n|\r|\n", text)


def test_every_finding_lies_inside_its_file() -> None:
    for text in samples():
        lines = lines_of(text)
        for finding in lint_sql(text):
            for line, column in (
                (finding.line, finding.column),
                (finding.end_line, finding.end_column),
            ):
                assert 1 <= line <= len(lines), (text, finding)
                assert 1 <= column <= len(lines[line - 1]) + 1, (text, finding)


@pytest.mark.parametrize(
    "appended",
    [
        pytest.param("SELEC 1;", id="syntax-error"),
        pytest.param("SELECT 'never closed", id="unterminated-string"),
        pytest.param("/* never closed", id="unterminated-comment"),
        pytest.param("DO $$ BEGIN", id="unterminated-dollar-quote"),
        pytest.param("(", id="lone-paren"),
        pytest.param("\\connect other", id="psql-meta-command"),
        pytest.param('COPY "t" FROM stdin;\n1\n', id="copy-data"),
        pytest.param(
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;",
            id="begin-atomic-without-end",
        ),
        pytest.param("\u00a0", id="no-break-space"),
        pytest.param(nested("SELECT ", "1+", "1", "", ";", 40000), id="too-deep"),
    ],
)
def test_a_statement_appended_takes_no_finding_away(appended: str) -> None:
    prefixes = [path.read_text() for path in EXAMPLES] + TRICKY
    for prefix in prefixes:
        before = {(d.rule, d.line, d.column, d.message) for d in lint_sql(prefix)}
        for joint in ("\n", BREAKPOINT):
            after = {
                (d.rule, d.line, d.column, d.message) for d in lint_sql(prefix + joint + appended)
            }
            assert before <= after, (prefix, appended)


@pytest.mark.parametrize(
    ("text", "offset", "position"),
    [
        pytest.param("a\nb", 2, (2, 1), id="lf"),
        pytest.param("a\n\nb", 3, (3, 1), id="empty-line"),
        pytest.param("a\n", 2, (2, 1), id="after-a-last-lf"),
        pytest.param("\u00e9\n\u00fcb", 4, (2, 3), id="non-ascii"),
        pytest.param("a\r\nb", 3, (2, 1), id="crlf"),
        pytest.param("a\r\nb", 1, (1, 2), id="end-of-a-line"),
        pytest.param("a\rb", 2, (2, 1), id="cr"),
        pytest.param("a\r\rb", 3, (3, 1), id="two-crs"),
        pytest.param("a\n\rb", 3, (3, 1), id="lf-then-cr"),
        pytest.param("a\u2028b", 2, (1, 3), id="line-separator-is-no-line-break"),
    ],
)
def test_lines_end_as_postgresql_and_editors_end_them(
    text: str, offset: int, position: tuple[int, int]
) -> None:
    source = Source("x.sql", text)
    assert source.position(offset) == position
    assert source.offset(*position) == offset


def test_a_place_between_the_two_characters_of_a_crlf_is_the_end_of_its_line() -> None:
    assert Source("x.sql", "a\r\nb").position(2) == (1, 2)
