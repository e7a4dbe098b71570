"""PostgreSQL parsing with pglast: statements with their places in the file, and syntax errors.

The whole file is parsed in one call (drizzle's breakpoints are `--` comments to PostgreSQL); only
when that fails is it split and parsed statement by statement, so that a syntax error reports its
own place and does not hide the findings of the other statements.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pglast import parser as pg_parser

from .splitting import split_statements

Node = dict[str, Any]


@dataclass(slots=True)
class Statement:
    kind: str  # the parse node's type, e.g. "AlterTableStmt"
    node: Node
    start: int  # character offsets in the file
    end: int
    # The text pglast parsed and where it starts in the file, to turn its byte offsets into
    # character offsets.
    piece: str
    piece_start: int

    def offset(self, byte_location: int) -> int:
        """Character offset in the file of a pglast location inside this statement."""
        if byte_location < 0:
            return self.start
        return self.piece_start + _char_offset(self.piece, byte_location)


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
            problems.append(SyntaxProblem(start + min(max(location, 0), len(piece)), message))
    return statements, problems


def parse_piece(piece: str, piece_start: int) -> list[Statement]:
    parsed = json.loads(pg_parser.parse_sql_json(piece))
    ascii_only = piece.isascii()
    piece_end = len(piece.encode("utf-8")) if not ascii_only else len(piece)
    statements = []
    for raw in parsed.get("stmts", ()):
        ((kind, node),) = raw["stmt"].items()
        begin = raw.get("stmt_location", 0)
        length = raw.get("stmt_len", 0)
        finish = begin + length if length else piece_end
        if not ascii_only:
            begin, finish = _char_offset(piece, begin), _char_offset(piece, finish)
        while finish > begin and piece[finish - 1].isspace():
            finish -= 1
        statements.append(
            Statement(kind, node, piece_start + begin, piece_start + finish, piece, piece_start)
        )
    return statements


def _char_offset(text: str, byte_offset: int) -> int:
    if text.isascii():
        return byte_offset
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))
