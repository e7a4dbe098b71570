"""Careless input ends in one line naming the path and what to do, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from drizzle_repo import DrizzleRepo, git
from migration_lint.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DrizzleRepo:
    repo = DrizzleRepo(tmp_path / "app", "drizzle")
    monkeypatch.chdir(repo.path)
    return repo


MISSING = "drizle/0001_orders.sql:1:1: input-error no such file or directory"


@pytest.mark.parametrize(
    ("command", "message"),
    [
        pytest.param(["lint"], MISSING, id="lint"),
        pytest.param(["check-naming"], MISSING, id="check-naming"),
        pytest.param(["require-migration"], MISSING, id="require-migration"),
        pytest.param(
            ["baseline"],
            "error: drizle/0001_orders.sql: no such file or directory; the baseline is unchanged",
            id="baseline",
        ),
    ],
)
def test_a_missing_path_is_an_error_for_every_command(
    project: DrizzleRepo, capsys: pytest.CaptureFixture[str], command: list[str], message: str
) -> None:
    code, out = run([*command, "drizle/0001_orders.sql"], capsys)
    assert code == 2
    assert message in out


@pytest.mark.parametrize("name", ["src/db/schema-pg.ts", "drizzle/meta/_journal.json"])
def test_lint_refuses_a_file_that_is_not_sql(
    project: DrizzleRepo, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    code, out = run(["lint", name], capsys)
    assert code == 2
    assert f"{name}:1:1: input-error not a .sql file" in out
    assert "syntax-error" not in out


def test_drizzle_config_whose_out_is_code(
    project: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write(
        "drizzle.config.ts",
        'import path from "node:path";\nexport default {\n  dialect: "postgresql",\n'
        '  out: path.join(__dirname, "drizzle"),\n  schema: "./src/db/schema-pg.ts",\n};\n',
    )
    code, out = run(["lint"], capsys)
    assert code == 2
    (line,) = out.splitlines()
    assert line.startswith(
        "migration-lint: error: drizzle.config.ts: `out` is not a string literal"
    )
    assert 'path.join(__dirname, "drizzle")' in line and "set `paths" in line


@pytest.mark.parametrize("command", [["ci", "--base", "HEAD"], ["require-migration"]])
def test_commands_without_paths_refuse_a_drizzle_out_written_as_code(
    project: DrizzleRepo, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    project.write(
        "drizzle.config.ts",
        'export default { out: path.join(__dirname, "drizzle"), dialect: "postgresql" };\n',
    )
    code, out = run(command, capsys)
    assert code == 2
    assert '`out` is not a string literal (path.join(__dirname, "drizzle"));' in out


def test_an_unknown_pre_commit_from_ref(
    project: DrizzleRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", "deadbeef")
    monkeypatch.setenv("PRE_COMMIT_TO_REF", "HEAD")
    code, out = run(["check-naming", "drizzle/0001_orders.sql"], capsys)
    assert (code, out.strip()) == (
        2,
        "migration-lint: error: PRE_COMMIT_FROM_REF=deadbeef: no such commit here (fetch it)",
    )


def test_drizzle_config_for_another_database(
    project: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write(
        "drizzle.config.ts",
        'export default { dialect: "mysql", out: "./drizzle", schema: "s.ts" };\n',
    )
    code, out = run(["lint"], capsys)
    assert code == 2
    assert "migration-lint checks PostgreSQL migrations; drizzle.config.ts is for mysql" in out
    code, out = run(["check-naming", "drizzle"], capsys)
    assert code == 2
    assert (
        "drizzle:1:1: input-error migration-lint checks PostgreSQL migrations; this folder is mysql"
        in out
    )


def test_prisma_folder_for_another_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "prisma" / "migrations"
    (folder / "20250101000000_init").mkdir(parents=True)
    (folder / "20250101000000_init" / "migration.sql").write_text("CREATE TABLE `t` (id int);\n")
    (folder / "migration_lock.toml").write_text('provider = "mysql"\n')
    for command in (
        ["lint", "prisma/migrations"],
        ["lint", "prisma/migrations/20250101000000_init/migration.sql"],
        ["check-naming", "prisma/migrations"],
    ):
        code, out = run(command, capsys)
        assert code == 2, command
        assert "migration-lint checks PostgreSQL migrations; this folder is mysql" in out
        assert "syntax-error" not in out


def test_ci_outside_a_git_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    code, out = run(["ci"], capsys)
    assert code == 2
    assert out.strip() == (
        f"migration-lint: error: {tmp_path}: not a git repository: `ci` compares a branch with "
        "its base; run it in the repository's checkout (or use `migration-lint lint` on files)"
    )


def test_ci_finds_a_default_branch_that_is_not_main(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"):
        monkeypatch.delenv(variable, raising=False)
    upstream = DrizzleRepo(tmp_path / "upstream", "drizzle")
    git(upstream.path, "branch", "-m", "main", "develop")
    git(tmp_path, "clone", "-q", str(upstream.path), "clone")
    clone = tmp_path / "clone"
    monkeypatch.chdir(clone)
    git(clone, "checkout", "-q", "-b", "feature")
    (clone / "README.md").write_text("docs\n")
    git(clone, "add", "README.md")
    git(clone, "-c", "user.email=d@example.com", "-c", "user.name=D", "commit", "-q", "-m", "docs")
    code, out = run(["ci"], capsys)
    assert code == 0 and "Gate: pass" in out
    git(clone, "remote", "set-head", "origin", "--delete")
    code, out = run(["ci"], capsys)
    assert code == 2
    assert "no base branch: found no origin/HEAD, main or master; pass --base BRANCH" in out
