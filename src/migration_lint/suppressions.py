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
from collections.abc import Mapping, Sequence
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
_ROLLBACK = re.compile(
    r"^[ \t]*--[ \t]*rollback:[ \t]*(?P<first>.*)\n?(?P<rest>(?:[ \t]*--(?!>).*(?:\n|$))*)",
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


def rollback_plan(text: str) -> tuple[str, int] | None:
    """The SQL of the file's `-- rollback:` comment block, and where it starts."""
    match = _ROLLBACK.search(text) if "rollback:" in text else None
    if match is None:
        return None
    sql = (match["first"] + "\n" + _COMMENT_PREFIX.sub("", match["rest"])).strip()
    return sql, match.start()


def apply_suppressions(
    source: Source,
    diagnostics: list[Diagnostic],
    statements: Sequence[Statement],
    rules: Mapping[str, Rule],
    down_migration: bool = False,
) -> list[Diagnostic]:
    """The diagnostics with ignored ones removed and allowed ones marked, plus any finding about
    the directives themselves."""
    found = directives(source.text)
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

    has_rollback = down_migration
    rollback = None if down_migration else rollback_plan(source.text)
    if rollback is not None:
        sql, offset = rollback
        try:
            pg_parser.parse_sql_json(sql)
            has_rollback = bool(sql)
            if not sql:
                problem(offset, "the rollback plan is empty")
        except pg_parser.ParseError as exc:
            problem(offset, f"the rollback plan is not valid SQL: {exc.args[0]}")

    for directive in found:
        error = _directive_error(directive, rules, has_rollback)
        if error:
            problem(directive.offset, error)
            continue
        span = _scope(directive, statements, source)
        chosen = set(directive.rules)
        kept = []
        for d in diagnostics:
            if d.rule not in chosen or (span and not span[0] <= (d.line, d.column) <= span[1]):
                kept.append(d)
            elif directive.kind == "allow":
                kept.append(dataclasses.replace(d, allowed=True, reason=directive.reason))
        diagnostics = kept
    return sorted(diagnostics + problems, key=lambda d: (d.line, d.column))


def _directive_error(directive: Directive, rules: Mapping[str, Rule], has_rollback: bool) -> str:
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
    if kind == "allow" and not has_rollback:
        return (
            f"`allow {', '.join(directive.rules)}` needs a rollback plan: a `-- rollback:` comment "
            "block with the SQL that undoes the change, or a down migration"
        )
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
