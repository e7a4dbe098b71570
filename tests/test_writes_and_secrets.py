"""Every command, in every output format: nothing in the repository changes but the files the
user names for output, and no password the repository or the environment holds is printed."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from pathlib import Path

import pytest

from drizzle_repo import ALLOW_DROP, DROP_COUPON, ROLLBACK, DrizzleRepo, git
from migration_lint.cli import main
from migration_lint.formats import FORMATS

PASSWORD = "hunter2-Zq9"
DATABASE_URL = f"postgres://app:{PASSWORD}@db.internal:5432/app"
# What actions/checkout keeps in .git/config for the job's token.
TOKEN_HEADER = f"AUTHORIZATION: basic {PASSWORD}"

FILES = {name: f"out-{name}.txt" for name in FORMATS}  # --output FORMAT:FILE for each format
REPORTING = [
    flag for name in FORMATS for flag in ("--output", name, "--output", f"{name}:{FILES[name]}")
]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DrizzleRepo:
    """A drizzle project with a password in every place a project keeps one, a feature branch
    with findings, a staged schema change and uncommitted edits."""
    project = DrizzleRepo(tmp_path / "app", "drizzle")
    project.write(
        "pyproject.toml",
        '[tool.migration-lint]\npaths = ["drizzle"]\nschema = ["src/db/schema-pg.ts"]\n\n'
        f'[tool.other]\ndatabase_url = "{DATABASE_URL}"\n',
    )
    project.write(".gitignore", ".env\n")
    project.write(".env", f"DATABASE_URL={DATABASE_URL}\nPGPASSWORD={PASSWORD}\n")
    project.commit("config")
    git(project.path, "remote", "add", "origin", f"https://ci:{PASSWORD}@git.example.com/app.git")
    git(project.path, "config", "http.https://git.example.com/.extraheader", TOKEN_HEADER)
    git(project.path, "checkout", "-q", "-b", "feature")
    project.add_migration("0002_drop_coupon", ALLOW_DROP + ROLLBACK + DROP_COUPON)
    project.add_migration("0003_index", 'CREATE INDEX "orders_id_idx" ON "orders" ("id");\n')
    project.commit("drop the coupon, index orders")
    project.change_schema()
    git(project.path, "add", "src/db/schema-pg.ts")
    project.write("README.md", "not committed\n")
    monkeypatch.chdir(project.path)
    monkeypatch.setenv("DATABASE_URL", DATABASE_URL)
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    for variable in ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"):
        monkeypatch.delenv(variable, raising=False)
    return project


def checksums(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every file and link below root, .git included: its mode, modification time and content
    (a link's target)."""
    found = {}
    for folder, folders, files in os.walk(root):
        for name in folders + files:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            if stat.S_ISDIR(info.st_mode):
                continue
            content = (
                os.readlink(path).encode()
                if stat.S_ISLNK(info.st_mode)
                else Path(path).read_bytes()
            )
            relative = os.path.relpath(path, root)
            found[relative] = (info.st_mode, info.st_mtime_ns, hashlib.sha256(content).hexdigest())
    return found


def git_status(root: Path) -> set[str]:
    # Without --no-optional-locks, status itself writes the index.
    listing = subprocess.run(
        ["git", "--no-optional-locks", "status", "--porcelain", "--ignored"],
        cwd=root,
        capture_output=True,
        text=True,
    ).stdout
    return set(listing.splitlines())


@pytest.mark.parametrize(
    ("argv", "code", "written"),
    [
        pytest.param(["lint", "drizzle", *REPORTING], 0, list(FILES.values()), id="lint"),
        pytest.param(
            ["check-naming", "drizzle", *REPORTING], 0, list(FILES.values()), id="check-naming"
        ),
        pytest.param(
            ["require-migration", *REPORTING], 2, list(FILES.values()), id="require-migration"
        ),
        pytest.param(["ci", "--base", "main", *REPORTING], 1, list(FILES.values()), id="ci"),
        pytest.param(["baseline", "drizzle"], 0, [".migration-lint-baseline.json"], id="baseline"),
        pytest.param(["rules"], 0, [], id="rules"),
        pytest.param(["rules", "drop-column"], 0, [], id="rules-one"),
        pytest.param(["rules", "--markdown"], 0, [], id="rules-markdown"),
    ],
)
def test_only_the_named_files_change_and_no_password_is_printed(
    repo: DrizzleRepo,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    code: int,
    written: list[str],
) -> None:
    before, status = checksums(repo.path), git_status(repo.path)
    config = (repo.path / ".git" / "config").read_text()
    assert main(argv) == code
    captured = capsys.readouterr()
    after = checksums(repo.path)
    changed = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    assert changed == set(written)
    assert (repo.path / ".git" / "config").read_text() == config
    assert git_status(repo.path) == status | {f"?? {name}" for name in written}
    printed = [captured.out, captured.err, *((repo.path / name).read_text() for name in written)]
    assert captured.out or written
    for text in printed:
        assert PASSWORD not in text


@pytest.mark.parametrize(
    ("config", "error"),
    [
        pytest.param(
            f'database-url = "{DATABASE_URL}"\n',
            "unknown key 'database-url' (known keys: paths, select,",
            id="unknown-key",
        ),
        pytest.param(
            f'paths = "{DATABASE_URL}"\n',
            "'paths' must be a list of migration folders",
            id="wrong-type",
        ),
        pytest.param(
            f'baseline = ["{DATABASE_URL}"]\n',
            "'baseline' must be a file name",
            id="list-for-a-string",
        ),
    ],
)
@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["lint"], id="lint"),
        pytest.param(["check-naming"], id="check-naming"),
        pytest.param(["require-migration"], id="require-migration"),
        pytest.param(["ci", "--base", "main"], id="ci"),
        pytest.param(["baseline"], id="baseline"),
    ],
)
def test_a_config_error_does_not_print_the_value(
    repo: DrizzleRepo,
    capsys: pytest.CaptureFixture[str],
    config: str,
    error: str,
    argv: list[str],
) -> None:
    repo.write(".migration-lint.toml", config)
    assert main(argv) == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    config_file = repo.path / ".migration-lint.toml"
    assert captured.err.startswith(f"migration-lint: error: {config_file}: {error}")
    assert PASSWORD not in captured.err and "db.internal" not in captured.err
