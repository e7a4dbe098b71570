"""Rendering a report for people (text) and for programs (JSON)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping

import click

from .diagnostic import Diagnostic, Severity, exit_code
from .linter import Report

_COLOURS = {
    Severity.ERROR: "red",
    Severity.BREAKING: "magenta",
    Severity.WARNING: "yellow",
    Severity.INFO: "blue",
}


def summary(report: Report) -> dict[str, object]:
    counts = Counter(d.severity.value for d in report.diagnostics if not d.allowed)
    return {
        "files": report.files,
        "statements": report.statements,
        "diagnostics": len(report.diagnostics),
        **{severity.value: counts[severity.value] for severity in Severity},
        "allowed": sum(d.allowed for d in report.diagnostics),
        "exit_code": exit_code(report.diagnostics),
    }


def as_json(report: Report, extra: Mapping[str, object] | None = None) -> str:
    """`extra` joins the summary (the CI gate adds "gate", "base" and "approved")."""
    diagnostics = [_diagnostic_json(d) for d in report.diagnostics]
    # Compact: indent would switch json to its pure-Python encoder, several times slower.
    return json.dumps({"diagnostics": diagnostics, "summary": {**summary(report), **(extra or {})}})


def _diagnostic_json(d: Diagnostic) -> dict[str, object]:
    return {
        "rule": d.rule,
        "severity": d.severity.value,
        "path": d.path,
        "line": d.line,
        "column": d.column,
        "end_line": d.end_line,
        "end_column": d.end_column,
        "message": d.message,
        "help": d.help,
        "allowed": d.allowed,
        "reason": d.reason,
    }


def as_text(report: Report) -> str:
    """`path:line:col: rule-id message`, the help indented below; styled, for click to strip."""
    lines = []
    for d in report.diagnostics:
        location = click.style(f"{d.path}:{d.line}:{d.column}:", bold=True)
        rule = click.style(d.rule, fg=_COLOURS[d.severity], bold=True)
        tag = f" [{d.severity.value}{', allowed: ' + d.reason if d.allowed else ''}]"
        lines.append(f"{location} {rule} {d.message}{click.style(tag, dim=True)}")
        lines.extend("    " + line for line in d.help.splitlines())
    counts = summary(report)
    found = (
        ", ".join(
            _count(counts[s.value], s.value, "s" if s in (Severity.ERROR, Severity.WARNING) else "")
            for s in Severity
            if counts[s.value]
        )
        or "no problems"
    )
    allowed = f" ({counts['allowed']} allowed)" if counts["allowed"] else ""
    statements = f" ({_count(report.statements, 'statement')})" if report.statements else ""
    lines.append(f"Found {found}{allowed} in {_count(report.files, 'file')}{statements}.")
    return "\n".join(lines)


def _count(number: object, noun: str, plural: str = "s") -> str:
    return f"{number} {noun}{plural if number != 1 else ''}"
