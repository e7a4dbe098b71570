"""A comparison as text for a terminal, JSON for programs, Markdown for a pull request or a job
summary, and one self-contained HTML page (compare_html.py).

Each renderer is a pure function of the comparison and how the two sides are shown (their
labels: an environment's label, $VARIABLE, a folder, a file, a URL without its password)."""

from __future__ import annotations

import json
from collections.abc import Callable

from . import compare_html
from .compare import Comparison, Difference, heading
from .status_output import inline_code

FORMATS = ("text", "json", "markdown", "html")


def render(name: str, comparison: Comparison, source: str, target: str) -> str:
    renderers: dict[str, Callable[[Comparison, str, str], str]] = {
        "text": _text,
        "json": _json,
        "markdown": _markdown,
        "html": compare_html.page,
    }
    return renderers[name](comparison, source, target)


def _text(comparison: Comparison, source: str, target: str) -> str:
    lines = [heading(source, target), ""]
    for title, differences in (
        ("breaking", comparison.breaking),
        ("compatible", comparison.compatible),
    ):
        if differences:
            lines.append(f"{title}:")
            lines += [f"  {_rule(d)}{d}" for d in differences]
            lines.append("")
    lines.append(f"compare: {comparison.summary()}")
    return "\n".join(lines)


def _rule(difference: Difference) -> str:
    return f"[{difference.rule}] " if difference.rule else ""


def _json(comparison: Comparison, source: str, target: str) -> str:
    return json.dumps(
        {
            "source": source,
            "target": target,
            "differences": [
                {
                    "kind": d.kind,
                    "name": d.name,
                    "table": d.table,
                    "change": d.how,
                    "detail": d.detail,
                    "breaking": d.breaking,
                    "rule": d.rule,
                    "text": str(d),
                }
                for d in comparison.differences
            ],
            "summary": {
                "breaking": len(comparison.breaking),
                "compatible": len(comparison.compatible),
                "exit_code": comparison.exit_code,
            },
        },
        indent=2,
    )


_HEADLINES = {
    0: "✅ Schemas: identical",
    1: "⚠️ Schemas: compatible differences",
    2: "⛔ Schemas: breaking differences",
}


def _markdown(comparison: Comparison, source: str, target: str) -> str:
    lines = [
        f"## {_HEADLINES[comparison.exit_code]}",
        "",
        f"What deploying {inline_code(source)} onto {inline_code(target)} changes.",
        "",
    ]
    if comparison.differences:
        lines += ["| | Difference | Rule |", "|---|---|---|"]
        lines += [
            f"| {'⛔ breaking' if d.breaking else 'compatible'} | {inline_code(str(d))} | "
            f"{inline_code(d.rule) if d.rule else ''} |"
            for d in (*comparison.breaking, *comparison.compatible)
        ]
        lines.append("")
    lines.append(f"Compare: {comparison.summary()}.")
    return "\n".join(lines)
