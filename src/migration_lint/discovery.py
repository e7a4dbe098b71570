"""Paths as the user and the config write them, and the folder a migration file belongs to."""

from __future__ import annotations

import os
from pathlib import Path


def relative_path(base: Path, path: str) -> str:
    """A path written relative to `base`, as seen from the working directory."""
    return os.path.normpath(os.path.relpath(base / path))


def migrations_folder(file: str) -> str:
    """The folder whose migrations a file belongs to (one up for `<name>/migration.sql`)."""
    folder = os.path.dirname(file) or "."
    if os.path.basename(file) == "migration.sql":
        return os.path.dirname(folder) or "."
    return folder
