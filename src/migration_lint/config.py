"""Configuration from `.migration-lint.toml` or `[tool.migration-lint]` in `pyproject.toml`."""

from __future__ import annotations

import re
import sys
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from .diagnostic import FAIL_ON
from .discovery import relative_path
from .errors import ConfigError
from .layouts import LAYOUTS
from .registry import unknown_rule

CONFIG_FILE = ".migration-lint.toml"
PYPROJECT = "pyproject.toml"
FORMATS = ("text", "json")
MIN_PG_VERSION, MAX_PG_VERSION = 9, 18


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    paths: tuple[str, ...] = ()  # migration folders, relative to the config file
    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    pg_version: int | None = None
    assume_in_transaction: bool | None = None
    format: str | None = None
    layout: str | None = None
    schema: tuple[str, ...] = ()  # schema files or globs, relative to the config file
    naming: str | None = None  # a regex every migration's file name must match
    fail_on: str | None = None  # the least serious severity that fails a run
    baseline: str | None = None  # the baseline file, relative to the working directory
    prisma_version: str | None = None  # the Prisma that applies the migrations, e.g. "7.4"


def find_config(start: Path) -> Path | None:
    """The nearest config file in start or its parents."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
        pyproject = folder / PYPROJECT
        if (
            pyproject.is_file()
            and "tool" in _read_toml(pyproject)
            and ("migration-lint" in _read_toml(pyproject)["tool"])
        ):
            return pyproject
    return None


def load_config(path: Path, known_rules: Collection[str]) -> Config:
    data = _read_toml(path)
    if path.name == PYPROJECT:
        data = data.get("tool", {}).get("migration-lint", {})
    where = f"{path}: [tool.migration-lint]" if path.name == PYPROJECT else str(path)
    values: dict[str, Any] = {}
    data = {key.replace("_", "-"): value for key, value in data.items()}  # fail_on = fail-on
    for key, value in data.items():
        spec = _KEYS.get(key)
        if spec is None:
            raise ConfigError(f"{where}: unknown key {key!r} (known keys: {', '.join(_KEYS)})")
        field_name, expected, description = spec
        if not _has_type(value, expected):
            # Not the value: a secret put in the wrong key must not reach a CI log.
            raise ConfigError(f"{where}: {key!r} must be {description}")
        values[field_name] = value
    if "format" in values and values["format"] not in FORMATS:
        raise ConfigError(f"{where}: 'format' must be one of {', '.join(FORMATS)}")
    if "pg-version" in data and not MIN_PG_VERSION <= data["pg-version"] <= MAX_PG_VERSION:
        raise ConfigError(
            f"{where}: 'pg-version' must be between {MIN_PG_VERSION} and {MAX_PG_VERSION}"
        )
    for key in ("select", "ignore"):
        unknown = sorted(set(data.get(key, ())) - set(known_rules))
        if unknown:
            raise ConfigError(f"{where}: {key!r}: {unknown_rule(unknown[0], known_rules)}")
    if "fail_on" in values and values["fail_on"] not in FAIL_ON:
        raise ConfigError(f"{where}: 'fail-on' must be one of {', '.join(FAIL_ON)}")
    if "layout" in values and values["layout"] not in LAYOUTS:
        raise ConfigError(f"{where}: 'layout' must be one of {', '.join(LAYOUTS)}")
    if "naming" in values:
        try:
            re.compile(values["naming"])
        except re.error as exc:
            raise ConfigError(
                f"{where}: 'naming' is not a valid regular expression: {exc}"
            ) from None
    for key in ("paths", "schema"):
        if key in values:
            values[key] = tuple(relative_path(path.parent, p) for p in values[key])
    if "baseline" in values:
        values["baseline"] = relative_path(path.parent, values["baseline"])
    for key in ("select", "ignore"):
        if key in values:
            values[key] = frozenset(values[key])
    return Config(path=path, **values)


_KEYS: dict[str, tuple[str, Any, str]] = {
    "paths": ("paths", list[str], "a list of migration folders"),
    "select": ("select", list[str], "a list of rule ids"),
    "ignore": ("ignore", list[str], "a list of rule ids"),
    "pg-version": ("pg_version", int, "a PostgreSQL major version such as 16"),
    "assume-in-transaction": ("assume_in_transaction", bool, "true or false"),
    "format": ("format", str, "a string"),
    "layout": ("layout", str, "a layout name"),
    "schema": ("schema", list[str], "a list of schema files or globs"),
    "naming": ("naming", str, "a regular expression"),
    "fail-on": ("fail_on", str, "error, breaking or warning"),
    "baseline": ("baseline", str, "a file name"),
    "prisma-version": ("prisma_version", str, 'a quoted version such as "7.4"'),
}


def _has_type(value: Any, expected: Any) -> bool:
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected in (bool, str):
        return isinstance(value, expected)
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            data: dict[str, Any] = tomllib.load(file)
            return data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
