"""Output formats behind one registry: every command renders a RunResult through `render`.

Each format is a module of this package with a `render(result, display) -> str` function,
imported only when asked for, so the lint path loads only the text renderer. The formats of
STREAMED also have a `Writer` (a FindingWriter), which `lint` uses to write each finding as it
is found; their `render` is that writer's output.
"""

from __future__ import annotations

import importlib
from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from ..diagnostic import Diagnostic, Severity, failing
from ..errors import ConfigError
from ..records import FrozenRecord
from ..result import Gate, RunResult
from ..result import declared as declared_count

FORMATS = ("text", "json", "sarif", "github", "gitlab", "markdown")
# The formats written a finding at a time, as a run finds them.
STREAMED = ("text", "json")


@dataclass(frozen=True, eq=False, repr=False)
class Display(FrozenRecord):
    """What the text output shows besides the findings."""

    quiet: bool = False  # text: only the summary
    statistics: bool = False  # text: counts per rule before the summary
    trace: bool = False  # text: what verify observed for each statement


@dataclass(frozen=True, eq=False, repr=False)
class Output(FrozenRecord):
    """Where a format is written: a file, or standard output."""

    format: str
    file: str = ""  # "" for standard output


def parse_output(value: str, formats: tuple[str, ...] = FORMATS) -> Output:
    """`FORMAT[:FILE]`, as --output takes it: one of `formats`, those of the command."""
    name, _, file = value.partition(":")
    if name not in formats:
        raise ConfigError(f"--output {value!r}: the format must be one of {', '.join(formats)}")
    return Output(name, file)


def render(name: str, result: RunResult, display: Display = Display()) -> str:
    module = importlib.import_module(f"{__name__}.{name}")
    text: str = module.render(result, display)
    return text


class FindingWriter(Protocol):
    """A format written as the run goes: its beginning, the findings as they come (a list at
    a time), then the rest (or what ends it when the run stops part-way)."""

    def begin(self) -> str: ...

    def findings(self, found: list[Diagnostic]) -> str: ...

    def end(self, result: RunResult) -> str: ...

    def stopped(self, why: str) -> str:
        """The end of what was written when the run stops before it is done (`why`)."""
        ...


def writer(name: str, display: Display) -> FindingWriter:
    """The writer of one of the STREAMED formats."""
    module = importlib.import_module(f"{__name__}.{name}")
    found: FindingWriter = module.Writer(display)
    return found


def summary(result: RunResult) -> dict[str, object]:
    report = result.report
    counts = report.counts()
    severities: Counter[Severity] = Counter()
    for (_, severity, allowed), n in counts.items():
        if not allowed:
            severities[severity] += n
    return {
        "files": report.files,
        "statements": report.statements,
        "diagnostics": counts.total(),
        **{severity.value: severities[severity] for severity in Severity},
        "allowed": sum(n for (_, _, allowed), n in counts.items() if allowed),
        "baselined": report.baselined,
        "fail_on": result.fail_on.value,
        "exit_code": result.exit_code,
    }


# What fails at each --fail-on, for the headline.
_FAILING = {
    Severity.ERROR: "errors",
    Severity.BREAKING: "errors, or breaking changes without `allow`, a reason and a rollback plan",
    Severity.WARNING: "errors, warnings, or breaking changes without `allow`, a reason and a "
    "rollback plan",
}
_GATE_HEADLINES = {
    Gate.PASS: "✅ Migrations: pass",
    Gate.NEEDS_APPROVAL: "⚠️ Migrations: needs approval",
    Gate.BLOCKED: "⛔ Migrations: blocked",
}


def gate_title(result: RunResult) -> str:
    return _GATE_HEADLINES[result.gate]


def headline(result: RunResult) -> str:
    """The gate in one sentence."""
    counts = result.report.counts()
    declared = declared_count(counts)
    failed = failing(counts, result.fail_on)
    gate = result.gate
    if gate is Gate.BLOCKED:
        return (
            f"blocked: {failed} finding{'s' if failed != 1 else ''} must be fixed "
            f"({_FAILING[result.fail_on]})"
        )
    if gate is Gate.NEEDS_APPROVAL:
        return (
            f"needs approval: {declared} declared breaking change"
            f"{'s wait' if declared != 1 else ' waits'} for a reviewer's approval"
        )
    approved = f", {declared} declared breaking change(s) approved" if declared else ""
    return f"pass: {len(result.migrations)} migration(s) checked{approved}"
