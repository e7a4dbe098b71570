"""A Catalog as a JSON file and back: a schema to commit, or to compare against from CI without
network access to the database it was read from.

The JSON is stable: keys sorted, names in order, two spaces of indentation, so the same schema
always writes the same bytes and a changed one a readable git diff. Nothing in it says where
it was read from (no URL, no server version): only the schema.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..source import InputError, read_text
from .catalog import Catalog, Column, OnTable, Sequence, Table

FORMAT = "migration-lint schema snapshot"
VERSION = 1
# A schema's JSON is far smaller; a file this large is not a snapshot.
_MAX_BYTES = 256 * 1024 * 1024


def dumps(catalog: Catalog) -> str:
    return json.dumps(to_json(catalog), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def to_json(catalog: Catalog) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "schemas": sorted(catalog.schemas),
        "extensions": dict(catalog.extensions),
        "tables": {
            name: {
                "kind": table.kind,
                "partitioning": table.partitioning,
                "columns": {
                    column_name: {
                        "type": column.type,
                        "not_null": column.not_null,
                        "filled": column.filled,
                    }
                    for column_name, column in table.columns.items()
                },
            }
            for name, table in catalog.tables.items()
        },
        "indexes": _on_tables(catalog.indexes),
        "constraints": _on_tables(catalog.constraints),
        "triggers": _on_tables(catalog.triggers),
        "views": dict(catalog.views),
        "materialized_views": dict(catalog.materialized_views),
        "functions": dict(catalog.functions),
        "sequences": {
            name: {"settings": s.settings, "owned_by": s.owned_by, "table": s.table}
            for name, s in catalog.sequences.items()
        },
        "enums": {name: list(values) for name, values in catalog.enums.items()},
    }


def _on_tables(attached: Mapping[str, OnTable]) -> dict[str, dict[str, str]]:
    return {name: {"table": on.table, "definition": on.definition} for name, on in attached.items()}


def load(path: str) -> Catalog:
    """The snapshot in this file; an InputError when it is not one."""
    text = read_text(path, _MAX_BYTES)
    try:
        return from_json(json.loads(text))
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not a schema snapshot: invalid JSON: {exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(path, f"not a schema snapshot of this version: {exc!r}") from None


def from_json(data: Any) -> Catalog:
    """The Catalog a snapshot's JSON holds; KeyError, TypeError or ValueError when it is not
    one this version writes."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"no 'format': {FORMAT!r}")
    if data["version"] != VERSION:
        raise ValueError(f"version {data['version']!r}; this migration-lint reads {VERSION}")
    return Catalog(
        schemas=frozenset(_strings(data["schemas"])),
        extensions=_texts(data["extensions"]),
        tables={
            _text(name): Table(
                _text(table["kind"]),
                {
                    _text(column_name): Column(
                        _text(column["type"]),
                        _flag(column["not_null"]),
                        _optional(column["filled"]),
                    )
                    for column_name, column in table["columns"].items()
                },
                _text(table["partitioning"]),
            )
            for name, table in data["tables"].items()
        },
        indexes=_on_tables_from(data["indexes"]),
        constraints=_on_tables_from(data["constraints"]),
        triggers=_on_tables_from(data["triggers"]),
        views=_texts(data["views"]),
        materialized_views=_texts(data["materialized_views"]),
        functions=_texts(data["functions"]),
        sequences={
            _text(name): Sequence(
                _text(s["settings"]), _optional(s["owned_by"]), _optional(s["table"])
            )
            for name, s in data["sequences"].items()
        },
        enums={_text(name): tuple(_strings(values)) for name, values in data["enums"].items()},
    )


def _on_tables_from(data: Any) -> dict[str, OnTable]:
    return {
        _text(name): OnTable(_text(on["table"]), _text(on["definition"]))
        for name, on in data.items()
    }


def _texts(data: Any) -> dict[str, str]:
    return {_text(name): _text(value) for name, value in data.items()}


def _strings(data: Any) -> list[str]:
    if not isinstance(data, list):
        raise TypeError(f"expected a list, not {type(data).__name__}")
    return [_text(item) for item in data]


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, not {type(value).__name__}")
    return value


def _optional(value: Any) -> str | None:
    return None if value is None else _text(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, not {type(value).__name__}")
    return value


def is_snapshot(path: str) -> bool:
    """Whether the file is a snapshot (of any version): one a new snapshot may replace."""
    try:
        data = json.loads(read_text(path, _MAX_BYTES))
    except (InputError, json.JSONDecodeError):
        return False
    return isinstance(data, dict) and data.get("format") == FORMAT
