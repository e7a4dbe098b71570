"""The linter reads a migration as the runner and PostgreSQL will: what runs is linted, what
fails is a syntax error at its line, and nothing crashes, however careless or hostile the text.

The cases run through the command line (`lint --format json`), as a user sees them. The large
ones build their input here and stay a few megabytes, enough to show the work is linear (time and
memory on 15 MB inputs: benchmarks/memory.py).
"""

from __future__ import annotations

import pytest

from migration_lint.source import Source


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
