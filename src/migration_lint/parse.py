"""PostgreSQL parsing with pglast: a migration's statements, what they do, and its syntax errors.

The splitter (splitting.py) cuts the text as the runner and psql do. Statements are parsed in
batches of about 64 KB; a batch that does not parse is parsed statement by statement, so that a
syntax error reports its own place and does not hide the findings of the other statements. psql
meta-commands and COPY data are reported as what they are, not parsed.

Memory stays bounded whatever the file holds: a statement's parse tree lives only while the
front end (`convert`) turns it into operations. What stays of each statement is its place, its
kind, the flags of its tree's top node and its operations, in arrays: a file may hold a million
statements.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from array import array
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from pglast import parser as pg_parser

from . import deep_json
from .operations import Operation
from .records import Record

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same, made faster for the records declared slots=True, eq=False, repr=False
    from .records import dataclass
from .splitting import (
    BREAKPOINT,
    PSQL_COMMAND,
    STATEMENT,
    WHITESPACE,
    Piece,
    chunks,
    content_end,
    pieces,
)

Node = dict[str, Any]

# What parsing costs grows with a statement's code, its text outside strings and comments (a
# DO block's body is one string): up to 110 bytes a character for PostgreSQL's own parse tree,
# and 700 for its JSON made into dicts (SELECT a, a, a, ...: one node a character or two).
# Statements are parsed this many characters at a time, with their trees: few calls into
# pglast, and a batch's trees stay under 50 MB.
BATCH_CHARS = 64 * 1024
# A statement with more code is not given a tree in Python (it stays under 90 MB): it is only
# checked for syntax, by PostgreSQL's parser...
TREE_CODE_CHARS = 128 * 1024
# ... and with more than this (which would take PostgreSQL's parser over 110 MB), not parsed.
# Such statements are data (an INSERT of many rows: its kind is all a rule reads of it), or
# none a migration holds (a CREATE TABLE of more columns than PostgreSQL allows): too large to
# lint, which is reported.
CHECKED_CODE_CHARS = 1024 * 1024
# A migration's operations are kept for this many statements (under a kilobyte each); one with
# more, generated or hostile, is parsed a second time while the rules read it.
KEPT_OPERATIONS = 50_000
# The kinds, by the word that starts them, that neither the front end (pg_frontend) nor a
# runner (runners.py) reads more of than the kind.
_TREELESS_KINDS = {
    "insert": "InsertStmt",
    "update": "UpdateStmt",
    "select": "SelectStmt",
    "values": "SelectStmt",
    "copy": "CopyStmt",
    "merge": "MergeStmt",
}
_FIRST_WORD = re.compile("[A-Za-z]+")


class CharacterOffsets:
    """Character offsets of the UTF-8 byte offsets pglast reports into a text that is not ASCII.

    A mark every 256 characters bounds each lookup to decoding that much, however many there are
    (each statement asks for its start and end, an ALTER TABLE once more per column it adds).
    """

    _STRIDE = 256

    def __init__(self, text: str) -> None:
        self._encoded = text.encode("utf-8")
        self._marks = array("q")  # the byte offset of every 256th character
        total = 0
        for start in range(0, len(text), self._STRIDE):
            self._marks.append(total)
            total += len(text[start : start + self._STRIDE].encode("utf-8"))

    def of(self, byte_offset: int) -> int:
        block = max(bisect.bisect_right(self._marks, byte_offset) - 1, 0)
        between = self._encoded[self._marks[block] : byte_offset]
        return block * self._STRIDE + len(between.decode("utf-8", "ignore"))


@dataclass(slots=True, eq=False, repr=False)
class StatementTree(Record):
    """A statement with its whole parse tree, while the front end reads it."""

    kind: str  # the parse node's type, e.g. "AlterTableStmt"
    node: Node
    start: int  # character offsets in the file
    end: int
    # The text pglast parsed, and where it starts in the file.
    piece: str
    piece_start: int
    characters: CharacterOffsets | None  # for a piece that is not ASCII

    @property
    def text(self) -> str:
        return self.piece[self.start - self.piece_start : self.end - self.piece_start]

    def offset(self, byte_location: int) -> int:
        """Character offset in the file of a pglast location (UTF-8 bytes into the piece)."""
        if byte_location < 0:
            return self.start
        if self.characters is None:
            return self.piece_start + byte_location
        return self.piece_start + self.characters.of(byte_location)


@dataclass(slots=True, eq=False, repr=False)
class Statement(Record):
    """A parsed statement, as runners and suppressions see it."""

    kind: str
    node: Node  # the fields of its parse tree's top node that are not nodes (nor a location)
    start: int  # character offsets in the file
    end: int
    file_text: str

    @property
    def text(self) -> str:
        return self.file_text[self.start : self.end]


class _Found(NamedTuple):
    kind: str
    flags: Node
    start: int
    end: int
    operations: Sequence[Operation]


class Statements(Sequence[Statement]):
    """A migration's statements, kept compact: places in arrays, kinds and flags shared."""

    def __init__(self, text: str, read_again: Callable[[], Iterator[Sequence[Operation]]]) -> None:
        self._text = text
        self._starts = array("q")
        self._ends = array("q")
        self._kinds: list[str] = []
        self._nodes: list[Node] = []
        self._shared: dict[Any, Any] = {}  # one copy of each kind, and of each set of flags
        # What each statement does; None once there are too many to keep.
        self._operations: list[Sequence[Operation]] | None = []
        self._read_again = read_again

    @property
    def keeps_operations(self) -> bool:
        return self._operations is not None

    def __getstate__(self) -> object:
        # Sent from a parsing process (parallel.py) without the text, which the receiver has
        # (`attach`), and only with its operations kept: none to parse again from.
        assert self._operations is not None
        return self._starts, self._ends, self._kinds, self._nodes, self._operations

    def __setstate__(self, state: Any) -> None:
        self._starts, self._ends, self._kinds, self._nodes, self._operations = state
        self._text = ""
        self._shared = {}
        self._read_again = _nothing_to_read_again

    def attach(self, text: str) -> None:
        """Give statements received from a parsing process the text they were parsed from."""
        self._text = text

    def add(self, found: _Found) -> None:
        self._starts.append(found.start)
        self._ends.append(found.end)
        self._kinds.append(self._shared.setdefault(found.kind, found.kind))
        key = (found.kind, *found.flags.items())
        self._nodes.append(self._shared.setdefault(key, found.flags))
        if self._operations is None:
            return
        if len(self._operations) < KEPT_OPERATIONS:
            self._operations.append(tuple(found.operations))
        else:
            self._operations = None

    def operations(self) -> Iterator[Sequence[Operation]]:
        """What each statement does, in order, as the front end read it."""
        if self._operations is not None:
            return iter(self._operations)
        return self._read_again()

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, index: int) -> Statement: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Statement]: ...

    def __getitem__(self, index: int | slice) -> Statement | Sequence[Statement]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return Statement(
            self._kinds[index],
            self._nodes[index],
            self._starts[index],
            self._ends[index],
            self._text,
        )

    def __iter__(self) -> Iterator[Statement]:
        for index in range(len(self)):
            yield self[index]


def _nothing_to_read_again() -> Iterator[Sequence[Operation]]:
    raise AssertionError("received statements keep their operations")


@dataclass(slots=True, eq=False, repr=False)
class Problem(Record):
    """SQL the linter cannot read: a syntax error, or a statement too large."""

    start: int  # character offsets in the file
    end: int
    message: str
    syntax: bool = True  # False: SQL PostgreSQL accepts, but too large for the linter to read


def parse(
    text: str, on_breakpoints: bool, convert: Callable[[StatementTree], Sequence[Operation]]
) -> tuple[Statements, list[Problem]]:
    """The statements of a migration, with the operations `convert` reads in each, and its
    syntax problems. `on_breakpoints`: the runner splits it on drizzle's breakpoints."""
    parser = _Parser(text, convert)
    statements = Statements(text, lambda: parser.operations_again(convert))
    for _ in parser.run(on_breakpoints):
        for found in parser.found:
            statements.add(found)
        parser.found.clear()
        if not statements.keeps_operations:
            parser.convert = None
    return statements, parser.problems


def parse_trees(piece: str, piece_start: int) -> list[StatementTree]:
    """The statements of a text that starts at `piece_start` in the file, with their trees.

    Raises pglast's ParseError when the text does not parse.
    """
    parsed = deep_json.loads(pg_parser.parse_sql_json(piece))
    characters = None if piece.isascii() else CharacterOffsets(piece)
    trees = []
    for raw in parsed.get("stmts", ()):
        ((kind, node),) = raw["stmt"].items()
        byte_begin = raw.get("stmt_location", 0)
        length = raw.get("stmt_len", 0)
        if characters is None:
            begin, finish = byte_begin, byte_begin + length if length else len(piece)
        else:
            begin = characters.of(byte_begin)
            finish = characters.of(byte_begin + length) if length else len(piece)
        finish = content_end(piece, begin, finish)
        trees.append(
            StatementTree(
                kind,
                node,
                piece_start + begin,
                piece_start + finish,
                piece,
                piece_start,
                characters,
            )
        )
    return trees


# How a step of parsing went (_Parser._steps): text parsed with its trees; a whole file parsed
# across its breakpoints; a statement too large for a tree.
_WITH_TREES, _ACROSS_BREAKPOINTS, _WITHOUT_TREE = 1, 2, 0
_COMMENTS = ("SQL_COMMENT", "C_COMMENT")


def _trees_across_breakpoints(text: str) -> list[StatementTree] | None:
    """The statements of a file the runner splits on drizzle's breakpoints, parsed in one call:
    the ones it would parse chunk by chunk, or None when that is not sure (it does not parse, or
    a breakpoint is not between two statements with nothing but comments around it: in a
    string, in a comment, after a statement with no `;`, before a `;`)."""
    try:
        trees = parse_trees(text, 0)
    except pg_parser.ParseError:
        return None
    gap_start, after = 0, 0  # where the text between statements starts; the next statement
    found = text.find(BREAKPOINT)
    while found != -1:
        while after < len(trees) and trees[after].end <= found:
            gap_start = trees[after].end
            after += 1
        gap_end = trees[after].start if after < len(trees) else len(text)
        if found >= gap_end:
            return None  # inside a statement
        # A statement's text ends before its `;`: the chunk before takes it.
        end = found + len(BREAKPOINT)
        before, following = text[gap_start:found], text[end:gap_end]
        if not _only_comments(before, ";") or not _only_comments(following):
            return None
        gap_start = end
        found = text.find(BREAKPOINT, end)
    return trees


def _only_comments(text: str, also: str = "") -> bool:
    """Whether the text is whole comments and white space (and `also` characters)."""
    if not text.strip(WHITESPACE + also):
        return True  # most often: white space, or a `;` and a line break
    try:
        tokens = pg_parser.scan(text)
    except pg_parser.ParseError:  # cut inside a comment
        return False
    return all(t.name in _COMMENTS or text[t.start : t.end + 1] in also for t in tokens)


class _Parser:
    """Parses a migration step by step; after each step, `found` holds what it parsed."""

    def __init__(
        self, text: str, convert: Callable[[StatementTree], Sequence[Operation]] | None
    ) -> None:
        self.text = text
        self.convert = convert  # None: the operations are not wanted
        self.found: list[_Found] = []
        self.problems: list[Problem] = []
        # What parsed, in order, to parse it again without splitting it: (start, end, how),
        # `how` one of _WITH_TREES, _ACROSS_BREAKPOINTS and _WITHOUT_TREE.
        self._steps = array("q")

    def operations_again(
        self, convert: Callable[[StatementTree], Sequence[Operation]]
    ) -> Iterator[Sequence[Operation]]:
        """What each statement does, parsed again: for a migration with too many to keep."""
        steps = self._steps
        for index in range(0, len(steps), 3):
            start, end, how = steps[index : index + 3]
            if how == _WITHOUT_TREE:
                yield ()
                continue
            if how == _ACROSS_BREAKPOINTS:
                trees = _trees_across_breakpoints(self.text) or []
            else:
                trees = parse_trees(self.text[start:end], start)
            for tree in trees:
                yield convert(tree)

    def run(self, on_breakpoints: bool) -> Iterator[None]:
        text = self.text
        # Most files are small and valid: PostgreSQL's parser reads them in one call, a quarter
        # faster than chunk by chunk, even when the runner splits them on drizzle's
        # breakpoints: each is a comment to PostgreSQL.
        if on_breakpoints and len(text) <= BATCH_CHARS and BREAKPOINT in text:
            trees = _trees_across_breakpoints(text)
            if trees is not None:
                self._steps.extend((0, len(text), _ACROSS_BREAKPOINTS))
                for tree in trees:
                    self._add(tree)
                yield
                return
        for chunk_start, chunk_end in chunks(text, on_breakpoints):
            # Most chunks are small and valid: PostgreSQL's parser splits them in one call.
            if chunk_end - chunk_start <= BATCH_CHARS and self._parse_whole(chunk_start, chunk_end):
                yield
                continue
            # A batch is text PostgreSQL gets in one query: it stays inside its chunk.
            batch: list[Piece] = []
            batch_chars = 0
            for piece in pieces(text, chunk_start, chunk_end):
                if piece.kind == STATEMENT and piece.code_chars <= TREE_CODE_CHARS:
                    batch.append(piece)
                    batch_chars += piece.end - piece.start
                    if batch_chars < BATCH_CHARS or not (
                        piece.closed or batch_chars > 2 * BATCH_CHARS
                    ):
                        continue
                    self._parse_batch(batch)
                else:
                    self._parse_batch(batch)
                    self._parse_alone(piece)
                batch, batch_chars = [], 0
                yield
            self._parse_batch(batch)
            yield

    def _parse_whole(self, start: int, end: int) -> bool:
        try:
            self._parse_trees(start, end)
        except pg_parser.ParseError:
            return False
        return True

    def _parse_trees(self, start: int, end: int) -> None:
        trees = parse_trees(self.text[start:end], start)
        self._steps.extend((start, end, _WITH_TREES))
        for tree in trees:
            self._add(tree)

    def _parse_batch(self, batch: list[Piece]) -> None:
        if len(batch) < 2:
            for piece in batch:
                self._parse_alone(piece)
            return
        try:
            self._parse_trees(batch[0].start, batch[-1].end)
        except pg_parser.ParseError:
            for piece in batch:
                self._parse_alone(piece)

    def _parse_alone(self, piece: Piece) -> None:
        if piece.kind != STATEMENT:
            self.problems.append(_not_sql(self.text, piece))
            return
        try:
            if piece.code_chars <= TREE_CODE_CHARS:
                self._parse_trees(piece.start, piece.end)
                return
            checked = piece.code_chars <= CHECKED_CODE_CHARS
            if checked:
                pg_parser.split(self.text[piece.start : piece.end], with_parser=True)
        except pg_parser.ParseError as exc:
            self.problems.append(self._syntax_problem(piece, exc))
            return
        self._add_without_tree(piece, checked)

    def _add_without_tree(self, piece: Piece, checked: bool) -> None:
        """A statement too large to read the tree of: its kind, if that is all rules read."""
        semicolon = 1 if self.text.startswith(";", piece.end - 1) else 0
        end = content_end(self.text, piece.start, piece.end - semicolon)
        first_word = _FIRST_WORD.match(self.text, piece.start, end)
        treeless = _TREELESS_KINDS.get(first_word.group().lower()) if first_word else None
        if treeless:
            self._steps.extend((piece.start, end, _WITHOUT_TREE))
            self.found.append(_Found(treeless, {}, piece.start, end, ()))
            return
        parsed = "PostgreSQL's parser accepts it" if checked else "its syntax was not checked"
        message = (
            f"statement too large to lint: {_size(piece.code_chars)} of SQL outside strings and "
            f"comments (the limit is {_size(TREE_CODE_CHARS)}); {parsed}, the rules did not "
            "read it"
        )
        self.problems.append(Problem(piece.start, end, message, syntax=False))

    def _add(self, tree: StatementTree) -> None:
        operations = self.convert(tree) if self.convert else ()
        # A location is a place in the text pglast was given, not a flag: left out.
        flags = {
            key: value
            for key, value in tree.node.items()
            if not isinstance(value, dict | list) and key != "location"
        }
        self.found.append(_Found(tree.kind, flags, tree.start, tree.end, operations))

    def _syntax_problem(self, piece: Piece, exc: pg_parser.ParseError) -> Problem:
        message = str(exc.args[0]) if exc.args else ""
        location = exc.args[1] if len(exc.args) > 1 else None
        if isinstance(location, int) and location >= 0:
            at = piece.start + min(location, piece.end - piece.start)
        elif "end of input" in message:
            at = content_end(self.text, piece.start, piece.end)
        else:  # e.g. nested deeper than the parser's stack: the statement as a whole
            at = piece.start
        return Problem(at, at, "invalid SQL: " + _syntax_message(message, self.text, at))


def _size(chars: int) -> str:
    return f"{chars / 1024 / 1024:.1f} MiB" if chars >= 1024 * 1024 else f"{chars // 1024} KiB"


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
