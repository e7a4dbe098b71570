"""Database addresses as the user gives them, and as the tool shows them: never with a password.

A `--database` or `--database-url` value is a URL (postgresql://...), a libpq keyword/value
string (`host=... user=... dbname=...`), or the name of an environment variable that holds one
of them; the variable is shown by its name, the others without their password.

Passwords are found in the raw text, not by a URL parser: a password with an unencoded `/`, `#`,
`?` or `@` makes urlsplit cut the address in the wrong place, and then show the password.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import unquote

from ..source import InputError

_URL = re.compile(r"^(postgres|postgresql)://", re.IGNORECASE)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Any scheme: a mistyped one (postgresq://, jdbc:postgresql://) holds a password just the same.
_SCHEME = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.:-]*://")
# A keyword/value connection string starts with a keyword and `=`.
_CONNINFO = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*=")
# What may follow the `@` that ends the userinfo: hosts (and ports) up to the path or query.
_HOSTS = re.compile(r"[A-Za-z0-9._~%:\[\],-]*(?:[/?#]|$)")
# ?password= and ?sslpassword= in a URL's query; its value runs to the next parameter.
_QUERY_PASSWORD = re.compile(r"(?i)([?&])((?:ssl)?password)=([^&]*)")
# password= and sslpassword= in a keyword/value string: a quoted value (backslash escapes) or one
# that runs to the next space.
_KEYWORD_PASSWORD = re.compile(
    r"(?i)(?<!\S)((?:ssl)?password)(\s*=\s*)('(?:[^'\\]|\\.)*(?:'|$)|(?:[^\s\\]|\\.)*\\?)",
    re.DOTALL,
)
# A password this long is taken out of messages wherever it is; a shorter one only as a word
# of its own, not inside other words ("a" in "failed").
_LONG_PASSWORD = 8


@dataclass(frozen=True)
class Target:
    """A database to connect to: the URL (or keyword/value string), and how messages name it."""

    url: str = ""  # empty: libpq's own defaults (PGHOST, PGDATABASE, ...)
    shown: str = ""

    def __repr__(self) -> str:  # a stray repr() in a log must not show the password either
        return f"Target({self.shown!r})"


def target(value: str) -> Target:
    """A URL, a keyword/value string, or the name of an environment variable that holds one."""
    if _URL.match(value) or _CONNINFO.match(value):
        return Target(value, redact(value))
    if _ENV_NAME.match(value):
        held = os.environ.get(value)
        if not held:
            raise InputError(value, "this environment variable is not set (expected a URL)")
        return Target(held, f"${value}")
    raise InputError(
        redact(value),
        "not a postgresql:// URL, a key=value connection string or the name of an environment "
        "variable",
    )


def redact(text: str) -> str:
    """The address without its password, wherever the password is: in a URL's userinfo or
    its query (password=, sslpassword=), or a keyword/value string's password=."""
    if _SCHEME.match(text):
        start, at = _userinfo(text)
        if at is not None:
            user, colon, _ = text[start:at].partition(":")
            text = text[:start] + (f"{user}:***" if colon else user) + text[at:]
        return _QUERY_PASSWORD.sub(r"\1\2=***", text)
    text = _KEYWORD_PASSWORD.sub(r"\1=***", text)
    if not _CONNINFO.match(text) and "@" in text:
        # Neither a URL nor a keyword/value string: `user:secret@host` without a scheme, say.
        start, at = _userinfo(text, 0)
        if at is not None:
            user, colon, _ = text[start:at].partition(":")
            if colon:
                text = f"{user}:***{text[at:]}"
        text = _QUERY_PASSWORD.sub(r"\1\2=***", text)
    return text


def scrub(text: str, *addresses: str) -> str:
    """A server or driver message with these addresses' passwords taken out, as written and
    as decoded."""
    forms = {form for address in addresses for form in _passwords(address)} - {""}
    for form in sorted(forms, key=len, reverse=True):
        if len(form) >= _LONG_PASSWORD:
            text = text.replace(form, "***")
        else:
            text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(form)}(?![A-Za-z0-9])", "***", text)
    return text


def _userinfo(url: str, start: int | None = None) -> tuple[int, int | None]:
    """Where a URL's userinfo starts, and the `@` that ends it (None: there is none): the last
    `@` that hosts and the path or query follow, so that a password may hold `@`, `/`, `?`
    and `#` unencoded."""
    if start is None:
        scheme = _SCHEME.match(url)
        start = scheme.end() if scheme else 0
    ats = [i for i in range(start, len(url)) if url[i] == "@"]
    for at in reversed(ats):
        if _HOSTS.match(url, at + 1):
            return start, at
    return start, ats[-1] if ats else None


def _passwords(address: str) -> set[str]:
    """An address's passwords, each as written and as libpq reads it."""
    found: set[str] = set()
    if _SCHEME.match(address):
        start, at = _userinfo(address)
        if at is not None:
            _, colon, password = address[start:at].partition(":")
            if colon:
                # libpq ends the userinfo at the first `@` or `/`, and then shows the rest of
                # the password as a host, port or database name: each piece is taken out too.
                for form in {password, *re.split(r"[@/?#]", password)}:
                    found |= {form, unquote(form)}
        for match in _QUERY_PASSWORD.finditer(address):
            found |= {match.group(3), unquote(match.group(3))}
        return found
    for match in _KEYWORD_PASSWORD.finditer(address):
        value = match.group(3)
        found.add(value)
        if value.startswith("'"):
            value = value[1:-1] if len(value) > 1 and value.endswith("'") else value[1:]
        found.add(re.sub(r"\\(.)", r"\1", value, flags=re.DOTALL))
    return found


# Query parameters of Prisma's connection URLs that libpq does not know, and refuses.
_PRISMA_ONLY = {
    "schema",
    "connection_limit",
    "pool_timeout",
    "pgbouncer",
    "socket_timeout",
    "statement_cache_size",
    "sslaccept",
    "sslidentity",
    "max_connection_lifetime",
    "max_idle_connection_lifetime",
}


def for_libpq(url: str) -> tuple[str, str | None]:
    """A Prisma DATABASE_URL as libpq takes it: without Prisma's own parameters, and the
    `schema` it names (Prisma's tables live there), if any. A keyword/value string is libpq's
    own, as it is."""
    if not _URL.match(url):
        return url, None
    start, at = _userinfo(url)
    after_hosts = start if at is None else at + 1
    question = url.find("?", after_hosts)
    if question < 0:
        return url, None
    kept, schema = [], None
    for pair in url[question + 1 :].split("&"):
        name, _, value = pair.partition("=")
        if name == "schema":
            schema = unquote(value)
        if name not in _PRISMA_ONLY:
            kept.append(pair)
    query = "&".join(kept)
    return url[:question] + (f"?{query}" if query else ""), schema
