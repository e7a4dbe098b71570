"""`ci --compare-to SIDE`: the branch's migrations replayed and compared with SIDE (the dev
environment, a committed snapshot), as if the branch's schema were deployed onto it.

A breaking difference blocks unless a migration of the folder declares it: an `allow` of the
difference's rule, with its reason and rollback plan, on a statement that names the same
object (table and column, or the view, function, enum, schema). A migration merged earlier
declares it as well as one of the branch: SIDE may not have been deployed since.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..diagnostic import Diagnostic, Severity
from ..linter import Settings, lint_paths
from ..registry import load_rules
from ..source import read_source
from .catalog import Catalog
from .compare import Comparison, Difference, compare
from .compare_output import difference_line
from .replay import replay
from .server import ScratchHost
from .status_output import inline_code

UNDECLARED = "undeclared-schema-difference"
# The pull request comment lists this many differences at most: a comment has a size limit.
SHOWN_IN_COMMENT = 50


@dataclass(frozen=True)
class SchemaCheck:
    folder: str
    label: str  # SIDE, as shown
    comparison: Comparison  # the folder (source) onto SIDE (target)
    declared: frozenset[Difference]  # the breaking differences a migration declares

    @property
    def undeclared(self) -> list[Difference]:
        return [d for d in self.comparison.breaking if d not in self.declared]


def check_schema(
    folder: str, label: str, schema: Catalog, settings: Settings, host: ScratchHost
) -> SchemaCheck:
    """The folder's schema compared with SIDE's (`schema`, shown as `label`); an InputError
    when a migration cannot be read or the server refuses a statement."""
    comparison = compare(replay(folder, settings, host), schema)
    # In this process, as verify lints: forked workers would hold the scratch server's watchdog
    # pipe (server.py) open after this process died.
    one_process = replace(settings, processes=1)
    allowed = [d for d in lint_paths([folder], one_process).diagnostics if d.allowed]
    declared = frozenset(
        difference
        for difference in comparison.breaking
        if any(_declares(finding, difference) for finding in allowed)
    )
    return SchemaCheck(folder, label, comparison, declared)


def findings(check: SchemaCheck) -> list[Diagnostic]:
    """A breaking finding for each difference no migration declares: what blocks the gate."""
    return [
        Diagnostic(
            UNDECLARED,
            Severity.BREAKING,
            check.folder,
            1,
            1,
            1,
            1,
            f"{difference_line(difference)}: deploying the branch onto {check.label} makes this "
            f"change, and no migration declares it{_how_to_declare(difference)}",
        )
        for difference in check.undeclared
    ]


def _how_to_declare(difference: Difference) -> str:
    rule = difference.rule or ""
    if rule in load_rules():
        return (
            f" (`-- migration-lint: allow {rule} -- reason` and a `-- rollback:` plan on the "
            "statement that makes it)"
        )
    # compare tells some differences (a dropped view) that no rule of the linter reads in SQL.
    return f"; the linter has no rule {rule} that a migration could allow"


def markdown_section(check: SchemaCheck) -> list[str]:
    """The pull request comment's section: the differences, breaking ones first."""
    comparison = check.comparison
    lines = [
        f"### Schema compared with {inline_code(check.label)}",
        "",
        f"What deploying the branch's {inline_code(check.folder)} onto "
        f"{inline_code(check.label)} changes: {comparison.summary()}.",
        "",
    ]
    declared = [d for d in comparison.breaking if d in check.declared]
    ordered = [*check.undeclared, *declared, *comparison.compatible]
    if ordered:
        lines += ["| | Difference |", "|---|---|"]
        lines += [
            f"| {_status(d, check)} | {inline_code(difference_line(d))} |"
            for d in ordered[:SHOWN_IN_COMMENT]
        ]
        if len(ordered) > SHOWN_IN_COMMENT:
            lines += ["", f"_And {len(ordered) - SHOWN_IN_COMMENT} more._"]
        lines.append("")
    return lines


def _status(difference: Difference, check: SchemaCheck) -> str:
    if not difference.breaking:
        return "compatible"
    return "breaking, declared" if difference in check.declared else "⛔ breaking, not declared"


def _declares(finding: Diagnostic, difference: Difference) -> bool:
    if finding.rule != difference.rule:
        return False
    source = read_source(finding.path)
    start = source.offset(finding.line, finding.column)
    end = source.offset(finding.end_line, finding.end_column)
    if start is None or end is None:
        return False
    named = _identifiers(source.text[start : end + 1])
    return _names(difference) <= named


def _names(difference: Difference) -> set[str]:
    """The names a statement that makes the difference mentions, unqualified: its table's and
    its own (a function's without its arguments)."""
    own = difference.name.split("(")[0]
    names = {own.rsplit(".", 1)[-1]}
    if difference.table:
        names.add(difference.table.rsplit(".", 1)[-1])
    return names


_IDENTIFIER = re.compile(r'"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*)')


def _identifiers(sql: str) -> set[str]:
    """The identifiers in SQL, as PostgreSQL names them: quoted ones as written, others folded
    to lower case."""
    return {
        quoted.replace('""', '"') if quoted else bare.lower()
        for quoted, bare in _IDENTIFIER.findall(sql)
    }
