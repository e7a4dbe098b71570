"""Configuration from `.migration-lint.toml` or `[tool.migration-lint]` in `pyproject.toml`."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostic import FAIL_ON
from .discovery import relative_path
from .errors import ConfigError
from .layouts import LAYOUTS
from .records import FrozenRecord
from .registry import unknown_rule
from .source import InputError, read_bytes

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same, made faster for records (records.dataclass)
    from .records import dataclass

CONFIG_FILE = ".migration-lint.toml"
PYPROJECT = "pyproject.toml"
BASELINE_FILE = ".migration-lint-baseline.json"  # beside the config, unless it names another
FORMATS = ("text", "json")
MIN_PG_VERSION, MAX_PG_VERSION = 9, 18


@dataclass(frozen=True, eq=False, repr=False)
class Environment(FrozenRecord):
    """A deployed database `compare` and `snapshot` can name, from `[environments]`."""

    name: str  # the key: `migration-lint compare dev prod`
    url: str  # a postgresql:// URL, or (better: no password in the file) the name of the
    # environment variable that holds one
    label: str  # how outputs name it: "Development"; the name when none is given


@dataclass(frozen=True, eq=False, repr=False)
class Config(FrozenRecord):
    """The settings of a config file (.migration-lint.toml or pyproject.toml's section)."""

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
    max_file_size: int | None = None  # MiB; larger files are not read
    environments: tuple[Environment, ...] = ()  # in the file's order


def find_config(start: Path) -> Path | None:
    """The nearest config file in start or its parents."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILE
        # Whatever it is: a FIFO or a dangling link named like a config is reported by
        # reading it, not passed over in silence.
        if os.path.lexists(candidate):
            return candidate
        pyproject = folder / PYPROJECT
        if os.path.lexists(pyproject) and _tool_section(pyproject) is not None:
            return pyproject
    return None


def load_config(path: Path, known_rules: Collection[str]) -> Config:
    data = (_tool_section(path) or {}) if path.name == PYPROJECT else _read_toml(path)
    where = f"{path}: [tool.migration-lint]" if path.name == PYPROJECT else str(path)
    values: dict[str, Any] = {}
    data = {key.replace("_", "-"): value for key, value in data.items()}  # fail_on = fail-on
    if "environments" in data:
        values["environments"] = _environments(data.pop("environments"), where)
    for key, value in data.items():
        spec = _KEYS.get(key)
        if spec is None:
            known = ", ".join((*_KEYS, "environments"))
            raise ConfigError(f"{where}: unknown key {key!r} (known keys: {known})")
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
    for key in ("paths", "schema", "baseline"):
        written = values.get(key, ())
        for entry in [written] if isinstance(written, str) else written:
            if "\0" in entry:
                raise ConfigError(f"{where}: {key!r}: {entry!r} holds a NUL byte, not a path")
    if values.get("max_file_size", 1) < 1:
        raise ConfigError(f"{where}: 'max-file-size' must be at least 1 (MiB)")
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
    "max-file-size": ("max_file_size", int, "a size in MiB such as 16"),
}


def _environments(table: Any, where: str) -> tuple[Environment, ...]:
    """`[environments]`: `dev = "DEV_POSTGRES_URL"`, or a table per environment,
    `[environments.dev]` with `url` and an optional `label`. Errors never quote a value: it
    may be a URL with its password."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: 'environments' must be a table ([environments])")
    found = []
    for name, value in table.items():
        key = f"'environments.{name}'"
        if isinstance(value, str):
            value = {"url": value}
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: {key} must be a URL's variable name or a table")
        unknown = sorted(set(value) - {"url", "label"})
        if unknown:
            raise ConfigError(f"{where}: {key}: unknown key {unknown[0]!r} (known: url, label)")
        url, label = value.get("url"), value.get("label", name)
        if not isinstance(url, str) or not url:
            raise ConfigError(
                f"{where}: {key} needs `url`: the name of the environment variable holding the "
                "database's URL (or the URL)"
            )
        if not isinstance(label, str) or not label.strip():
            raise ConfigError(f"{where}: {key}: 'label' must be a non-empty string")
        found.append(Environment(name, url, label))
    return tuple(found)


def _has_type(value: Any, expected: Any) -> bool:
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected in (bool, str):
        return isinstance(value, expected)
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _tool_section(pyproject: Path) -> dict[str, Any] | None:
    """pyproject.toml's [tool.migration-lint] table; None when it has none."""
    tool = _read_toml(pyproject).get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{pyproject}: `tool` must be a table ([tool]), not {tool!r}")
    section = tool.get("migration-lint")
    if section is None or isinstance(section, dict):
        return section
    raise ConfigError(
        f"{pyproject}: `tool.migration-lint` must be a table ([tool.migration-lint]), "
        f"not {section!r}"
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = read_bytes(str(path))
        return parse_toml(data.decode("utf-8"))
    except InputError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.message}") from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line})"
        ) from None
    except ValueError as exc:  # tomllib.TOMLDecodeError
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None


def parse_toml(text: str) -> dict[str, Any]:
    """A TOML document's table; a ValueError (tomllib's TOMLDecodeError) when it is not TOML.

    tomllib is imported here: most runs read no TOML file, and it would cost them its import.
    """
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    table: dict[str, Any] = tomllib.loads(text)
    return table
