"""The console scripts (pyproject.toml's [project.scripts]): the CLI, imported with the garbage
collector paused.

Importing the CLI makes tens of thousands of objects, none of them garbage, and the collections
they set off meanwhile take ~5 ms of a pre-commit run. Then they are frozen: no later collection
walks them again (the process ends after the run).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def main() -> int:
    """migration-lint."""
    with _imports():
        from .cli import main as run
    return run()


def naming_hook() -> int:
    """migration-lint-naming, for pre-commit."""
    with _imports():
        from .cli import naming_hook as run
    return run()


def require_migration_hook() -> int:
    """migration-lint-require-migration, for pre-commit."""
    with _imports():
        from .cli import require_migration_hook as run
    return run()


@contextmanager
def _imports() -> Iterator[None]:
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
    gc.freeze()
