"""The text output's help: printed in full once, then folded for the findings whose help
differs from it only in names, string literals and numbers."""

from __future__ import annotations

import click
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from migration_lint.diagnostic import Diagnostic, Severity
from migration_lint.formats import Display
from migration_lint.formats.text import _NAMES, Writer

FOLDED = "    (how to fix it: as for the first some-rule above, with these names)"


def written(*helps: str) -> list[str]:
    """The text of a finding of one rule for each help, in turn, without its first line."""
    writer = Writer(Display())
    texts = []
    for number, help_text in enumerate(helps, 1):
        finding = Diagnostic(
            "some-rule", Severity.WARNING, "m/0001_x.sql", number, 1, number, 2, "It.", help_text
        )
        text = click.unstyle(writer.findings([finding]))
        texts.append(text.split("\n", 1)[1].rstrip("\n"))
    return texts


@pytest.mark.parametrize(
    ("first", "then", "folded"),
    [
        pytest.param(
            'ALTER TABLE "a" ADD COLUMN "b" int;',
            'ALTER TABLE "c" ADD COLUMN "d" int;',
            True,
            id="other-names",
        ),
        pytest.param(
            '1. UPDATE "t" SET "c" = \'x\' WHERE "c" IS NULL;\n2. Then varchar(20)',
            '1. UPDATE "u" SET "d" = \'it\'\'s\' WHERE "d" IS NULL;\n2. Then varchar(40)',
            True,
            id="other-literals-and-numbers",
        ),
        pytest.param('DROP INDEX "a""b";', 'DROP INDEX "c";', True, id="a-doubled-quote"),
        pytest.param('"t"5 rows', '"u"6 rows', True, id="a-number-next-to-a-name"),
        pytest.param('"t"_5 rows', '"u"_6 rows', False, id="a-number-inside-a-word"),
        pytest.param(
            'ALTER TABLE "a" ADD COLUMN "b" int;',
            'ALTER TABLE "a" ADD COLUMN "b" bigint;',
            False,
            id="other-advice",
        ),
        pytest.param('Quote "a', 'Quote "b', False, id="an-unclosed-quote"),
    ],
)
def test_a_help_is_folded_when_it_differs_only_in_names(
    first: str, then: str, folded: bool
) -> None:
    assert written(first, then) == [indented(first), FOLDED if folded else indented(then)]


def indented(help_text: str) -> str:
    return "    " + help_text.replace("\n", "\n    ")


def folded(first: str, then: str) -> bool:
    return written(first, then)[1] == FOLDED


def by_the_pattern(first: str, then: str) -> bool:
    """Whether two helps differ only in what _NAMES finds."""
    return _NAMES.sub("_", first) == _NAMES.sub("_", then)


TEXT = "\"'0 1_a-\n٣é"


@given(st.text(TEXT, min_size=1), st.text(TEXT, min_size=1))
def test_any_help_is_folded_as_the_pattern_says(first: str, then: str) -> None:
    assert folded(first, then) == by_the_pattern(first, then)


@st.composite
def helps_of_one_advice(draw: st.DrawFn) -> tuple[str, str]:
    """Two helps with the same text between their names (the advice, whose shape is worked out
    once), and other names: a name with a `'` in it may end a string literal around it."""
    advice = draw(st.lists(st.text("'0 1_a\n٣", max_size=5), min_size=1, max_size=5))
    names = st.lists(
        st.text("'0a_ é٣-", max_size=4), min_size=len(advice) - 1, max_size=len(advice) - 1
    )

    def written_with(names: list[str]) -> str:
        named = zip(names, advice[1:], strict=True)
        return advice[0] + "".join(f'"{name}"{text}' for name, text in named)

    first, then = written_with(draw(names)), written_with(draw(names))
    assume(first and then)  # an empty help is not printed
    return first, then


@given(helps_of_one_advice())
def test_helps_of_one_advice_are_folded_as_the_pattern_says(helps: tuple[str, str]) -> None:
    assert folded(*helps) == by_the_pattern(*helps)
