"""The pull request comment, in Markdown."""

from __future__ import annotations

from ..diagnostic import Diagnostic, Severity
from ..discovery import migrations_folder
from ..layouts import Layout
from ..result import RunResult
from ..source import InputError, read_source
from ..suppressions import rollback_plans
from . import Display, gate_title, headline

COMMENT_MARKER = "<!-- migration-lint:pull-request-comment -->"
COMMENT_LIMIT = 65_536  # GitHub's limit for one comment, in characters


def render(result: RunResult, display: Display) -> str:
    return as_markdown(result)


def as_markdown(result: RunResult, limit: int = COMMENT_LIMIT) -> str:
    """The pull request comment, shortened step by step until it fits the limit.

    The shortest step is one line per breaking or error finding; only if even those do not fit
    (over a thousand of them) is the list cut, with a note.
    """
    for detail in ("full", "no-sql", "findings"):
        comment = _markdown(result, detail)
        if len(comment) <= limit:
            return comment
    return _markdown(result, "breaking-only", limit)


def _markdown(result: RunResult, detail: str, limit: int | None = None) -> str:
    diagnostics = result.report.diagnostics
    lines = [
        COMMENT_MARKER,
        f"## {gate_title(result)}",
        "",
        headline(result).capitalize() + ".",
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
    if result.schema_check is not None:
        # Only `ci --compare-to` sets it, the database package loaded: lint never gets here.
        from ..db.compare_to import markdown_section

        lines += ["", *markdown_section(result.schema_check)]
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
