"""Connections to PostgreSQL, with the tool's safety settings on every one of them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

from ..source import InputError
from .urls import Target, for_libpq, scrub

if TYPE_CHECKING:
    import psycopg

# Every connection: a statement or a lock wait that runs away is cut off, not waited for.
STATEMENT_TIMEOUT = "5min"
LOCK_TIMEOUT = "10s"


class DatabaseError(InputError):
    """A database that cannot be reached or used: one line, naming it without its password."""


def connect(
    target: Target,
    *,
    read_only: bool,
    autocommit: bool = True,
    lock_timeout: str = LOCK_TIMEOUT,
    statement_timeout: str = STATEMENT_TIMEOUT,
) -> psycopg.Connection[tuple[object, ...]]:
    """A connection to `target`; `read_only` makes every transaction read-only."""
    try:
        import psycopg
    except ImportError as exc:
        raise DatabaseError(
            target.shown or "database",
            "psycopg is not installed: pip install 'pg-migration-lint[db]'",
        ) from exc
    from psycopg.conninfo import conninfo_to_dict

    url, schema = for_libpq(target.url)
    settings = [f"statement_timeout={statement_timeout}", f"lock_timeout={lock_timeout}"]
    if read_only:
        settings.append("default_transaction_read_only=on")
    if schema:
        settings.append(f"search_path={_option_value(schema)}")
    try:
        # The address's own options stay; ours come after them, so that theirs cannot undo
        # read-only.
        given = conninfo_to_dict(url).get("options") or os.environ.get("PGOPTIONS") or ""
        options = " ".join([str(given), *(f"-c {setting}" for setting in settings)]).strip()
        return psycopg.connect(
            url,
            autocommit=autocommit,
            options=options,
            application_name="migration-lint",
            connect_timeout=10,
            # statement_timeout is the server's: a network that goes quiet is the client's to
            # notice, or a read waits forever.
            keepalives=1,
            keepalives_idle=30,
            keepalives_interval=10,
            keepalives_count=3,
            tcp_user_timeout=60_000,
            # Migrations are sent as UTF-8 bytes: PGCLIENTENCODING or the URL must not make the
            # server read them as another encoding.
            client_encoding="UTF8",
        )
    except psycopg.Error as exc:
        raise DatabaseError(target.shown or "database", one_line(exc, target)) from None


@contextmanager
def session(
    target: Target, *, read_only: bool, lock_timeout: str = LOCK_TIMEOUT
) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """An autocommit connection, closed at the end. When the block is left by an exception
    (Ctrl-C during a long statement, say) the running statement is cancelled first, so the
    close neither waits for it nor trips over it."""
    connection = connect(target, read_only=read_only, lock_timeout=lock_timeout)
    try:
        yield connection
    except BaseException:
        with suppress(Exception):
            connection.cancel_safe(timeout=5)
        raise
    finally:
        connection.close()


def _option_value(identifier: str) -> str:
    """An identifier as a `-c name=value` option takes it: quoted, spaces backslash-escaped."""
    quoted = '"' + identifier.replace('"', '""') + '"'
    return quoted.replace("\\", "\\\\").replace(" ", "\\ ")


def one_line(exc: BaseException, target: Target) -> str:
    """A driver or server error as one line, without the target's password."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return scrub(text, target.url)
