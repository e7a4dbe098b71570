"""Adopting migration-lint on an existing history: old defects, baselines, schema-only edits,
--fail-on, and the text a first run prints."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from drizzle_repo import DrizzleRepo, git, journal_of
from migration_lint.cli import main

CLEAN = 'ALTER TABLE "users" ADD COLUMN "name" text;\n'
INDEX = 'CREATE INDEX "users_id_idx" ON "users" ("id");\n'


def entries(*rows: tuple[int, str, int]) -> str:
    return journal_of(rows)


OLD_JOURNAL = entries((0, "0000_init", 1000), (2, "0001_orders", 2000))  # idx 1 missing
NEW_JOURNAL = entries((0, "0000_init", 1000), (2, "0001_orders", 2000), (3, "0003_name", 3000))


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DrizzleRepo:
    """A drizzle project whose committed history has an idx gap and a file the journal does
    not list (a backfill someone ran by hand), like most real folders."""
    project = DrizzleRepo(tmp_path / "app", "drizzle")
    project.write("drizzle/0002_backfill.sql", 'UPDATE "orders" SET "coupon" = \'\';\n')
    project.write("drizzle/meta/_journal.json", OLD_JOURNAL)
    project.commit("old history")
    git(project.path, "checkout", "-q", "-b", "feature")
    monkeypatch.chdir(project.path)
    for variable in ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("MIGRATION_LINT_APPROVED", raising=False)
    return project


def add_clean_migration(repo: DrizzleRepo) -> None:
    repo.change_schema()
    repo.write("drizzle/0003_name.sql", CLEAN)
    repo.write("drizzle/meta/_journal.json", NEW_JOURNAL)


def ci_json(capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(["ci", "--base", "main", "--output", "json", *flags])
    return code, json.loads(capsys.readouterr().out)


def test_old_defects_do_not_fail_a_clean_change(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    add_clean_migration(repo)
    repo.stage()
    hook = [
        "check-naming",
        "--format",
        "json",
        "drizzle/0003_name.sql",
        "drizzle/meta/_journal.json",
    ]
    assert main(hook) == 0
    (older,) = json.loads(capsys.readouterr().out)["diagnostics"]
    assert (older["rule"], older["severity"], older["path"]) == (
        "older-problems",
        "info",
        "drizzle",
    )
    assert older["message"].startswith("2 older problems in drizzle (journal-mismatch)")
    assert main(["require-migration"]) == 0
    capsys.readouterr()
    repo.commit("a clean migration")
    code, report = ci_json(capsys)
    assert (code, report["summary"]["gate"]) == (0, "pass")
    assert [d["rule"] for d in report["diagnostics"]] == ["older-problems"]


def test_ad_hoc_check_lists_old_defects_as_info(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-naming", "--format", "json", "drizzle"]) == 0
    found = json.loads(capsys.readouterr().out)["diagnostics"]
    assert [(d["severity"], d["path"]) for d in found] == [
        ("info", "drizzle/0002_backfill.sql"),
        ("info", "drizzle/meta/_journal.json"),
    ]
    assert all(d["message"].endswith("(already in HEAD: not made by this change)") for d in found)
    unlisted = found[0]["help"]
    assert "move it out of the migrations folder" in unlisted
    assert "-- migration-lint: not-in-journal" in unlisted


def new_entry(idx: int, when: int) -> Callable[[DrizzleRepo], None]:
    """A change that adds 0003_name.sql with a journal entry of this idx and when."""

    def change(repo: DrizzleRepo) -> None:
        old = ((0, "0000_init", 1000), (2, "0001_orders", 2000))
        repo.write("drizzle/meta/_journal.json", entries(*old, (idx, "0003_name", when)))
        repo.write("drizzle/0003_name.sql", CLEAN)

    return change


@pytest.mark.parametrize(
    ("change", "gate", "rule"),
    [
        pytest.param(
            lambda repo: repo.write("drizzle/0003_new.sql", CLEAN),
            "blocked",
            "journal-mismatch",
            id="new-file-missing-from-journal",
        ),
        pytest.param(
            new_entry(3, 1500),
            "blocked",
            "journal-mismatch",
            id="new-entry-when-not-after-the-last",
        ),
        pytest.param(new_entry(5, 3000), "pass", "journal-mismatch", id="new-idx-gap-is-a-warning"),
    ],
)
def test_new_defects_still_fail(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str], change, gate: str, rule: str
) -> None:
    change(repo)
    repo.commit("feature")
    _, report = ci_json(capsys)
    assert report["summary"]["gate"] == gate
    assert rule in [d["rule"] for d in report["diagnostics"] if d["severity"] != "info"]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda repo: git(repo.path, "mv", "drizzle/0002_backfill.sql", "backfill.sql"),
            id="moved-out",
        ),
        pytest.param(
            lambda repo: repo.write(
                "drizzle/0002_backfill.sql",
                "-- migration-lint: not-in-journal -- ran by hand on 2025-03-01\n"
                'UPDATE "orders" SET "coupon" = \'\';\n',
            ),
            id="marked-as-run-by-hand",
        ),
    ],
)
def test_the_safe_choices_for_an_unlisted_file_pass(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str], change
) -> None:
    change(repo)
    repo.commit("deal with the stray file")
    code, report = ci_json(capsys)
    assert (code, report["summary"]["gate"]) == (0, "pass"), report["diagnostics"]
    assert "edited-migration" not in [d["rule"] for d in report["diagnostics"]]


def test_editing_a_migration_the_journal_lists_is_still_an_error(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("drizzle/0001_orders.sql", 'CREATE TABLE "orders" ("id" bigint);\n')
    repo.commit("edit")
    code, report = ci_json(capsys)
    assert code == 2 and "edited-migration" in [d["rule"] for d in report["diagnostics"]]


def test_migration_not_needed_trailer_lets_a_schema_only_branch_pass(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.change_schema()
    repo.commit("Add relations() for orders")
    code, report = ci_json(capsys)
    assert (code, report["summary"]["gate"]) == (2, "blocked")
    (finding,) = report["diagnostics"]
    assert "Migration-Not-Needed: <reason>" in finding["help"] and "SKIP=" in finding["help"]
    git(
        repo.path,
        "commit",
        "-q",
        "--amend",
        "-m",
        "Add relations() for orders\n\nMigration-Not-Needed: relations() are TypeScript only",
    )
    code, report = ci_json(capsys, "--output", "markdown:comment.md")
    assert (code, report["summary"]["gate"]) == (0, "pass")
    (finding,) = report["diagnostics"]
    assert (finding["rule"], finding["allowed"], finding["reason"]) == (
        "missing-migration",
        True,
        "relations() are TypeScript only",
    )
    assert "allowed: relations() are TypeScript only" in (repo.path / "comment.md").read_text()


def test_a_trailer_on_another_commit_does_not_allow_the_schema_change(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("README.md", "docs\n")
    git(repo.path, "add", "README.md")
    git(repo.path, "commit", "-q", "-m", "docs\n\nMigration-Not-Needed: docs only")
    repo.change_schema()
    repo.commit("schema change")
    assert ci_json(capsys)[0] == 2


def test_fail_on_warning_fails_lint_and_ci(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.change_schema()
    repo.write("drizzle/0003_name.sql", INDEX)
    repo.write("drizzle/meta/_journal.json", NEW_JOURNAL)
    repo.commit("an index")
    assert main(["lint", "drizzle/0003_name.sql"]) == 0
    assert main(["lint", "--fail-on", "warning", "drizzle/0003_name.sql"]) == 1
    capsys.readouterr()
    assert ci_json(capsys)[0] == 0
    assert ci_json(capsys, "--fail-on", "warning")[0] == 2
    repo.write(".migration-lint.toml", 'fail_on = "warning"\n')
    assert ci_json(capsys)[0] == 2
    assert main(["lint", "--fail-on", "error", "drizzle/0002_backfill.sql"]) == 0


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty migrations folder; the working directory is its parent."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "migrations").mkdir()
    return tmp_path / "migrations"


def test_baseline_then_lint_reports_only_new_findings(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "0001_init.sql").write_text('CREATE TABLE "users" ("id" int, "nick" text);\n')
    (folder / "0002_old.sql").write_text(
        '-- an old mistake\nALTER TABLE "users" DROP COLUMN "nick";\n' + INDEX
    )
    assert main(["lint", "migrations"]) == 1
    capsys.readouterr()
    assert main(["baseline", "migrations"]) == 0
    assert "Wrote 2 findings of 2 files to .migration-lint-baseline.json" in capsys.readouterr().out
    written = json.loads((tmp_path / ".migration-lint-baseline.json").read_text())
    assert sorted(e["rule"] for e in written["entries"]) == [
        "create-index-not-concurrently",
        "drop-column",
    ]
    # Lines move: the fingerprints hold.
    (folder / "0002_old.sql").write_text(
        '-- an old mistake\n\n\nALTER TABLE "users" DROP COLUMN "nick";\n' + INDEX
    )
    assert main(["lint", "--format", "json", "migrations"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert (summary["diagnostics"], summary["baselined"]) == (0, 2)
    (folder / "0003_new.sql").write_text('ALTER TABLE "users" RENAME COLUMN "id" TO "user_id";\n')
    assert main(["lint", "migrations"]) == 1
    out = capsys.readouterr().out
    assert "rename-column" in out and "drop-column" not in out
    assert "(2 baselined)" in out


def test_baseline_lists_entries_that_no_longer_match_and_never_holds_errors(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "0001_init.sql").write_text('CREATE TABLE "users" ("id" int);\n')
    (folder / "0002_index.sql").write_text(INDEX)
    (folder / "0003_broken.sql").write_text("SELEC 1;\n")
    assert main(["baseline", "migrations"]) == 2
    out = capsys.readouterr().out
    assert "syntax-error" in out and "1 error(s) cannot be baselined" in out
    assert "Wrote 1 finding of 3 files to" in out
    (folder / "0002_index.sql").write_text("SELECT 1;\n")
    (folder / "0003_broken.sql").write_text("SELECT 1;\n")
    assert main(["lint", "migrations"]) == 0
    out = capsys.readouterr().out
    assert "1 baseline entry no longer matches" in out
    assert "migrations/0002_index.sql: create-index-not-concurrently" in out


def test_help_is_printed_once_per_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "0001_x.sql").write_text(
        'CREATE TABLE "t" ("a" int, "b" int);\n'
        + "".join(f'ALTER TABLE "t" ADD COLUMN "c{i}" int;\n' for i in range(3))
    )
    (tmp_path / "m" / "0002_x.sql").write_text(
        "".join(f'CREATE INDEX "i{i}" ON "t" ("c{i}");\n' for i in range(3))
    )
    assert main(["lint", "m"]) == 0
    out = capsys.readouterr().out
    assert out.count("CREATE INDEX CONCURRENTLY") == 1  # the help, once
    assert (
        out.count(
            "(how to fix it: as for the first create-index-not-concurrently above, with these names)"
        )
        == 2
    )
    assert main(["lint", "--quiet", "m"]) == 0
    assert capsys.readouterr().out == "Found 3 warnings in 2 files (7 statements).\n"
    assert main(["lint", "--quiet", "--statistics", "m"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "3  warning   create-index-not-concurrently"


def test_lint_writes_any_output_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "0001_x.sql").write_text('DROP TABLE "t";\n')
    code = main(["lint", "m", "--output", "sarif:out.sarif", "--output", "github"])
    assert code == 1
    assert capsys.readouterr().out.startswith("::error file=m/0001_x.sql,line=1,col=1,")
    sarif = json.loads((tmp_path / "out.sarif").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["drop-table"]
    assert main(["lint", "m", "--output", "xml"]) == 3


def test_a_new_folder_without_its_journal_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing is old before the first commit: a missing journal is the change's problem."""
    monkeypatch.chdir(tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "drizzle.config.ts").write_text(
        'export default { dialect: "postgresql", out: "./drizzle", schema: "./s.ts" };\n'
    )
    (tmp_path / "drizzle").mkdir()
    (tmp_path / "drizzle" / "0000_init.sql").write_text(CLEAN)
    git(tmp_path, "add", "-A")
    assert main(["check-naming", "--format", "json", "drizzle/0000_init.sql"]) == 2
    (finding,) = json.loads(capsys.readouterr().out)["diagnostics"]
    assert finding["message"] == "cannot read the drizzle journal: it is missing"


def test_a_folder_named_by_its_absolute_path_has_the_same_old_problems(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    for folder in ("drizzle", str(repo.path / "drizzle")):
        assert main(["check-naming", "--quiet", folder]) == 0
        assert capsys.readouterr().out == "Found 2 info in 3 files.\n"


def test_a_stray_unversioned_migration_does_not_order_the_new_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / ".migration-lint.toml").write_text('paths = ["migrations"]\n')
    for name in ("20250101000000_init", "manual_fix"):
        (tmp_path / "migrations" / name).mkdir(parents=True)
        (tmp_path / "migrations" / name / "migration.sql").write_text(CLEAN)
    (tmp_path / "migrations" / "migration_lock.toml").write_text('provider = "postgresql"\n')
    git(tmp_path, "add", "-A")
    git(tmp_path, "-c", "user.email=d@e", "-c", "user.name=D", "commit", "-q", "-m", "old")
    new = tmp_path / "migrations" / "20250201000000_next" / "migration.sql"
    new.parent.mkdir()
    new.write_text(CLEAN)
    git(tmp_path, "add", "-A")
    # Prisma orders by folder name: manual_fix sorts last, but orders nothing.
    assert main(["check-naming", "--format", "json", str(new.relative_to(tmp_path))]) == 0
    assert json.loads(capsys.readouterr().out)["diagnostics"] == []


def test_fail_on_error_passes_declared_and_undeclared_breaking_changes_alike(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.change_schema()
    repo.write(
        "drizzle/0003_name.sql",
        "-- migration-lint: allow drop-column -- moved\n-- rollback:\n"
        '-- ALTER TABLE "orders" ADD COLUMN "coupon" text;\n'
        'ALTER TABLE "orders" DROP COLUMN "coupon";\n',
    )
    repo.write("drizzle/meta/_journal.json", NEW_JOURNAL)
    repo.commit("drop")
    assert ci_json(capsys)[1]["summary"]["gate"] == "needs-approval"
    assert ci_json(capsys, "--fail-on", "error")[1]["summary"]["gate"] == "pass"


def test_different_advice_of_one_rule_is_not_folded(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("drizzle/0003_name.sql", CLEAN)
    repo.write("drizzle/0004_other.sql", CLEAN)
    repo.write("drizzle/meta/_journal.json", NEW_JOURNAL.replace('"idx": 3', '"idx": 7'))
    git(repo.path, "add", "-A")
    main(["check-naming", "drizzle"])
    out = capsys.readouterr().out
    assert "this is harmless" in out  # the new idx gap's help
    assert "move it out of the migrations folder" in out  # the unlisted file's, not folded


def test_a_trailer_on_a_merge_commit_counts(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo.path, "checkout", "-q", "-b", "relations")
    repo.change_schema()
    repo.commit("relations()")
    git(repo.path, "checkout", "-q", "feature")
    git(
        repo.path,
        "merge",
        "-q",
        "--no-ff",
        "relations",
        "-m",
        "Merge relations\n\nMigration-Not-Needed: merged relations()",
    )
    code, report = ci_json(capsys)
    assert (code, report["diagnostics"][0]["reason"]) == (0, "merged relations()")


def test_baseline_of_one_file_keeps_the_others_and_a_typo_changes_nothing(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "0001_init.sql").write_text('CREATE TABLE "users" ("id" int);\n')
    (folder / "0002_index.sql").write_text(INDEX)
    (folder / "0003_index.sql").write_text(INDEX.replace("users_id_idx", "users_id2_idx"))
    assert main(["baseline", "migrations"]) == 0
    baseline = (tmp_path / ".migration-lint-baseline.json").read_text()
    assert main(["baseline", "migratons"]) == 2
    assert (tmp_path / ".migration-lint-baseline.json").read_text() == baseline
    assert main(["baseline", "migrations/0003_index.sql"]) == 0
    assert (tmp_path / ".migration-lint-baseline.json").read_text() == baseline
    capsys.readouterr()
    assert main(["lint", "--quiet", "migrations"]) == 0
    assert capsys.readouterr().out == "Found no problems (2 baselined) in 3 files (3 statements).\n"


def test_baseline_holds_when_a_comment_is_added_and_is_found_from_a_subfolder(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write("drizzle/0003_name.sql", INDEX)
    repo.write("drizzle/meta/_journal.json", NEW_JOURNAL)
    assert main(["baseline", "drizzle/0003_name.sql"]) == 0
    assert (repo.path / ".migration-lint-baseline.json").is_file()
    repo.write("drizzle/0003_name.sql", "-- the users table is small\n" + INDEX)
    monkeypatch.chdir(repo.path / "drizzle")
    capsys.readouterr()
    assert main(["lint", "--quiet", "0003_name.sql"]) == 0
    assert capsys.readouterr().out == "Found no problems (1 baselined) in 1 file (1 statement).\n"


def test_a_folder_outside_the_repository_is_checked_as_it_is(
    repo: DrizzleRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "0001_x.sql").write_text(CLEAN)
    (other / "0003_y.sql").write_text(CLEAN)
    assert main(["check-naming", "--format", "json", str(other)]) == 2
    (gap,) = json.loads(capsys.readouterr().out)["diagnostics"]
    assert (gap["rule"], gap["path"]) == ("migration-sequence", str(other / "0003_y.sql"))
