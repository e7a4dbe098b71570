"""Comments in a migration that ignore warnings or declare a breaking change intentional.

-- migration-lint: ignore RULE[, RULE] -- reason        the next statement, warnings and info
-- migration-lint: ignore-file RULE[, RULE] -- reason   the whole file, warnings and info
-- migration-lint: allow RULE[, RULE] -- reason         the next statement, breaking findings,
                                                       with a rollback plan:
-- rollback:
-- ALTER TABLE "orders" ADD COLUMN "coupon" text;
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass

from pglast import parser as pg_parser

from .diagnostic import Diagnostic, Severity
from .parse import Statement
from .registry import Rule
from .source import Source

INVALID_SUPPRESSION = "invalid-suppression"

_DIRECTIVE = re.compile(
    r"^[ \t]*--[ \t]*migration-lint:[ \t]*(?P<kind>[\w-]*)(?P<rules>.*?)"
    r"(?:[ \t]--[ \t]*(?P<reason>.*?))?[ \t]*$",
    re.MULTILINE,
)
# A `-- rollback:` line and the `--` lines after it, up to drizzle's breakpoint, a directive,
# or a Prisma step comment (`-- AlterTable`, `-- CreateIndex`: one CamelCase word).
_ROLLBACK = re.compile(
    r"^[ \t]*--[ \t]*rollback:[ \t]*(?P<first>.*)\n?"
    r"(?P<rest>(?:[ \t]*--(?!>)(?![ \t]*migration-lint:)"
    r"(?![ \t]*(?:[A-Z][a-z]+){2,}[ \t\r]*$).*(?:\n|$))*)",
    re.MULTILINE,
)
_COMMENT_PREFIX = re.compile(r"^[ \t]*--[ \t]?", re.MULTILINE)


@dataclass(frozen=True)
class Directive:
    kind: str  # "ignore", "ignore-file" or "allow"
    rules: tuple[str, ...]
    reason: str
    offset: int


def directives(text: str) -> list[Directive]:
    if "migration-lint:" not in text:
        return []
    return [
        Directive(
            match["kind"],
            tuple(r for r in re.split(r"[\s,]+", match["rules"].strip()) if r),
            (match["reason"] or "").strip(),
            match.start("kind"),
        )
        for match in _DIRECTIVE.finditer(text)
    ]


def rollback_plans(text: str) -> list[tuple[str, int]]:
    """The SQL of each `-- rollback:` comment block, and where the block starts."""
    if "rollback:" not in text:
        return []
    return [
        ((match["first"] + "\n" + _COMMENT_PREFIX.sub("", match["rest"])).strip(), match.start())
        for match in _ROLLBACK.finditer(text)
    ]


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
    # `not-in-journal` marks a drizzle file kept out of the journal: the folder checks read it.
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
    allows = [d.offset for d in found if d.kind == "allow"]

    for directive in found:
        error = _directive_error(directive, rules)
        if not error and directive.kind == "allow" and not has_down:
            # An allow's plan is the first rollback block after it, before the next allow.
            following = [a for a in allows if a > directive.offset]
            limit = following[0] if following else len(source.text)
            plan = next((o for _, o in plans if directive.offset < o < limit), None)
            if plan is None:
                error = (
                    f"`allow {', '.join(directive.rules)}` needs a rollback plan: a "
                    "`-- rollback:` comment block after it with the SQL that undoes the change"
                )
            elif plan not in valid_plans:
                error = f"`allow {', '.join(directive.rules)}` has no valid rollback plan"
        if error:
            problem(directive.offset, error)
            continue
        span = _scope(directive, statements, source)
        chosen = set(directive.rules)
        kept, covered = [], False
        for d in diagnostics:
            if d.rule not in chosen or (span and not span[0] <= (d.line, d.column) <= span[1]):
                kept.append(d)
                continue
            covered = True
            if directive.kind == "allow":
                kept.append(dataclasses.replace(d, allowed=True, reason=directive.reason))
        diagnostics = kept
        if not covered and chosen <= active:
            problem(
                directive.offset,
                f"`{directive.kind} {', '.join(directive.rules)}` covers no finding: remove it",
            )
    return sorted(diagnostics + problems, key=lambda d: (d.line, d.column))


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
    directive: Directive, statements: Sequence[Statement], source: Source
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The (line, column) span a directive covers; None for the whole file."""
    if directive.kind == "ignore-file":
        return None
    for statement in statements:
        if statement.start > directive.offset:
            return source.position(statement.start), source.position(statement.end)
    return (0, 0), (0, 0)  # after the last statement: covers nothing
