"""The linter reads a migration as the runner and PostgreSQL will: what runs is linted, what
fails is a syntax error at its line, and nothing crashes, however careless or hostile the text.

The cases run through the command line (`lint --format json`), as a user sees them. The large
ones build their input here and stay a few megabytes, enough to show the work is linear (time and
memory on 15 MB inputs: benchmarks/memory.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from migration_lint.cli import main
from migration_lint.source import Source

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
    ("text", "offset", "position"),
    [
        pytest.param("a\nb", 2, (2, 1), id="lf"),
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
