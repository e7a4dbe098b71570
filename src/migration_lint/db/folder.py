"""A folder's migrations as its runner knows them: what it runs, in order, by which names or
versions it records them, and the checksum it records."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..drizzle import JOURNAL, parse_journal
from ..layouts import Layout
from ..source import InputError, read_bytes, read_text
from .checksums import flyway_checksum, sha256_forms


@dataclass(frozen=True)
class Migration:
    name: str  # as shown: the file's name, or its folder's
    path: str
    # What the runner's bookkeeping may know it by (name_key, version_key, ...): a record with
    # one of these keys is this migration's.
    keys: tuple[str, ...]
    # What the runner records as its checksum, in every form the runner accepts; empty when
    # the runner records none (golang-migrate, goose, dbmate).
    checksums: frozenset[str] = frozenset()
    # Its version as numbers, for runners that record "applied up to this version".
    version: tuple[int, ...] | None = None
    when: int | None = None  # drizzle: the journal's `when`, which decides whether it runs
    # Flyway's repeatable migrations run again when they change: a change is no tampering.
    reruns_when_changed: bool = False


def name_key(name: str) -> str:
    return f"name:{name}"


def version_key(version: tuple[int, ...]) -> str:
    return "version:" + ".".join(map(str, version))


def when_key(when: int) -> str:
    return f"when:{when}"


def script_key(script: str) -> str:
    return f"script:{script}"


def numeric_version(text: str) -> tuple[int, ...]:
    """A version as its runner compares it: numbers, `.` or `_` between them, trailing zeros
    not counting (Flyway's 1.0 is 1; golang-migrate's 000007 is 7)."""
    parts = [int(part) for part in re.split(r"[._]", text)]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def migrations_in(folder: str, layout: Layout, max_bytes: int) -> list[Migration]:
    """The migrations the layout's runner applies from this folder, in its order."""
    return READERS[layout.name](folder, layout, max_bytes)


def _drizzle_journal(folder: str, layout: Layout, max_bytes: int) -> list[Migration]:
    # drizzle's migrator runs the journal's entries, not the folder's files.
    path = os.path.join(folder, JOURNAL)
    journal = parse_journal(read_text(path, max_bytes))
    if journal.unreadable:
        raise InputError(path, f"cannot read the drizzle journal: {journal.unreadable}")
    migrations = []
    for entry in journal.entries:
        if entry.problem:
            raise InputError(path, f"{entry.problem}: drizzle's migrator fails on it", entry.line)
        file = os.path.join(folder, f"{entry.tag}.sql")
        when = _whole_number(entry.when)
        keys = (name_key(entry.tag),) + ((when_key(when),) if when is not None else ())
        migrations.append(
            Migration(
                os.path.basename(file),
                file,
                keys,
                sha256_forms(read_bytes(file, max_bytes)),
                when=when,
            )
        )
    return migrations


def _whole_number(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if float(value).is_integer() else None


def _by_folder_name(folder: str, layout: Layout, max_bytes: int) -> list[Migration]:
    # Prisma, and drizzle from 1.0: a folder per migration, recorded by the folder's name.
    migrations = []
    for path in layout.files(folder):
        name = layout.migration_name(path)
        migrations.append(
            Migration(name, path, (name_key(name),), sha256_forms(read_bytes(path, max_bytes)))
        )
    return migrations


def _by_version(folder: str, layout: Layout, max_bytes: int) -> list[Migration]:
    # golang-migrate, goose, dbmate: recorded by version only, without a checksum. A file
    # without a version is not one the runner runs (check-naming reports it).
    migrations = []
    for path in layout.files(folder):
        written = layout.version(path)
        if written is None:
            continue
        version = numeric_version(written)
        migrations.append(
            Migration(os.path.basename(path), path, (version_key(version),), version=version)
        )
    return migrations


def _flyway(folder: str, layout: Layout, max_bytes: int) -> list[Migration]:
    versioned, repeatable = [], []
    for path in layout.files(folder):
        name = os.path.basename(path)
        checksum = frozenset({str(flyway_checksum(read_bytes(path, max_bytes)))})
        written = layout.version(path)
        if written is not None:
            version = numeric_version(written)
            versioned.append(Migration(name, path, (version_key(version),), checksum, version))
        elif layout.repeatable_prefix and name.startswith(layout.repeatable_prefix):
            # Recorded without a version, by its script's name.
            repeatable.append(
                Migration(name, path, (script_key(name),), checksum, reruns_when_changed=True)
            )
    # Flyway runs versions in numeric order (1 < 1.1 < 2, whatever the names' characters),
    # then the repeatable migrations.
    return sorted(versioned, key=lambda m: m.version or ()) + repeatable


READERS: dict[str, Callable[[str, Layout, int], list[Migration]]] = {
    "drizzle": _drizzle_journal,
    "drizzle-folders": _by_folder_name,
    "prisma": _by_folder_name,
    "golang-migrate": _by_version,
    "goose": _by_version,
    "dbmate": _by_version,
    "flyway": _flyway,
}
