"""PostgreSQL parsing with pglast: statements with their places in the file, and syntax errors.

Each part of the file the runner sends as a query (the whole file, or for drizzle's migrator each
part between breakpoints) is parsed in one call; only when that fails is it split (splitting.py)
and parsed statement by statement, so that a syntax error reports its own place and does not
hide the findings of the other statements. psql meta-commands and COPY data are reported as
what they are, not parsed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from pglast import parser as pg_parser

from . import deep_json
from .splitting import PSQL_COMMAND, STATEMENT, Piece, chunks, content_end, pieces

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
class Problem:
    start: int  # character offsets in the file
    end: int
    message: str


def parse(text: str, on_breakpoints: bool) -> tuple[list[Statement], list[Problem]]:
    """The statements of a migration and its problems. `on_breakpoints`: the runner splits it
    on drizzle's breakpoints."""
    statements: list[Statement] = []
    problems: list[Problem] = []
    for chunk_start, chunk_end in chunks(text, on_breakpoints):
        try:
            statements.extend(parse_piece(text[chunk_start:chunk_end], chunk_start))
            continue
        except pg_parser.ParseError:
            pass
        for piece in pieces(text, chunk_start, chunk_end):
            if piece.kind != STATEMENT:
                problems.append(_not_sql(text, piece))
                continue
            try:
                statements.extend(parse_piece(text[piece.start : piece.end], piece.start))
            except pg_parser.ParseError as exc:
                problems.append(_syntax_problem(text, piece, exc))
    return statements, problems


def _syntax_problem(text: str, piece: Piece, exc: pg_parser.ParseError) -> Problem:
    message = str(exc.args[0]) if exc.args else ""
    location = exc.args[1] if len(exc.args) > 1 else None
    if isinstance(location, int) and location >= 0:
        at = piece.start + min(location, piece.end - piece.start)
    elif "end of input" in message:
        at = content_end(text, piece.start, piece.end)
    else:  # e.g. nested deeper than the parser's stack: the statement as a whole
        at = piece.start
    return Problem(at, at, "invalid SQL: " + _syntax_message(message, text, at))


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
        finish = content_end(piece, begin, finish)
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


_NEAR = ' at or near "'
_NEAR_SHOWN = 40
_LINE_END = re.compile("[\n\r]")
_LINE_BREAK = re.compile("\r\n?|\n")
_TOO_DEEP = ("stack depth limit exceeded", "memory exhausted")


def _syntax_message(message: str, text: str, at: int) -> str:
    """pglast's message on one line, with what a reader may not see in it.

    After an unterminated literal, PostgreSQL quotes the rest of the text: keep its start.
    """
    near_start = message.find(_NEAR)
    if near_start == -1:
        line_end = _LINE_END.search(message)
        message = message[: line_end.start()] if line_end else message
        return message + _nesting_hint(message)
    near_start += len(_NEAR)
    near_end = len(message) - 1 if message.endswith('"') else len(message)
    shown_end = min(near_end, near_start + _NEAR_SHOWN)
    line_end = _LINE_END.search(message, near_start, shown_end)
    shown_end = line_end.start() if line_end else shown_end
    near = message[near_start:shown_end]
    more = "..." if shown_end < near_end else ""
    head = message[:near_start]
    hints = _nesting_hint(head) + _invisible_hint(near) + _breakpoint_hint(near, text, at)
    return f'{head}{near}{more}"{hints}'


def _nesting_hint(message: str) -> str:
    if message.startswith(_TOO_DEEP):
        return " (the statement nests deeper than PostgreSQL's parser accepts)"
    return ""


def _invisible_hint(near: str) -> str:
    """Names the first character in the quoted text that looks like white space or nothing."""
    for char in near:
        if char != " " and unicodedata.category(char) in ("Zs", "Zl", "Zp", "Cc", "Cf"):
            name = unicodedata.name(char, "a control character")
            return f" (U+{ord(char):04X} {name}: PostgreSQL does not read it as white space)"
    return ""


def _breakpoint_hint(near: str, text: str, at: int) -> str:
    # drizzle-kit's marker cut by a line break: the migrator does not split there, and
    # PostgreSQL reads the rest of the marker as SQL.
    if near in ("statement", "breakpoint") and "-->" in text[max(at - 40, 0) : at]:
        return (
            " (a broken drizzle breakpoint: drizzle's migrator splits only on "
            '"--> statement-breakpoint" written whole on one line)'
        )
    return ""


def _not_sql(text: str, piece: Piece) -> Problem:
    end = content_end(text, piece.start, piece.end)
    if piece.kind == PSQL_COMMAND:
        command = re.match(r"\\[^ \t\n\r\f\v]{0,40}", text[piece.start : piece.start + 41])
        name = command.group() if command else "\\"
        message = (
            f"{name} is a psql meta-command, not SQL: a migration runner sends it to PostgreSQL, "
            "which rejects it (only psql runs meta-commands)"
        )
    else:
        lines = 1 + sum(1 for _ in _LINE_BREAK.finditer(text, piece.start, end))
        message = (
            f"{lines} line{'s' if lines > 1 else ''} of COPY ... FROM stdin data, not SQL: a "
            "migration runner sends them to PostgreSQL as SQL, which rejects them (only psql "
            "feeds them to the COPY)"
        )
    return Problem(piece.start, end, message)
