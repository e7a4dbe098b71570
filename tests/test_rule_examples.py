"""Every rule's own documented examples: the bad SQL is reported, the good SQL is not."""

from __future__ import annotations

import re

import pytest

from conftest import lint_sql
from migration_lint.registry import load_rules

RULES = sorted(load_rules().values(), key=lambda r: r.id)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_bad_example_is_reported(rule) -> None:  # type: ignore[no-untyped-def]
    found = [d for d in lint_sql(rule.bad, select=frozenset({rule.id})) if d.fails]
    assert [d.rule for d in found] == [rule.id]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_good_example_is_not_reported(rule) -> None:  # type: ignore[no-untyped-def]
    assert [d for d in lint_sql(rule.good) if d.fails] == []


LINTING_RULES = [r for r in RULES if r.check is not None]


@pytest.mark.parametrize("rule", LINTING_RULES, ids=[r.id for r in LINTING_RULES])
def test_every_finding_names_its_lock_and_the_safe_way(rule) -> None:  # type: ignore[no-untyped-def]
    (finding,) = [d for d in lint_sql(rule.bad, select=frozenset({rule.id})) if d.fails]
    assert re.search(r"(ACCESS EXCLUSIVE|SHARE|ROW EXCLUSIVE) lock|transaction", finding.message)
    assert finding.help
