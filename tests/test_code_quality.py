"""The project's own typing and lint rules hold (mypy with disallow-untyped-defs, ruff)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        pytest.param([str(BIN / "mypy")], id="mypy"),
        pytest.param(
            [str(BIN / "ruff"), "check", "src", "rules", "tests", "benchmarks"], id="ruff"
        ),
        pytest.param(
            [str(BIN / "ruff"), "format", "--check", "src", "rules", "tests", "benchmarks"],
            id="ruff-format",
        ),
    ],
)
def test_code_is_clean(command: list[str]) -> None:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
