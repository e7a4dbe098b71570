"""SQL taken out of a file (a down section, a `-- rollback:` comment block, a down file), with
where each of its characters is in that file: a server's error in it points at the file's line
and column, as one in a migration does."""

from __future__ import annotations

import bisect
import sys
from typing import TYPE_CHECKING

from .records import FrozenRecord
from .source import Source

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same, made faster for records (records.dataclass)
    from .records import dataclass


@dataclass(frozen=True, eq=False, repr=False)
class LocatedSql(FrozenRecord):
    """SQL written inside a file (a section or a comment block), and where."""

    source: Source  # the file it is written in
    sql: str
    start: int  # where it is written: its block or section (for a finding about all of it)
    # (offset in `sql`, offset in the file) where each run of characters taken as written
    # starts: one run for a section, one a line for a comment block (its `--` left out).
    runs: tuple[tuple[int, int], ...]

    @property
    def path(self) -> str:
        return self.source.path

    def file_offset(self, offset: int) -> int:
        """The offset in the file of a character of `sql`."""
        run = max(bisect.bisect_right(self.runs, (offset, sys.maxsize)) - 1, 0)
        sql_start, file_start = self.runs[run]
        return file_start + offset - sql_start

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) in the file of a character of `sql`."""
        return self.source.position(self.file_offset(offset))

    @property
    def line(self) -> int:
        """The line where it is written."""
        return self.source.position(self.start)[0]


def between(source: Source, start: int, end: int, written_at: int) -> LocatedSql | None:
    """The SQL of the file's text from `start` to `end`, without the white space around it;
    None when there is none."""
    taken = source.text[start:end]
    sql = taken.strip()
    if not sql:
        return None
    lead = len(taken) - len(taken.lstrip())
    return LocatedSql(source, sql, written_at, ((0, start + lead),))


def joined_lines(source: Source, lines: list[tuple[int, str]], written_at: int) -> LocatedSql:
    """SQL made of pieces of lines, each (where it starts in the file, its text), joined by
    line feeds, without the white space around it."""
    runs = []
    at = 0
    for file_start, text in lines:
        runs.append((at, file_start))
        at += len(text) + 1
    joined = "\n".join(text for _, text in lines)
    lead = len(joined) - len(joined.lstrip())
    shifted = tuple((sql_start - lead, file_start) for sql_start, file_start in runs)
    return LocatedSql(source, joined.strip(), written_at, shifted)
