"""Errors that stop a run before any file is linted."""

from __future__ import annotations


class ConfigError(Exception):
    """Bad configuration or options: a usage error (exit 3)."""
