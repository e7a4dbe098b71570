"""A GitLab Code Quality report."""

from __future__ import annotations

import hashlib
import json

from ..diagnostic import Severity
from ..result import RunResult
from . import Display
from .sarif import uri

_GITLAB_SEVERITIES = {
    Severity.ERROR: "blocker",
    Severity.BREAKING: "critical",
    Severity.WARNING: "minor",
    Severity.INFO: "info",
}


def render(result: RunResult, display: Display) -> str:
    issues = []
    for d in result.report.diagnostics:
        fingerprint = hashlib.sha256(
            f"{d.rule}\0{d.path}\0{d.line}\0{d.message}".encode()
        ).hexdigest()
        issues.append(
            {
                "description": f"{d.message}" + (f" (allowed: {d.reason})" if d.allowed else ""),
                "check_name": d.rule,
                "fingerprint": fingerprint,
                "severity": "major" if d.allowed else _GITLAB_SEVERITIES[d.severity],
                "location": {"path": uri(d.path), "lines": {"begin": d.line}},
            }
        )
    return json.dumps(issues, indent=2)
