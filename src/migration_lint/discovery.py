"""Which files a path means, in migration order."""

from __future__ import annotations

import os
import re

from .source import InputError

_DIGITS = re.compile(r"(\d+)")


def migration_order(path: str) -> list[str | int]:
    # Numbers compare as numbers, so 10_x.sql comes after 9_x.sql.
    return [int(part) if part.isdigit() else part for part in _DIGITS.split(path)]


def migration_files(path: str) -> list[str]:
    """The migration files a path names: itself, or a folder's SQL files in migration order.

    A folder holds `<name>.sql` files, or one folder per migration with a `migration.sql`
    (drizzle-kit 1.0, Prisma).
    """
    path = os.path.normpath(path)  # so that ./m/x.sql and m/x.sql are one file
    if os.path.isfile(path):
        return [path]
    if not os.path.isdir(path):
        raise InputError(path, "no such file or directory")
    found = []
    for entry in os.scandir(path):
        if entry.is_file() and entry.name.endswith(".sql"):
            found.append(os.path.normpath(entry.path))
        elif entry.is_dir() and os.path.isfile(os.path.join(entry.path, "migration.sql")):
            found.append(os.path.normpath(os.path.join(entry.path, "migration.sql")))
    if not found:
        raise InputError(path, "no SQL migration files in this directory")
    return sorted(found, key=migration_order)


def migrations_folder(file: str) -> str:
    """The folder whose migrations a file belongs to (one up for `<name>/migration.sql`)."""
    folder = os.path.dirname(file) or "."
    if os.path.basename(file) == "migration.sql":
        return os.path.dirname(folder) or "."
    return folder
