"""migration-lint: keeps PostgreSQL schema migrations safe."""

from __future__ import annotations

from .pglast_imports import defer_unused_modules

__version__ = "0.2.0"

# Here, before any module of the package imports pglast.
defer_unused_modules()
