"""Database addresses as the user gives them, and as the tool shows them: never with a password.

A `--database` value is a URL (postgresql://...) or the name of an environment variable that
holds one; the variable is shown by its name, a URL without its password.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

from ..source import InputError

_URL = re.compile(r"^(postgres|postgresql)://", re.IGNORECASE)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Target:
    """A database to connect to: the URL, and how messages name it."""

    url: str = ""  # empty: libpq's own defaults (PGHOST, PGDATABASE, ...)
    shown: str = ""

    def __repr__(self) -> str:  # a stray repr() in a log must not show the password either
        return f"Target({self.shown!r})"


def target(value: str) -> Target:
    """A URL, or the name of an environment variable that holds one."""
    if _URL.match(value):
        return Target(value, redact(value))
    if _ENV_NAME.match(value):
        url = os.environ.get(value)
        if not url:
            raise InputError(value, "this environment variable is not set (expected a URL)")
        return Target(url, f"${value}")
    raise InputError(
        redact(value), "not a postgresql:// URL or the name of an environment variable"
    )


def redact(url: str) -> str:
    """The URL without its password, wherever the password is (netloc or ?password=)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return scrub(url, url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:***@{host}" if ":" in userinfo else f"{user}@{host}"
    query = re.sub(r"(?i)(^|&)(password)=[^&]*", r"\1\2=***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def scrub(text: str, *urls: str) -> str:
    """A server or driver message with any of these URLs' passwords taken out, as written in
    the URL and percent-decoded."""
    for url in urls:
        password = _password(url)
        for form in {password, unquote(password)} - {""}:
            text = text.replace(form, "***")
    return text


# Read without a URL parser: a URL that does not parse still holds its password.
_NETLOC_PASSWORD = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#@]*?:([^/?#@]*)@")
_QUERY_PASSWORD = re.compile(r"(?i)[?&]password=([^&#]*)")


def _password(url: str) -> str:
    found = _NETLOC_PASSWORD.match(url) or _QUERY_PASSWORD.search(url)
    return found.group(1) if found else ""


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
    `schema` it names (Prisma's tables live there), if any."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, None  # libpq says what is wrong with it
    if not parts.query or not _URL.match(url):
        return url, None
    kept, schema = [], None
    for pair in parts.query.split("&"):
        name, _, value = pair.partition("=")
        if name == "schema":
            schema = unquote(value)
        if name not in _PRISMA_ONLY:
            kept.append(pair)
    return urlunsplit(parts._replace(query="&".join(kept))), schema
