"""Comments in a migration that ignore warnings or declare a breaking change intentional.

-- migration-lint: ignore RULE[, RULE] -- reason        the next statement, warnings and info
-- migration-lint: ignore-file RULE[, RULE] -- reason   the whole file, warnings and info
-- migration-lint: allow RULE[, RULE] -- reason         the next statement, breaking findings,
                                                       with a rollback plan:
-- rollback:
-- ALTER TABLE "orders" ADD COLUMN "coupon" text;
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Mapping, Sequence, Set
from typing import TYPE_CHECKING

from pglast import parser as pg_parser

from .diagnostic import Diagnostic, Severity
from .located import LocatedSql, joined_lines
from .parse import Statement
from .records import FrozenRecord, Record
from .registry import Rule
from .source import Source

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same, made faster for records (records.dataclass)
    from .records import dataclass

INVALID_SUPPRESSION = "invalid-suppression"

# The rest of the line is split in Python: a pattern that finds the reason itself backtracks
# over a long run of spaces, once for each of them.
_DIRECTIVE = re.compile(
    r"^[ \t]*--[ \t]*migration-lint:[ \t]*(?P<kind>[\w-]*)(?P<rest>.*)", re.MULTILINE
)
_REASON = re.compile(r"[ \t]--")
# A `-- rollback:` line and the `--` lines after it, up to drizzle's breakpoint, a directive,
# or a Prisma step comment (`-- AlterTable`, `-- CreateIndex`: one CamelCase word).
_ROLLBACK = re.compile(
    r"^[ \t]*--[ \t]*rollback:[ \t]*(?P<first>.*)\n?"
    r"(?P<rest>(?:[ \t]*--(?!>)(?![ \t]*migration-lint:)"
    r"(?![ \t]*(?:[A-Z][a-z]+){2,}[ \t\r]*$).*(?:\n|$))*)",
    re.MULTILINE,
)
_COMMENT_PREFIX = re.compile(r"[ \t]*--[ \t]?")


@dataclass(frozen=True, eq=False, repr=False)
class Directive(FrozenRecord):
    """A `-- migration-lint:` comment: ignore or allow rules, with its reason."""

    kind: str  # "ignore", "ignore-file" or "allow"
    rules: tuple[str, ...]
    reason: str
    offset: int


def directives(text: str) -> list[Directive]:
    if "migration-lint:" not in text:
        return []
    found = []
    for match in _DIRECTIVE.finditer(_lf_lines(text)):
        rest = match["rest"]
        separator = _REASON.search(rest)
        rules, reason = (
            (rest[: separator.start()], rest[separator.end() :]) if separator else (rest, "")
        )
        found.append(
            Directive(
                match["kind"],
                tuple(r for r in re.split(r"[\s,]+", rules.strip()) if r),
                reason.strip(),
                match.start("kind"),
            )
        )
    return found


def has_suppressions(text: str) -> bool:
    """Whether a migration has directives that change its findings (`not-in-journal` is for
    the folder's checks)."""
    return any(d.kind != "not-in-journal" for d in directives(text))


def rollback_plans(text: str) -> list[tuple[str, int]]:
    """The SQL of each `-- rollback:` comment block, and where the block starts."""
    return [(block.sql, block.start) for block in rollback_blocks(Source("", text))]


def rollback_blocks(source: Source) -> list[LocatedSql]:
    """Each `-- rollback:` comment block's SQL, located in the file."""
    if "rollback:" not in source.text:
        return []
    blocks = []
    for match in _ROLLBACK.finditer(_lf_lines(source.text)):
        lines = [(match.start("first"), match["first"])]
        at = match.start("rest")
        for line in match["rest"].split("\n"):
            prefix = _COMMENT_PREFIX.match(line)
            skipped = prefix.end() if prefix else 0
            lines.append((at + skipped, line[skipped:]))
            at += len(line) + 1
        blocks.append(joined_lines(source, lines, match.start()))
    return blocks


_LONE_CR = re.compile(r"\r(?!\n)")


def _lf_lines(text: str) -> str:
    """The text with a lone CR (old Mac line ends) as LF, as PostgreSQL ends a comment there;
    offsets stay the same, and the patterns above need only know `\n`."""
    return _LONE_CR.sub("\n", text) if "\r" in text else text


def apply_suppressions(
    source: Source,
    diagnostics: list[Diagnostic],
    statements: Sequence[Statement],
    rules: Mapping[str, Rule],
    active: Set[str],
    has_down: bool = False,
) -> list[Diagnostic]:
    """The diagnostics with ignored ones removed and allowed ones marked, plus findings about
    the directives themselves (`active`: the rules this run uses; `has_down`: the layout keeps a
    down migration for this file, which is its rollback plan)."""
    # `not-in-journal` marks a drizzle file kept out of the journal: the folder checks read it
    # (has_suppressions).
    found = [d for d in directives(source.text) if d.kind != "not-in-journal"]
    if not found:
        return diagnostics
    problems: list[Diagnostic] = []

    def problem(offset: int, message: str) -> None:
        line, column = source.position(offset)
        problems.append(
            Diagnostic(
                INVALID_SUPPRESSION,
                Severity.WARNING,
                source.path,
                line,
                column,
                line,
                column,
                message,
                "Write `-- migration-lint: ignore RULE -- reason` for warnings, or "
                "`-- migration-lint: allow RULE -- reason` and a `-- rollback:` plan for "
                "breaking changes; `migration-lint rules` lists the rule ids.",
            )
        )

    plans = rollback_plans(source.text)
    valid_plans = set()
    for sql, offset in plans:
        try:
            pg_parser.parse_sql_json(sql)
        except pg_parser.ParseError as exc:
            problem(offset, f"the rollback plan is not valid SQL: {exc.args[0]}")
            continue
        if sql:
            valid_plans.add(offset)
        else:
            problem(offset, "the rollback plan is empty")
    plan_offsets = [offset for _, offset in plans]
    allows = [d.offset for d in found if d.kind == "allow"]
    statement_starts = [statement.start for statement in statements]
    findings = _Findings(diagnostics)

    for order, directive in enumerate(found):
        error = _directive_error(directive, rules)
        if not error and directive.kind == "allow" and not has_down:
            # An allow's plan is the first rollback block after it, before the next allow.
            following = bisect.bisect_right(allows, directive.offset)
            limit = allows[following] if following < len(allows) else len(source.text)
            first = bisect.bisect_right(plan_offsets, directive.offset)
            plan = plan_offsets[first] if first < len(plans) else None
            if plan is None or plan >= limit:
                error = (
                    f"`allow {', '.join(directive.rules)}` needs a rollback plan: a "
                    "`-- rollback:` comment block after it with the SQL that undoes the change"
                )
            elif plan not in valid_plans:
                error = f"`allow {', '.join(directive.rules)}` has no valid rollback plan"
        if error:
            problem(directive.offset, error)
            continue
        span = _scope(directive, statements, statement_starts, source)
        chosen = set(directive.rules)
        covered = False
        for rule in chosen:
            covered = findings.cover(rule, span, order, directive) or covered
        if not covered and chosen <= active:
            problem(
                directive.offset,
                f"`{directive.kind} {', '.join(directive.rules)}` covers no finding: remove it",
            )
    return sorted(findings.left() + problems, key=lambda d: (d.line, d.column))


Span = tuple[tuple[int, int], tuple[int, int]]  # (line, column) to (line, column), inclusive


@dataclass(eq=False, repr=False)
class _Group(Record):
    """The findings of one rule in one span: what a directive covers."""

    members: list[int]  # indexes into _Findings.diagnostics
    alive: int  # how many of them no directive has removed yet
    allowed: tuple[int, str] | None = None  # the last allow that covered them: (order, reason)


class _Findings:
    """A file's findings, indexed by rule and position, so that each directive costs a lookup,
    and each finding is visited a bounded number of times: thousands of directives in a file
    take linear time, not one pass over every finding each."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        self.alive = [True] * len(diagnostics)
        by_rule: dict[str, list[tuple[tuple[int, int], int]]] = {}
        for index, d in enumerate(diagnostics):
            by_rule.setdefault(d.rule, []).append(((d.line, d.column), index))
        for found in by_rule.values():
            found.sort()
        self.by_rule = by_rule
        self.groups: dict[tuple[str, Span | None], _Group] = {}
        self.member_of: list[list[_Group]] = [[] for _ in diagnostics]

    def cover(self, rule: str, span: Span | None, order: int, directive: Directive) -> bool:
        """Apply a directive to a rule's findings in `span` (None: the whole file); whether
        it covered any."""
        group = self._group(rule, span)
        if not group.alive:
            return False
        if directive.kind == "allow":
            group.allowed = (order, directive.reason)
        else:
            for index in group.members:
                if self.alive[index]:
                    self.alive[index] = False
                    for member_of in self.member_of[index]:
                        member_of.alive -= 1
        return True

    def _group(self, rule: str, span: Span | None) -> _Group:
        key = (rule, span)
        if key not in self.groups:
            found = self.by_rule.get(rule, [])
            if span is not None:
                low = bisect.bisect_left(found, (span[0], -1))
                high = bisect.bisect_right(found, (span[1], len(self.diagnostics)))
                found = found[low:high]
            members = [index for _, index in found]
            group = _Group(members, sum(self.alive[index] for index in members))
            for index in members:
                self.member_of[index].append(group)
            self.groups[key] = group
        return self.groups[key]

    def left(self) -> list[Diagnostic]:
        """The findings no directive removed, those an allow covered marked (with the reason
        of the last allow that did)."""
        allowed: dict[int, tuple[int, str]] = {}
        for group in self.groups.values():
            if group.allowed is None or not group.alive:
                continue
            for index in group.members:
                if self.alive[index] and allowed.get(index, (-1, ""))[0] < group.allowed[0]:
                    allowed[index] = group.allowed
        return [
            dataclasses.replace(d, allowed=True, reason=allowed[index][1])
            if index in allowed
            else d
            for index, d in enumerate(self.diagnostics)
            if self.alive[index]
        ]


def _directive_error(directive: Directive, rules: Mapping[str, Rule]) -> str:
    kind = directive.kind
    if kind not in ("ignore", "ignore-file", "allow"):
        return f"unknown directive {kind!r}: use ignore, ignore-file or allow"
    if not directive.rules:
        return f"`{kind}` names no rule"
    for rule_id in directive.rules:
        rule = rules.get(rule_id)
        if rule is None:
            return f"`{kind}` names unknown rule {rule_id!r}"
        if rule.severity is Severity.ERROR:
            return (
                f"{rule_id!r} finds migrations that fail or are inconsistent: it cannot be silenced"
            )
        if kind == "allow" and rule.severity is not Severity.BREAKING:
            return (
                f"{rule_id!r} is a {rule.severity.value}: use `ignore`, `allow` is for breaking "
                "changes"
            )
        if kind != "allow" and rule.severity is Severity.BREAKING:
            return (
                f"{rule_id!r} is a breaking change: it cannot be ignored, declare it with "
                f"`allow {rule_id} -- reason` and a rollback plan"
            )
    if not directive.reason:
        return f"`{kind} {', '.join(directive.rules)}` needs a reason after ` -- `"
    return ""


def _scope(
    directive: Directive, statements: Sequence[Statement], starts: list[int], source: Source
) -> Span | None:
    """The (line, column) span a directive covers: the statement after it; None for the whole
    file. `starts`: where each statement starts, in order."""
    if directive.kind == "ignore-file":
        return None
    following = bisect.bisect_right(starts, directive.offset)
    if following < len(statements):
        statement = statements[following]
        return source.position(statement.start), source.position(statement.end)
    return (0, 0), (0, 0)  # after the last statement: covers nothing
