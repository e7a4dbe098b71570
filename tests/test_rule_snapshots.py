"""The full message and help of every rule on its own examples, compared with reviewed files.

tests/snapshots/<rule-id>.txt holds what each built-in SQL rule reports on its `bad` example (its
example_schema replayed first, as history; linted for its example_pg_version), and on its `good`
example, as a reader sees it. A change to any message or help fails here until the files are
written again and the difference is reviewed with the change:

    .venv/bin/pytest tests/test_rule_snapshots.py --update-snapshots
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from migration_lint.context import Context
from migration_lint.diagnostic import Diagnostic
from migration_lint.layouts import LAYOUTS
from migration_lint.linter import RuleSet, Settings, lint_source, runner_of
from migration_lint.registry import Rule, load_rules
from migration_lint.source import Source

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = ".venv/bin/pytest tests/test_rule_snapshots.py --update-snapshots"
# The rules whose examples are SQL; the others' examples describe files, commits or a server.
RULES = sorted(
    (r for r in load_rules().values() if r.scope == "sql" and r.origin == "migration-lint"),
    key=lambda r: r.id,
)
DEFAULT_RULES = frozenset(r.id for r in load_rules().values() if r.default)
SCHEMA_FILE = "0001_schema.sql"
EXAMPLE_FILE = "0002_example.sql"


def findings_on(rule: Rule, sql: str, selected: frozenset[str]) -> list[Diagnostic]:
    """What the `selected` rules report on a migration of `sql`, after one of the rule's schema."""
    settings = Settings(select=selected, pg_version=rule.example_pg_version)
    context = Context(settings.pg_version, runner_of(LAYOUTS["plain"], settings))
    if rule.example_schema:
        lint_source(Source(SCHEMA_FILE, rule.example_schema), None, context)
    rules = RuleSet.from_settings(settings)
    diagnostics, _ = lint_source(Source(EXAMPLE_FILE, sql), rules, context)
    return diagnostics


def indented(text: str, by: str = "    ") -> str:
    return "\n".join(by + line if line else "" for line in text.split("\n"))


def example_section(title: str, sql: str, findings: list[Diagnostic]) -> list[str]:
    lines = [f"## {title} ({EXAMPLE_FILE})", "", indented(sql.rstrip("\n")), ""]
    if not findings:
        return [*lines, "no findings", ""]
    for d in findings:
        allowed = f", allowed: {d.reason}" if d.allowed else ""
        lines += [
            f"### {d.rule} ({d.severity.value}{allowed}) at "
            f"{d.line}:{d.column} to {d.end_line}:{d.end_column}",
            "",
            "message:",
            indented(d.message),
            "",
            "help:",
            indented(d.help) if d.help else "    (none)",
            "",
        ]
    return lines


def render(rule: Rule) -> str:
    lines = [
        f"# {rule.id}: what it reports on its own examples",
        f"# Reviewed output; after a change of message or help, write it again with: {UPDATE}",
        "",
        f"severity: {rule.severity.value}",
        f"PostgreSQL version: {rule.example_pg_version}",
        "layout: plain numbered files (the runner is unknown: no transaction is assumed)",
        "",
    ]
    if rule.example_schema:
        lines += [f"## schema ({SCHEMA_FILE}, replayed as history)", ""]
        lines += [indented(rule.example_schema.rstrip("\n")), ""]
    lines += example_section("bad", rule.bad, findings_on(rule, rule.bad, frozenset({rule.id})))
    good = findings_on(rule, rule.good, DEFAULT_RULES | {rule.id})
    lines += example_section("good, with every default rule", rule.good, good)
    return "\n".join(lines).rstrip("\n") + "\n"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_output_matches_its_snapshot(rule: Rule, update_snapshots: bool) -> None:
    path = SNAPSHOTS / f"{rule.id}.txt"
    rendered = render(rule)
    if update_snapshots:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(
            f"tests/snapshots/{path.name} is missing: write it with {UPDATE}", pytrace=False
        )
    stored = path.read_text(encoding="utf-8")
    if stored != rendered:
        diff = "".join(
            difflib.unified_diff(
                stored.splitlines(keepends=True),
                rendered.splitlines(keepends=True),
                f"tests/snapshots/{path.name} (stored)",
                f"{rule.id} (what it reports now)",
            )
        )
        pytest.fail(
            f"{rule.id}'s output differs from tests/snapshots/{path.name}; if the change is "
            f"intended, write the file again with {UPDATE} and review its diff\n{diff}",
            pytrace=False,
        )


def test_every_snapshot_belongs_to_a_rule(update_snapshots: bool) -> None:
    stale = sorted(p for p in SNAPSHOTS.glob("*.txt") if p.stem not in {r.id for r in RULES})
    if update_snapshots:
        for path in stale:
            path.unlink()
        return
    assert not stale, (
        f"snapshots of rules that no longer exist: {', '.join(p.name for p in stale)}; "
        f"remove them with {UPDATE}"
    )
