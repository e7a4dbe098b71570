"""Reading a migration file into text, with a clear error for anything that is not SQL text."""

from __future__ import annotations

import bisect
import os
import re
from array import array
from dataclasses import dataclass
from functools import cached_property

# Generated migrations are kilobytes; anything this big is a dump or a mistake, not a migration.
MAX_FILE_BYTES = 16 * 1024 * 1024

_LINE_BREAK = re.compile("\r\n?|\n")


class InputError(Exception):
    """A file that cannot be linted, reported as one line naming the file (and line if known)."""

    def __init__(self, path: str, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.line = line


@dataclass(frozen=True)
class Source:
    path: str
    text: str

    @cached_property
    def _line_starts(self) -> array[int]:
        # A line ends at a line feed, a carriage return or both (CRLF), as PostgreSQL's lexer
        # (a `--` comment ends at either) and editors count lines. An array: a file may hold a
        # million lines.
        starts = array("q", [0])
        starts.extend(match.end() for match in _LINE_BREAK.finditer(self.text))
        return starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        if 0 < offset < len(self.text) and self.text[offset - 1 : offset + 1] == "\r\n":
            offset -= 1  # between the two characters of a line break: the end of its line
        starts = self._line_starts
        index = bisect.bisect_right(starts, offset) - 1
        return index + 1, offset - starts[index] + 1

    def offset(self, line: int, column: int) -> int | None:
        """The character offset of a 1-based (line, column); None for a line the file lacks."""
        starts = self._line_starts
        return starts[line - 1] + column - 1 if 1 <= line <= len(starts) else None


def read_source(path: str) -> Source:
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise InputError(
                path,
                f"file is too large ({size // (1024 * 1024)} MiB; the limit is "
                f"{MAX_FILE_BYTES // (1024 * 1024)} MiB)",
            )
        with open(path, "rb") as file:
            data = file.read()
    except InputError:
        raise
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror or exc}") from None
    return decode_source(path, data)


def decode_source(path: str, data: bytes) -> Source:
    if b"\x00" in data:
        raise InputError(
            path, "binary file, not SQL text", data[: data.index(b"\x00")].count(b"\n") + 1
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            path, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line})", line
        ) from None
    if text.startswith("\ufeff"):
        # Editors on Windows add a byte-order mark; psql strips it, and editors do not count it
        # as a column.
        text = text[1:]
    if not text.strip():
        raise InputError(path, "empty file: no SQL statements")
    return Source(path, text)
