"""GitHub Actions workflow commands: annotations on the pull request's diff."""

from __future__ import annotations

from ..diagnostic import Severity
from ..result import RunResult
from . import Display, headline
from .sarif import uri


def _escape(value: str, property_value: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if property_value else value


def render(result: RunResult, display: Display) -> str:
    lines = []
    for d in result.report.diagnostics:
        command = "error" if d.fails(result.fail_on) else "warning"
        if d.severity is Severity.INFO:
            command = "notice"
        title = f"{d.rule} ({d.severity.value}{', allowed' if d.allowed else ''})"
        properties = ",".join(
            f"{key}={_escape(str(value), True)}"
            for key, value in (
                ("file", uri(d.path)),
                ("line", d.line),
                ("col", d.column),
                ("endLine", d.end_line),
                ("endColumn", d.end_column),
                ("title", title),
            )
        )
        reason = f"\nAllowed: {d.reason}" if d.allowed else ""
        help_text = f"\n{d.help}" if d.help else ""
        lines.append(f"::{command} {properties}::{_escape(d.message + reason + help_text)}")
    lines.append(f"::notice title=migration-lint gate::{_escape(headline(result))}")
    return "\n".join(lines)
