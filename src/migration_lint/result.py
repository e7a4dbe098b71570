"""What a command found, and the gate it decides: the one thing every output format renders.

The gate (the CI's three levels, also shown for `lint` in the formats made for pull requests):
- pass: nothing fails;
- needs-approval: breaking changes, each declared with `allow`, a reason and a rollback plan,
  that no reviewer has approved yet (`--approved` or MIGRATION_LINT_APPROVED=true approves);
- blocked: an error, or a finding at or above `--fail-on` that is not declared. Approval never
  unblocks.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .diagnostic import Kind, Severity, exit_code, failing
from .linter import Report
from .project import Project
from .records import Record

if TYPE_CHECKING:
    from .db.compare_to import SchemaCheck
    from .traces import StatementTrace


class Gate(str, enum.Enum):
    PASS = "pass"
    NEEDS_APPROVAL = "needs-approval"
    BLOCKED = "blocked"

    @property
    def exit_code(self) -> int:
        return {Gate.PASS: 0, Gate.NEEDS_APPROVAL: 1, Gate.BLOCKED: 2}[self]


def declared(counts: Counter[Kind]) -> int:
    """How many of the counted findings are breaking changes declared with `allow`."""
    return sum(
        n
        for (_, severity, allowed), n in counts.items()
        if allowed and severity is Severity.BREAKING
    )


def gate_of(counts: Counter[Kind], approved: bool, fail_on: Severity) -> Gate:
    if failing(counts, fail_on):
        return Gate.BLOCKED
    # With --fail-on error, breaking changes pass: declared ones need no approval either.
    if declared(counts) and not approved and Severity.BREAKING.at_least(fail_on):
        return Gate.NEEDS_APPROVAL
    return Gate.PASS


@dataclass(eq=False, repr=False)
class RunResult(Record):
    """What a command reports, for the output formats."""

    report: Report
    command: str  # "lint", "ci", "check-naming", ...: the formats show a gate only for "ci"
    fail_on: Severity = Severity.BREAKING
    migrations: list[str] = field(default_factory=list)  # the migrations it linted, in order
    project: Project = field(default_factory=Project)
    base: str = ""  # ci: the commit it compared with
    approved: bool = False
    traces: list[StatementTrace] = field(default_factory=list)  # verify: what each statement did
    server: str = ""  # verify: the PostgreSQL it applied the migrations to
    schema_check: SchemaCheck | None = None  # ci --compare-to: the branch's schema against SIDE

    @property
    def gate(self) -> Gate:
        return gate_of(self.report.counts(), self.approved, self.fail_on)

    @property
    def exit_code(self) -> int:
        if self.command == "ci":
            return self.gate.exit_code
        return exit_code(self.report.counts(), self.fail_on)
