"""migration-lint: keeps PostgreSQL schema migrations safe."""

from __future__ import annotations

__version__ = "0.2.0"
