"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers."""

from __future__ import annotations

import json

from .. import __version__
from ..diagnostic import Severity
from ..registry import Rule, load_rules
from ..result import RunResult
from . import Display

PROJECT_URL = "https://github.com/migration-lint/migration-lint"
RULES_URL = f"{PROJECT_URL}/blob/main/docs/rules.md"
_SARIF_LEVELS = {
    Severity.ERROR: "error",
    Severity.BREAKING: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
}


def uri(path: str) -> str:
    return path.replace("\\", "/").removeprefix("./")


def render(result: RunResult, display: Display) -> str:
    rules = load_rules()
    gate = result.gate.value
    used = sorted({d.rule for d in result.report.diagnostics})
    index = {rule_id: position for position, rule_id in enumerate(used)}
    results = []
    for d in result.report.diagnostics:
        entry: dict[str, object] = {
            "ruleId": d.rule,
            "ruleIndex": index[d.rule],
            "level": _SARIF_LEVELS[d.severity],
            "message": {"text": d.message + (f"\n\n{d.help}" if d.help else "")},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(d.path), "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": d.line,
                            "startColumn": d.column,
                            "endLine": d.end_line,
                            "endColumn": d.end_column,
                        },
                    }
                }
            ],
            "properties": {"severity": d.severity.value, "gate": gate},
        }
        if d.allowed:
            entry["suppressions"] = [{"kind": "inSource", "justification": d.reason}]
        results.append(entry)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "migration-lint",
                        "version": __version__,
                        "informationUri": PROJECT_URL,
                        "rules": [_sarif_rule(rules[rule_id]) for rule_id in used],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2)


def _sarif_rule(rule: Rule) -> dict[str, object]:
    text = f"{rule.rationale}\n\nReported:\n{rule.bad}\n\nInstead:\n{rule.good}"
    markdown = (
        f"{rule.rationale}\n\nReported:\n\n```sql\n{rule.bad}\n```\n\n"
        f"Instead:\n\n```sql\n{rule.good}\n```"
    )
    return {
        "id": rule.id,
        "name": "".join(part.title() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": text, "markdown": markdown},
        "helpUri": f"{RULES_URL}#{rule.id}",
        "defaultConfiguration": {"level": _SARIF_LEVELS[rule.severity]},
        "properties": {"tags": ["postgresql", "migrations", rule.severity.value]},
    }
