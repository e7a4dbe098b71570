"""Where the clauses of a statement are, so that a finding points at the one that causes it.

PostgreSQL's parse tree gives no location to an ALTER TABLE subcommand, nor to the objects of a
DROP, and only the start of a TRUNCATE's tables: their places are found with PostgreSQL's own
scanner (pglast.parser.scan) on the statement's text, which knows strings, quoted identifiers,
comments and dollar quotes. A statement whose clauses cannot be told apart gives the statement
itself for each: the finding is then no more precise than before, never wrong.
"""

from __future__ import annotations

from typing import NamedTuple

from pglast import parser as pg_parser

from .operations import quote
from .parse import Node, StatementTree

Span = tuple[int, int]  # character offsets in the file; the end is exclusive

_COMMENTS = frozenset({"SQL_COMMENT", "C_COMMENT"})
_OPENING = frozenset({"ASCII_40", "ASCII_91"})  # ( [
_CLOSING = frozenset({"ASCII_41", "ASCII_93"})  # ) ]
_COMMA = "ASCII_44"
_DOT = "ASCII_46"
# What may follow a relation's name before the first subcommand: `ONLY (t)` and `t *`.
_AFTER_RELATION = frozenset({"ASCII_41", "ASCII_42"})
# The subcommands whose definition node has a location (ALTER COLUMN TYPE's points at TYPE).
_LOCATED_DEFINITIONS = {"AT_AddColumn": "ColumnDef", "AT_AddConstraint": "Constraint"}


class _Token(NamedTuple):
    start: int  # character offsets in the file; the end is exclusive
    end: int
    name: str  # the scanner's name for it: "IDENT", "ASCII_44" (a comma), "DROP", ...


class Subcommand(NamedTuple):
    """Where a finding about an ALTER TABLE subcommand points, and the statement that does what
    the subcommand does, alone."""

    start: int  # character offsets in the file; the end is exclusive
    end: int
    # `ALTER TABLE <name> <subcommand>` for a subcommand of an ALTER TABLE of several; "" for
    # the only one, whose statement is that already (the front end gives its text).
    sql: str


def alter_table_commands(stmt: StatementTree, node: Node) -> list[Subcommand]:
    """Each subcommand of an ALTER TABLE (`node`): an added column's definition or an added
    constraint (from its location to the subcommand's end); any other subcommand from its first
    word to its last (the comma between two belongs to neither). The statement is the subcommand
    of an ALTER TABLE of one: the scanner runs only for statements of several."""
    commands = [item["AlterTableCmd"] for item in node.get("cmds", ())]
    found = _subcommands(stmt, node["relation"], len(commands))
    return [
        Subcommand(*_definition(stmt, command, span), sql)
        for command, (span, sql) in zip(commands, found, strict=True)
    ]


def _subcommands(stmt: StatementTree, relation: Node, count: int) -> list[tuple[Span, str]]:
    """Each subcommand's span, and the statement that does it alone."""
    whole = [((stmt.start, stmt.end), "")] * count
    if count < 2:
        return whole
    tokens = _tokens(stmt, stmt.offset(relation["location"]))
    first = _name_length(tokens, 0) if tokens else 0
    while first < len(tokens) and tokens[first].name in _AFTER_RELATION:
        first += 1
    items = _items(tokens[first:])
    if len(items) != count or not all(items):
        return whole
    # `ALTER TABLE [IF EXISTS] [ONLY] <name>`, up to its last token: no comment at its end.
    prefix = _text(stmt, stmt.start, tokens[first - 1].end)
    return [
        ((item[0].start, item[-1].end), f"{prefix} {_text(stmt, item[0].start, item[-1].end)}")
        for item in items
    ]


def _definition(stmt: StatementTree, command: Node, span: Span) -> Span:
    """The part of a subcommand's span from the column or constraint it adds."""
    definition = command.get("def", {})
    located = definition.get(_LOCATED_DEFINITIONS.get(command["subtype"], ""))
    if located is None or located.get("location", -1) < 0:
        return span
    start = stmt.offset(located["location"])
    return (start, span[1]) if span[0] <= start < span[1] else span


def dropped_objects(stmt: StatementTree, name_parts: list[int]) -> list[Span]:
    """Where each object of a DROP of several is (`DROP TABLE a, "s"."b" CASCADE`): its name,
    whose number of dot-separated parts each item of `name_parts` gives (0: not a plain name).
    The statement, for the object of a DROP of one."""
    if len(name_parts) < 2:
        return _whole(stmt, len(name_parts))
    items = _items(_tokens(stmt, stmt.start))
    if len(items) != len(name_parts):
        return _whole(stmt, len(name_parts))
    spans = []
    for index, (item, parts) in enumerate(zip(items, name_parts, strict=True)):
        length = 2 * parts - 1
        # The first item starts with `DROP TABLE [IF EXISTS]`, the last may end with CASCADE.
        name = item[-length:] if index == 0 else item[:length]
        spans.append(
            (name[0].start, name[-1].end) if len(name) == length else (stmt.start, stmt.end)
        )
    return spans


def relations(stmt: StatementTree, range_vars: list[Node]) -> list[Span]:
    """Where each of the tables a statement lists is (`TRUNCATE a, "s"."b"`): its name. The
    statement, for the table of a statement of one."""
    if len(range_vars) < 2:
        return _whole(stmt, len(range_vars))
    tokens = _tokens(stmt, stmt.start)
    at = {token.start: index for index, token in enumerate(tokens)}
    spans = []
    for range_var in range_vars:
        index = at.get(stmt.offset(range_var.get("location", -1)))
        if index is None:
            spans.append((stmt.start, stmt.end))
            continue
        last = index + _name_length(tokens, index) - 1
        spans.append((tokens[index].start, tokens[last].end))
    return spans


def _whole(stmt: StatementTree, count: int) -> list[Span]:
    return [(stmt.start, stmt.end)] * count


def _text(stmt: StatementTree, start: int, end: int) -> str:
    return stmt.piece[start - stmt.piece_start : end - stmt.piece_start]


def _tokens(stmt: StatementTree, start: int) -> list[_Token]:
    """The tokens of the statement from `start` (in the file) to its end, without comments."""
    try:
        scanned = pg_parser.scan(_text(stmt, start, stmt.end))
    except pg_parser.ParseError:  # cannot happen to text PostgreSQL parsed; then no clauses
        return []
    # The scanner counts characters, and ends a token at its last one.
    return [
        _Token(start + t.start, start + t.end + 1, t.name)
        for t in scanned
        if t.name not in _COMMENTS
    ]


def _items(tokens: list[_Token]) -> list[list[_Token]]:
    """The tokens cut at each comma outside parentheses and brackets, commas left out."""
    items: list[list[_Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.name == _COMMA and depth == 0:
            items.append([])
            continue
        if token.name in _OPENING:
            depth += 1
        elif token.name in _CLOSING:
            depth -= 1
        items[-1].append(token)
    return items


def _name_length(tokens: list[_Token], index: int) -> int:
    """How many tokens the dot-separated name at `index` takes (`"s"."t"`: 3)."""
    end = index + 1
    while end + 1 < len(tokens) and tokens[end].name == _DOT:
        end += 2
    return end - index


# --- Definitions as written, to create an object again in a rollback plan (issue 12) ---


def after_relation(stmt: StatementTree, relation: Node) -> str:
    """The statement's text after the name of a relation it names (`relation`, a RangeVar):
    for `CREATE INDEX "i" ON "s"."t" USING btree ("a")`, `USING btree ("a")`; "" when its
    place is not known."""
    tokens = _tokens(stmt, stmt.offset(relation.get("location", -1)))
    if not tokens or relation.get("location", -1) < 0:
        return ""
    last = tokens[_name_length(tokens, 0) - 1]
    return _text(stmt, last.end, stmt.end).strip()


def parenthesized(stmt: StatementTree, start: int, keyword: str) -> str:
    """From the first `keyword` token at or after `start` (in the file) to the parenthesis that
    closes the first one after it: `CHECK ("a" > 0)` from a constraint's start; "" when there is
    none."""
    tokens = _tokens(stmt, start)
    first = next((i for i, token in enumerate(tokens) if token.name == keyword), None)
    if first is None:
        return ""
    depth = 0
    for token in tokens[first + 1 :]:
        if token.name in _OPENING:
            depth += 1
        elif token.name in _CLOSING:
            depth -= 1
            if depth == 0:
                return _text(stmt, tokens[first].start, token.end)
    return ""


# Keywords that name a column when written bare (`role`, `name`); the others must be quoted.
_NAME_KEYWORDS = frozenset({"UNRESERVED_KEYWORD", "COL_NAME_KEYWORD"})


def renamed_column(sql: str, old: str, new: str) -> str:
    """SQL text (an index's definition, a CHECK, a generated column's expression) with every
    reference to column `old` written as `new`: each identifier that names it and is not a
    function's name (followed by a parenthesis) nor a qualifier (followed by a dot)."""
    try:
        tokens = pg_parser.scan(sql)
    except pg_parser.ParseError:
        return sql
    parts, at = [], 0
    for index, token in enumerate(tokens):
        if token.name != "IDENT" and token.kind not in _NAME_KEYWORDS:
            continue
        following = tokens[index + 1].name if index + 1 < len(tokens) else ""
        if following in ("ASCII_40", _DOT) or _identifier(sql[token.start : token.end + 1]) != old:
            continue
        parts += [sql[at : token.start], quote(new)]
        at = token.end + 1
    return "".join(parts) + sql[at:] if parts else sql


def _identifier(written: str) -> str:
    """An identifier token's name as PostgreSQL stores it."""
    if written.startswith('"'):
        return written[1:-1].replace('""', '"')
    return written.lower()
