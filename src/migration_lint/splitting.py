"""Splitting SQL text into statements without parsing it.

Only used when the whole text does not parse, so that one broken statement does not hide the
findings of the others. It knows what can hide a `;`: comments, quoted strings and identifiers,
and dollar-quoted bodies; and it knows drizzle-kit's `--> statement-breakpoint` separator.
"""

from __future__ import annotations

import re

BREAKPOINT = "--> statement-breakpoint"

_TOKEN = re.compile(
    r"(?P<breakpoint>-->\s*statement-breakpoint)"
    r"|(?P<line_comment>--)"
    r"|(?P<block_comment>/\*)"
    r"|(?P<string>[eE]?')"
    r"|(?P<ident>\")"
    r"|(?P<dollar>\$(?:[A-Za-z_\u0080-\U0010ffff][\w\u0080-\U0010ffff]*)?\$)"
    r"|(?P<semicolon>;)"
)
_BLOCK_COMMENT_PART = re.compile(r"/\*|\*/")
_IDENT_CHAR = re.compile(r"[\w$]")
_STRING_END = re.compile(r"(?:[^']|'')*'")
_ESCAPE_STRING_END = re.compile(r"(?:[^'\\]|''|\\.)*'", re.DOTALL)
_IDENT_END = re.compile(r'(?:[^"]|"")*"')


def split_statements(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the statements in text, in order.

    An unterminated string, identifier, comment or dollar quote runs to the end of the text,
    where the parser reports it.
    """
    spans: list[tuple[int, int]] = []
    start = pos = 0
    length = len(text)
    while pos < length:
        match = _TOKEN.search(text, pos)
        if match is None:
            break
        kind = match.lastgroup
        token_start, pos = match.start(), match.end()
        if kind == "semicolon":
            spans.append((start, pos))
            start = pos
        elif kind == "breakpoint":
            spans.append((start, token_start))
            start = pos
        elif kind == "line_comment":
            newline = text.find("\n", pos)
            pos = length if newline == -1 else newline + 1
        elif kind == "block_comment":
            pos = _skip_block_comment(text, pos)
        elif kind == "string":
            escape = text[token_start] in "eE"
            end = (_ESCAPE_STRING_END if escape else _STRING_END).match(text, pos)
            pos = end.end() if end else length
        elif kind == "ident":
            end = _IDENT_END.match(text, pos)
            pos = end.end() if end else length
        elif token_start > 0 and _IDENT_CHAR.match(text, token_start - 1):
            pos = token_start + 1  # in `a$b$`, `$` continues an identifier: no quote starts
        else:  # dollar quote: the body runs to the same tag
            close = text.find(match.group(), pos)
            pos = length if close == -1 else close + len(match.group())
    spans.append((start, length))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _skip_block_comment(text: str, pos: int) -> int:
    depth = 1  # PostgreSQL block comments nest
    while depth:
        part = _BLOCK_COMMENT_PART.search(text, pos)
        if part is None:
            return len(text)
        depth += 1 if part.group() == "/*" else -1
        pos = part.end()
    return pos
