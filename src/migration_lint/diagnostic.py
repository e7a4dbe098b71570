"""The one type that carries every finding, and the severities it can have."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .records import FrozenRecord


class Severity(str, enum.Enum):
    # Ordered from most to least serious; the exit code follows the worst one present.
    ERROR = "error"  # incompatible: cannot be approved
    BREAKING = "breaking"  # breaks running application code: needs approval
    WARNING = "warning"
    INFO = "info"

    @property
    def exit_code(self) -> int:
        """What a failing finding of this severity makes the exit code."""
        return 2 if self is Severity.ERROR else 1

    def at_least(self, other: Severity) -> bool:
        """As serious as `other`, or more."""
        return _ORDER.index(self) <= _ORDER.index(other)


_ORDER = list(Severity)
# What `--fail-on` accepts: the least serious severity that fails a run.
FAIL_ON = ("error", "breaking", "warning")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Diagnostic(FrozenRecord):
    """A finding: a rule's message and help at a place in a file."""

    rule: str
    severity: Severity
    path: str
    line: int  # 1-based
    column: int  # 1-based
    end_line: int
    end_column: int
    message: str
    help: str = ""
    # A breaking finding the migration declares intentional (allow + reason + rollback plan).
    allowed: bool = False
    reason: str = ""

    def fails(self, fail_on: Severity = Severity.BREAKING) -> bool:
        """Whether this finding fails a run that fails on `fail_on` and worse."""
        return _fails(self.severity, self.allowed, fail_on)


# What the summaries, the exit code and the gate read of a finding: its rule, its severity and
# whether it is allowed. A run that writes its findings out as it finds them keeps only these
# counts.
Kind = tuple[str, Severity, bool]


def kinds(diagnostics: Iterable[Diagnostic]) -> Counter[Kind]:
    return Counter((d.rule, d.severity, d.allowed) for d in diagnostics)


def failing(counts: Counter[Kind], fail_on: Severity = Severity.BREAKING) -> int:
    """How many of the counted findings fail a run that fails on `fail_on` and worse."""
    return sum(
        n for (_, severity, allowed), n in counts.items() if _fails(severity, allowed, fail_on)
    )


def exit_code(counts: Counter[Kind], fail_on: Severity = Severity.BREAKING) -> int:
    """2 for a failing error, 1 for any other failing finding, else 0."""
    return max(
        (
            severity.exit_code
            for (_, severity, allowed), n in counts.items()
            if n and _fails(severity, allowed, fail_on)
        ),
        default=0,
    )


def _fails(severity: Severity, allowed: bool, fail_on: Severity) -> bool:
    return not allowed and severity.at_least(fail_on)
