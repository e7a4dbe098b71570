from __future__ import annotations

import pytest

from migration_lint.diagnostic import Diagnostic
from migration_lint.linter import RuleSet, Settings, lint_source
from migration_lint.source import Source


def lint_sql(sql: str, path: str = "0001_test.sql", **settings: object) -> list[Diagnostic]:
    """Diagnostics for one migration's SQL, with every rule selected unless told otherwise."""
    options = Settings(**settings)  # type: ignore[arg-type]
    diagnostics, _ = lint_source(Source(path, sql), RuleSet.from_settings(options), options)
    return diagnostics


def rule_ids(sql: str, **settings: object) -> list[str]:
    return [d.rule for d in lint_sql(sql, **settings)]


@pytest.fixture
def write(tmp_path):  # type: ignore[no-untyped-def]
    """Write files under tmp_path: write({"a/0001_x.sql": "SQL"}) -> tmp_path."""

    def write_files(files: dict[str, str | bytes]) -> object:
        for name, content in files.items():
            target = tmp_path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        return tmp_path

    return write_files
