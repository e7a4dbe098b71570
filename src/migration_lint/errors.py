"""Errors that stop a run."""

from __future__ import annotations


class ConfigError(Exception):
    """Bad configuration or options: a usage error (exit 3)."""


class InputProblem(Exception):
    """Careless input that stops a command (a path, a config it cannot use): one line naming
    it and what to do, exit 2."""


class ProcessLost(Exception):
    """A worker process the run depends on ended without its results (killed, out of memory)."""
