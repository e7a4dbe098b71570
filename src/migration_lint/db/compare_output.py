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
            lines += [f"  {difference_line(d)}" for d in differences]
            lines.append("")
    lines.append(f"compare: {comparison.summary()}")
    return "\n".join(lines)


def difference_line(difference: Difference) -> str:
    """The difference, after its rule in brackets when it is breaking."""
    return f"[{difference.rule}] {difference}" if difference.rule else str(difference)


def _json(comparison: Comparison, source: str, target: str) -> str:
    return json.dumps(
        {
            "source": source,
            "target": target,
            "differences": [difference_json(d) for d in comparison.differences],
            "summary": {
                "breaking": len(comparison.breaking),
                "compatible": len(comparison.compatible),
                "exit_code": comparison.exit_code,
            },
        },
        indent=2,
    )


def difference_json(difference: Difference) -> dict[str, object]:
    return {
        "kind": difference.kind,
        "name": difference.name,
        "table": difference.table,
        "change": difference.how,
        "detail": difference.detail,
        "breaking": difference.breaking,
        "rule": difference.rule,
        "text": str(difference),
    }


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
