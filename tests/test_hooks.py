"""The hooks end to end: a real git repository, the real pre-commit framework, hooks/pre-commit,
and the husky and lefthook set-ups docs/workflow.md gives."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from drizzle_repo import ALLOW_DROP, DROP_COUPON, ROLLBACK, DrizzleRepo, git
from drizzle_repo import MIGRATIONS as BASE_MIGRATIONS

CHECKOUT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

MIGRATIONS = {**BASE_MIGRATIONS, "0002_user_name": 'ALTER TABLE "users" ADD COLUMN "name" text;\n'}
DECLARED_DROP = ALLOW_DROP + ROLLBACK + DROP_COUPON


@pytest.fixture
def repo(tmp_path: Path) -> DrizzleRepo:
    return DrizzleRepo(tmp_path / "app", "drizzle/postgres", MIGRATIONS)


def schema_alone(repo: DrizzleRepo) -> None:
    repo.change_schema()


def schema_with_migration(repo: DrizzleRepo) -> None:
    schema_alone(repo)
    repo.add_migration("0003_add_prefs", 'ALTER TABLE "users" ADD COLUMN "prefs" jsonb;\n')


def badly_named_migration(repo: DrizzleRepo) -> None:
    schema_alone(repo)
    repo.write("drizzle/postgres/3_AddPrefs.sql", 'ALTER TABLE "users" ADD COLUMN "prefs" jsonb;\n')


def edited_migration(repo: DrizzleRepo) -> None:
    repo.write(
        "drizzle/postgres/0002_user_name.sql",
        'ALTER TABLE "users" ADD COLUMN "name" varchar(80);\n',
    )


def deleted_migration(repo: DrizzleRepo) -> None:
    git(repo.path, "rm", "-q", "drizzle/postgres/0001_orders.sql")


def breaking_migration(repo: DrizzleRepo) -> None:
    repo.add_migration("0003_drop_coupon", DROP_COUPON)


def declared_breaking_migration(repo: DrizzleRepo) -> None:
    repo.add_migration("0003_drop_coupon", DECLARED_DROP)


INDEX = 'CREATE INDEX "orders_coupon_idx" ON "orders" ("coupon");\n'


def migration_with_a_warning(repo: DrizzleRepo) -> None:
    repo.add_migration("0003_coupon_index", INDEX)


def warning_with_fail_on_warning(repo: DrizzleRepo) -> None:
    migration_with_a_warning(repo)
    repo.write(".migration-lint.toml", 'fail-on = "warning"\n')


def clean_change_on_an_old_broken_history(repo: DrizzleRepo) -> None:
    """A history with an idx gap and a SQL file the journal does not list, committed long ago."""
    repo.write("drizzle/postgres/0003_backfill.sql", 'UPDATE "orders" SET "coupon" = \'\';\n')
    journal = json.loads((repo.path / "drizzle/postgres/meta/_journal.json").read_text())
    journal["entries"][2]["idx"] = 5
    repo.write("drizzle/postgres/meta/_journal.json", json.dumps(journal, indent=2))
    repo.commit("old history")
    repo.tags.append("0004_prefs")
    journal["entries"].append(
        {**journal["entries"][2], "idx": 6, "tag": "0004_prefs", "when": 1767225700000}
    )
    repo.write("drizzle/postgres/0004_prefs.sql", 'ALTER TABLE "users" ADD COLUMN "prefs" jsonb;\n')
    repo.write("drizzle/postgres/meta/_journal.json", json.dumps(journal, indent=2))
    repo.change_schema()


DROP_FILE = "drizzle/postgres/0003_drop_coupon.sql"
INDEX_FILE = "drizzle/postgres/0003_coupon_index.sql"
ONE_ERROR = "Found 1 error in 1 file."
# Each scenario: whether the commit passes, the findings printed ("path:line: rule", in any
# order: the hook set-ups run the checks in different orders), and a summary line printed (the
# one of the check that decides the scenario).
SCENARIOS = [
    pytest.param(
        schema_alone,
        False,
        ["src/db/schema-pg.ts:1: missing-migration"],
        ONE_ERROR,
        id="schema-without-migration",
    ),
    pytest.param(
        schema_with_migration,
        True,
        [],
        "Found no problems in 1 file (1 statement).",
        id="schema-with-migration",
    ),
    pytest.param(
        badly_named_migration,
        False,
        [
            "drizzle/postgres/3_AddPrefs.sql:1: migration-naming",
            "drizzle/postgres/3_AddPrefs.sql:1: journal-mismatch",
        ],
        "Found 2 errors in 4 files.",
        id="bad-name",
    ),
    pytest.param(
        edited_migration,
        False,
        ["drizzle/postgres/0002_user_name.sql:1: edited-migration"],
        ONE_ERROR,
        id="edited-committed-migration",
    ),
    pytest.param(
        breaking_migration,
        False,
        [f"{DROP_FILE}:1: drop-column"],
        "Found 1 breaking in 1 file (1 statement).",
        id="breaking-change",
    ),
    # A declared breaking change passes, and is still shown.
    pytest.param(
        declared_breaking_migration,
        True,
        [f"{DROP_FILE}:4: drop-column"],
        "Found no problems (1 allowed) in 1 file (1 statement).",
        id="declared-breaking-change",
    ),
    # A passing hook still shows its warnings; a team can make them fail.
    pytest.param(
        migration_with_a_warning,
        True,
        [f"{INDEX_FILE}:1: create-index-not-concurrently"],
        "Found 1 warning in 1 file (1 statement).",
        id="warning",
    ),
    pytest.param(
        warning_with_fail_on_warning,
        False,
        [f"{INDEX_FILE}:1: create-index-not-concurrently"],
        "Found 1 warning in 1 file (1 statement).",
        id="fail-on-warning",
    ),
    pytest.param(
        clean_change_on_an_old_broken_history,
        True,
        ["drizzle/postgres:1: older-problems"],
        "Found 1 info in 5 files.",
        id="old-broken-history",
    ),
]
# Hooks that compute the staged files themselves must keep deletions (pre-commit's always_run
# hook gets them from git; its ten-second runs are spared this case).
SCENARIOS_AND_DELETION = [
    *SCENARIOS,
    pytest.param(
        deleted_migration,
        False,
        ["drizzle/postgres/0001_orders.sql:1: edited-migration"],
        ONE_ERROR,
        id="deleted-committed-migration",
    ),
]
OUTCOME = ("change", "passes", "findings", "summary")
# A finding as the text output starts it: path:line:column: rule-id
FINDING = re.compile(r"^(\S+:\d+):\d+: ([a-z][a-z0-9-]*) ", re.MULTILINE)


def assert_printed(output: str, findings: list[str], summary: str) -> None:
    """The hooks printed exactly these findings, and this summary line."""
    printed = [f"{where}: {rule}" for where, rule in FINDING.findall(output)]
    assert sorted(printed) == sorted(findings), output
    assert summary in output.splitlines(), output


def run_hook(
    command: list[str], repo: DrizzleRepo, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=repo.path, capture_output=True, text=True, env=env)


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One hook environment for the whole session: pre-commit installs the hook repo once.
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.mark.parametrize(OUTCOME, SCENARIOS)
def test_pre_commit_framework(
    repo: DrizzleRepo,
    pre_commit_home: Path,
    change: Callable[[DrizzleRepo], None],
    passes: bool,
    findings: list[str],
    summary: str,
) -> None:
    change(repo)
    repo.stage()
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home)}
    result = run_hook([str(BIN / "pre-commit"), "try-repo", str(CHECKOUT)], repo, env)
    output = result.stdout + result.stderr
    assert (result.returncode == 0) is passes, output
    assert_printed(output, findings, summary)


@pytest.mark.parametrize(OUTCOME, SCENARIOS_AND_DELETION)
def test_plain_git_hook(
    repo: DrizzleRepo,
    change: Callable[[DrizzleRepo], None],
    passes: bool,
    findings: list[str],
    summary: str,
) -> None:
    shutil.copy(CHECKOUT / "hooks" / "pre-commit", repo.path / "pre-commit-hook")
    change(repo)
    repo.stage()
    git(repo.path, "reset", "-q", "pre-commit-hook")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    result = run_hook(["sh", "pre-commit-hook"], repo, env)
    output = result.stdout + result.stderr
    assert (result.returncode == 0) is passes, output
    assert_printed(output, findings, summary)


def workflow_doc_block(language: str, first_line: str) -> str:
    """The one code block of docs/workflow.md in `language` that starts with `first_line`."""
    text = (CHECKOUT / "docs" / "workflow.md").read_text()
    (block,) = [
        body
        for lang, body in re.findall(r"```(\w+)\n(.*?)```", text, re.DOTALL)
        if lang == language and body.startswith(first_line)
    ]
    return block


@pytest.mark.parametrize(OUTCOME, SCENARIOS_AND_DELETION)
def test_husky_hook_in_docs(
    repo: DrizzleRepo,
    change: Callable[[DrizzleRepo], None],
    passes: bool,
    findings: list[str],
    summary: str,
) -> None:
    change(repo)
    repo.stage()
    script = workflow_doc_block("sh", "# .husky/pre-commit")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    # husky 9 runs .husky/pre-commit with `sh -e`.
    result = run_hook(["sh", "-e", "-c", script], repo, env)
    output = result.stdout + result.stderr
    assert (result.returncode == 0) is passes, output
    assert_printed(output, findings, summary)


def only_git_and_sh(tmp_path: Path) -> Path:
    """A directory for PATH with git and sh, but no migration-lint: links to just those two."""
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in ("git", "sh"):
        found = shutil.which(name)
        assert found is not None
        (tools / name).symlink_to(found)
    return tools


def test_husky_hook_in_docs_says_how_to_install_the_tool(repo: DrizzleRepo, tmp_path: Path) -> None:
    schema_alone(repo)
    repo.stage()
    tools = only_git_and_sh(tmp_path)
    script = workflow_doc_block("sh", "# .husky/pre-commit")
    result = run_hook(["sh", "-e", "-c", script], repo, {**os.environ, "PATH": str(tools)})
    assert result.returncode == 1
    assert 'pip install "pg-migration-lint @ git+https://' in result.stderr


def lefthook_jobs() -> list[dict[str, str]]:
    config = yaml.safe_load(workflow_doc_block("yaml", "# lefthook.yml"))
    jobs: list[dict[str, str]] = config["pre-commit"]["jobs"]
    return jobs


def test_lefthook_config_in_docs_runs_the_three_checks() -> None:
    runs = {job["name"]: job["run"] for job in lefthook_jobs()}
    assert runs == {
        # Without {staged_files}, which leaves deleted files out: it reads git's staged changes.
        "migration-lint-require-migration": "migration-lint-require-migration",
        "migration-lint-naming": "migration-lint-naming {staged_files}",
        "migration-lint": "migration-lint lint --migrations-only {staged_files}",
    }


@pytest.mark.parametrize(OUTCOME, SCENARIOS_AND_DELETION)
def test_lefthook_config_in_docs(
    repo: DrizzleRepo,
    change: Callable[[DrizzleRepo], None],
    passes: bool,
    findings: list[str],
    summary: str,
) -> None:
    """Each job as lefthook runs it: {staged_files} is the staged files that exist (lefthook
    leaves deletions out), and a job whose {staged_files} would be empty is skipped."""
    change(repo)
    repo.stage()
    staged = subprocess.run(
        ["git", "diff", "--cached", "--name-only", "--diff-filter=ACMR"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    staged = [name for name in staged if name]
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    failed, output = False, ""
    for job in lefthook_jobs():
        if "{staged_files}" in job["run"] and not staged:
            continue
        command = job["run"].replace("{staged_files}", shlex.join(staged))
        result = run_hook(["sh", "-c", command], repo, env)
        failed = failed or result.returncode != 0
        output += result.stdout + result.stderr
    assert failed is not passes, output
    assert_printed(output, findings, summary)


def test_hooks_path_setup_runs_the_hook_on_commit(repo: DrizzleRepo) -> None:
    shutil.copytree(CHECKOUT / "hooks", repo.path / "hooks")
    git(repo.path, "add", "hooks")
    git(repo.path, "commit", "-q", "-m", "hooks", "--no-verify")
    git(repo.path, "config", "core.hooksPath", "hooks")
    schema_alone(repo)
    repo.stage()
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        ["git", "commit", "-m", "schema only"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode != 0 and "missing-migration" in result.stdout + result.stderr


def test_plain_git_hook_refuses_unstaged_edits_of_staged_files(repo: DrizzleRepo) -> None:
    shutil.copy(CHECKOUT / "hooks" / "pre-commit", repo.path / "pre-commit-hook")
    repo.add_migration("0003_drop_coupon", DECLARED_DROP)
    repo.stage()
    git(repo.path, "reset", "-q", "pre-commit-hook")
    repo.write(
        "drizzle/postgres/0003_drop_coupon.sql", 'ALTER TABLE "orders" DROP COLUMN "coupon";\n'
    )
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    result = run_hook(["sh", "pre-commit-hook"], repo, env)
    assert result.returncode == 1
    assert "have unstaged changes" in result.stderr and "0003_drop_coupon.sql" in result.stderr


def test_plain_git_hook_says_how_to_install_the_tool_when_it_is_missing(
    repo: DrizzleRepo, tmp_path: Path
) -> None:
    shutil.copy(CHECKOUT / "hooks" / "pre-commit", repo.path / "pre-commit-hook")
    schema_alone(repo)
    repo.stage()
    git(repo.path, "reset", "-q", "pre-commit-hook")
    tools = only_git_and_sh(tmp_path)
    result = run_hook(["sh", "pre-commit-hook"], repo, {**os.environ, "PATH": str(tools)})
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "not found" not in result.stderr, result.stderr
    assert 'pip install "pg-migration-lint @ git+https://' in lines[0]


def test_sql_outside_the_migration_folders_is_left_alone(repo: DrizzleRepo) -> None:
    repo.write("src/queries/report.sql", "DELETE FROM orders;\n")
    repo.stage()
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    for command in (
        ["migration-lint", "lint", "--migrations-only", "src/queries/report.sql"],
        ["migration-lint-naming", "src/queries/report.sql"],
        ["migration-lint-require-migration", "src/queries/report.sql"],
    ):
        assert run_hook(command, repo, env).returncode == 0, command


def test_pre_push_range_is_checked(repo: DrizzleRepo) -> None:
    schema_alone(repo)
    repo.stage()
    git(repo.path, "commit", "-q", "-m", "schema only", "--no-verify")
    edited_migration(repo)
    repo.stage()
    git(repo.path, "commit", "-q", "-m", "an edit", "--no-verify")
    path = f"{BIN}{os.pathsep}{os.environ['PATH']}"
    for from_ref, to_ref, rule in (
        ("HEAD~2", "HEAD~1", "missing-migration"),
        ("HEAD~1", "HEAD", "edited-migration"),
    ):
        env = {
            **os.environ,
            "PATH": path,
            "PRE_COMMIT_FROM_REF": from_ref,
            "PRE_COMMIT_TO_REF": to_ref,
        }
        result = run_hook(["migration-lint-require-migration"], repo, env)
        assert result.returncode == 2 and rule in result.stdout, result.stdout
