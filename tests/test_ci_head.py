"""`ci` checks HEAD as committed, and says what it checked, or why it cannot, in the checkouts CI
systems make: shallow, detached on a merge commit, with the base missing, with uncommitted
changes."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from drizzle_repo import ALLOW_DROP, DROP_COUPON, ROLLBACK, DrizzleRepo, git
from migration_lint.cli import main

CLEAN = 'ALTER TABLE "users" ADD COLUMN "name" text;\n'
FEATURE = "drizzle/0002_drop_coupon.sql"


@pytest.fixture(autouse=True)
def no_ci_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in (
        "GITHUB_BASE_REF",
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
        "MIGRATION_LINT_APPROVED",
    ):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DrizzleRepo:
    """A feature branch that drops a column, declared, with a rollback plan."""
    project = DrizzleRepo(tmp_path / "origin", "drizzle")
    git(project.path, "checkout", "-q", "-b", "feature")
    project.add_migration("0002_drop_coupon", ALLOW_DROP + ROLLBACK + DROP_COUPON)
    project.commit("drop the coupon")
    monkeypatch.chdir(project.path)
    return project


def ci(capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    """The exit code, the JSON report (empty when there is none) and standard error."""
    code = main(["ci", "--output", "json", *flags])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out else {}, captured.err


def head(repo: Path) -> str:
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


def edit_to_harmless(repo: DrizzleRepo) -> None:
    repo.write(FEATURE, "SELECT 1;\n")


def edit_to_undeclared_drop(repo: DrizzleRepo) -> None:
    repo.write(FEATURE, DROP_COUPON)


def stage_undeclared_drop(repo: DrizzleRepo) -> None:
    edit_to_undeclared_drop(repo)
    git(repo.path, "add", FEATURE)


def add_uncommitted_migration(repo: DrizzleRepo) -> None:
    repo.add_migration("0003_drop_users", 'DROP TABLE "users";\n')


@pytest.mark.parametrize(
    ("change", "uncommitted"),
    [
        pytest.param(
            edit_to_harmless,
            f"1 uncommitted change is not checked ({FEATURE})",
            id="declared-drop-edited-away",
        ),
        pytest.param(
            edit_to_undeclared_drop,
            f"1 uncommitted change is not checked ({FEATURE})",
            id="declaration-edited-away",
        ),
        pytest.param(
            stage_undeclared_drop,
            f"1 uncommitted change is not checked ({FEATURE})",
            id="staged-not-committed",
        ),
        pytest.param(
            add_uncommitted_migration,
            "2 uncommitted changes are not checked (drizzle/meta/_journal.json, "
            "drizzle/0003_drop_users.sql)",
            id="new-migration-not-committed",
        ),
    ],
)
def test_ci_checks_what_is_committed_and_says_what_it_leaves_out(
    repo: DrizzleRepo,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[DrizzleRepo], None],
    uncommitted: str,
) -> None:
    base = subprocess.run(
        ["git", "merge-base", "HEAD", "main"], cwd=repo.path, capture_output=True, text=True
    ).stdout.strip()
    change(repo)
    code, report, err = ci(capsys, "--base", "main", "--output", "markdown:comment.md")
    # The committed migration, declared: whatever the working tree holds.
    assert (code, report["summary"]["gate"]) == (1, "needs-approval")
    assert [(d["rule"], d["path"], d["allowed"]) for d in report["diagnostics"]] == [
        ("drop-column", FEATURE, True)
    ]
    assert err == (
        f"migration-lint ci: checks the committed HEAD {head(repo.path)[:12]} (branch feature) "
        f"against main (merge-base {base[:12]}); {uncommitted}\n"
    )
    comment = (repo.path / "comment.md").read_text()
    assert f"```sql\n{ALLOW_DROP + ROLLBACK + DROP_COUPON.strip()}\n```" in comment


def test_a_committed_link_out_of_the_repository_is_not_followed(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    # What actions/checkout stores in .git/config.
    secret = "AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX3NlY3JldA=="
    git(repo.path, "config", "http.https://github.com/.extraheader", secret)
    repo.add_migration("0003_config", "")
    (repo.path / "drizzle" / "0003_config.sql").unlink()
    (repo.path / "drizzle" / "0003_config.sql").symlink_to("../.git/config")
    repo.add_migration("0004_passwd", "")
    (repo.path / "drizzle" / "0004_passwd.sql").unlink()
    (repo.path / "drizzle" / "0004_passwd.sql").symlink_to("/etc/passwd")
    repo.commit("links")
    code, report, err = ci(capsys, "--base", "main", "--output", "markdown:comment.md")
    assert code == 2
    errors = [(d["path"], d["message"]) for d in report["diagnostics"] if d["severity"] == "error"]
    assert errors == [
        (
            "drizzle/0003_config.sql",
            "a symbolic link to ../.git/config, which is no file of HEAD: not read",
        ),
        (
            "drizzle/0004_passwd.sql",
            "a symbolic link to /etc/passwd, outside the repository: not read",
        ),
    ]
    for output in ((repo.path / "comment.md").read_text(), json.dumps(report), err):
        assert "basic" not in output and "root:" not in output


def test_a_committed_link_to_a_file_of_the_repository_is_read_as_committed(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("shared/add_name.sql", CLEAN)
    repo.add_migration("0003_add_name", "")
    (repo.path / "drizzle" / "0003_add_name.sql").unlink()
    (repo.path / "drizzle" / "0003_add_name.sql").symlink_to("../shared/add_name.sql")
    repo.commit("a shared migration")
    repo.write("shared/add_name.sql", 'DROP TABLE "users";\n')  # not committed
    code, report, _ = ci(capsys, "--base", "main", "--approved")
    assert code == 0, report["diagnostics"]
    assert report["summary"]["migrations"] == 2


def clone(tmp_path: Path, origin: Path, *options: str) -> Path:
    git(tmp_path, "clone", "-q", *options, f"file://{origin}", "clone")
    return tmp_path / "clone"


def single_branch(tmp_path: Path, origin: Path) -> Path:
    """What `git clone --depth 1` of the branch makes: no base branch at all."""
    return clone(tmp_path, origin, "--depth", "1", "--branch", "feature")


def every_branch(tmp_path: Path, origin: Path) -> Path:
    """The base branch fetched too, but one commit deep: where they meet is missing."""
    return clone(tmp_path, origin, "--depth", "1", "--no-single-branch", "--branch", "feature")


def github_pull_request(tmp_path: Path, origin: Path) -> Path:
    """As actions/checkout checks out a pull request by default: the merge commit GitHub makes,
    one commit deep, detached, and nothing else."""
    git(origin, "checkout", "-q", "main")
    git(origin, "merge", "-q", "--no-ff", "feature", "-m", "Merge feature into main")
    git(origin, "update-ref", "refs/pull/1/merge", "HEAD")
    git(origin, "reset", "-q", "--hard", "HEAD^")
    work = tmp_path / "clone"
    work.mkdir()
    git(work, "init", "-q")
    git(work, "remote", "add", "origin", f"file://{origin}")
    git(
        work,
        "fetch",
        "-q",
        "--no-tags",
        "--depth=1",
        "origin",
        "+refs/pull/1/merge:refs/remotes/pull/1/merge",
    )
    git(work, "checkout", "-q", "--detach", "refs/remotes/pull/1/merge")
    return work


FETCH_MAIN = "git fetch --unshallow origin +refs/heads/main:refs/remotes/origin/main"
FULL_HISTORY = (
    "or check out the full history (actions/checkout: `fetch-depth: 0`; GitLab: `GIT_DEPTH: 0`)"
)


@pytest.mark.parametrize(
    ("checkout", "flags", "error", "branch"),
    [
        pytest.param(
            single_branch,
            ["--base", "main"],
            f"--base main: no such branch or commit here: run `{FETCH_MAIN}` and pass "
            f"`--base origin/main`, {FULL_HISTORY}",
            "branch feature",
            id="shallow-without-the-base",
        ),
        pytest.param(
            every_branch,
            ["--base", "origin/main"],
            "this clone is shallow: its history stops before HEAD and origin/main meet: run "
            f"`{FETCH_MAIN}`, {FULL_HISTORY}",
            "branch feature",
            id="shallow-base-without-history",
        ),
        pytest.param(
            github_pull_request,
            [],
            f"$GITHUB_BASE_REF names 'main', which is not fetched: run `{FETCH_MAIN}`, "
            f"{FULL_HISTORY}",
            "detached",
            id="github-pull-request",
        ),
    ],
)
def test_a_shallow_clone_says_how_to_fetch_the_base_and_then_works(
    repo: DrizzleRepo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    checkout: Callable[[Path, Path], Path],
    flags: list[str],
    error: str,
    branch: str,
) -> None:
    work = checkout(tmp_path, repo.path)
    monkeypatch.chdir(work)
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    code, _, err = ci(capsys, *flags)
    assert (code, err) == (2, f"migration-lint: error: {error}\n")
    fetch, *passed = re.findall(r"`([^`]*)`", error)
    subprocess.run(fetch.split(), cwd=work, check=True, capture_output=True)
    flags = passed[0].split() if passed[0].startswith("--base") else flags
    code, report, err = ci(capsys, *flags)
    assert (code, report["summary"]["gate"]) == (1, "needs-approval")
    assert [d["path"] for d in report["diagnostics"]] == [FEATURE]
    assert err.startswith(
        f"migration-lint ci: checks the committed HEAD {head(work)[:12]} ({branch})"
    )
    assert "uncommitted" not in err


def unrelated_base(repo: DrizzleRepo) -> list[str]:
    git(repo.path, "checkout", "-q", "--orphan", "elsewhere")
    repo.commit("unrelated")
    git(repo.path, "checkout", "-q", "feature")
    return ["--base", "elsewhere"]


def no_such_base(repo: DrizzleRepo) -> list[str]:
    return ["--base", "mian"]


def no_base_at_all(repo: DrizzleRepo) -> list[str]:
    git(repo.path, "branch", "-m", "main", "trunk")
    return []


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        pytest.param(
            unrelated_base,
            "HEAD and elsewhere have no commit in common: pass --base with the branch this one "
            "was made from",
            id="unrelated-base",
        ),
        pytest.param(no_such_base, "--base mian: no such branch or commit here", id="typo"),
        pytest.param(
            no_base_at_all,
            "no base branch: found no origin/HEAD, main or master; pass --base BRANCH (the branch "
            "the pull request targets), or set GITHUB_BASE_REF",
            id="no-default-branch",
        ),
    ],
)
def test_a_base_that_cannot_be_used_is_one_line(
    repo: DrizzleRepo,
    capsys: pytest.CaptureFixture[str],
    setup: Callable[[DrizzleRepo], list[str]],
    error: str,
) -> None:
    flags = setup(repo)
    assert ci(capsys, *flags) == (2, {}, f"migration-lint: error: {error}\n")


def test_before_the_first_commit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / ".migration-lint.toml").write_text('paths = ["migrations"]\n')
    assert ci(capsys) == (
        2,
        {},
        "migration-lint: error: no commit yet: `ci` checks what a branch's commits change\n",
    )


def test_on_the_base_branch_itself_it_says_there_is_nothing_to_check(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo.path, "checkout", "-q", "main")
    code, report, err = ci(capsys, "--base", "main")
    assert (code, report["summary"]["migrations"]) == (0, 0)
    assert err.endswith("; HEAD is already in main: it changes nothing to check\n")


def test_run_from_a_subfolder_finds_the_same_files(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.path / "drizzle")
    code, report, _ = ci(capsys, "--base", "main")
    assert code == 1
    assert [d["path"] for d in report["diagnostics"]] == ["0002_drop_coupon.sql"]
