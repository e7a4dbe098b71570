"""Where a project keeps its migrations and schema, from its config or its drizzle config."""

from __future__ import annotations

import os
import re
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config, parse_toml
from .drizzle import DrizzleConfig, drizzle_layout, find_drizzle_configs
from .errors import ConfigError, InputProblem
from .layouts import LAYOUTS, Layout, detect_layout, list_folder
from .records import FrozenRecord
from .source import DEFAULT_MAX_FILE_MIB, MAX_FILE_BYTES, MIB, InputError, read_text

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same, made faster for records (records.dataclass)
    from .records import dataclass

PRISMA_LOCK = "migration_lock.toml"


@dataclass(frozen=True, eq=False, repr=False)
class Project(FrozenRecord):
    """Where a project keeps its migrations and schema, and how they are laid out."""

    folders: tuple[str, ...] = ()  # migration folders
    schema: tuple[str, ...] = ()  # schema files or globs; a change needs a migration
    layout: str | None = None  # None: detected per folder
    drizzle_prefix: str | None = None
    naming: re.Pattern[str] | None = None  # overrides the layout's naming convention
    # Folders whose migrations are for another database, and where that is said.
    foreign: dict[str, str] = field(default_factory=dict, compare=False)
    # Why no folder could be found, when the project's drizzle configs do not say plainly.
    unresolved: str = ""
    # Where each of `folders` is named ("drizzle.config.ts names it in `out`"), to say what to
    # do when it does not exist.
    named_in: dict[str, str] = field(default_factory=dict, compare=False)
    max_file_bytes: int = MAX_FILE_BYTES  # larger files are not read
    # Detecting a layout lists the folder (and may read a file): once per folder and run.
    _layouts: dict[str, Layout] = field(default_factory=dict, compare=False, repr=False)

    def layout_for(self, folder: str) -> Layout:
        if folder not in self._layouts:
            self._layouts[folder] = self._layout(folder)
        return self._layouts[folder]

    def _layout(self, folder: str, listed: list[str] | None = None) -> Layout:
        """`listed`: the names in the folder, when they are at hand."""
        # The configured layout is the migration folders'; any other folder is detected.
        forced = self.layout if folder in self.folders or not self.folders else None
        name = forced or detect_layout(folder, listed).name
        if name == "drizzle":
            if listed is None:
                try:
                    listed = list_folder(folder)
                except InputError:
                    listed = []  # reading its files reports it
            return drizzle_layout(
                sorted(n for n in listed if n.endswith(".sql")), self.drizzle_prefix
            )
        return LAYOUTS[name]

    def files(self, folder: str) -> list[str]:
        """The folder's migrations in order; an InputError when they are not PostgreSQL's."""
        problem = self.not_postgres(folder)
        if problem:
            raise InputError(folder, problem)
        if folder in self.named_in and not os.path.lexists(folder):
            raise InputError(folder, f"no such directory: {self.named_in[folder]}")
        if folder in self._layouts:
            return self._layouts[folder].files(folder)
        # Its layout not known yet: the folder is listed once for both (2,000 names take a
        # millisecond to list).
        listed = list_folder(folder)
        layout = self._layouts[folder] = self._layout(folder, listed)
        return layout.files(folder, listed)

    def not_postgres(self, folder: str) -> str:
        """Why a folder's migrations are for another database, or ""."""
        dialect = self.foreign.get(folder) or prisma_provider(folder)
        return (
            f"migration-lint checks PostgreSQL migrations; this folder is {dialect}"
            if dialect
            else ""
        )

    def default_folders(self) -> tuple[str, ...]:
        """The configured folders, for a command given no PATH."""
        if self.folders:
            return self.folders
        if self.unresolved:
            raise InputProblem(self.unresolved)
        raise ConfigError(
            "no PATH given, no `paths` in the config and no drizzle.config with `out`: name the "
            'migrations folder, or set `paths = ["..."]` in .migration-lint.toml'
        )


def prisma_provider(folder: str) -> str | None:
    """The database of a Prisma migrations folder, from migration_lock.toml, when it is not
    PostgreSQL ("mysql (migration_lock.toml)")."""
    try:
        provider = parse_toml(read_text(os.path.join(folder, PRISMA_LOCK))).get("provider")
    except (InputError, ValueError):  # ValueError: tomllib.TOMLDecodeError
        return None  # no lock, or none that can be read: the folder is taken for PostgreSQL
    if not isinstance(provider, str) or provider in ("postgresql", "postgres", "cockroachdb"):
        return None
    return f"{provider} ({PRISMA_LOCK} says provider = {provider!r})"


def resolve_project(config: Config, cwd: Path) -> Project:
    """Explicit config wins; drizzle's configs fill in what it does not say."""
    found: list[DrizzleConfig] = find_drizzle_configs(cwd)
    postgres = [c for c in found if c.is_postgres]
    outs = tuple(c.out for c in postgres if c.out)
    folders = config.paths or outs
    prefixes = {c.prefix for c in postgres if c.prefix}
    if config.paths:
        where = f"{_shown(config.path)} names it in `paths`"
        named_in = dict.fromkeys(config.paths, f"{where}: correct `paths`, or create the folder")
    else:
        named_in = {
            c.out: f"{_shown(c.path)} names it in `out`, and it does not exist yet: "
            "`drizzle-kit generate` creates it with the first migration (or correct `out`)"
            for c in postgres
            if c.out
        }
    return Project(
        folders=tuple(folders),
        schema=config.schema or tuple(s for c in postgres for s in c.schema),
        layout=config.layout or ("drizzle" if outs and set(folders) <= set(outs) else None),
        drizzle_prefix=prefixes.pop() if len(prefixes) == 1 else None,
        naming=re.compile(config.naming) if config.naming else None,
        foreign={
            c.out: f"{c.dialect} ({c.path.name} says dialect: {c.dialect!r})"
            for c in found
            if c.out and not c.is_postgres
        },
        unresolved=_unresolved(found),
        named_in=named_in,
        max_file_bytes=(config.max_file_size or DEFAULT_MAX_FILE_MIB) * MIB,
    )


def _shown(path: Path | None) -> str:
    return os.path.relpath(path) if path else "the config"


def _unresolved(found: list[DrizzleConfig]) -> str:
    for config in found:
        if config.out_code and config.is_postgres:
            return (
                f"{os.path.relpath(config.path)}: `out` is not a string literal "
                f"({config.out_code}); "
                'migration-lint reads the config without running it: set `paths = ["..."]` '
                "in .migration-lint.toml"
            )
    others = [c for c in found if not c.is_postgres]
    if others and len(others) == len(found):
        config = others[0]
        return (
            f"migration-lint checks PostgreSQL migrations; {os.path.relpath(config.path)} is "
            f"for {config.dialect} (dialect: {config.dialect!r})"
        )
    return ""
