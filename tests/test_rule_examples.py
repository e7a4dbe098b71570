"""Every rule's own documented examples: the bad SQL is reported, the good SQL is not."""

from __future__ import annotations

import re

import pytest

from conftest import lint_sql, lint_under
from migration_lint.cli import main
from migration_lint.diagnostic import Diagnostic, Severity
from migration_lint.layouts import LAYOUTS, good_example
from migration_lint.linter import INPUT_ERROR
from migration_lint.registry import load_rules

RULES = sorted((r for r in load_rules().values() if r.scope == "sql"), key=lambda r: r.id)


DEFAULT_RULES = frozenset(r.id for r in RULES if r.default)


def unallowed(sql: str, rule, rule_ids: frozenset[str]) -> list[Diagnostic]:
    found = lint_sql(sql, select=rule_ids, pg_version=rule.example_pg_version)
    return [d for d in found if not d.allowed]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_bad_example_is_reported(rule) -> None:
    assert [d.rule for d in unallowed(rule.bad, rule, frozenset({rule.id}))] == [rule.id]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_good_example_is_clean_under_every_default_rule(rule) -> None:
    assert unallowed(rule.good, rule, DEFAULT_RULES | {rule.id}) == []


ONLY_COMMENTS = "no SQL statements, only comments"


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_good_example_is_clean_under_every_layouts_runner(rule, layout: str) -> None:
    # `migration-lint rules RULE` shows the example for each runner: under drizzle's one
    # transaction for all pending migrations, CONCURRENTLY is an error, not the safe way.
    example = good_example(rule, LAYOUTS[layout])
    found = lint_under(
        layout, example, select=DEFAULT_RULES | {rule.id}, pg_version=rule.example_pg_version
    )
    left = [d for d in found if not d.allowed]
    if not any(line.strip() and not line.lstrip().startswith("--") for line in example.split("\n")):
        # Only comments: the step runs by hand, outside the migrations.
        assert [(d.rule, d.message) for d in left] == [(INPUT_ERROR, ONLY_COMMENTS)]
    else:
        assert left == []


def test_runner_specific_good_examples_name_layouts_and_differ_from_the_default() -> None:
    for rule in RULES:
        for layout, example in rule.good_by_runner.items():
            assert layout in LAYOUTS, rule.id
            assert example != rule.good, rule.id


def test_rules_command_shows_the_example_for_each_runner(capsys) -> None:
    assert main(["rules", "create-index-not-concurrently"]) == 0
    shown = capsys.readouterr().out
    assert "Instead, with drizzle:\n    -- drizzle's migrator runs all pending migrations" in shown
    assert "Instead, with goose:\n    -- +goose NO TRANSACTION" in shown


LINTING_RULES = [r for r in RULES if r.check is not None and r.severity is not Severity.INFO]


@pytest.mark.parametrize("rule", LINTING_RULES, ids=[r.id for r in LINTING_RULES])
def test_every_finding_names_its_lock_and_the_safe_way(rule) -> None:
    (finding,) = unallowed(rule.bad, rule, frozenset({rule.id}))
    assert re.search(r"(ACCESS EXCLUSIVE|SHARE|ROW EXCLUSIVE) lock|transaction", finding.message)
    assert finding.help
