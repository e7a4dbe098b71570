"""The one type that carries every finding, and the severities it can have."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


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


@dataclass(frozen=True, slots=True)
class Diagnostic:
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
        return not self.allowed and self.severity.at_least(fail_on)


def exit_code(diagnostics: Iterable[Diagnostic], fail_on: Severity = Severity.BREAKING) -> int:
    """2 for a failing error, 1 for any other failing finding, else 0."""
    return max((d.severity.exit_code for d in diagnostics if d.fails(fail_on)), default=0)
