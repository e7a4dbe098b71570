"""Property-based tests: whatever a migration file holds, the linter answers cleanly.

Inputs are arbitrary text, and mutations of real migrations (the example project's and
drizzle-kit-style generated ones): characters deleted, duplicated and swapped, and the tokens
that change how SQL is split inserted anywhere (quotes, `$$`, `;`, comments, drizzle's
breakpoint, CR, a byte-order mark, NUL). CI runs a short budget (the `ci` profile); the long
run is `benchmarks/fuzz.py` (docs/reliability.md).
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migration_lint.diagnostic import Diagnostic
from migration_lint.linter import Settings, lint_paths
from migration_lint.splitting import split_statements

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "drizzle-app" / "drizzle"
settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "fuzz", max_examples=5_000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("MIGRATION_LINT_HYPOTHESIS_PROFILE", "ci"))


def _generated_drizzle_files() -> list[str]:
    """Migrations as drizzle-kit writes them: statements joined by its breakpoint."""
    statements = [
        'CREATE TABLE "users" (\n\t"id" serial PRIMARY KEY NOT NULL,\n\t"email" text NOT NULL\n);',
        'ALTER TABLE "users" ADD COLUMN "name" varchar(80);',
        'CREATE INDEX "users_email_idx" ON "users" USING btree ("email");',
        'ALTER TABLE "users" ALTER COLUMN "name" SET NOT NULL;',
        'ALTER TABLE "users" DROP COLUMN "name";',
        "DO $$ BEGIN\n CREATE TYPE \"public\".\"role\" AS ENUM('a', 'b');\n"
        "EXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;",
        "-- migration-lint: ignore create-index-not-concurrently -- small table\n"
        'CREATE INDEX "i" ON "users" ("id");',
    ]
    return [
        "--> statement-breakpoint\n".join(statements[i:] + statements[:i])
        for i in range(len(statements))
    ]


SEEDS = sorted(p.read_text() for p in EXAMPLES.rglob("*.sql")) + _generated_drizzle_files()
TOKENS = [
    "'",
    '"',
    "$$",
    "$x$",
    ";",
    "--",
    "/*",
    "*/",
    "--> statement-breakpoint",
    "\r",
    "\n",
    "\r\n",
    "\ufeff",
    "\x00",
    "(",
    ")",
    "E'\\",
    "\u00a0",
    "\u2028",
    "\\",
    "BEGIN;",
    "COMMIT;",
]


@st.composite
def mutated_migrations(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(text)))
        end = draw(st.integers(at, min(len(text), at + 40)))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "insert"]))
        if action == "delete":
            text = text[:at] + text[end:]
        elif action == "duplicate":
            text = text[:end] + text[at:end] + text[end:]
        elif action == "swap" and end - at >= 2:
            text = text[:at] + text[at + 1] + text[at] + text[at + 2 :]
        else:
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
    return text


migration_texts = st.one_of(st.text(max_size=400), mutated_migrations())

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def lint_text(text: str, history: str | None = None) -> list[Diagnostic]:
    """Lint `text` as the newest migration of a folder, as pre-commit does."""
    with tempfile.TemporaryDirectory() as folder:
        if history is not None:
            Path(folder, "0000_history.sql").write_text(history, encoding="utf-8")
        newest = Path(folder, "0001_newest.sql")
        newest.write_bytes(text.encode("utf-8", errors="surrogatepass"))
        return lint_paths([str(newest)], Settings()).diagnostics


def lines_of(text: str) -> list[str]:
    """The file's lines as editors and PostgreSQL count them (CR, LF and CRLF end one)."""
    return _LINE_BREAK.split(text.removeprefix("\ufeff"))


@given(migration_texts)
def test_linting_never_raises_and_every_position_is_inside_the_file(text: str) -> None:
    lines = lines_of(text)
    for d in lint_text(text):
        assert 1 <= d.line <= len(lines), d
        assert 1 <= d.column <= len(lines[d.line - 1]) + 1, d
        assert (d.line, d.column) <= (d.end_line, d.end_column), d
        assert d.end_line <= len(lines) and d.end_column <= len(lines[d.end_line - 1]) + 1, d


@given(migration_texts, migration_texts)
def test_a_broken_history_never_breaks_the_newest_file(history: str, text: str) -> None:
    lint_text(text, history)


@given(migration_texts)
def test_splitting_then_joining_gives_the_file_back(text: str) -> None:
    spans = split_statements(text)
    assert all(0 <= s < e <= len(text) for s, e in spans)
    assert all(e1 <= s2 for (_, e1), (s2, _) in itertools.pairwise(spans))
    pieces, position = [], 0
    for start, end in spans:
        pieces += [text[position:start], text[start:end]]
        position = end
    assert "".join(pieces) + text[position:] == text


STATEMENTS = st.sampled_from(
    [
        'ALTER TABLE "orders" DROP COLUMN "coupon";',
        'CREATE INDEX "orders_idx" ON "orders" ("id");',
        'ALTER TABLE "orders" RENAME COLUMN "total" TO "amount";',
        'ALTER TABLE "orders" ALTER COLUMN "note" SET NOT NULL;',
        "UPDATE orders SET x = 1;",
        "SELEC 1;",
        "SELECT 'unterminated;",
        'CREATE TABLE "t" ("id" int);',
        "BEGIN;",
        "COMMIT;",
        "$$ never closed",
    ]
)


@given(st.lists(STATEMENTS, min_size=1, max_size=6), STATEMENTS)
def test_appending_a_statement_keeps_the_findings_of_the_ones_before(
    prefix: list[str], appended: str
) -> None:
    history = 'CREATE TABLE "orders" ("id" int, "coupon" text, "total" int, "note" text);\n'
    before = "\n".join(prefix) + "\n"
    found_before = {(d.rule, d.line, d.column) for d in lint_text(before, history)}
    found_after = {(d.rule, d.line, d.column) for d in lint_text(before + appended, history)}
    kept = found_before - {(r, ln, c) for r, ln, c in found_before if r == "syntax-error"}
    assert kept <= found_after
