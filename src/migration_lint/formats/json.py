"""JSON for programs: every finding, and the summary (with the gate for `ci`)."""

from __future__ import annotations

import json
from dataclasses import asdict

from ..diagnostic import Diagnostic
from ..result import RunResult
from . import Display, summary


class Writer:
    """The document, the findings as the run finds them, then the summary once it is
    done: the same text json.dumps makes of the whole document."""

    def __init__(self, display: Display) -> None:
        self._separator = ""

    def begin(self) -> str:
        return '{"diagnostics": ['

    def findings(self, found: list[Diagnostic]) -> str:
        if not found:
            return ""
        # Encoded in one call: a list's items are separated as the document's findings are.
        text = self._separator + json.dumps([_diagnostic(d) for d in found])[1:-1]
        self._separator = ", "
        return text

    def end(self, result: RunResult) -> str:
        data: dict[str, object] = summary(result)
        if result.report.stale_baseline:
            data["stale_baseline"] = result.report.stale_baseline
        if result.command == "ci":
            data |= {
                "gate": result.gate.value,
                "base": result.base,
                "approved": result.approved,
                "migrations": len(result.migrations),
            }
        if result.server:
            data["server"] = result.server
        # Compact: indent would switch json to its pure-Python encoder, several times slower.
        text = '], "summary": ' + json.dumps(data)
        if result.command == "verify" or result.traces:
            text += ', "traces": ' + json.dumps([asdict(trace) for trace in result.traces])
        return text + "}"

    def stopped(self, why: str) -> str:
        # No summary: a program that reads one would take the counts so far for the run's.
        return '], "error": ' + json.dumps(why) + "}"


def render(result: RunResult, display: Display) -> str:
    writer = Writer(display)
    return writer.begin() + writer.findings(result.report.diagnostics) + writer.end(result)


def _diagnostic(d: Diagnostic) -> dict[str, object]:
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
