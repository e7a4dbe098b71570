"""Hostile and careless files and configs: whatever a repository holds, a run ends with one clean
line naming the file (and its line when known) and the right exit code, goes on with the other
files, and never hangs, follows a symlink out of the repository, or takes quadratic time."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drizzle_repo import git
from migration_lint.cli import main

BREAKING = 'ALTER TABLE "users" DROP COLUMN "nickname";\n'
MIB = 1024 * 1024


class Hung(BaseException):
    """Not an Exception: the CLI's last-resort handler must not turn a hang into exit 3."""


@pytest.fixture(autouse=True)
def no_hang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run in tmp_path, and fail a test that blocks (on a FIFO) instead of hanging the suite."""
    monkeypatch.chdir(tmp_path)

    def hung(signum: int, frame: object) -> None:
        raise Hung("blocked for 60 s: something opened a FIFO")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """The exit code and the output's lines, with the configs' absolute paths (the folder
    they are found in) made relative, as the migrations' are."""
    code = main(argv)
    captured = capsys.readouterr()
    here = os.getcwd() + os.sep
    return code, (captured.out + captured.err).replace(here, "").splitlines()


def write(files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            Path(name).write_bytes(content)
        else:
            Path(name).write_text(content)


def sparse(path: str, size: int) -> None:
    """A file of `size` bytes that takes no room on disk: its size alone stops it."""
    with open(path, "wb") as file:
        file.truncate(size)


def symlink(target: str) -> Callable[[str], None]:
    return lambda path: os.symlink(target, path)


def symlink_loop(path: str) -> None:
    os.symlink("loop.txt", path)
    os.symlink(os.path.basename(path), os.path.join(os.path.dirname(path), "loop.txt"))


def secret_outside(path: str) -> None:
    write({"secret.sql": "SELECT 'password';\n"})
    os.symlink("../secret.sql", path)


# Each makes m/0002_x.sql (or what the case names) next to a good m/0001_drop.sql.
@pytest.mark.parametrize(
    ("entry", "make", "message"),
    [
        pytest.param(
            "0002_x.sql", os.mkfifo, "a named pipe (FIFO), not a file: not read", id="fifo"
        ),
        pytest.param(
            "0000_first.sql", os.mkdir, "a directory, not a file: not read", id="directory-first"
        ),
        pytest.param(
            "0002_x.sql", symlink("0002_x.sql"), "a symlink loop: not read", id="self-loop"
        ),
        pytest.param("0002_x.sql", symlink_loop, "a symlink loop: not read", id="two-link-loop"),
        pytest.param(
            "0002_x.sql",
            symlink("gone.sql"),
            "a symlink to gone.sql, which does not exist",
            id="dangling-symlink",
        ),
        pytest.param(
            "0002_x.sql",
            secret_outside,
            "a symlink to ../secret.sql, outside m: not read",
            id="symlink-out-of-the-folder",
        ),
        pytest.param(
            "0002_x.sql",
            lambda path: sparse(path, 17 * MIB),
            "file is too large (17.0 MiB; the limit is 16 MiB: raise `max-file-size` in the "
            "config if it really is a migration)",
            id="over-the-default-size-limit",
        ),
    ],
)
def test_an_entry_that_is_not_a_readable_file_is_one_error_and_the_folder_is_still_linted(
    capsys: pytest.CaptureFixture[str], entry: str, make: Callable[[str], None], message: str
) -> None:
    write({"m/0001_drop.sql": BREAKING})
    make(f"m/{entry}")
    code, lines = run(["lint", "m"], capsys)
    assert code == 2
    assert [line for line in lines if "input-error" in line] == [
        f"m/{entry}:1:1: input-error {message} [error]"
    ]
    assert any(line.startswith("m/0001_drop.sql:1:1: drop-column") for line in lines)


TOKEN = "AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX3NlY3JldA=="


@pytest.mark.parametrize(
    ("target", "message"),
    [
        pytest.param(
            "../.git/config",
            "a symlink to ../.git/config, in the repository's .git folder: not read",
            id="into-dot-git",
        ),
        pytest.param(
            "../../secret.sql",
            "a symlink to ../../secret.sql, outside the repository: not read",
            id="out-of-the-repository",
        ),
        pytest.param("../shared/0002_x.sql", None, id="elsewhere-in-the-repository-is-read"),
    ],
)
def test_a_committed_symlink_is_followed_only_inside_the_repository(
    capsys: pytest.CaptureFixture[str], target: str, message: str | None
) -> None:
    # actions/checkout keeps the token in .git/config; the PR comment must never quote it.
    write(
        {
            "secret.sql": f"SELECT '{TOKEN}';\n",
            "repo/m/0001_drop.sql": BREAKING,
            "repo/shared/0002_x.sql": f"SELECT '{TOKEN}';\n",
        }
    )
    git(Path("repo"), "init", "-q")
    with open("repo/.git/config", "a") as config:
        config.write(f'[http "https://github.com/"]\n\textraheader = {TOKEN}\n')
    os.symlink(target, "repo/m/0002_x.sql")
    os.chdir("repo")
    code, lines = run(["lint", "m", "--output", "text", "--output", "markdown"], capsys)
    errors = [line for line in lines if line.startswith("m/") and "input-error" in line]
    if message is None:
        assert code == 1 and errors == []
    else:
        assert code == 2
        assert errors == [f"m/0002_x.sql:1:1: input-error {message} [error]"]
        assert not any(TOKEN in line for line in lines)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param(
            "pyproject.toml", "tool = 1\n", "`tool` must be a table ([tool]), not 1", id="tool-int"
        ),
        pytest.param(
            "pyproject.toml",
            '[tool]\nmigration-lint = "on"\n',
            "`tool.migration-lint` must be a table ([tool.migration-lint]), not 'on'",
            id="tool-migration-lint-string",
        ),
        pytest.param(
            "pyproject.toml",
            b"[tool.migration-lint]\n# caf\xe9\n",
            "not valid UTF-8 (byte 0xe9 at line 2)",
            id="pyproject-not-utf8",
        ),
        pytest.param(
            ".migration-lint.toml",
            b'pg-version = 16\nformat = "\xff"\n',
            "not valid UTF-8 (byte 0xff at line 2)",
            id="config-not-utf8",
        ),
        pytest.param(
            ".migration-lint.toml",
            "a = " + "[" * 100_000 + "]" * 100_000 + "\n",
            "invalid TOML: nested too deeply",
            id="nested-very-deep",
        ),
        pytest.param(
            ".migration-lint.toml",
            'paths = ["m\\u0000"]\n',
            "'paths': 'm\\x00' holds a NUL byte, not a path",
            id="paths-nul",
        ),
        pytest.param(
            ".migration-lint.toml",
            'baseline = "b\\u0000.json"\n',
            "'baseline': 'b\\x00.json' holds a NUL byte, not a path",
            id="baseline-nul",
        ),
        pytest.param(
            ".migration-lint.toml",
            "max-file-size = 0\n",
            "'max-file-size' must be at least 1 (MiB)",
            id="max-file-size-zero",
        ),
        pytest.param(
            ".migration-lint.toml",
            'max-file-size = "16"\n',
            "'max-file-size' must be a size in MiB such as 16, not '16'",
            id="max-file-size-string",
        ),
    ],
)
def test_a_config_that_cannot_be_used_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], name: str, content: str | bytes, message: str
) -> None:
    write({name: content, "m/0001_drop.sql": BREAKING})
    code, lines = run(["lint", "m"], capsys)
    assert (code, lines) == (3, [f"migration-lint: error: {name}: {message}"])


NEW_DRIZZLE_PROJECT = {
    "drizzle.config.ts": 'export default { dialect: "postgresql", out: "./drizzle", '
    'schema: "./src/db/schema.ts" };\n',
    "src/db/schema.ts": "export const users = 1;\n",
}


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param(
            {".migration-lint.toml": 'paths = ["nope"]\n'},
            "nope:1:1: input-error no such directory: .migration-lint.toml names it in `paths`: "
            "correct `paths`, or create the folder [error]",
            id="configured-paths",
        ),
        # A new project before its first `drizzle-kit generate`. It fails rather than passing
        # quietly: a missing folder is also what a typo in `out` looks like, and a check that
        # passes on nothing would go on passing, checking nothing, once migrations exist
        # elsewhere. The message says how to make it pass.
        pytest.param(
            NEW_DRIZZLE_PROJECT,
            "drizzle:1:1: input-error no such directory: drizzle.config.ts names it in `out`, "
            "and it does not exist yet: `drizzle-kit generate` creates it with the first "
            "migration (or correct `out`) [error]",
            id="drizzle-out-not-generated-yet",
        ),
    ],
)
@pytest.mark.parametrize("command", ["check-naming", "lint"])
def test_a_configured_folder_that_does_not_exist_says_where_it_is_named(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], message: str, command: str
) -> None:
    write(files)
    code, lines = run([command], capsys)
    assert code == 2
    assert lines[0] == message


@pytest.mark.parametrize(
    ("limit", "code", "expected"),
    [
        pytest.param(
            1,
            2,
            "m/0002_big.sql:1:1: input-error file is too large (2.0 MiB; the limit is 1 MiB: "
            "raise `max-file-size` in the config if it really is a migration) [error]",
            id="over-the-limit",
        ),
        pytest.param(3, 1, "Found 1 breaking in 2 files (2 statements).", id="under-the-limit"),
    ],
)
def test_the_size_limit_comes_from_the_config(
    capsys: pytest.CaptureFixture[str], limit: int, code: int, expected: str
) -> None:
    big = "-- a generated seed, kept as a migration\n" * (2 * MIB // 40) + "SELECT 1;\n"
    write(
        {
            ".migration-lint.toml": f"max-file-size = {limit}\n",
            "m/0001_drop.sql": BREAKING,
            "m/0002_big.sql": big,
        }
    )
    found, lines = run(["lint", "m"], capsys)
    assert found == code
    assert expected in lines
