"""Whether a statement that cannot run in a transaction block fails depends on how the layout's
runner sends the migration; each finding names the one cause that applies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migration_lint.cli import main
from migration_lint.diagnostic import Diagnostic
from migration_lint.linter import Settings, lint_paths
from migration_lint.project import Project

INDEX = 'CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" ("email");\n'
COLUMN = 'ALTER TABLE "users" ADD COLUMN "name" text;\n'
ENUM = "ALTER TYPE \"status\" ADD VALUE 'archived';\n"

# Where each layout keeps its one migration, and what else its folder needs.
MIGRATION = {
    "drizzle": ("0000_brave_hulk.sql", {"meta/_journal.json": '{"entries": []}'}),
    "prisma": (
        "20250101000000_m/migration.sql",
        {"migration_lock.toml": 'provider = "postgresql"\n'},
    ),
    "golang-migrate": ("000001_m.up.sql", {"000001_m.down.sql": "SELECT 1;\n"}),
    "flyway": ("V1__m.sql", {}),
    "goose": ("20250101000000_m.sql", {}),
    "dbmate": ("20250101000000_m.sql", {}),
    "supabase": ("20250101000000_m.sql", {}),
    "plain": ("0001_m.sql", {}),
}


def lint_migration(
    root: Path, layout: str, sql: str, extra: dict[str, str] | None = None, **settings: object
) -> list[Diagnostic]:
    name, files = MIGRATION[layout]
    for path, text in {**files, **(extra or {}), name: sql}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    options = Settings(project=Project(layout=layout), **settings)  # type: ignore[arg-type]
    return lint_paths([str(root)], options).diagnostics


@pytest.mark.parametrize(
    ("layout", "sql", "settings", "cause"),
    [
        pytest.param("prisma", INDEX, {}, None, id="prisma-alone"),
        pytest.param("golang-migrate", INDEX, {}, None, id="golang-migrate-alone"),
        pytest.param("flyway", INDEX, {}, None, id="flyway-alone"),
        pytest.param("plain", INDEX, {}, None, id="plain-alone"),
        pytest.param(
            "drizzle",
            INDEX,
            {},
            "drizzle's migrator runs all pending migrations in one transaction",
            id="drizzle-alone",
        ),
        pytest.param(
            "supabase",
            INDEX,
            {},
            "supabase db push sends each migration's statements in one batch",
            id="supabase-alone",
        ),
        pytest.param(
            "goose",
            "-- +goose Up\n" + INDEX,
            {},
            "goose runs each migration in a transaction (the file does not say "
            "`-- +goose NO TRANSACTION`)",
            id="goose",
        ),
        pytest.param(
            "prisma",
            COLUMN + INDEX,
            {},
            "Prisma sends this migration's 2 statements as one query, which PostgreSQL runs as "
            "one transaction",
            id="prisma-with-another",
        ),
        pytest.param(
            "prisma",
            COLUMN + INDEX,
            {"prisma_version": "6.19.0"},
            "Prisma sends this migration's 2 statements as one query",
            id="prisma-6-with-another",
        ),
        pytest.param(
            "prisma", COLUMN + INDEX, {"prisma_version": "7.4"}, None, id="prisma-7.4-splits"
        ),
        pytest.param(
            "prisma",
            INDEX + 'DROP INDEX CONCURRENTLY "users_name_idx";\n',
            {"prisma_version": "7.4"},
            "Prisma cannot split this migration into statements (its SQL parser does not read "
            "the one at line 2), so it sends this migration's 2 statements as one query",
            id="prisma-7.4-cannot-split",
        ),
        pytest.param(
            "golang-migrate",
            COLUMN + INDEX,
            {},
            "golang-migrate sends this migration's 2 statements as one query",
            id="golang-migrate-with-another",
        ),
        pytest.param(
            "flyway",
            COLUMN + INDEX,
            {},
            "Flyway refuses a migration that mixes statements it must run outside a transaction "
            "with others (1 here)",
            id="flyway-mixed",
        ),
        pytest.param(
            "flyway",
            'REINDEX TABLE CONCURRENTLY "users";\n',
            {},
            "Flyway runs this migration in a transaction: none of its statements is one Flyway "
            "knows must run outside one",
            id="flyway-unrecognised",
        ),
        pytest.param(
            "goose",
            "-- +goose NO TRANSACTION\n-- +goose Up\n" + COLUMN + INDEX,
            {"assume_in_transaction": True},
            None,
            id="goose-no-transaction-wins",
        ),
        pytest.param(
            "dbmate",
            "-- migrate:up transaction:false\n" + INDEX,
            {"assume_in_transaction": True},
            None,
            id="dbmate-transaction-false-wins",
        ),
        pytest.param(
            "dbmate",
            "-- migrate:up transaction:false\n" + COLUMN + INDEX,
            {},
            "dbmate sends this migration's 2 statements as one query",
            id="dbmate-transaction-false-with-another",
        ),
        pytest.param(
            "plain",
            "SET lock_timeout = '5s';\nBEGIN;\n" + INDEX + "COMMIT;\n",
            {},
            "the migration opens one at line 2",
            id="begin",
        ),
        pytest.param(
            "prisma",
            "BEGIN;\n" + INDEX + "COMMIT;\n",
            {},
            "the migration opens one at line 1",
            id="prisma-begin",
        ),
        pytest.param(
            "plain",
            INDEX,
            {"assume_in_transaction": True},
            "assume-in-transaction says the runner runs each migration in a transaction",
            id="assumed",
        ),
        pytest.param(
            "drizzle", INDEX, {"assume_in_transaction": False}, None, id="assumed-not-drizzle"
        ),
    ],
)
def test_concurrently_fails_where_the_runner_puts_it_in_a_transaction(
    tmp_path: Path, layout: str, sql: str, settings: dict[str, object], cause: str | None
) -> None:
    findings = lint_migration(
        tmp_path, layout, sql, select=frozenset({"concurrently-in-transaction"}), **settings
    )
    if cause is None:
        assert findings == []
        return
    assert findings  # one for each CONCURRENTLY statement, each naming the one cause
    for finding in findings:
        assert f"cannot run inside a transaction block, and {cause}" in finding.message


@pytest.mark.parametrize(
    ("layout", "sql", "advice"),
    [
        pytest.param(
            "drizzle", INDEX, "drizzle's migrator cannot run it: run it by hand", id="drizzle"
        ),
        pytest.param(
            "prisma",
            COLUMN + INDEX,
            "Put it alone in a migration of its own: Prisma sends a migration of one statement as a query of its own",
            id="prisma",
        ),
        pytest.param(
            "goose",
            "-- +goose Up\n" + INDEX,
            "Add `-- +goose NO TRANSACTION` to the migration",
            id="goose",
        ),
        pytest.param(
            "flyway", COLUMN + INDEX, "Put it in a migration of its own: Flyway runs", id="flyway"
        ),
        pytest.param(
            "plain",
            "BEGIN;\n" + INDEX + "COMMIT;\n",
            "Remove the BEGIN/COMMIT around it.",
            id="begin",
        ),
        pytest.param(
            "prisma",
            "BEGIN;\n" + INDEX + "COMMIT;\n",
            "Remove the BEGIN/COMMIT around it. Put it alone in a migration of its own",
            id="prisma-begin",
        ),
    ],
)
def test_help_gives_the_runners_way_out(tmp_path: Path, layout: str, sql: str, advice: str) -> None:
    (finding,) = lint_migration(
        tmp_path, layout, sql, select=frozenset({"concurrently-in-transaction"})
    )
    assert finding.help.startswith(advice)


@pytest.mark.parametrize(
    ("layout", "sql", "pg_version", "cause"),
    [
        pytest.param("prisma", ENUM, 11, None, id="prisma-alone"),
        pytest.param("flyway", ENUM, 11, None, id="flyway-alone"),
        pytest.param(
            "prisma",
            COLUMN + ENUM,
            11,
            "Prisma sends this migration's 2 statements as one query",
            id="prisma-with-another",
        ),
        pytest.param("prisma", COLUMN + ENUM, 12, None, id="prisma-pg12"),
        pytest.param(
            "drizzle",
            ENUM,
            11,
            "drizzle's migrator runs all pending migrations in one transaction",
            id="drizzle",
        ),
        pytest.param(
            "flyway", COLUMN + ENUM, 11, "Flyway refuses a migration that mixes", id="flyway-mixed"
        ),
        pytest.param("flyway", COLUMN + ENUM, 12, None, id="flyway-pg12"),
        pytest.param(
            "plain",
            "BEGIN;\n" + ENUM + "COMMIT;\n",
            11,
            "the migration opens one at line 1",
            id="begin",
        ),
    ],
)
def test_enum_value_fails_on_postgresql_11_where_the_runner_puts_it_in_a_transaction(
    tmp_path: Path, layout: str, sql: str, pg_version: int, cause: str | None
) -> None:
    findings = lint_migration(
        tmp_path,
        layout,
        sql,
        pg_version=pg_version,
        select=frozenset({"enum-value-in-transaction"}),
    )
    if cause is None:
        assert findings == []
        return
    (finding,) = findings
    assert finding.message.startswith(
        f"ALTER TYPE \"status\" ADD VALUE 'archived' cannot run inside a transaction block on PostgreSQL {pg_version}"
    )
    assert cause in finding.message


def test_flyway_script_configuration_can_turn_the_transaction_off(tmp_path: Path) -> None:
    sql = 'REINDEX TABLE CONCURRENTLY "users";\n'
    conf = {"V1__m.sql.conf": "executeInTransaction=false\n"}
    assert lint_migration(tmp_path, "flyway", sql, conf) == []


@pytest.mark.parametrize(
    ("config", "exit_code", "rules"),
    [
        pytest.param("", 2, ["concurrently-in-transaction"], id="prisma-before-7.4"),
        pytest.param('prisma-version = "7.4.0"\n', 0, [], id="prisma-7.4"),
    ],
)
def test_prisma_version_from_the_config(
    write, capsys, monkeypatch, config: str, exit_code: int, rules: list[str]
) -> None:
    root = write(
        {
            ".migration-lint.toml": config,
            "prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
            "prisma/migrations/20250101000000_m/migration.sql": COLUMN + INDEX,
        }
    )
    monkeypatch.chdir(root)
    argv = ["lint", "--format", "json", "--select", "concurrently-in-transaction"]
    assert main([*argv, "prisma/migrations"]) == exit_code
    found = json.loads(capsys.readouterr().out)["diagnostics"]
    assert [d["rule"] for d in found] == rules


def test_bad_prisma_version_is_a_config_error(write, capsys, monkeypatch) -> None:
    root = write({".migration-lint.toml": 'prisma-version = "latest"\n', "m/0001_m.sql": INDEX})
    monkeypatch.chdir(root)
    assert main(["lint", "m"]) == 3
    assert "prisma-version 'latest'" in capsys.readouterr().err
