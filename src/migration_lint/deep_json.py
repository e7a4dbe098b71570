"""JSON of any nesting depth, for pglast's parse trees.

PostgreSQL accepts statements nested thousands of levels deep (a sub-select, an ARRAY[[...]], a
chain of `+`), and pglast's JSON of them nests two to five times deeper. json.loads recurses once
per level and stops at Python's recursion limit (1,000 levels by default), so a tree deeper than
that is decoded here with a stack of open containers instead. Only such trees take this path: it
is several times slower than json.loads.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]  # json's C string reader
from typing import Any

# pglast writes valid JSON: its commas and colons carry nothing a stack of containers needs.
_TOKEN = re.compile(
    r"[ \t\n\r,:]*(?:([{\[])|(\")|([}\]])|(-?\d+(?:(\.\d+)?([eE][-+]?\d+)?)?)|(true|false|null))"
)
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


def loads(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        return _loads_with_a_stack(text)


def _loads_with_a_stack(text: str) -> Any:
    # Each open container, with the key its next value goes under (objects only).
    stack: list[tuple[dict[str, Any] | list[Any], list[str]]] = []
    pos = 0
    while True:
        token = _TOKEN.match(text, pos)
        if token is None:
            raise ValueError(f"invalid JSON at character {pos}")
        opening, quote, closing, number, fraction, exponent, literal = token.groups()
        pos = token.end()
        value: Any
        if opening:
            stack.append(({} if opening == "{" else [], []))
            continue
        if quote:
            value, pos = scanstring(text, pos)
            if stack and isinstance(stack[-1][0], dict) and not stack[-1][1]:
                stack[-1][1].append(value)  # a key: its value follows
                continue
        elif closing:
            value = stack.pop()[0]
        elif number is not None:
            value = float(number) if fraction or exponent else int(number)
        else:
            value = _LITERALS[literal]
        if not stack:
            return value
        parent, key = stack[-1]
        if isinstance(parent, dict):
            parent[key.pop()] = value
        else:
            parent.append(value)
