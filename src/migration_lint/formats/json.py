"""JSON for programs: every finding, and the summary (with the gate for `ci`)."""

from __future__ import annotations

import json
from dataclasses import asdict

from ..diagnostic import Diagnostic
from ..result import RunResult
from . import Display, summary


def render(result: RunResult, display: Display) -> str:
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
    diagnostics = [_diagnostic(d) for d in result.report.diagnostics]
    document: dict[str, object] = {"diagnostics": diagnostics, "summary": data}
    if result.server:
        data["server"] = result.server
    if result.command == "verify" or result.traces:
        document["traces"] = [asdict(trace) for trace in result.traces]
    # Compact: indent would switch json to its pure-Python encoder, several times slower.
    return json.dumps(document)


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
