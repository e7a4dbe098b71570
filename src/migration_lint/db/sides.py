"""The two things `compare` compares, and what `snapshot` reads: each a "side", named on the
command line as

- a database: a postgresql:// URL (shown redacted), or the name of an environment variable
  holding one (shown as $NAME), looked up in the environment, then `.env.local`, then `.env`;
- an environment of the config's `[environments]`, shown by its label;
- a migrations folder, replayed into a scratch database;
- a snapshot file that `migration-lint snapshot` wrote.

How a side is shown never holds a password: it is what every output names it by.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass

from ..config import Config
from ..linter import Settings
from ..source import InputError
from . import catalog, snapshot
from .connect import DatabaseError, one_line, session
from .env_files import ENV_FILES, project_environment
from .replay import replay
from .server import scratch_host
from .urls import Target, redact, target

DATABASE, FOLDER, SNAPSHOT = "database", "migrations folder", "snapshot"


@dataclass(frozen=True)
class Side:
    kind: str  # DATABASE, FOLDER or SNAPSHOT
    label: str  # how every output names it: never with a password
    database: Target | None = None  # a DATABASE's
    path: str = ""  # a FOLDER's or a SNAPSHOT's


def resolve(value: str, config: Config, environ: Mapping[str, str]) -> Side:
    """The side `value` names: a URL, a config environment, an existing folder or file, or an
    environment variable, in that order."""
    if target_is_url(value):
        return Side(DATABASE, redact(value), target(value))
    environment = next((e for e in config.environments if e.name == value), None)
    if environment is not None:
        database = _database(environment.url, config, environ)
        return Side(DATABASE, environment.label, Target(database.url, environment.label))
    if os.path.isdir(value):
        return Side(FOLDER, os.path.normpath(value), path=os.path.normpath(value))
    if os.path.isfile(value):
        if value.endswith(".sql"):
            raise InputError(value, "a migration file: name its folder, or a snapshot file")
        return Side(SNAPSHOT, os.path.normpath(value), path=value)
    return Side(DATABASE, f"${value}", _database(value, config, environ))


def target_is_url(value: str) -> bool:
    return value.lower().startswith(("postgres://", "postgresql://"))


def _database(value: str, config: Config, environ: Mapping[str, str]) -> Target:
    """A URL, or the variable holding one in the environment or the project's env files."""
    if target_is_url(value):
        return target(value)
    folder = str(config.path.parent) if config.path else os.getcwd()
    variables = project_environment(folder, environ)
    url = variables.get(value)
    if url:
        return Target(url, f"${value}")
    known = ", ".join(e.name for e in config.environments) or "none in the config"
    # Not echoed when it may be a connection string, with a password in it.
    shown = "the side given" if "=" in value or "://" in value else value
    raise InputError(
        shown,
        "not a database URL, an environment of the config's [environments] "
        f"({known}), a folder, a snapshot file, or an environment variable set here or in "
        f"{' or '.join(ENV_FILES)}",
    )


def read_all(
    sides: Sequence[Side], settings: Settings, database_url: str | None, pg_bin: str | None
) -> list[catalog.Catalog]:
    """Each side's schema, in order; a folder is replayed into a scratch database.

    On `database_url`'s server the folders are replayed one after the other. Otherwise two
    folders are replayed at the same time, each on an embedded server of its own: most of a
    replay is the server's work, and roles and other objects a migration creates for the whole
    server would collide on one."""
    folders = [side for side in sides if side.kind == FOLDER]
    with ExitStack() as stack:
        if database_url or len(folders) < 2:
            host = stack.enter_context(scratch_host(database_url, pg_bin))
            return [replay(s.path, settings, host) if s.kind == FOLDER else read(s) for s in sides]
        # Left before anything else: its exit waits for the replays, which stop their servers.
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=len(folders)))
        replayed = {id(s): pool.submit(_replay_alone, s.path, settings, pg_bin) for s in folders}
        return [replayed[id(s)].result() if s.kind == FOLDER else read(s) for s in sides]


def _replay_alone(folder: str, settings: Settings, pg_bin: str | None) -> catalog.Catalog:
    with scratch_host(None, pg_bin) as host:
        return replay(folder, settings, host)


def read(side: Side) -> catalog.Catalog:
    """The schema of a database or a snapshot file."""
    if side.kind == SNAPSHOT:
        return snapshot.load(side.path)
    import psycopg

    assert side.database is not None
    with session(side.database, read_only=True) as connection:
        try:
            return catalog.without_bookkeeping(catalog.read(connection))
        except psycopg.Error as exc:  # a permission, a timeout
            raise DatabaseError(side.label, one_line(exc, side.database)) from None
