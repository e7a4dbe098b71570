"""Hostile and careless files and configs: whatever a repository holds, a run ends with one clean
line naming the file (and its line when known) and the right exit code, goes on with the other
files, and never hangs, follows a symlink out of the repository, or takes quadratic time."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drizzle_repo import DrizzleRepo, git
from migration_lint.cli import main
from migration_lint.drizzle import read_drizzle_config

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
NOT_READ = [
    pytest.param("0002_x.sql", os.mkfifo, "a named pipe (FIFO), not a file: not read", id="fifo"),
    pytest.param(
        "0000_first.sql", os.mkdir, "a directory, not a file: not read", id="directory-first"
    ),
    pytest.param("0002_x.sql", symlink("0002_x.sql"), "a symlink loop: not read", id="self-loop"),
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
]


def lint_with(
    capsys: pytest.CaptureFixture[str],
    entry: str,
    make: Callable[[str], None],
    message: str,
    paths: list[str],
) -> None:
    write({"m/0001_drop.sql": BREAKING})
    make(f"m/{entry}")
    code, lines = run(["lint", *paths], capsys)
    assert code == 2
    assert [line for line in lines if "input-error" in line] == [
        f"m/{entry}:1:1: input-error {message} [error]"
    ]
    assert any(line.startswith("m/0001_drop.sql:1:1: drop-column") for line in lines)


@pytest.mark.parametrize(("entry", "make", "message"), NOT_READ)
def test_an_entry_that_is_not_a_readable_file_is_one_error_and_the_folder_is_still_linted(
    capsys: pytest.CaptureFixture[str], entry: str, make: Callable[[str], None], message: str
) -> None:
    lint_with(capsys, entry, make, message, ["m"])


# A directory given is a folder to lint, whatever its name.
@pytest.mark.parametrize(
    ("entry", "make", "message"), [p for p in NOT_READ if p.id != "directory-first"]
)
def test_a_file_given_as_pre_commit_passes_it_is_not_read_either(
    capsys: pytest.CaptureFixture[str], entry: str, make: Callable[[str], None], message: str
) -> None:
    lint_with(capsys, entry, make, message, ["m/0001_drop.sql", f"m/{entry}"])


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
    ("files", "fifo", "command", "code", "expected"),
    [
        pytest.param(
            {"m/0001_drop.sql": BREAKING},
            ".migration-lint.toml",
            ["lint", "m"],
            3,
            "migration-lint: error: .migration-lint.toml: cannot read config: a named pipe "
            "(FIFO), not a file: not read",
            id="migration-lint-toml",
        ),
        pytest.param(
            {"m/0001_drop.sql": BREAKING},
            "pyproject.toml",
            ["lint", "m"],
            3,
            "migration-lint: error: pyproject.toml: cannot read config: a named pipe (FIFO), "
            "not a file: not read",
            id="pyproject-toml",
        ),
        pytest.param(
            {"m/0001_drop.sql": BREAKING},
            "drizzle.config.ts",
            ["lint", "m"],
            3,
            "migration-lint: error: drizzle.config.ts: cannot read the drizzle config: a named "
            "pipe (FIFO), not a file: not read",
            id="drizzle-config",
        ),
        pytest.param(
            {"m/0000_init.sql": "SELECT 1;\n"},
            "m/meta/_journal.json",
            ["check-naming", "m"],
            2,
            "m/meta/_journal.json:1:1: journal-mismatch cannot read the drizzle journal: a named "
            "pipe (FIFO), not a file: not read [error]",
            id="drizzle-journal",
        ),
        pytest.param(
            {"m/0001_drop.sql": BREAKING},
            ".migration-lint-baseline.json",
            ["baseline", "m"],
            3,
            "migration-lint: error: .migration-lint-baseline.json: not a regular file: the "
            "baseline is not written",
            id="baseline",
        ),
        pytest.param(
            {"m/20250101000000_init/migration.sql": BREAKING},
            "m/migration_lock.toml",
            ["lint", "m"],
            1,
            "m/20250101000000_init/migration.sql:1:1: drop-column",
            id="prisma-migration-lock",
        ),
        pytest.param(
            {"m/V1__drop.sql": BREAKING},
            "m/V1__drop.sql.conf",
            ["lint", "m"],
            1,
            "m/V1__drop.sql:1:1: drop-column",
            id="flyway-script-config",
        ),
        pytest.param(
            {"m/0001_drop.up.sql": BREAKING},
            "m/0001_drop.down.sql",
            ["lint", "m"],
            1,
            "m/0001_drop.up.sql:1:1: drop-column",
            id="golang-migrate-down-file",
        ),
    ],
)
def test_a_fifo_named_like_a_config_file_never_blocks(
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str],
    fifo: str,
    command: list[str],
    code: int,
    expected: str,
) -> None:
    write(files)
    Path(fifo).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(fifo)
    found, lines = run(command, capsys)
    assert found == code
    assert any(line.startswith(expected) for line in lines), lines


def journal(*entries: object) -> str:
    """A journal as drizzle-kit writes it (two-space indent), `0000_init` first: the second
    entry's `tag` is on line 16."""
    first = {"idx": 0, "version": "7", "when": 1000, "tag": "0000_init", "breakpoints": True}
    return json.dumps(
        {"version": "7", "dialect": "postgresql", "entries": [first, *entries]}, indent=2
    )


def entry(**fields: object) -> dict[str, object]:
    return {"idx": 1, "version": "7", "when": 2000, "tag": "0001_x", "breakpoints": True, **fields}


UNREADABLE = "drizzle/meta/_journal.json:1:1: journal-mismatch cannot read the drizzle journal: "
ENTRY_2 = "drizzle/meta/_journal.json:16:1: journal-mismatch journal entry "


@pytest.mark.parametrize(
    ("text", "code", "expected"),
    [
        pytest.param(
            '{"entries": "0000_init"}',
            2,
            UNREADABLE + "`entries` must be a list, not a string",
            id="entries-string",
        ),
        pytest.param(
            '{"entries": 5}',
            2,
            UNREADABLE + "`entries` must be a list, not the number 5",
            id="entries-int",
        ),
        pytest.param(
            '{"entries": null}',
            2,
            UNREADABLE + "`entries` must be a list, not null",
            id="entries-null",
        ),
        pytest.param(
            '{"entries": {}}',
            2,
            UNREADABLE + "`entries` must be a list, not an object",
            id="entries-dict",
        ),
        pytest.param("{}", 2, UNREADABLE + "it has no `entries`", id="no-entries"),
        pytest.param(
            "[]", 2, UNREADABLE + "it must be an object with `entries`, not a list", id="list"
        ),
        pytest.param(
            '{\n  "entries": [\n',
            2,
            "drizzle/meta/_journal.json:3:1: journal-mismatch cannot read the drizzle journal: "
            "invalid JSON: Expecting value: line 3 column 1 (char 17)",
            id="truncated",
        ),
        pytest.param(
            journal(entry(when=float("nan"))),
            2,
            UNREADABLE + "invalid JSON: NaN is not JSON",
            id="nan",
        ),
        pytest.param(
            '{"entries": ' + "[" * 100_000 + "]" * 100_000 + "}",
            2,
            UNREADABLE + "invalid JSON: nested too deeply",
            id="nested-very-deep",
        ),
        pytest.param(
            journal("0001_x"),
            2,
            "drizzle/meta/_journal.json:1:1: journal-mismatch journal entry 2 is a string, not "
            "an object with `tag`: drizzle's migrator fails on it",
            id="entry-string",
        ),
        pytest.param(
            journal(entry(tag=5)),
            2,
            ENTRY_2
            + "2 has `tag` the number 5, not a migration's name: drizzle's migrator fails on it",
            id="tag-int",
        ),
        pytest.param(journal(entry(tag=None)), 2, ENTRY_2 + "2 has `tag` null", id="tag-null"),
        pytest.param(
            journal(entry(tag=["0001_x"])), 2, ENTRY_2 + "2 has `tag` a list", id="tag-list"
        ),
        pytest.param(journal(entry(tag={})), 2, ENTRY_2 + "2 has `tag` an object", id="tag-dict"),
        pytest.param(
            journal(entry(when="2000")),
            2,
            ENTRY_2 + "'0001_x' has `when` a string, not a time in milliseconds: drizzle's "
            "migrator orders and records migrations by it",
            id="when-string",
        ),
        pytest.param(
            journal(entry(when=None)), 2, ENTRY_2 + "'0001_x' has `when` null", id="when-null"
        ),
        pytest.param(
            journal(entry(when=True)), 2, ENTRY_2 + "'0001_x' has `when` true", id="when-bool"
        ),
        # drizzle's migrator never reads idx: whatever it holds runs the same.
        pytest.param(journal(entry(idx="1")), 0, "Found no problems", id="idx-string"),
        pytest.param(journal(entry(idx=None)), 0, "Found no problems", id="idx-null"),
        pytest.param(journal(entry(idx=[1])), 0, "Found no problems", id="idx-list"),
    ],
)
def test_a_journal_of_the_wrong_shape_is_a_finding_at_its_line(
    capsys: pytest.CaptureFixture[str], text: str, code: int, expected: str
) -> None:
    write(
        {
            "drizzle/0000_init.sql": "SELECT 1;\n",
            "drizzle/0001_x.sql": "SELECT 1;\n",
            "drizzle/meta/_journal.json": text,
        }
    )
    found, lines = run(["check-naming", "drizzle"], capsys)
    assert found == code
    assert any(line.startswith(expected) for line in lines), lines


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "{",
            "invalid JSON: Expecting property name enclosed in double quotes: line 1 column 2 "
            "(char 1)",
            id="invalid-json",
        ),
        pytest.param("[]", "must be a JSON object, not a list", id="list"),
        pytest.param('{"out": 5}', "`out` must be a string, not the number 5", id="out-int"),
        pytest.param('{"out": ["m"]}', "`out` must be a string, not a list", id="out-list"),
        pytest.param(
            '{"out": "m", "dialect": {}}',
            "`dialect` must be a string, not an object",
            id="dialect-dict",
        ),
        pytest.param(
            '{"out": "m", "migrations": []}',
            "`migrations` must be an object, not a list",
            id="migrations-list",
        ),
        pytest.param(
            '{"out": "m", "migrations": {"prefix": ["index"]}}',
            "`migrations.prefix` must be a string, not a list",
            id="prefix-list",
        ),
        pytest.param(
            '{"out": "m", "schema": 5}',
            "`schema` must be a string or a list of strings",
            id="schema-int",
        ),
        pytest.param(
            '{"out": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "invalid JSON: nested too deeply",
            id="nested-very-deep",
        ),
    ],
)
def test_a_drizzle_config_json_that_cannot_be_used_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    write({"drizzle.config.json": text, "m/0001_drop.sql": BREAKING})
    code, lines = run(["lint", "m"], capsys)
    assert (code, lines) == (3, [f"migration-lint: error: drizzle.config.json: {message}"])


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
            # The value is not echoed: a secret typed into the wrong key stays out of CI logs.
            "'max-file-size' must be a size in MiB such as 16",
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


def drizzle_config(tmp_path: Path, text: str) -> tuple[object, ...]:
    path = tmp_path / "drizzle.config.ts"
    path.write_text(text)
    config = read_drizzle_config(path)
    return config.out, config.schema, config.dialect, config.prefix, config.out_code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            'export default { schema: "./src/**/schema.ts", out: "./drizzle" };',
            ("drizzle", ("src/**/schema.ts",), None, None, None),
            id="glob-is-no-comment",
        ),
        pytest.param(
            'export default { dbCredentials: { url: "postgres://db/app" }, out: "./drizzle" };',
            ("drizzle", (), None, None, None),
            id="url-is-no-comment",
        ),
        pytest.param(
            'export default {\n  // out: "./old",\n  /* out: "x" \' */ out: \'./drizzle\',\n};',
            ("drizzle", (), None, None, None),
            id="comments-with-quotes",
        ),
        pytest.param(
            'export default { out: "./drizzle" /* never closed',
            ("drizzle", (), None, None, None),
            id="unterminated-comment",
        ),
        pytest.param(
            "export default { out: `./drizzle`, dialect: `postgresql` };",
            ("drizzle", (), "postgresql", None, None),
            id="template-literal",
        ),
        pytest.param(
            "export default { out: `./${dir}/drizzle` };",
            (None, (), None, None, "`./${dir}/drizzle`"),
            id="template-with-code",
        ),
        pytest.param(
            'export default { out: "./" + "drizzle" };',
            (None, (), None, None, '"./" + "drizzle"'),
            id="concatenation",
        ),
        pytest.param(
            'export default { "out": "./dri\\"zz\\u006ce" };',
            ('dri"zzle', (), None, None, None),
            id="quoted-key-and-escapes",
        ),
        pytest.param(
            'export default { migrations: { prefix: "timestamp", schema: "public" },\n'
            '  schema: ["./a.ts", /* "./b.ts", */ "./c.ts", other], out: "./drizzle" };',
            ("drizzle", ("a.ts", "c.ts"), None, "timestamp", None),
            id="migrations-block-and-schema-list",
        ),
    ],
)
def test_the_drizzle_config_reader_knows_strings_comments_and_templates(
    tmp_path: Path, text: str, expected: tuple[object, ...]
) -> None:
    assert drizzle_config(tmp_path, text) == expected


def test_a_schema_glob_in_the_drizzle_config_still_requires_a_migration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = DrizzleRepo(tmp_path / "app", "drizzle")
    repo.write(
        "drizzle.config.ts",
        'export default { dialect: "postgresql", schema: "./src/**/schema-pg.ts", '
        'out: "./drizzle" };\n',
    )
    repo.commit("schema as a glob")
    repo.change_schema()
    repo.stage()
    os.chdir(repo.path)
    code, lines = run(["require-migration"], capsys)
    assert code == 2
    assert lines[0].startswith(
        "src/db/schema-pg.ts:1:1: missing-migration the schema file src/db/schema-pg.ts changed"
    )


def test_a_drizzle_out_written_as_a_template_with_code_cannot_be_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    write(
        {"drizzle.config.ts": 'export default { dialect: "postgresql", out: `${root}/drizzle` };\n'}
    )
    code, lines = run(["lint"], capsys)
    assert code == 2
    assert lines[0].startswith(
        "migration-lint: error: drizzle.config.ts: `out` is not a string literal "
        "(`${root}/drizzle`); migration-lint reads the config without running it"
    )


def test_a_tracked_drizzle_config_deleted_from_the_working_tree_is_left_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = 'export default { dialect: "postgresql", out: "./drizzle" };\n'
    write(
        {
            "apps/api/drizzle.config.ts": config,
            "apps/api/drizzle/0001_drop.sql": BREAKING,
            "apps/old/drizzle.config.ts": config,
        }
    )
    git(Path(), "init", "-q")
    git(Path(), "add", "-A")
    os.remove("apps/old/drizzle.config.ts")  # found through git, gone from the disk
    code, lines = run(["lint"], capsys)
    assert code == 1
    assert lines[0].startswith("apps/api/drizzle/0001_drop.sql:1:1: drop-column")


def test_a_journal_of_80000_entries_is_checked_in_linear_time(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Quadratic, this took 275 s; benchmarks/hostile_inputs.py times it.
    tags = [f"{i:04d}_m" for i in range(80_000)]
    entries = [
        {"idx": i, "version": "7", "when": 1000 + i, "tag": tag, "breakpoints": True}
        for i, tag in enumerate(tags)
    ]
    entries[-1]["when"] = 5  # before every earlier entry's
    write(
        {
            "drizzle/0000_m.sql": "SELECT 1;\n",
            "drizzle/meta/_journal.json": json.dumps(
                {"version": "7", "entries": entries}, indent=2
            ),
        }
    )
    code, lines = run(["check-naming", "drizzle"], capsys)
    assert code == 2
    # Entry n's tag is on line 7n + 8 (n from 0): the findings name the right lines.
    assert lines[0].startswith(
        "drizzle/meta/_journal.json:15:1: journal-mismatch journal entry '0001_m' has no 0001_m.sql"
    )
    assert any(
        line.startswith(
            "drizzle/meta/_journal.json:560001:1: journal-mismatch journal entry '79999_m' has "
            "`when` 5, not after an earlier entry's 80998"
        )
        for line in lines
    )
    assert lines[-1] == "Found 80000 errors in 1 file."


@pytest.mark.parametrize(
    ("migration", "expected"),
    [
        pytest.param(
            "".join(
                f"-- migration-lint: allow drop-column -- column {i} moved to the archive\n"
                f"-- rollback:\n-- ALTER TABLE t ADD COLUMN c{i} int;\n"
                f"ALTER TABLE t DROP COLUMN c{i};\n"
                for i in range(8_000)
            ),
            "Found no problems (8000 allowed) in 2 files (8001 statements).",
            id="8000-allow-directives",
        ),
        pytest.param(
            "-- migration-lint: ignore x" + " " * 200_000 + "y\nSELECT 1;\n",
            "Found 1 warning in 2 files (2 statements).",
            id="directive-with-a-long-run-of-spaces",
        ),
    ],
)
def test_many_directives_take_linear_time(
    capsys: pytest.CaptureFixture[str], migration: str, expected: str
) -> None:
    columns = ", ".join(f"c{i} int" for i in range(8_000))
    write({"m/0001_t.sql": f"CREATE TABLE t (id int, {columns});\n", "m/0002_x.sql": migration})
    code, lines = run(["lint", "m"], capsys)
    assert code == 0
    assert lines[-1] == expected
