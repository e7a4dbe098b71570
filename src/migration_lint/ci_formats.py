"""CI outputs: SARIF for code scanning, GitHub and GitLab annotations, the pull request comment."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from . import __version__
from .ci import CiResult, Gate
from .diagnostic import Diagnostic, Severity
from .discovery import migrations_folder
from .layouts import Layout
from .output import as_json, as_text
from .registry import Rule, load_rules
from .source import InputError, read_source
from .suppressions import rollback_plans

PROJECT_URL = "https://github.com/migration-lint/migration-lint"
RULES_URL = f"{PROJECT_URL}/blob/main/docs/rules.md"
COMMENT_MARKER = "<!-- migration-lint:pull-request-comment -->"
COMMENT_LIMIT = 65_536  # GitHub's limit for one comment, in characters
_SARIF_LEVELS = {
    Severity.ERROR: "error",
    Severity.BREAKING: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
}


def _uri(path: str) -> str:
    return path.replace("\\", "/").removeprefix("./")


def as_sarif(result: CiResult) -> str:
    rules = load_rules()
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
                        "artifactLocation": {"uri": _uri(d.path), "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": d.line,
                            "startColumn": d.column,
                            "endLine": d.end_line,
                            "endColumn": d.end_column,
                        },
                    }
                }
            ],
            "properties": {"severity": d.severity.value, "gate": result.gate.value},
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


def _escape(value: str, property_value: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if property_value else value


def as_github(result: CiResult) -> str:
    """GitHub Actions workflow commands: annotations on the pull request's diff."""
    lines = []
    for d in result.report.diagnostics:
        command = "error" if d.fails or d.severity is Severity.ERROR else "warning"
        if d.severity is Severity.INFO:
            command = "notice"
        title = f"{d.rule} ({d.severity.value}{', allowed' if d.allowed else ''})"
        properties = ",".join(
            f"{key}={_escape(str(value), True)}"
            for key, value in (
                ("file", _uri(d.path)),
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
    lines.append(f"::notice title=migration-lint gate::{_escape(_headline(result))}")
    return "\n".join(lines)


_GITLAB_SEVERITIES = {
    Severity.ERROR: "blocker",
    Severity.BREAKING: "critical",
    Severity.WARNING: "minor",
    Severity.INFO: "info",
}


def as_gitlab(result: CiResult) -> str:
    """A GitLab Code Quality report."""
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
                "location": {"path": _uri(d.path), "lines": {"begin": d.line}},
            }
        )
    return json.dumps(issues, indent=2)


_GATE_HEADLINES = {
    Gate.PASS: "✅ Migrations: pass",
    Gate.NEEDS_APPROVAL: "⚠️ Migrations: needs approval",
    Gate.BLOCKED: "⛔ Migrations: blocked",
}


def _headline(result: CiResult) -> str:
    diagnostics = result.report.diagnostics
    declared = sum(d.allowed for d in diagnostics)
    failing = [d for d in diagnostics if d.fails or d.severity is Severity.ERROR]
    if result.gate is Gate.BLOCKED:
        return (
            f"blocked: {len(failing)} finding{'s' if len(failing) != 1 else ''} must be fixed "
            "(errors, or breaking changes without `allow`, a reason and a rollback plan)"
        )
    if result.gate is Gate.NEEDS_APPROVAL:
        return (
            f"needs approval: {declared} declared breaking change"
            f"{'s wait' if declared != 1 else ' waits'} for a reviewer's approval"
        )
    approved = f", {declared} declared breaking change(s) approved" if declared else ""
    return f"pass: {len(result.migrations)} migration(s) checked{approved}"


def as_markdown(result: CiResult, limit: int = COMMENT_LIMIT) -> str:
    """The pull request comment, shortened step by step until it fits the limit.

    The shortest step is one line per breaking or error finding; only if even those do not fit
    (over a thousand of them) is the list cut, with a note.
    """
    for detail in ("full", "no-sql", "findings"):
        comment = _markdown(result, detail)
        if len(comment) <= limit:
            return comment
    return _markdown(result, "breaking-only", limit)


def _markdown(result: CiResult, detail: str, limit: int | None = None) -> str:
    diagnostics = result.report.diagnostics
    lines = [
        COMMENT_MARKER,
        f"## {_GATE_HEADLINES[result.gate]}",
        "",
        _headline(result).capitalize() + ".",
        "",
    ]
    by_path: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_path.setdefault(d.path, []).append(d)
    if detail != "full":
        lines += [
            f"_Shortened to fit a comment: {'no SQL' if detail == 'no-sql' else 'findings only'}"
            "; the job's log and SARIF report have everything._",
            "",
        ]
    shown = set()
    for path in result.migrations:
        findings = by_path.get(path, [])
        shown.add(path)
        if detail == "breaking-only":
            lines += [_finding_line(d, brief=True) for d in findings if _serious(d)]
            continue
        lines += [f"### `{path}`", ""]
        changes = result.report.changes.get(path, [])
        if changes and detail != "findings":
            lines += ["Schema changes:", ""] + [f"- {change}" for change in changes] + [""]
        if findings:
            lines += ["Findings:", ""] + [_finding_line(d) for d in findings] + [""]
            if detail == "full":
                lines += _help_blocks(findings)
        if detail in ("full", "no-sql") and any(d.allowed for d in findings):
            lines += _rollback_block(path, result.project.layout_for(migrations_folder(path)))
        if detail == "full":
            lines += _sql_block(path)
    others = [d for d in diagnostics if d.path not in shown]
    if others:
        if detail != "breaking-only":
            lines += ["### Other findings", ""]
        lines += [
            _finding_line(d, path_in_line=True, brief=detail == "breaking-only") for d in others
        ]
    text = "\n".join(lines).rstrip() + "\n"
    if limit is not None and len(text) > limit:
        cut = text[: limit - 200].rsplit("\n", 1)[0]
        text = cut + "\n\n_Truncated: the job's log has every finding._\n"
    return text


def _serious(d: Diagnostic) -> bool:
    return d.severity in (Severity.ERROR, Severity.BREAKING)


def _finding_line(d: Diagnostic, path_in_line: bool = False, brief: bool = False) -> str:
    """A finding as a list item; `brief`: with its path and the message's first sentence."""
    where = f"`{d.path}:{d.line}`" if path_in_line or brief else f"line {d.line}"
    status = f"{d.severity.value}, allowed: {d.reason}" if d.allowed else d.severity.value
    message = d.message.split(". ")[0].rstrip(".") + "." if brief else d.message
    return f"- **{d.rule}** ({status}) {where}: {message}"


def _help_blocks(findings: list[Diagnostic]) -> list[str]:
    lines = []
    for d in findings:
        if d.help:
            lines += [
                f"<details><summary>How to do it safely ({d.rule}, line {d.line})</summary>",
                "",
                "```text",
                d.help,
                "```",
                "</details>",
                "",
            ]
    return lines


def _read(path: str) -> str | None:
    try:
        return read_source(path).text
    except InputError:
        return None


def _rollback_block(path: str, layout: Layout) -> list[str]:
    """The migration's `-- rollback:` plans, or else its down migration."""
    text = _read(path)
    if text is None:
        return []
    plans = [sql for sql, _ in rollback_plans(text)]
    down = layout.down_sql(path, text)
    if not plans and down:
        plans = [down]
    if not plans:
        return []
    return ["Rollback plan:", "", "```sql", *plans, "```", ""]


def _sql_block(path: str) -> list[str]:
    text = _read(path)
    if text is None:
        return []
    fence = "````" if "```" in text else "```"
    return [
        "<details><summary>SQL</summary>",
        "",
        f"{fence}sql",
        text.rstrip(),
        fence,
        "</details>",
        "",
    ]


def render(output_format: str, result: CiResult) -> str:
    extra = {
        "gate": result.gate.value,
        "base": result.base,
        "approved": result.approved,
        "exit_code": result.gate.exit_code,  # the gate's, not lint's
    }
    renderers: dict[str, Callable[[], str]] = {
        "text": lambda: as_text(result.report) + f"\nGate: {_headline(result)}",
        "json": lambda: as_json(result.report, extra),
        "sarif": lambda: as_sarif(result),
        "github": lambda: as_github(result),
        "gitlab": lambda: as_gitlab(result),
        "markdown": lambda: as_markdown(result),
    }
    return renderers[output_format]()


CI_FORMATS = ("text", "json", "sarif", "github", "gitlab", "markdown")  # what render() takes
