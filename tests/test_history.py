"""Earlier migrations of a folder are replayed as history; findings only for the files asked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import lint_folder
from migration_lint.cli import main
from migration_lint.linter import Settings, lint_paths

USERS = "CREATE TABLE users (id bigint, name varchar(255));"
TAGS = 'CREATE TABLE "tags" ("id" bigint PRIMARY KEY, "name" text NOT NULL);'
TAGS_INDEX = 'CREATE INDEX "tags_name_idx" ON "tags" USING btree ("name");'


def lint_last_file_json(tmp_path: Path, migrations: list[str], capsys) -> list[str]:
    folder = tmp_path / "drizzle"
    folder.mkdir()
    for number, sql in enumerate(migrations):
        (folder / f"{number:04d}_step.sql").write_text(sql)
    last = folder / f"{len(migrations) - 1:04d}_step.sql"
    main(["lint", "--format", "json", str(last)])
    return [d["rule"] for d in json.loads(capsys.readouterr().out)["diagnostics"]]


@pytest.mark.parametrize(
    ("migrations", "expected"),
    [
        pytest.param(
            [USERS, "ALTER TABLE users ALTER COLUMN name TYPE varchar(512)"],
            [],
            id="widening-varchar-is-safe",
        ),
        pytest.param(
            [USERS, "ALTER TABLE users ALTER COLUMN name TYPE varchar(64)"],
            ["change-column-type"],
            id="narrowing-varchar-breaks",
        ),
        pytest.param(
            [TAGS, TAGS_INDEX],
            ["create-index-not-concurrently"],
            id="index-on-table-from-an-earlier-migration",
        ),
        pytest.param([TAGS + "\n" + TAGS_INDEX], [], id="index-on-table-from-this-migration"),
    ],
)
def test_issue_acceptance_cases(
    tmp_path: Path, capsys, migrations: list[str], expected: list[str]
) -> None:
    assert lint_last_file_json(tmp_path, migrations, capsys) == expected


def test_history_is_read_when_the_whole_folder_is_linted(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "0000_a.sql").write_text(USERS)
    (folder / "0001_b.sql").write_text("ALTER TABLE users ALTER COLUMN name TYPE text;")
    (folder / "0002_c.sql").write_text("ALTER TABLE users ALTER COLUMN id TYPE integer;")
    main(["lint", "--format", "json", str(folder)])
    report = json.loads(capsys.readouterr().out)
    assert [(Path(d["path"]).name, d["rule"]) for d in report["diagnostics"]] == [
        ("0002_c.sql", "change-column-type")
    ]
    assert "from bigint to integer" in report["diagnostics"][0]["message"]


def test_findings_are_reported_only_for_the_files_asked_about(tmp_path: Path) -> None:
    findings = lint_folder(tmp_path, ["DROP TABLE old_one;", "SELEC broken;", "DROP TABLE two;"])
    assert [(Path(d.path).name, d.rule) for d in findings] == [("0003_m.sql", "drop-table")]


def test_history_follows_renames_and_drops(tmp_path: Path) -> None:
    findings = lint_folder(
        tmp_path,
        [
            "CREATE TABLE a (id bigint, code varchar(10));",
            "ALTER TABLE a RENAME TO b;\nALTER TABLE b RENAME COLUMN code TO sku;",
            "ALTER TABLE b ALTER COLUMN sku TYPE varchar(20);\nALTER TABLE b ALTER COLUMN id TYPE text;",
        ],
    )
    # varchar(10) -> varchar(20) is safe; bigint -> text is not.
    assert [(d.rule, d.line) for d in findings] == [("change-column-type", 2)]


def test_rename_help_uses_the_column_type_from_history(tmp_path: Path) -> None:
    (finding,) = lint_folder(
        tmp_path, [USERS, "ALTER TABLE users RENAME COLUMN name TO full_name;"]
    )
    assert 'ALTER TABLE "users" ADD COLUMN "full_name" varchar(255);' in finding.help


def test_drop_column_help_skips_drop_not_null_for_a_nullable_column(tmp_path: Path) -> None:
    (finding,) = lint_folder(tmp_path, [USERS, "ALTER TABLE users DROP COLUMN name;"])
    assert "DROP NOT NULL" not in finding.help


def test_unreadable_history_does_not_stop_the_lint(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_m.sql").write_bytes(b"\xff\xfe")
    (folder / "0002_m.sql").write_text("DROP TABLE t;")
    report = lint_paths([str(folder / "0002_m.sql")], Settings())
    assert [d.rule for d in report.diagnostics] == ["drop-table"]


@pytest.mark.parametrize(
    ("workdir", "argv"),
    [
        pytest.param("", ["hist/0001_b.sql"], id="relative-path"),
        pytest.param("", ["./hist//0001_b.sql"], id="unnormalised-path"),
        pytest.param("hist", ["0001_b.sql"], id="file-in-the-working-directory"),
        pytest.param(
            "", ["./hist", "hist/0001_b.sql", "hist/./0001_b.sql"], id="same-file-three-ways"
        ),
    ],
)
def test_history_is_found_however_the_path_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workdir: str, argv: list[str]
) -> None:
    folder = tmp_path / "hist"
    folder.mkdir()
    (folder / "0000_a.sql").write_text("CREATE TABLE t (id bigint, code varchar(10));")
    (folder / "0001_b.sql").write_text(
        "ALTER TABLE t ALTER COLUMN code TYPE varchar(20);\nALTER TABLE t DROP COLUMN id;"
    )
    monkeypatch.chdir(tmp_path / workdir)
    report = lint_paths(argv, Settings())
    # The widening is safe because the history is read; the drop is reported once.
    assert [(d.rule, d.line) for d in report.diagnostics] == [("drop-column", 2)]


def test_drizzle_1_0_folder_per_migration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, sql in [
        ("20250101000000_init", "CREATE TABLE t (code varchar(10));"),
        ("20250102000000_widen", "ALTER TABLE t ALTER COLUMN code TYPE varchar(20);"),
    ]:
        (tmp_path / "drizzle" / name).mkdir(parents=True)
        (tmp_path / "drizzle" / name / "migration.sql").write_text(sql)
    monkeypatch.chdir(tmp_path / "drizzle")
    assert lint_paths(["20250102000000_widen/migration.sql"], Settings()).diagnostics == []


def test_serial_columns_are_integers_in_the_model(tmp_path: Path) -> None:
    (finding,) = lint_folder(
        tmp_path,
        [
            'CREATE TABLE "t" ("id" serial PRIMARY KEY);',
            'ALTER TABLE "t" ALTER COLUMN "id" TYPE text;',
        ],
    )
    assert "from integer to text" in finding.message


def test_collation_change_rebuilds_indexes_without_a_rewrite(tmp_path: Path) -> None:
    (finding,) = lint_folder(
        tmp_path,
        [
            'CREATE TABLE "rows" ("order_key" text);',
            'ALTER TABLE "rows" ALTER COLUMN "order_key" SET DATA TYPE text COLLATE "C";',
        ],
    )
    assert finding.rule == "change-column-type"
    assert 'collation of "rows"."order_key" to "C"' in finding.message
    assert "rebuilds every index on it" in finding.message and "no table rewrite" in finding.message


@pytest.mark.parametrize(
    ("sql", "flags"),
    [
        pytest.param(
            'BEGIN;\nCREATE INDEX CONCURRENTLY "i" ON "t" ("c");\nCOMMIT;', [], id="begin-commit"
        ),
        pytest.param(
            'CREATE INDEX CONCURRENTLY "i" ON "t" ("c");',
            ["--assume-in-transaction"],
            id="runner-transaction",
        ),
    ],
)
def test_concurrently_in_transaction_through_the_cli(
    tmp_path: Path, capsys, sql: str, flags: list[str]
) -> None:
    migration = tmp_path / "0001_index.sql"
    migration.write_text(sql)
    assert main(["lint", "--format", "json", *flags, str(migration)]) == 2
    assert [d["rule"] for d in json.loads(capsys.readouterr().out)["diagnostics"]] == [
        "concurrently-in-transaction"
    ]
