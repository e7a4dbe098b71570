"""The environment variables a project keeps in `.env` and `.env.local`, as dotenv reads them.

Teams keep their databases' URLs there (`DATABASE_URL`, `PROD_POSTGRES_URL`); a side named by
a variable finds it in the real environment first, then `.env.local`, then `.env`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from ..source import InputError, read_text

# Lowest precedence first: .env.local is the developer's own, over the project's .env.
ENV_FILES = (".env", ".env.local")
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def project_environment(folder: str, environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` over `.env.local` over `.env`, those in `folder`."""
    merged: dict[str, str] = {}
    for name in ENV_FILES:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            try:
                merged.update(parse(read_text(path)))
            except InputError:
                continue  # unreadable: as if it were not there; the variable is reported unset
    merged.update(environ)
    return merged


def parse(text: str) -> dict[str, str]:
    """KEY=value lines: `export ` allowed; a value in single quotes as written, in double quotes
    with \\n-style escapes and over several lines; an unquoted one up to a ` #` comment."""
    found: dict[str, str] = {}
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = _ASSIGNMENT.match(lines[index])
        index += 1
        if match is None:
            continue
        name, value = match.groups()
        quote = value[:1]
        if quote in ("'", '"'):
            # A quoted value may go on over the next lines, until its closing quote.
            while _closing(value, quote) < 0 and index < len(lines):
                value += "\n" + lines[index]
                index += 1
            end = _closing(value, quote)
            inner = value[1:end] if end > 0 else value[1:]
            found[name] = _unescape(inner) if quote == '"' else inner
        else:
            found[name] = re.split(r"\s+#", value, maxsplit=1)[0].strip()
    return found


def _closing(value: str, quote: str) -> int:
    """Where the quote that closes `value`'s opening one is; -1 when it is not there yet."""
    index = 1
    while index < len(value):
        if value[index] == "\\" and quote == '"':
            index += 2
            continue
        if value[index] == quote:
            return index
        index += 1
    return -1


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text)
