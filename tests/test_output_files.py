"""Files written with --output and the baseline: whole or not at all, and never over a file the
user did not mean to lose unless --force."""

from __future__ import annotations

import errno
import os
import signal
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from drizzle_repo import DrizzleRepo
from migration_lint import output_files
from migration_lint.cli import Interrupted, main


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DrizzleRepo:
    project = DrizzleRepo(tmp_path / "app", "drizzle")
    project.write("README.md", "# app\n")
    project.commit("readme")
    monkeypatch.chdir(project.path)
    return project


def fifo(repo: DrizzleRepo) -> str:
    os.mkfifo(repo.path / "report.json")
    return "report.json"


def symlink(repo: DrizzleRepo) -> str:
    (repo.path / "report.json").symlink_to("README.md")
    return "report.json"


def directory(repo: DrizzleRepo) -> str:
    (repo.path / "reports").mkdir()
    return "reports"


def new_migration(repo: DrizzleRepo) -> str:
    repo.write("drizzle/0002_next.sql", 'ALTER TABLE "users" ADD COLUMN "name" text;\n')
    return "drizzle/0002_next.sql"


def existing(name: str) -> Callable[[DrizzleRepo], str]:
    return lambda repo: name


def snapshot(path: Path) -> tuple[int, bytes]:
    """A file's type and content (for a link: where it points)."""
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        return mode, os.readlink(path).encode()
    return mode, path.read_bytes() if stat.S_ISREG(mode) else b""


@pytest.mark.parametrize(
    ("target", "what"),
    [
        pytest.param(
            existing("drizzle/0001_orders.sql"),
            "a file in the migrations folder drizzle",
            id="committed-migration",
        ),
        pytest.param(new_migration, "a file in the migrations folder drizzle", id="new-migration"),
        pytest.param(
            existing("drizzle/meta/_journal.json"),
            "a file in the migrations folder drizzle",
            id="journal",
        ),
        pytest.param(existing("README.md"), "a file git tracks", id="tracked-file"),
        pytest.param(existing(".git/config"), "a file in git's own folder", id="git-config"),
        pytest.param(fifo, "a named pipe (FIFO), not a regular file", id="fifo"),
        pytest.param(symlink, "a symbolic link, not a regular file", id="symlink"),
        pytest.param(directory, "a directory, not a regular file", id="directory"),
    ],
)
def test_output_is_not_written_over_a_file_the_user_would_lose(
    repo: DrizzleRepo,
    capsys: pytest.CaptureFixture[str],
    target: Callable[[DrizzleRepo], str],
    what: str,
) -> None:
    name = target(repo)
    before = snapshot(repo.path / name)
    assert main(["lint", "drizzle", "--output", f"json:{name}"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"migration-lint: error: --output json:{name}: will not write over {name}, {what}; "
        "pass --force to write it anyway\n"
    )
    assert snapshot(repo.path / name) == before


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("README.md", id="tracked-file"),
        pytest.param("drizzle/0001_orders.sql", id="migration"),
    ],
)
def test_force_writes_over_it(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    assert main(["lint", "drizzle", "--output", f"json:{name}", "--force"]) == 0
    assert (repo.path / name).read_text().startswith('{"diagnostics": [')


def test_force_writes_through_a_link_to_its_file(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo.path / "reports").mkdir()
    (repo.path / "report.json").symlink_to("reports/latest.json")
    assert main(["lint", "drizzle", "--output", "json:report.json", "--force"]) == 0
    assert (repo.path / "report.json").is_symlink()
    assert (repo.path / "reports" / "latest.json").read_text().startswith('{"diagnostics"')


def test_a_report_of_an_earlier_run_is_replaced_and_keeps_its_permissions(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    report = repo.path / "report.json"
    report.write_text("an earlier run's report, longer than the new one " * 1000)
    report.chmod(0o640)
    assert main(["lint", "drizzle", "--output", "json:report.json"]) == 0
    assert (
        report.read_text().startswith('{"diagnostics": []')
        and report.stat().st_mode & 0o777 == 0o640
    )
    assert sorted(p.name for p in repo.path.iterdir() if p.name.startswith(".report")) == []


def test_a_new_file_gets_the_permissions_any_new_file_gets(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    mask = os.umask(0o022)
    try:
        assert main(["lint", "drizzle", "--output", "sarif:out/report.sarif"]) == 2
        assert "cannot write: No such file or directory" in capsys.readouterr().err
        (repo.path / "out").mkdir()
        assert main(["lint", "drizzle", "--output", "sarif:out/report.sarif"]) == 0
    finally:
        os.umask(mask)
    assert (repo.path / "out" / "report.sarif").stat().st_mode & 0o777 == 0o644
    assert os.listdir(repo.path / "out") == ["report.sarif"]


def full_disk(*args: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def interrupt(*args: object) -> None:
    raise Interrupted(signal.SIGTERM)


@pytest.mark.parametrize(
    ("failure", "raised"),
    [
        pytest.param(full_disk, OSError, id="full-disk"),
        pytest.param(interrupt, Interrupted, id="interrupt"),
    ],
)
def test_a_write_that_fails_halfway_leaves_the_old_file_whole(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: Callable[..., None],
    raised: type[BaseException],
) -> None:
    baseline = tmp_path / ".migration-lint-baseline.json"
    baseline.write_text('{"version": 1, "entries": []}\n')
    monkeypatch.setattr(output_files.os, "replace", failure)
    with pytest.raises(raised):
        output_files.write_file(str(baseline), "{")
    assert baseline.read_text() == '{"version": 1, "entries": []}\n'
    assert os.listdir(tmp_path) == [baseline.name]


def test_the_baseline_is_replaced_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001_x.sql").write_text('CREATE INDEX "i" ON "t" ("c");\n')
    assert main(["baseline", "migrations"]) == 0
    monkeypatch.setattr(output_files.os, "replace", full_disk)
    before = (tmp_path / ".migration-lint-baseline.json").read_text()
    (tmp_path / "migrations" / "0002_x.sql").write_text('CREATE INDEX "j" ON "t" ("c");\n')
    assert main(["baseline", "migrations"]) == 3
    assert "cannot write the baseline: No space left on device" in capsys.readouterr().err
    assert (tmp_path / ".migration-lint-baseline.json").read_text() == before
    assert sorted(os.listdir(tmp_path)) == [".migration-lint-baseline.json", "migrations"]
