"""Text for people: `path:line:col: rule-id message`, the help indented below, the summary.

A rule's help is printed with its first finding only: on a first run over an old history the
same advice would otherwise repeat hundreds of times. Styled for click, which strips the style
when the output is not a terminal.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

import click

from ..diagnostic import Diagnostic, Severity
from ..result import RunResult
from . import Display, headline, summary

# A quoted identifier, a string literal or a number: what differs between two helps of one
# shape. (The look-ahead lets the matcher skip the characters that start none of them.)
_NAMES = re.compile(r'(?=["\'\d])(?:"[^"]*(?:""[^"]*)*"|\'[^\']*(?:\'\'[^\']*)*\'|\b\d+\b)')
# Shapes kept at most, by the text of their advice (Writer._shape).
_SHAPES_KEPT = 4096
_COLOURS = {
    Severity.ERROR: "red",
    Severity.BREAKING: "magenta",
    Severity.WARNING: "yellow",
    Severity.INFO: "blue",
}


class Writer:
    """The text, the findings as the run finds them, then the rest once it is done."""

    def __init__(self, display: Display) -> None:
        self.display = display
        # The rule and shape of each help printed so far (see `_finding`).
        self._helped: set[tuple[str, str]] = set()
        self._shapes: dict[str, str] = {}  # by the text outside the names (`_shape`)

    def begin(self) -> str:
        return ""

    def findings(self, found: list[Diagnostic]) -> str:
        if self.display.quiet:
            return ""
        return "".join(map(self._finding, found))

    def _finding(self, d: Diagnostic) -> str:
        location = click.style(f"{d.path}:{d.line}:{d.column}:", bold=True)
        tag = f" [{d.severity.value}{', allowed: ' + d.reason if d.allowed else ''}]"
        rule, styled_tag = _labels(d.rule, d.severity, tag)
        text = f"{location} {rule} {d.message}{styled_tag}\n"
        if not d.help:
            return text
        # A rule's help names the statement's tables and columns; advice that differs only
        # in those is printed once, advice that differs in substance is not folded.
        shape = (d.rule, self._shape(d.help))
        if shape in self._helped:
            return text + _see_above(d.rule)
        self._helped.add(shape)
        return text + "".join("    " + line + "\n" for line in d.help.splitlines())

    def _shape(self, help_text: str) -> str:
        """The help with its names, string literals and numbers (_NAMES) each made `_`: the
        same for the helps that differ only in those."""
        parts = help_text.split('"')
        # Names are in double quotes. When none holds a `'` (which could end a string literal
        # written around it), the shape depends on nothing but the text outside them: the same
        # for thousands of findings, and worked out once for each.
        if len(parts) % 2 == 0 or any("'" in name for name in parts[1::2]):
            return _NAMES.sub("_", help_text)
        advice = '"'.join(parts[::2])
        shape = self._shapes.get(advice)
        if shape is None:
            if len(self._shapes) >= _SHAPES_KEPT:
                self._shapes.clear()
            shape = self._shapes[advice] = _NAMES.sub("_", help_text)
        return shape

    def end(self, result: RunResult) -> str:
        lines = _traces(result) if self.display.trace and not self.display.quiet else []
        if self.display.statistics:
            lines += _statistics(result)
        lines += _summary(result)
        return "\n".join(lines)

    def stopped(self, why: str) -> str:
        return ""  # standard error says why, after the findings so far


# Styled once for all the findings that share them: a long history has thousands of each.
@functools.lru_cache(maxsize=256)
def _labels(rule: str, severity: Severity, tag: str) -> tuple[str, str]:
    """A finding's rule id and severity tag, styled."""
    return click.style(rule, fg=_COLOURS[severity], bold=True), click.style(tag, dim=True)


@functools.lru_cache(maxsize=256)
def _see_above(rule: str) -> str:
    """What stands for a help printed above with other names."""
    see_above = f"    (how to fix it: as for the first {rule} above, with these names)"
    return click.style(see_above, dim=True) + "\n"


def render(result: RunResult, display: Display) -> str:
    writer = Writer(display)
    return writer.begin() + writer.findings(result.report.diagnostics) + writer.end(result)


def _traces(result: RunResult) -> list[str]:
    lines = []
    for trace in result.traces:
        location = click.style(f"{trace.path}:{trace.line}:{trace.column}:", bold=True)
        lines.append(f"{location} {trace.milliseconds:.1f} ms  {trace.sql}")
        if not trace.observed:
            lines.append("    locks: not observed (it runs outside any transaction)")
        else:
            held = "; ".join(
                f"{' + '.join(reversed(modes))} on {name}" for name, modes in trace.locks.items()
            )
            lines.append(f"    locks: {held or 'none on existing relations'}")
        if trace.rewrites:
            lines.append(f"    rewrote: {', '.join(trace.rewrites)}")
        for claim in trace.claims:
            rewrite = {True: ", rewrite", False: ", no rewrite", None: ""}[claim.rewrite]
            lines.append(f"    {claim.rule} claims: {claim.mode} on {claim.target}{rewrite}")
        for disagreement in trace.disagreements:
            lines.append(click.style(f"    disagrees: {disagreement}", fg="yellow"))
    return lines


def _statistics(result: RunResult) -> list[str]:
    counts: Counter[tuple[str, Severity]] = Counter()
    for (rule, severity, _), n in result.report.counts().items():
        counts[rule, severity] += n
    width = max((len(str(n)) for n in counts.values()), default=1)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    return [f"{n:>{width}}  {severity.value:<8}  {rule}" for (rule, severity), n in ordered]


def _summary(result: RunResult) -> list[str]:
    report = result.report
    counts = summary(result)
    found = (
        ", ".join(
            _count(counts[s.value], s.value, "s" if s in (Severity.ERROR, Severity.WARNING) else "")
            for s in Severity
            if counts[s.value]
        )
        or "no problems"
    )
    notes = [
        f"{counts['allowed']} allowed" if counts["allowed"] else "",
        f"{report.baselined} baselined" if report.baselined else "",
    ]
    noted = f" ({', '.join(n for n in notes if n)})" if any(notes) else ""
    statements = f" ({_count(report.statements, 'statement')})" if report.statements else ""
    lines = [f"Found {found}{noted} in {_count(report.files, 'file')}{statements}."]
    if report.stale_baseline:
        lines.append(
            f"{_count(len(report.stale_baseline), 'baseline entry', 'ies', 'y')} no longer "
            f"match{'es' if len(report.stale_baseline) == 1 else ''} a finding (remove "
            f"{'it' if len(report.stale_baseline) == 1 else 'them'}, or run `migration-lint "
            "baseline` again):"
        )
        lines += [f"    {e['path']}: {e['rule']}: {e['message']}" for e in report.stale_baseline]
    if result.command == "ci":
        lines.append(f"Gate: {headline(result)}")
    if result.server:
        lines.append(f"Applied to {result.server}.")
    if result.traces:
        disagreeing = sum(bool(t.disagreements) for t in result.traces)
        lines.append(
            f"Traced {_count(len(result.traces), 'statement')}; "
            + (
                f"the linter's lock claims disagree with what was observed at {disagreeing}."
                if disagreeing
                else "every lock claim of the linter agrees with what was observed."
            )
        )
    return lines


def _count(number: object, noun: str, plural: str = "s", singular: str = "") -> str:
    if number == 1:
        return f"{number} {noun}"
    return f"{number} {noun.removesuffix(singular) if singular else noun}{plural}"
