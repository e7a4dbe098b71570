"""PostgreSQL parsing with pglast: statements with their places in the file, and syntax errors.

The whole file is parsed in one call (drizzle's breakpoints are `--` comments to PostgreSQL); only
when that fails is it split and parsed statement by statement, so that a syntax error reports its
own place and does not hide the findings of the other statements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pglast import parser as pg_parser

from . import deep_json
from .splitting import split_statements

Node = dict[str, Any]


@dataclass(slots=True)
class Statement:
    kind: str  # the parse node's type, e.g. "AlterTableStmt"
    node: Node
    start: int  # character offsets in the file
    end: int
    # The text pglast parsed and where it starts in the file, to turn its byte offsets into
    # character offsets; for text that is not ASCII, also its UTF-8 bytes and this statement's
    # byte offset in them.
    piece: str
    piece_start: int
    piece_bytes: bytes | None = None
    byte_start: int = 0

    @property
    def text(self) -> str:
        return self.piece[self.start - self.piece_start : self.end - self.piece_start]

    def offset(self, byte_location: int) -> int:
        """Character offset in the file of a pglast location inside this statement."""
        if byte_location < 0:
            return self.start
        if self.piece_bytes is None:
            return self.piece_start + byte_location
        between = self.piece_bytes[self.byte_start : byte_location]
        return self.start + len(between.decode("utf-8", errors="ignore"))


@dataclass(slots=True)
class SyntaxProblem:
    offset: int  # character offset in the file
    message: str


def parse(text: str) -> tuple[list[Statement], list[SyntaxProblem]]:
    try:
        return parse_piece(text, 0), []
    except pg_parser.ParseError:
        pass
    statements: list[Statement] = []
    problems: list[SyntaxProblem] = []
    for start, end in split_statements(text):
        piece = text[start:end]
        try:
            statements.extend(parse_piece(piece, start))
        except pg_parser.ParseError as exc:
            message, location = exc.args[0], exc.args[1]  # location: character offset
            problems.append(
                SyntaxProblem(start + min(max(location, 0), len(piece)), _one_line(message))
            )
    return statements, problems


_NEAR = re.compile(r'(?P<head>.*? at or near ")(?P<near>.*)"$', re.DOTALL)


def _one_line(message: str) -> str:
    """PostgreSQL quotes the rest of the text after an unterminated literal: keep its start."""
    match = _NEAR.match(message)
    if match is None:
        return message.splitlines()[0] if message else message
    near = match["near"]
    short = near.splitlines()[0][:40] if near else near
    return f'{match["head"]}{short}{"..." if short != near else ""}"'


def parse_piece(piece: str, piece_start: int) -> list[Statement]:
    parsed = deep_json.loads(pg_parser.parse_sql_json(piece))
    # pglast counts UTF-8 bytes; for non-ASCII text, convert offsets in one pass over the file.
    encoded = None if piece.isascii() else piece.encode("utf-8")
    piece_end = len(encoded) if encoded is not None else len(piece)
    statements = []
    byte_mark = char_mark = 0
    for raw in parsed.get("stmts", ()):
        ((kind, node),) = raw["stmt"].items()
        byte_begin = raw.get("stmt_location", 0)
        length = raw.get("stmt_len", 0)
        byte_finish = byte_begin + length if length else piece_end
        if encoded is None:
            begin, finish = byte_begin, byte_finish
        else:
            begin = char_mark + len(encoded[byte_mark:byte_begin].decode("utf-8", "ignore"))
            finish = begin + len(encoded[byte_begin:byte_finish].decode("utf-8", "ignore"))
            byte_mark, char_mark = byte_finish, finish
        while finish > begin and piece[finish - 1].isspace():
            finish -= 1
        statements.append(
            Statement(
                kind,
                node,
                piece_start + begin,
                piece_start + finish,
                piece,
                piece_start,
                encoded,
                byte_begin,
            )
        )
    return statements
