"""Naming, sequence, drizzle journal and drizzle config, through the check-naming command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drizzle_repo import journal_of
from migration_lint.cli import main
from migration_lint.config import Config
from migration_lint.drizzle import read_drizzle_config
from migration_lint.project import resolve_project


def journal(*entries: tuple[int, str, int]) -> str:
    return journal_of(entries)


GOOD = {
    "0000_init.sql": "CREATE TABLE a (id int);",
    "0001_brave_hulk.sql": "CREATE TABLE b (id int);",
    "meta/_journal.json": journal((0, "0000_init", 1000), (1, "0001_brave_hulk", 2000)),
}


@pytest.fixture(autouse=True)
def outside_any_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No project config around: only the folders and files given count.
    monkeypatch.chdir(tmp_path)


def check(
    tmp_path: Path, files: dict[str, str], capsys, *args: str
) -> tuple[int, list[tuple[str, str, str]]]:
    folder = tmp_path / "drizzle"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    code = main(["check-naming", "--format", "json", *(args or [str(folder)])])
    report = json.loads(capsys.readouterr().out)
    return code, [
        (d["rule"], str(Path(d["path"]).relative_to(folder)), d["message"])
        for d in report["diagnostics"]
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param({}, [], id="consistent"),
        pytest.param(
            {"3_AddPrefs.sql": "SELECT 1;"},
            [("migration-naming", "3_AddPrefs.sql"), ("journal-mismatch", "3_AddPrefs.sql")],
            id="bad-name",
        ),
        pytest.param(
            {"0002_orphan.sql": "SELECT 1;"},
            [("journal-mismatch", "0002_orphan.sql")],
            id="file-missing-from-journal",
        ),
        pytest.param(
            {
                "meta/_journal.json": journal(
                    (0, "0000_init", 1), (1, "0001_brave_hulk", 2), (2, "0002_gone", 3)
                )
            },
            [("journal-mismatch", "meta/_journal.json")],
            id="entry-without-file",
        ),
        pytest.param(
            {
                "0002_c.sql": "SELECT 1;",
                "meta/_journal.json": journal(
                    (0, "0000_init", 1), (1, "0001_brave_hulk", 2), (3, "0002_c", 3)
                ),
            },
            # A warning only: drizzle's migrator never reads idx.
            [("journal-mismatch", "meta/_journal.json", "warning")],
            id="idx-gap",
        ),
        pytest.param(
            {"meta/_journal.json": journal((0, "0000_init", 5000), (1, "0001_brave_hulk", 4000))},
            [("journal-mismatch", "meta/_journal.json")],
            id="when-not-increasing",
        ),
        pytest.param(
            {
                "0001_other.sql": "SELECT 1;",
                "meta/_journal.json": journal(
                    (0, "0000_init", 1), (1, "0001_brave_hulk", 2), (2, "0001_other", 3)
                ),
            },
            [("migration-sequence", "0001_other.sql")],
            id="duplicate-number",
        ),
    ],
)
def test_drizzle_folder_checks(
    tmp_path: Path, capsys, change: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    code, found = check(tmp_path, {**GOOD, **change}, capsys)
    assert [(rule, path) for rule, path, _ in found] == [e[:2] for e in expected]
    assert code == (2 if any(len(e) == 2 for e in expected) else 0)


def test_journal_messages_say_what_the_migrator_does(tmp_path: Path, capsys) -> None:
    files = {
        **GOOD,
        "meta/_journal.json": journal((0, "0000_init", 5000), (1, "0001_brave_hulk", 4000)),
    }
    _, found = check(tmp_path, files, capsys)
    assert "silently skips it" in found[0][2]


def test_plain_folder_sequence_gap(tmp_path: Path, capsys) -> None:
    files = {"0000_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 1;", "0003_d.sql": "SELECT 1;"}
    (tmp_path / "m").mkdir()
    for name, text in files.items():
        (tmp_path / "m" / name).write_text(text)
    assert main(["check-naming", "--format", "json", str(tmp_path / "m")]) == 2
    (finding,) = json.loads(capsys.readouterr().out)["diagnostics"]
    assert finding["rule"] == "migration-sequence" and "skips from 1 to 3" in finding["message"]


def test_configured_naming_pattern_wins(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".migration-lint.toml").write_text('naming = "\\\\d{4}_[a-z_]+\\\\.sql"\n')
    code, found = check(tmp_path, {**GOOD, "0002_Bad-Name.sql": "SELECT 1;"}, capsys)
    assert code == 2
    assert ("migration-naming", "0002_Bad-Name.sql") in [(r, p) for r, p, _ in found]
    assert "the configured pattern" in next(m for r, _, m in found if r == "migration-naming")


def test_only_the_files_passed_are_name_checked(tmp_path: Path, capsys) -> None:
    files = {**GOOD, "old_Name.sql": "SELECT 1;", "meta/_journal.json": GOOD["meta/_journal.json"]}
    folder = tmp_path / "drizzle"
    (tmp_path / "README.md").write_text("not a migration")
    _, found = check(tmp_path, files, capsys, str(folder / "0001_brave_hulk.sql"), "README.md")
    # The old file is still missing from the journal (a folder problem), but its name is not checked.
    assert [(r, p) for r, p, _ in found] == [("journal-mismatch", "old_Name.sql")]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        pytest.param(
            "drizzle.config.ts",
            'import { defineConfig } from "drizzle-kit";\nexport default defineConfig({\n'
            '  schema: ["./src/db/schema-pg.ts", "./src/db/enums.ts"],\n  out: "./drizzle/postgres",\n'
            '  dialect: "postgresql",\n  migrations: { prefix: "timestamp", table: "__m" },\n});\n',
            id="ts",
        ),
        pytest.param(
            "drizzle.config.json",
            json.dumps(
                {
                    "schema": ["./src/db/schema-pg.ts", "./src/db/enums.ts"],
                    "out": "./drizzle/postgres",
                    "dialect": "postgresql",
                    "migrations": {"prefix": "timestamp"},
                }
            ),
            id="json",
        ),
    ],
)
def test_drizzle_config_is_read(tmp_path: Path, monkeypatch, name: str, text: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(text)
    found = read_drizzle_config(tmp_path / name)
    assert (found.out, found.schema, found.dialect, found.prefix) == (
        "drizzle/postgres",
        ("src/db/schema-pg.ts", "src/db/enums.ts"),
        "postgresql",
        "timestamp",
    )
    project = resolve_project(Config(), tmp_path)
    assert project.folders == ("drizzle/postgres",) and project.layout == "drizzle"
    explicit = resolve_project(
        Config(paths=("db/migrations",), schema=("db/schema.sql",)), tmp_path
    )
    assert (explicit.folders, explicit.schema) == (("db/migrations",), ("db/schema.sql",))


def test_lint_with_no_path_lints_drizzles_out_folder(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "drizzle.config.ts").write_text(
        'export default { out: "./drizzle", schema: "./schema.ts" };\n'
    )
    (tmp_path / "drizzle").mkdir()
    (tmp_path / "drizzle" / "0000_x.sql").write_text("DROP TABLE t;")
    assert main(["lint"]) == 1
    assert "drizzle/0000_x.sql:1:1: drop-table" in capsys.readouterr().out


def test_drizzle_config_comments_and_migrations_block_are_not_settings(tmp_path: Path) -> None:
    (tmp_path / "drizzle.config.ts").write_text(
        "export default defineConfig({\n"
        '  // out: "./old",\n'
        '  /* schema: "./old/schema.ts", */\n'
        '  migrations: { schema: "drizzle", table: "__drizzle_migrations", prefix: "unix" },\n'
        '  out: "./drizzle",\n'
        '  schema: "./src/schema.ts",\n'
        '  dialect: "postgresql",\n'
        "});\n"
    )
    found = read_drizzle_config(tmp_path / "drizzle.config.ts")
    assert (found.out, found.schema, found.prefix) == ("drizzle", ("src/schema.ts",), "unix")


def test_monorepo_drizzle_configs_are_found_through_git(tmp_path: Path) -> None:
    import subprocess

    for app, dialect in (("api", "postgresql"), ("mobile", "sqlite")):
        folder = tmp_path / "apps" / app
        folder.mkdir(parents=True)
        (folder / "drizzle.config.ts").write_text(
            f'export default {{ dialect: "{dialect}", schema: "./src/schema.ts", out: "./drizzle" }};\n'
        )
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    project = resolve_project(Config(), tmp_path)
    # The SQLite app's migrations are not PostgreSQL: left alone.
    assert project.folders == ("apps/api/drizzle",)
    assert project.schema == ("apps/api/src/schema.ts",)


def test_a_duplicate_number_is_blamed_on_the_newcomer(tmp_path: Path) -> None:
    from migration_lint.checks import sequence_problems
    from migration_lint.layouts import LAYOUTS

    files = ["m/0001_late.sql", "m/0001_orders.sql"]
    (problem,) = sequence_problems(files, LAYOUTS["plain"], committed={"m/0001_orders.sql"})
    assert problem.path == "m/0001_late.sql"
