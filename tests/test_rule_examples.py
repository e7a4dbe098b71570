"""Every rule's own documented examples: the bad SQL is reported, the good SQL is not."""

from __future__ import annotations

import re

import pytest

from conftest import lint_sql
from migration_lint.diagnostic import Diagnostic, Severity
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


LINTING_RULES = [r for r in RULES if r.check is not None and r.severity is not Severity.INFO]


@pytest.mark.parametrize("rule", LINTING_RULES, ids=[r.id for r in LINTING_RULES])
def test_every_finding_names_its_lock_and_the_safe_way(rule) -> None:
    (finding,) = unallowed(rule.bad, rule, frozenset({rule.id}))
    assert re.search(r"(ACCESS EXCLUSIVE|SHARE|ROW EXCLUSIVE) lock|transaction", finding.message)
    assert finding.help
