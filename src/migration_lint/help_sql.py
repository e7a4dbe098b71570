"""The SQL a finding shows, found and checked: every fragment must run when pasted.

What counts as SQL, for tests/test_help_sql.py and benchmarks/help_sql_corpus.py:

- In a help, a statement starts on a line that, once its indentation, its list number (`1. `),
  a `-- ` (a commented-out statement, as a rollback plan writes them) and a lead-in ending in
  `: ` (`In a later migration: `) are set aside, starts with an upper-case SQL command word
  (ALTER, CREATE, UPDATE, ...). It runs to the first line that ends with `;`, a trailing
  `-- comment` allowed; the later lines of a commented-out statement lose their `-- `. A
  statement that no `;` ends is a problem too: prose after a `;` on its line is not allowed.
- In a message, the SQL fragments are its names: each run of dot-joined identifiers with at
  least one quoted part (`"Field"."positionX"`, `public."Role"[]`), parsed as a type name, which
  accepts any qualified name.
- Placeholders, `<` and a letter up to `>` (`<value>`, `<type of "x">`), become the word
  `placeholder` before parsing: PostgreSQL reads it as a name, a type or a condition alike.

Parsing cannot see case folding (`Role` parses, as `role`), so the type names a fragment writes
without quotes are also compared with the migrations' own names: one that matches a mixed-case
name of theirs when case is ignored was folded by a missing quote. (Tables, columns and
constraints are always quoted; only types are printed bare.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from pglast import parser as pg_parser

from . import deep_json

PLACEHOLDER = "placeholder"
_PLACEHOLDER = re.compile(r"<[A-Za-z][^<>\n]*>")
_COMMANDS = (
    "ALTER|ANALYZE|BEGIN|CLUSTER|COMMENT|COMMIT|CREATE|DELETE|DO|DROP|GRANT|INSERT|LOCK|"
    "REFRESH|REINDEX|RESET|REVOKE|ROLLBACK|SELECT|SET|TRUNCATE|UPDATE|VACUUM|WITH"
)
# Indentation, list number, `-- ` (a commented-out statement), lead-in.
_START = re.compile(
    rf"^[ \t]*(?:\d+\.[ \t]+)?(?P<comment>--[ \t]+)?(?:[^\n]*?:[ \t]+)??"
    rf"(?=(?:{_COMMANDS})(?:[ \t;(]|$))"
)
_COMMENT_PREFIX = re.compile(r"^[ \t]*--[ \t]?")
_PART = r'(?:"(?:[^"]|"")*"|[a-z_][a-z0-9_$]*)'
_NAME = re.compile(rf"{_PART}(?:\.{_PART})*(?:\([^()\n]*\))?(?:\[\])*")
_WORD = re.compile(r'"((?:[^"]|"")*)"|([A-Za-z_][A-Za-z0-9_$]*)')


def help_statements(help_text: str) -> list[str]:
    """The SQL statements of a help, as shown (placeholders kept), each one's lines joined by
    newlines (a commented-out one's without their `-- `); a statement that no `;` ends is
    returned as it is, so parsing reports it."""
    lines = help_text.split("\n")
    found = []
    index = 0
    while index < len(lines):
        start = _START.match(lines[index])
        if start is None:
            index += 1
            continue
        commented = start["comment"] is not None
        statement = [lines[index][start.end() :]]
        while not _ends_statement(statement[-1]) and index + 1 < len(lines):
            index += 1
            line = lines[index]
            statement.append(_COMMENT_PREFIX.sub("", line, count=1) if commented else line)
        found.append("\n".join(statement))
        index += 1
    return found


def _ends_statement(line: str) -> bool:
    return _without_comment(line).rstrip().endswith(";")


def _without_comment(line: str) -> str:
    """The line up to a `--` comment that is outside quotes."""
    quote = ""
    for at, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif line.startswith("--", at):
            return line[:at]
    return line


def message_names(message: str) -> list[str]:
    """The names a message writes as SQL: runs of dot-joined identifiers with a quoted part."""
    return [m[0] for m in _NAME.finditer(message) if '"' in m[0]]


def names_in(sql: str) -> set[str]:
    """Every name a migration may write, as PostgreSQL stores it: quoted identifiers as they
    are, other words in lower case (words in strings, comments and DO blocks too, which only
    makes the check less eager)."""
    return {
        m[1].replace('""', '"') if m[1] is not None else m[2].lower() for m in _WORD.finditer(sql)
    }


def _type_names(tree: Any) -> Iterator[str]:
    for node in _dicts(tree):
        if "typemod" in node:  # a TypeName: its names are the type's schema and name
            for part in node.get("names", ()):
                yield part["String"]["sval"]


def _dicts(tree: Any) -> Iterator[dict[str, Any]]:
    """Every dict of a JSON tree (with a stack: SQL nests deeper than Python recurses)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def problems(message: str, help_text: str, known_names: Iterable[str]) -> list[str]:
    """Each SQL fragment of a finding that would not run as the user means it: it does not
    parse, or it folds a type named in `known_names` (the migrations' own names) to lower
    case."""
    known = set(known_names)
    folded = {name.lower() for name in known if name != name.lower()}
    found = []
    fragments = [(f"help: {sql}", sql) for sql in help_statements(help_text)]
    fragments += [(f"message: {name}", f"SELECT NULL::{name}") for name in message_names(message)]
    for shown, sql in fragments:
        runnable = _PLACEHOLDER.sub(PLACEHOLDER, sql)
        try:
            tree = deep_json.loads(pg_parser.parse_sql_json(runnable))
        except pg_parser.ParseError as exc:
            found.append(f"{shown}\n  does not parse: {exc.args[0]}")
            continue
        # Only a name written without quotes folds.
        bare = {m[2].lower() for m in _WORD.finditer(runnable) if m[2] is not None}
        lost = sorted(n for n in set(_type_names(tree)) if n in folded and n in bare)
        if lost:
            found.append(f"{shown}\n  folds to lower case: {', '.join(lost)}")
    return found
