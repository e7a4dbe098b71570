"""SIGINT and SIGTERM end a run with 130 and 143, as shells report them: no traceback, and no
temporary or half-written file left anywhere."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from drizzle_repo import git

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/fd").is_dir(), reason="watches the run's open files in /proc"
)

MIGRATIONS = 5000  # a few seconds of work: the signal always comes while the run reads


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository whose feature branch adds a large migrations folder."""
    root = tmp_path_factory.mktemp("interrupts") / "app"
    (root / "migrations").mkdir(parents=True)
    (root / ".migration-lint.toml").write_text('paths = ["migrations"]\n')
    (root / "migrations" / "00000_init.sql").write_text('CREATE TABLE "t" ("id" int);\n')
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.email=d@e", "-c", "user.name=D", "commit", "-q", "-m", "init")
    git(root, "checkout", "-q", "-b", "feature")
    for number in range(1, MIGRATIONS + 1):
        (root / "migrations" / f"{number:05d}_m.sql").write_text(
            "".join(
                f'ALTER TABLE "t" ADD COLUMN "c{number}_{i}" int;\n'
                f'CREATE INDEX "i{number}_{i}" ON "t" ("c{number}_{i}");\n'
                for i in range(10)
            )
        )
    git(root, "add", "-A")
    git(root, "-c", "user.email=d@e", "-c", "user.name=D", "commit", "-q", "-m", "many")
    return root


def status(repo: Path) -> str:
    """Every file git does not have as committed, ignored ones too."""
    return subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def wait_until_reading(process: subprocess.Popen[str], folders: list[Path]) -> None:
    """Until the run has a migration open below one of the folders."""
    open_files = Path(f"/proc/{process.pid}/fd")
    while process.poll() is None:
        for descriptor in open_files.iterdir():
            try:
                target = os.readlink(descriptor)
            except OSError:
                continue  # closed in the meantime
            if target.endswith(".sql") and any(target.startswith(str(f)) for f in folders):
                return
    raise AssertionError(f"the run ended before it was interrupted: {process.communicate()}")


@pytest.mark.parametrize(
    ("command", "stop", "code"),
    [
        pytest.param(
            ["lint", "--output", "json:report.json"], signal.SIGINT, 130, id="lint-sigint"
        ),
        pytest.param(["lint"], signal.SIGTERM, 143, id="lint-sigterm"),
        pytest.param(
            ["ci", "--base", "main", "--output", "markdown:comment.md"],
            signal.SIGTERM,
            143,
            id="ci-sigterm",
        ),
        pytest.param(["ci", "--base", "main"], signal.SIGINT, 130, id="ci-sigint"),
        pytest.param(["baseline"], signal.SIGTERM, 143, id="baseline-sigterm"),
    ],
)
def test_an_interrupted_run_exits_cleanly_and_leaves_nothing(
    repo: Path, tmp_path: Path, command: list[str], stop: signal.Signals, code: int
) -> None:
    temporary = tmp_path / "tmp"  # where ci checks out HEAD's migrations
    temporary.mkdir()
    before = status(repo)
    process = subprocess.Popen(
        [sys.executable, "-m", "migration_lint.cli", *command],
        cwd=repo,
        env={**os.environ, "TMPDIR": str(temporary)},
        # Not a pipe: findings are written as they are found, and a pipe nobody reads until
        # the run ends would stop the run once full.
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        # As from a terminal: a background job's ignored SIGINT must not be inherited.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    wait_until_reading(process, [repo / "migrations", temporary])
    process.send_signal(stop)
    _, err = process.communicate()
    assert process.returncode == code, err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == f"migration-lint: interrupted ({stop.name})"
    assert list(temporary.iterdir()) == []
    assert status(repo) == before


def test_json_interrupted_after_it_began_is_a_whole_document(repo: Path, tmp_path: Path) -> None:
    """Findings are written as they are found: a run stopped once its JSON on standard output
    began ends the document, with why it stopped in place of the summary."""
    written = tmp_path / "out.json"
    with written.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "migration_lint.cli", "lint", "--format", "json"],
            cwd=repo,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        while process.poll() is None and not written.stat().st_size:
            pass
        process.send_signal(signal.SIGINT)
        _, err = process.communicate()
    assert process.returncode == 130, err
    document = json.loads(written.read_text())
    assert (document["error"], "summary" in document) == ("interrupted", False)
    assert document["diagnostics"]
