"""The status report as text for a terminal, JSON for programs, and Markdown for a pull request
or a job summary."""

from __future__ import annotations

import json
import re

from .state import State
from .status import Entry, StatusReport

FORMATS = ("text", "json", "markdown")


def render(name: str, report: StatusReport) -> str:
    return {"text": _text, "json": _json, "markdown": _markdown}[name](report)


def _where(report: StatusReport) -> str:
    return (
        f"{report.folder} ({report.layout}) against {report.database}, "
        f"bookkeeping in {report.table}"
    )


def _missing_table(report: StatusReport) -> str:
    return f"no table {report.table} in this database: nothing is applied yet"


def summary(report: StatusReport) -> str:
    counts = report.counts()
    if not counts:
        return "no migrations in the folder, and none recorded in the database"
    return ", ".join(f"{count} {state.value}" for state, count in counts.items())


def _text(report: StatusReport) -> str:
    lines = [_where(report)]
    if not report.table_found:
        lines.append(_missing_table(report))
    lines.append("")
    width = max(len(state.value) for state in State)
    for entry in report.entries:
        lines.append(f"{entry.state.value:<{width}}  {entry.path or entry.name}")
        if entry.detail:
            lines.append(f"{'':<{width}}    {entry.detail}")
    lines += ["", f"status: {summary(report)}"]
    return "\n".join(lines)


def _json(report: StatusReport) -> str:
    counts = report.counts()
    return json.dumps(
        {
            "folder": report.folder,
            "layout": report.layout,
            "runner": report.runner,
            "database": report.database,
            "table": report.table,
            "table_found": report.table_found,
            "migrations": [_entry_json(entry) for entry in report.entries],
            "summary": {
                **{state.value: counts.get(state, 0) for state in State},
                "exit_code": report.exit_code,
            },
        }
    )


def _entry_json(entry: Entry) -> dict[str, object]:
    return {
        "name": entry.name,
        "state": entry.state.value,
        "path": entry.path,
        "detail": entry.detail,
    }


_HEADLINES = {
    0: "✅ Migrations: all applied",
    1: "⏳ Migrations: the database is behind the folder (or ahead of it)",
    2: "⛔ Migrations: the next deploy fails or skips one",
}


def _markdown(report: StatusReport) -> str:
    lines = [
        f"## {_HEADLINES[report.exit_code]}",
        "",
        f"{inline_code(report.folder)} ({report.layout}) against {inline_code(report.database)}, "
        f"bookkeeping in {inline_code(report.table)}.",
        "",
    ]
    if not report.table_found:
        lines += [_missing_table(report).capitalize() + ".", ""]
    if report.entries:
        lines += ["| State | Migration | Detail |", "|---|---|---|"]
        lines += [
            f"| {entry.state.value} | {inline_code(entry.name)} | {table_cell(entry.detail)} |"
            for entry in report.entries
        ]
        lines.append("")
    lines.append(f"Status: {summary(report)}.")
    return "\n".join(lines)


def inline_code(text: str) -> str:
    """Text as inline code in a table cell: a fence longer than any run of backquotes in it, and
    a space inside it where the text starts or ends with one."""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{table_cell(text)}{pad}{fence}"


def table_cell(text: str) -> str:
    # A pipe ends the cell, a line break the row: names and labels read from the database are
    # shown as they are, not as Markdown.
    return " ".join(text.split()).replace("|", "\\|")
