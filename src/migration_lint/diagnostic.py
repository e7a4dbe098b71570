"""The one type that carries every finding, and the severities it can have."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(str, enum.Enum):
    # Ordered from most to least serious; the exit code follows the worst one present.
    ERROR = "error"  # incompatible: cannot be approved
    BREAKING = "breaking"  # breaks running application code: needs approval
    WARNING = "warning"
    INFO = "info"

    @property
    def exit_code(self) -> int:
        return {Severity.ERROR: 2, Severity.BREAKING: 1}.get(self, 0)


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

    @property
    def fails(self) -> bool:
        return not self.allowed and self.severity.exit_code > 0


def exit_code(diagnostics: list[Diagnostic]) -> int:
    return max((d.severity.exit_code for d in diagnostics if d.fails), default=0)
