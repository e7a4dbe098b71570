"""Splitting a migration's text into the pieces PostgreSQL and psql see, without parsing it.

The parser gets one statement, or a batch of them, at a time: one broken statement does not hide
the findings of the others, and memory stays bounded on a large file. What can hide a `;` follows
PostgreSQL's lexer (src/backend/parser/scan.l): a `--` comment ends at a line feed or a carriage
return; /* comments */ nest; quoted strings and identifiers; dollar quotes, which no `$` inside an
identifier starts. What psql does with a script follows its lexer (src/fe_utils/psqlscan.l) and
its COPY: a `;` inside the BEGIN ... END body of CREATE FUNCTION or PROCEDURE (BEGIN ATOMIC) does
not end the statement; a backslash outside quotes starts a meta-command that runs to the end of
its line; after COPY ... FROM STDIN the lines up to `\\.` are data, not SQL. drizzle's migrator
splits a file on the literal `--> statement-breakpoint` wherever it stands, even inside a string,
and sends each part as a query of its own: `chunks` does the same.

Every step moves forward through the text, and each character is looked at a bounded number of
times: splitting is linear in the text, whatever it holds (no regular expression here can
backtrack over more than the token it matches).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

BREAKPOINT = "--> statement-breakpoint"
# PostgreSQL's white space (scan.l's `space`; \v since PostgreSQL 16). Not Python's: str.isspace
# also takes a no-break space, U+2028 and control characters, which PostgreSQL rejects.
WHITESPACE = " \t\n\r\f\v"

STATEMENT = "statement"
PSQL_COMMAND = "psql-command"
COPY_DATA = "copy-data"


class Piece(NamedTuple):
    start: int  # its first character that is neither white space nor in a comment
    end: int  # after its `;`, or after its last such character
    kind: str  # STATEMENT, PSQL_COMMAND or COPY_DATA
    # Whether a statement ends outside parentheses. A batch of statements may end only after
    # such a one: CREATE RULE's actions are statements in parentheses, separated by `;`.
    closed: bool = True
    # Its length without its strings, dollar quotes and comments: what its parse tree grows
    # with (a DO block's body is one string).
    code_chars: int = 0


def chunks(text: str, on_breakpoints: bool) -> Iterator[tuple[int, int]]:
    """The (start, end) spans the runner sends as queries of their own."""
    start = 0
    if on_breakpoints:
        found = text.find(BREAKPOINT)
        while found != -1:
            yield start, found
            start = found + len(BREAKPOINT)
            found = text.find(BREAKPOINT, start)
    yield start, len(text)


def pieces(text: str, start: int, end: int) -> Iterator[Piece]:
    """The statements, psql meta-commands and COPY data of a chunk, in order.

    An unterminated string, identifier, comment or dollar quote runs to the end of the chunk,
    where the parser reports it.
    """
    return _Lexer(text, start, end).pieces()


def split_statements(text: str) -> list[tuple[int, int]]:
    """The (start, end) spans of a file's statements as drizzle's migrator and psql split it,
    each with the comments and white space before it."""
    spans = []
    for chunk_start, chunk_end in chunks(text, True):
        start = chunk_start
        for piece in pieces(text, chunk_start, chunk_end):
            if piece.kind == STATEMENT:
                spans.append((start, piece.end))
            start = piece.end
    return spans


def content_end(text: str, start: int, end: int) -> int:
    """`end`, moved back over the white space before it (not before `start`)."""
    # rstrip on growing windows of the text: C speed, without copying a long run whole.
    size = 64
    while end > start and text[end - 1] in WHITESPACE:
        window = text[max(start, end - size) : end]
        end -= len(window) - len(window.rstrip(WHITESPACE))
        size = min(size * 2, 65536)
    return end


# scan.l's identifier characters: A-Z, a-z, _ and any byte >= 0x80, so any non-ASCII character
# (then also digits and $). Written as the ASCII characters they exclude: a class of ranges up
# to U+10FFFF takes the regex compiler milliseconds each, at every start of the command.
_IDENT_START = r"[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f]"
_IDENT_START_OR_DIGIT = r"[^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"
_IDENT_CONT = r"[^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"
_TOKEN = re.compile(
    "(?P<line_comment>--[^\n\r]*)"
    r"|(?P<block_comment>/\*)"
    # E'...' takes backslash escapes; an E that ends an identifier starts no string. (Each
    # lookbehind follows the first character so that the search tests it only where that
    # character stands.)
    f"|(?P<escape_string>[eE](?<!{_IDENT_CONT}.)')"
    # A quoted string or identifier, to its end or the chunk's: two quotes that stand for one
    # read as two strings, which hide a `;` just as well.
    "|(?P<string>'[^']*'?)"
    '|(?P<quoted_identifier>"[^"]*"?)'
    # A dollar quote's tag, a $1 parameter, or a `$` alone (one that continues an identifier).
    f"|(?P<dollar>\\$(?:{_IDENT_START}{_IDENT_START_OR_DIGIT}*\\$|[0-9]+|\\$)?)"
    "|(?P<semicolon>;)"
    r"|(?P<backslash>\\)"
)
_WORD = re.compile(f"{_IDENT_START}{_IDENT_START_OR_DIGIT}*")
_IDENT_START_CHAR = re.compile(_IDENT_START)
_IDENT_CONT_CHAR = re.compile(_IDENT_CONT)
_IDENT_REST = re.compile(f"{_IDENT_CONT}*")
_WORD_OR_PAREN = re.compile(f"{_IDENT_START}{_IDENT_START_OR_DIGIT}*|[()]")
_CONTENT = re.compile("[^ \t\n\r\f\v]")
_LINE_END = re.compile("[\n\r]")
_LINE_BREAK = re.compile("\r\n?|\n")
_BLOCK_COMMENT_PART = re.compile(r"/\*|\*/")
_ESCAPE_STRING_PART = re.compile(r"\\[\s\S]?|'+")
_FROM_STDIN = re.compile(r"\bfrom[ \t\n\r\f\v]+stdin\b", re.IGNORECASE)
_COPY_COMMAND = re.compile(r"\\copy\b[^\n\r]*\bfrom[ \t]+stdin\b", re.IGNORECASE)
# psql's end of COPY data: a line that is `\.` alone.
_COPY_END = re.compile(r"(?<![^\n\r])\\\.(?:\r\n?|\n|\Z)")

# How much of a statement's start psql reads to know its sort (psqlscan.l counts the first
# identifiers: CREATE [OR REPLACE] {FUNCTION | PROCEDURE}).
_UNDECIDED, _PLAIN, _ROUTINE, _COPY = range(4)
_ROUTINE_HEADS = {
    ("create", "function"),
    ("create", "procedure"),
    ("create", "or", "replace", "function"),
    ("create", "or", "replace", "procedure"),
}
_HEAD_STARTS = {("create",), ("create", "or"), ("create", "or", "replace")}


class _Lexer:
    """Reads one chunk, statement by statement."""

    def __init__(self, text: str, begin: int, end: int) -> None:
        self.text = text
        self.end = end
        self.pos = begin
        self._new_statement()

    def _new_statement(self) -> None:
        self.start = -1  # the statement's first character; -1 before it
        self.quoted = 0  # how many of its characters are in strings and comments
        self.parens = 0  # in a routine's head and body, for its BEGIN ... END blocks
        self.head: tuple[str, ...] = ()  # its first words, lower-case, while they decide its sort
        self.sort = _UNDECIDED
        self.begin_depth = 0  # BEGIN (and CASE) ... END blocks open in a routine's body
        self.from_stdin = False  # COPY ... FROM STDIN: data lines follow

    def pieces(self) -> Iterator[Piece]:
        text, end = self.text, self.end
        search = _TOKEN.search
        while True:
            token = search(text, self.pos, end)
            code_end = token.start() if token else end
            # Once a plain statement has started, the code between its tokens tells nothing.
            if code_end > self.pos and (self.start < 0 or self.sort != _PLAIN):
                self._code(self.pos, code_end)
            if token is None:
                break
            kind, at, after = token.lastgroup, token.start(), token.end()
            if kind == "line_comment" or kind == "block_comment":
                close = after if kind == "line_comment" else _block_comment_end(text, after, end)
                if close == -1 and self.start < 0:
                    self.start = at  # unterminated: PostgreSQL rejects it
                self.pos = end if close == -1 else close
                if self.start >= 0:
                    self.quoted += self.pos - at
                continue
            if kind == "semicolon" and not (self.sort == _ROUTINE and self.begin_depth):
                yield from self._end_statement(after)
                continue
            if kind == "backslash":
                yield from self._psql_command(at)
                continue
            if kind == "dollar" and at > self.pos and _IDENT_CONT_CHAR.match(text, at - 1):
                identifier = _identifier_start(text, self.pos, at)
                if identifier != -1:
                    # `$` continues an identifier: no dollar quote starts in it.
                    self.pos = _IDENT_REST.match(text, at, end).end()  # type: ignore[union-attr]
                    if self.sort == _UNDECIDED:
                        self._head_word(text[identifier : self.pos])
                    continue
            if self.start < 0:
                self.start = at
            dollar_quote = kind == "dollar" and after - at > 1 and text[after - 1] == "$"
            if kind == "escape_string":
                self.pos = _escape_string_end(text, after, end)
            elif dollar_quote:
                close = text.find(token.group(), after, end)  # the dollar quote's end
                self.pos = close + after - at if close != -1 else end
            else:  # a string, a $1 parameter, a `$` alone, a `;` inside a BEGIN ATOMIC body
                self.pos = after
            if dollar_quote or kind == "string" or kind == "escape_string":
                self.quoted += self.pos - at
        if self.start >= 0:
            yield self._statement(content_end(text, self.start, end))

    def _code(self, start: int, end: int) -> None:
        """Text between tokens: words, parentheses, operators, numbers and white space."""
        text = self.text
        if self.start < 0:
            first = _CONTENT.search(text, start, end)
            if first is None:
                return
            self.start = start = first.start()
        while self.sort == _UNDECIDED:
            word = _WORD.search(text, start, end)
            if word is None:
                return
            self._head_word(word.group())
            start = word.end()
        if self.sort == _ROUTINE:
            self._routine_code(start, end)
        elif self.sort == _COPY and _FROM_STDIN.search(text, start, end):
            self.from_stdin = True

    def _head_word(self, word: str) -> None:
        head = (*self.head, word.lower())
        if head in _ROUTINE_HEADS:
            self.sort = _ROUTINE
        elif head in _HEAD_STARTS:
            self.head = head
        else:
            self.sort = _COPY if head == ("copy",) else _PLAIN

    def _routine_code(self, start: int, end: int) -> None:
        # psql's rule: outside parentheses, BEGIN opens a block, CASE too inside one, END
        # closes one.
        for token in _WORD_OR_PAREN.finditer(self.text, start, end):
            part = token.group()
            if part == "(":
                self.parens += 1
            elif part == ")":
                self.parens = max(self.parens - 1, 0)
            elif self.parens == 0 and len(part) <= 5:
                word = part.lower()
                if word == "begin" or (word == "case" and self.begin_depth):
                    self.begin_depth += 1
                elif word == "end" and self.begin_depth:
                    self.begin_depth -= 1

    def _statement(self, end: int) -> Piece:
        # Parentheses are counted in the statement's strings and comments too: a batch of
        # statements may then end elsewhere than it could, which costs only its size.
        closed = _paren_balance(self.text, self.start, end) == 0
        return Piece(self.start, end, STATEMENT, closed, end - self.start - self.quoted)

    def _end_statement(self, after: int) -> Iterator[Piece]:
        if self.start >= 0:
            yield self._statement(after)
        copy_data = self.from_stdin
        self._new_statement()
        self.pos = after
        if copy_data:
            yield from self._copy_data(after)

    def _psql_command(self, at: int) -> Iterator[Piece]:
        text = self.text
        if self.start >= 0:
            yield self._statement(content_end(text, self.start, at))
        line_end = _LINE_END.search(text, at, self.end)
        stop = line_end.start() if line_end else self.end
        yield Piece(at, content_end(text, at, stop), PSQL_COMMAND)
        self._new_statement()
        self.pos = stop
        if _COPY_COMMAND.match(text, at, stop):
            yield from self._copy_data(stop)

    def _copy_data(self, after: int) -> Iterator[Piece]:
        """The data lines after a COPY ... FROM STDIN, through the `\\.` line.

        psql reads them from the line after the one the COPY ends on; the rest of that line is
        passed over with them.
        """
        line_break = _LINE_BREAK.search(self.text, after, self.end)
        if line_break is None:
            return
        stop = _COPY_END.search(self.text, line_break.end(), self.end)
        data_end = stop.end() if stop else self.end
        if data_end > line_break.end():
            yield Piece(line_break.end(), data_end, COPY_DATA)
        self.pos = data_end


def _paren_balance(text: str, start: int, end: int) -> int:
    return text.count("(", start, end) - text.count(")", start, end)


def _block_comment_end(text: str, pos: int, end: int) -> int:
    """Where the comment that opened before `pos` closes; -1 if it does not."""
    depth = 1  # PostgreSQL block comments nest
    while depth:
        part = _BLOCK_COMMENT_PART.search(text, pos, end)
        if part is None:
            return -1
        depth += 1 if part.group() == "/*" else -1
        pos = part.end()
    return pos


def _identifier_start(text: str, lowest: int, at: int) -> int:
    """Where the identifier that the `$` at `at` continues starts; -1 if it continues none.

    Only the code since the last token (from `lowest`) can hold it: each character is looked
    at once, as the identifier is then read through.
    """
    start = at
    while start > lowest and _IDENT_CONT_CHAR.match(text, start - 1):
        start -= 1
    return start if start < at and _IDENT_START_CHAR.match(text, start) else -1


def _escape_string_end(text: str, pos: int, end: int) -> int:
    part = _ESCAPE_STRING_PART.search(text, pos, end)
    while part is not None:
        if text[part.start()] == "'" and (part.end() - part.start()) % 2:
            return part.end()
        part = _ESCAPE_STRING_PART.search(text, part.end(), end)
    return end
