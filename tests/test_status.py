"""`migration-lint status`: each runner's bookkeeping table, made in a scratch database the way
the runner makes it, read against a migrations folder."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from migration_lint import cli
from migration_lint.cli import main
from migration_lint.db import status as status_module
from migration_lint.db.bookkeeping import RUNNERS
from migration_lint.db.checksums import flyway_checksum, sha256_forms
from migration_lint.db.folder import READERS
from migration_lint.db.server import socket_url
from migration_lint.db.status_output import FORMATS

# The tests name the database by an environment variable, as CI would (--database DATABASE_URL).
DATABASE = "MIGRATION_LINT_STATUS_TEST_DATABASE"

# The tables as the runners create them.
DRIZZLE_TABLE = """
CREATE SCHEMA IF NOT EXISTS "drizzle";
CREATE TABLE IF NOT EXISTS "drizzle"."__drizzle_migrations" (
    id SERIAL PRIMARY KEY,
    hash text NOT NULL,
    created_at bigint
)"""
PRISMA_TABLE = """
CREATE TABLE "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)"""
GOLANG_MIGRATE_TABLE = """
CREATE TABLE IF NOT EXISTS "schema_migrations" (version bigint not null primary key, dirty boolean not null)"""
GOOSE_TABLE = """
CREATE TABLE goose_db_version (
    id serial NOT NULL,
    version_id bigint NOT NULL,
    is_applied boolean NOT NULL,
    tstamp timestamp NULL default now(),
    PRIMARY KEY(id)
);
INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true)"""
DBMATE_TABLE = """
create table if not exists "public"."schema_migrations" (version varchar(255) primary key)"""
FLYWAY_TABLE = """
CREATE TABLE "public"."flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success")"""


class Database:
    """The scratch database, written to by the tests (never by status)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def run(self, sql: str, *rows: tuple[object, ...]) -> None:
        with psycopg.connect(self.url, autocommit=True) as connection:
            if rows:
                connection.cursor().executemany(sql, list(rows))
            else:
                connection.execute(sql)  # type: ignore[arg-type]


@pytest.fixture
def db(scratch_db: str, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv(DATABASE, scratch_db)
    return Database(scratch_db)


def status(
    folder: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, dict[str, str], dict[str, Any]]:
    """Exit code, each migration's state by name, and the JSON report."""
    code = main(["status", str(folder), "--database", DATABASE, "--format", "json", *args])
    captured = capsys.readouterr()
    assert captured.out, captured.err
    report = json.loads(captured.out)
    return code, {m["name"]: m["state"] for m in report["migrations"]}, report


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def sql_of(name: str) -> str:
    return f'CREATE TABLE "{name}" ("id" bigint PRIMARY KEY);\n'


# drizzle ------------------------------------------------------------------------------------


def drizzle_folder(write: Callable[..., Path], journal: list[tuple[str, int]]) -> Path:
    entries = [
        {"idx": i, "version": "7", "when": when, "tag": tag, "breakpoints": True}
        for i, (tag, when) in enumerate(journal)
    ]
    files: dict[str, str | bytes] = {f"drizzle/{tag}.sql": sql_of(tag) for tag, _ in journal}
    files["drizzle/meta/_journal.json"] = json.dumps({"version": "7", "entries": entries})
    return write(files) / "drizzle"


TWO = [("0000_users", 1000), ("0001_orders", 2000)]


@pytest.mark.parametrize(
    ("journal", "applied", "expected", "exit_code"),
    [
        pytest.param(
            TWO,
            [(sha256(sql_of("0000_users")), 1000), (sha256(sql_of("0001_orders")), 2000)],
            {"0000_users.sql": "applied", "0001_orders.sql": "applied"},
            0,
            id="applied",
        ),
        pytest.param(
            TWO,
            [(sha256(sql_of("0000_users")), 1000)],
            {"0000_users.sql": "applied", "0001_orders.sql": "pending"},
            1,
            id="pending",
        ),
        pytest.param(
            TWO,
            [(sha256(sql_of("0000_users")), 1000), ("f" * 64, 2000)],
            {"0000_users.sql": "applied", "0001_orders.sql": "changed-after-apply"},
            2,
            id="changed-after-apply",
        ),
        pytest.param(
            TWO,
            [
                (sha256(sql_of("0000_users")), 1000),
                (sha256(sql_of("0001_orders")), 2000),
                ("e" * 64, 3000),
            ],
            {
                "0000_users.sql": "applied",
                "0001_orders.sql": "applied",
                "created_at 3000, hash eeeeeeeeeeee…": "database-only",
            },
            1,
            id="database-only",
        ),
        pytest.param(
            # Merged from a branch generated before 0001_orders: its `when` is earlier.
            [*TWO, ("0002_coupons", 1500)],
            [(sha256(sql_of("0000_users")), 1000), (sha256(sql_of("0001_orders")), 2000)],
            {
                "0000_users.sql": "applied",
                "0001_orders.sql": "applied",
                "0002_coupons.sql": "will-be-skipped",
            },
            2,
            id="will-be-skipped",
        ),
        pytest.param(
            # Two entries with one `when`: the applied one is told apart by its hash.
            [("0000_users", 1000), ("0001_orders", 1000)],
            [(sha256(sql_of("0001_orders")), 1000)],
            {"0000_users.sql": "will-be-skipped", "0001_orders.sql": "applied"},
            2,
            id="same-when",
        ),
    ],
)
def test_drizzle_states(
    write, db: Database, capsys, journal, applied, expected: dict[str, str], exit_code: int
) -> None:
    folder = drizzle_folder(write, journal)
    db.run(DRIZZLE_TABLE)
    db.run("INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES (%s, %s)", *applied)
    code, states, report = status(folder, capsys)
    assert (states, code) == (expected, exit_code)
    assert report["summary"]["exit_code"] == exit_code
    assert report["table"] == "drizzle.__drizzle_migrations"


def test_drizzle_line_endings_do_not_count_as_a_change(write, db: Database, capsys) -> None:
    # Applied from a Linux checkout, checked on Windows: git turned LF into CRLF.
    folder = (
        write(
            {
                "drizzle/0000_users.sql": b"CREATE TABLE a (id int);\r\nCREATE TABLE b (id int);\r\n",
                "drizzle/meta/_journal.json": json.dumps(
                    {"entries": [{"idx": 0, "when": 1000, "tag": "0000_users"}]}
                ),
            }
        )
        / "drizzle"
    )
    db.run(DRIZZLE_TABLE)
    lf = sha256("CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n")
    db.run("INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES (%s, 1000)", (lf,))
    assert status(folder, capsys)[:2] == (0, {"0000_users.sql": "applied"})


def test_drizzle_table_where_the_config_puts_it(write, db: Database, capsys) -> None:
    folder = drizzle_folder(write, TWO)
    db.run(
        'CREATE SCHEMA "ops"; CREATE TABLE "ops"."Migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)'
    )
    db.run(
        'INSERT INTO "ops"."Migrations" (hash, created_at) VALUES (%s, 1000)',
        (sha256(sql_of("0000_users")),),
    )
    code, states, report = status(
        folder, capsys, "--migrations-schema", "ops", "--migrations-table", "Migrations"
    )
    assert (code, states["0000_users.sql"], report["table"]) == (1, "applied", "ops.Migrations")


def test_drizzle_1_0_folders_are_matched_by_name(write, db: Database, capsys) -> None:
    root = write(
        {
            f"drizzle/{name}/migration.sql": sql_of(name)
            for name in ("20250101000000_users", "20250102000000_orders", "20250103000000_items")
        }
    )
    db.run(DRIZZLE_TABLE)
    db.run(
        "ALTER TABLE drizzle.__drizzle_migrations ADD COLUMN name text,"
        " ADD COLUMN applied_at timestamp with time zone DEFAULT now()"
    )
    db.run(
        "INSERT INTO drizzle.__drizzle_migrations (hash, created_at, name) VALUES (%s, %s, %s)",
        (sha256(sql_of("20250101000000_users")), 1, "20250101000000_users"),
        ("0" * 64, 2, "20250102000000_orders"),
    )
    assert status(root / "drizzle", capsys)[:2] == (
        2,
        {
            "20250101000000_users": "applied",
            "20250102000000_orders": "changed-after-apply",
            "20250103000000_items": "pending",
        },
    )


# Prisma -------------------------------------------------------------------------------------

PRISMA_NAMES = ("20250101000000_init", "20250102000000_orders")


def prisma_folder(write: Callable[..., Path]) -> Path:
    files: dict[str, str | bytes] = {
        f"prisma/migrations/{name}/migration.sql": sql_of(name) for name in PRISMA_NAMES
    }
    files["prisma/migrations/migration_lock.toml"] = 'provider = "postgresql"\n'
    return write(files) / "prisma" / "migrations"


def prisma_row(
    name: str, checksum: str | None = None, finished: bool = True, rolled_back: bool = False
) -> tuple[object, ...]:
    return (
        str(uuid.uuid4()),
        checksum or sha256(sql_of(name)),
        "now" if finished else None,
        name,
        "now" if rolled_back else None,
    )


INIT, ORDERS = PRISMA_NAMES


@pytest.mark.parametrize(
    ("rows", "expected", "exit_code"),
    [
        pytest.param(
            [prisma_row(INIT), prisma_row(ORDERS)],
            {INIT: "applied", ORDERS: "applied"},
            0,
            id="applied",
        ),
        pytest.param([prisma_row(INIT)], {INIT: "applied", ORDERS: "pending"}, 1, id="pending"),
        pytest.param(
            [prisma_row(INIT), prisma_row(ORDERS, checksum="a" * 64)],
            {INIT: "applied", ORDERS: "changed-after-apply"},
            2,
            id="changed-after-apply",
        ),
        pytest.param(
            [prisma_row(INIT), prisma_row(ORDERS), prisma_row("20241231000000_gone")],
            {INIT: "applied", ORDERS: "applied", "20241231000000_gone": "database-only"},
            1,
            id="database-only",
        ),
        pytest.param(
            # Started and never finished: `prisma migrate deploy` refuses to go on.
            [prisma_row(INIT), prisma_row(ORDERS, finished=False)],
            {INIT: "applied", ORDERS: "failed"},
            2,
            id="failed",
        ),
        pytest.param(
            # Failed, then marked rolled back: it runs again on the next deploy.
            [prisma_row(INIT), prisma_row(ORDERS, finished=False, rolled_back=True)],
            {INIT: "applied", ORDERS: "pending"},
            1,
            id="rolled-back",
        ),
    ],
)
def test_prisma_states(
    write, db: Database, capsys, rows, expected: dict[str, str], exit_code: int
) -> None:
    folder = prisma_folder(write)
    db.run(PRISMA_TABLE)
    db.run(
        "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, rolled_back_at)"
        " VALUES (%s, %s, %s::timestamptz, %s, %s::timestamptz)",
        *rows,
    )
    assert status(folder, capsys)[:2] == (exit_code, expected)


def test_a_prisma_url_with_its_own_parameters_reads_the_schema_it_names(
    write, db: Database, capsys, monkeypatch
) -> None:
    folder = prisma_folder(write)
    db.run('CREATE SCHEMA "app"')
    db.run(PRISMA_TABLE.replace('"_prisma_migrations"', '"app"."_prisma_migrations"'))
    db.run(
        "INSERT INTO app._prisma_migrations (id, checksum, finished_at, migration_name,"
        " rolled_back_at) VALUES (%s, %s, %s::timestamptz, %s, %s::timestamptz)",
        prisma_row(INIT),
    )
    # As Prisma's DATABASE_URL has them: libpq refuses `schema` and `connection_limit`.
    parts = conninfo_to_dict(db.url)
    url = socket_url(str(parts["host"]), str(parts["dbname"]))
    monkeypatch.setenv(DATABASE, f"{url}&schema=app&connection_limit=5")
    assert status(folder, capsys)[:2] == (1, {INIT: "applied", ORDERS: "pending"})


# golang-migrate, goose, dbmate, Flyway --------------------------------------------------------


def golang_migrate_folder(write: Callable[..., Path]) -> Path:
    return (
        write(
            {
                f"migrate/00000{n}_{name}.{way}.sql": sql_of(name)
                for n, name in ((1, "users"), (2, "orders"))
                for way in ("up", "down")
            }
        )
        / "migrate"
    )


@pytest.mark.parametrize(
    ("row", "expected", "exit_code"),
    [
        pytest.param((2, False), ("applied", "applied"), 0, id="applied"),
        pytest.param((1, False), ("applied", "pending"), 1, id="pending"),
        pytest.param(None, ("pending", "pending"), 1, id="no-version"),
        pytest.param((2, True), ("applied", "dirty"), 2, id="dirty"),
    ],
)
def test_golang_migrate_states(
    write, db: Database, capsys, row, expected: tuple[str, str], exit_code: int
) -> None:
    folder = golang_migrate_folder(write)
    db.run(GOLANG_MIGRATE_TABLE)
    if row:
        db.run("INSERT INTO schema_migrations (version, dirty) VALUES (%s, %s)", row)
    code, states, _ = status(folder, capsys)
    assert (code, tuple(states.values())) == (exit_code, expected)
    assert list(states) == ["000001_users.up.sql", "000002_orders.up.sql"]


def goose_folder(write: Callable[..., Path]) -> Path:
    return (
        write(
            {
                f"db/0000{n}_{name}.sql": f"-- +goose Up\n{sql_of(name)}-- +goose Down\nDROP TABLE {name};\n"
                for n, name in ((1, "users"), (2, "orders"))
            }
        )
        / "db"
    )


@pytest.mark.parametrize(
    ("rows", "expected", "exit_code"),
    [
        pytest.param([(1, True), (2, True)], ("applied", "applied"), 0, id="applied"),
        pytest.param([(1, True)], ("applied", "pending"), 1, id="pending"),
        pytest.param(
            [(1, True), (2, True), (2, False)], ("applied", "pending"), 1, id="migrated-down"
        ),
        pytest.param(
            # goose up refuses a missing migration below the newest applied one.
            [(2, True)],
            ("out-of-order", "applied"),
            2,
            id="out-of-order",
        ),
    ],
)
def test_goose_states(
    write, db: Database, capsys, rows, expected: tuple[str, str], exit_code: int
) -> None:
    folder = goose_folder(write)
    db.run(GOOSE_TABLE)
    db.run("INSERT INTO goose_db_version (version_id, is_applied) VALUES (%s, %s)", *rows)
    code, states, _ = status(folder, capsys)
    assert (code, tuple(states.values())) == (exit_code, expected)


def dbmate_folder(write: Callable[..., Path]) -> Path:
    return (
        write(
            {
                f"db/migrations/2025010{n}000000_{name}.sql": f"-- migrate:up\n{sql_of(name)}\n-- migrate:down\n"
                for n, name in ((1, "users"), (2, "orders"))
            }
        )
        / "db"
        / "migrations"
    )


@pytest.mark.parametrize(
    ("versions", "expected", "exit_code"),
    [
        pytest.param(["20250101000000", "20250102000000"], ("applied", "applied"), 0, id="applied"),
        pytest.param(["20250101000000"], ("applied", "pending"), 1, id="pending"),
    ],
)
def test_dbmate_states(
    write, db: Database, capsys, versions: list[str], expected: tuple[str, str], exit_code: int
) -> None:
    folder = dbmate_folder(write)
    db.run(DBMATE_TABLE)
    db.run("INSERT INTO schema_migrations (version) VALUES (%s)", *[(v,) for v in versions])
    code, states, _ = status(folder, capsys)
    assert (code, tuple(states.values())) == (exit_code, expected)


FLYWAY_FILES = {
    "V1__users.sql": sql_of("users"),
    "V1_1__orders.sql": sql_of("orders"),
    "R__views.sql": "CREATE OR REPLACE VIEW v AS SELECT 1;\n",
}


def flyway_row(
    rank: int, script: str, version: str | None, kind: str = "SQL", checksum: int | None = None
) -> tuple[object, ...]:
    if checksum is None and script in FLYWAY_FILES:
        checksum = flyway_checksum(FLYWAY_FILES[script].encode())
    return (rank, version, script.removesuffix(".sql"), kind, script, checksum, "flyway", 5, True)


@pytest.mark.parametrize(
    ("rows", "expected", "exit_code"),
    [
        pytest.param(
            [
                flyway_row(1, "V1__users.sql", "1"),
                flyway_row(2, "V1_1__orders.sql", "1.1"),
                flyway_row(3, "R__views.sql", None),
            ],
            ("applied", "applied", "applied"),
            0,
            id="applied",
        ),
        pytest.param(
            [flyway_row(1, "V1__users.sql", "1")],
            ("applied", "pending", "pending"),
            1,
            id="pending",
        ),
        pytest.param(
            [
                flyway_row(1, "V1__users.sql", "1", checksum=12345),
                flyway_row(2, "V1_1__orders.sql", "1.1"),
                flyway_row(3, "R__views.sql", None),
            ],
            ("changed-after-apply", "applied", "applied"),
            2,
            id="changed-after-apply",
        ),
        pytest.param(
            # A repeatable migration that changed is run again: pending, not tampering.
            [
                flyway_row(1, "V1__users.sql", "1"),
                flyway_row(2, "V1_1__orders.sql", "1.1"),
                flyway_row(3, "R__views.sql", None, checksum=7),
            ],
            ("applied", "applied", "pending"),
            1,
            id="repeatable-changed",
        ),
        pytest.param(
            # `flyway baseline` at 1.1: what is at or below it counts as applied.
            [flyway_row(1, "<< Flyway Baseline >>", "1.1", kind="BASELINE")],
            ("applied", "applied", "pending"),
            1,
            id="baseline",
        ),
        pytest.param(
            # Without outOfOrder, Flyway's validate fails on V1 pending below 1.1.
            [flyway_row(1, "V1_1__orders.sql", "1.1")],
            ("out-of-order", "applied", "pending"),
            2,
            id="out-of-order",
        ),
    ],
)
def test_flyway_states(
    write, db: Database, capsys, rows, expected: tuple[str, ...], exit_code: int
) -> None:
    folder = write({f"sql/{name}": text for name, text in FLYWAY_FILES.items()}) / "sql"
    db.run(FLYWAY_TABLE)
    db.run(
        "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
        " checksum, installed_by, execution_time, success) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        *rows,
    )
    code, states, _ = status(folder, capsys)
    assert (code, tuple(states.values())) == (exit_code, expected)
    assert list(states) == ["V1__users.sql", "V1_1__orders.sql", "R__views.sql"]


# What every runner shares -------------------------------------------------------------------


def test_missing_table_means_nothing_applied_said_in_one_line(write, db: Database, capsys) -> None:
    folder = golang_migrate_folder(write)
    code, states, report = status(folder, capsys)
    assert (code, set(states.values()), report["table_found"]) == (1, {"pending"}, False)
    assert main(["status", str(folder), "--database", DATABASE]) == 1
    out = capsys.readouterr().out
    assert "no table schema_migrations in this database: nothing is applied yet" in out


def test_another_tools_table_of_that_name_is_refused(write, db: Database, capsys) -> None:
    # dbmate's schema_migrations, read for a golang-migrate folder.
    db.run(DBMATE_TABLE)
    code = main(["status", str(golang_migrate_folder(write)), "--database", DATABASE])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == (
        "migration-lint: error: public.schema_migrations: not the table golang-migrate keeps: "
        "it has no column dirty (name the right one with --migrations-schema and "
        "--migrations-table)"
    )


def test_text_and_markdown_outputs(write, db: Database, capsys, tmp_path: Path) -> None:
    folder = drizzle_folder(write, [*TWO, ("0002_coupons", 1500)])
    db.run(DRIZZLE_TABLE)
    db.run(
        "INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES (%s, %s)",
        (sha256(sql_of("0000_users")), 1000),
        (sha256(sql_of("0001_orders")), 2000),
    )
    report_file = tmp_path / "status.md"
    code = main(
        [
            "status",
            str(folder),
            "--database",
            DATABASE,
            "--output",
            "text",
            "--output",
            f"markdown:{report_file}",
        ]
    )
    out = capsys.readouterr().out
    assert code == 2
    assert (
        out.splitlines()[0]
        == f"{folder} (drizzle) against ${DATABASE}, bookkeeping in drizzle.__drizzle_migrations"
    )
    assert "will-be-skipped      " + str(folder / "0002_coupons.sql") in out
    assert out.rstrip().endswith("status: 2 applied, 1 will-be-skipped")
    markdown = report_file.read_text()
    assert markdown.startswith("## ⛔ Migrations: the next deploy fails or skips one\n")
    assert (
        "| will-be-skipped | `0002_coupons.sql` | its journal `when` (1500) is not later"
        in markdown
    )


def test_status_refuses_a_format_it_does_not_write(write, capsys) -> None:
    folder = golang_migrate_folder(write)
    assert main(["status", str(folder), "--database", DATABASE, "--output", "sarif"]) == 3
    assert "the format must be one of text, json, markdown" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("make_folder", "message"),
    [
        pytest.param(
            lambda write: write({"m/0001_x.sql": sql_of("x")}) / "m",
            "a plain folder: status reads the bookkeeping of drizzle, drizzle-folders, prisma, "
            "golang-migrate, goose, dbmate, flyway",
            id="plain-folder",
        ),
        pytest.param(
            lambda write: write({"m/0001_x.sql": sql_of("x")}) / "m" / "0001_x.sql",
            "not a folder: name the migrations folder",
            id="a-file",
        ),
    ],
)
def test_a_folder_that_cannot_be_read_is_one_line_before_any_connection(
    write, capsys, monkeypatch, make_folder, message: str
) -> None:
    monkeypatch.setenv(DATABASE, "postgresql://nobody@/nowhere?host=/nonexistent")
    assert main(["status", str(make_folder(write)), "--database", DATABASE]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.splitlines()) == 1


def test_an_unset_variable_is_one_line(write, capsys, monkeypatch) -> None:
    monkeypatch.delenv(DATABASE, raising=False)
    assert main(["status", str(golang_migrate_folder(write)), "--database", DATABASE]) == 2
    assert capsys.readouterr().err == (
        f"migration-lint: error: {DATABASE}: this environment variable is not set (expected a URL)\n"
    )


def test_the_connection_is_read_only(write, db: Database, capsys, monkeypatch) -> None:
    seen = []
    connect = status_module.connect

    def spy(target: Any, **options: Any) -> Any:
        connection = connect(target, **options)
        row = connection.execute("SHOW default_transaction_read_only").fetchone()
        seen.append((options, row))
        return connection

    monkeypatch.setattr(status_module, "connect", spy)
    db.run(GOLANG_MIGRATE_TABLE)
    status(golang_migrate_folder(write), capsys)
    assert seen == [({"read_only": True}, ("on",))]


PASSWORD = "s3cr3t-planted"


def planted_urls(scratch_db: str) -> Iterator[str]:
    """URLs of the scratch database holding the password (the server trusts any), and of a
    database that does not exist."""
    parts = conninfo_to_dict(scratch_db)
    host = quote(str(parts["host"]), safe="")
    for dbname in (parts["dbname"], "no_such_database"):
        yield f"postgresql://postgres:{PASSWORD}@/{dbname}?host={host}"
        yield f"postgresql://postgres@/{dbname}?host={host}&password={quote(PASSWORD)}"


def test_a_password_appears_in_no_output_and_no_error(
    write, db: Database, scratch_db: str, capsys, tmp_path: Path
) -> None:
    folder = golang_migrate_folder(write)
    db.run(GOLANG_MIGRATE_TABLE)
    seen = []
    for url in planted_urls(scratch_db):
        for output in FORMATS:
            report = tmp_path / f"report.{output}"
            code = main(
                [
                    "status",
                    str(folder),
                    "--database",
                    url,
                    "--format",
                    output,
                    "--output",
                    f"{output}:{report}",
                    "--output",
                    output,
                ]
            )
            captured = capsys.readouterr()
            written = report.read_text() if report.exists() else ""
            seen.append(code)
            assert PASSWORD not in captured.out + captured.err + written, (url, output)
            assert "***" in captured.out + captured.err
    # Half the runs read the database (1: all pending), half could not reach it (2).
    assert sorted(set(seen)) == [1, 2]


# What linting must not import: the database and web code, and what start-up would pay for
# without using it (the hooks run on every commit). "pglast.enums." is the enum modules that the
# `pglast.enums` placeholder imports only when used (migration_lint.pglast_imports).
NOT_FOR_LINTING = (
    *("psycopg", "migration_lint.db", "migration_lint.web", "starlette", "uvicorn", "sqlglot"),
    *("importlib.metadata", "email", "subprocess", "tomllib", "difflib", "traceback"),
    *("hashlib", "tempfile", "pglast.enums."),
)


@pytest.mark.parametrize(
    ("argv", "allowed"),
    [
        pytest.param(["lint", "m"], (), id="lint-folder"),
        pytest.param(["lint", "--migrations-only", "m/0001_x.sql"], (), id="lint-hook"),
        # It asks git what the commit changes.
        pytest.param(["check-naming", "m/0001_x.sql"], ("subprocess",), id="naming-hook"),
    ],
)
def test_linting_imports_only_what_it_uses(
    write, argv: list[str], allowed: tuple[str, ...]
) -> None:
    # sys.modules, not `python -X importtime`: importtime leaves out what importlib.import_module
    # imports (the rules, the output formats). Outside any repository and config, as in tmp_path.
    root = write({"m/0001_x.sql": sql_of("x")})
    program = (
        "import sys\n"
        "from migration_lint.cli import main\n"
        f"main({argv!r})\n"
        f"print(sorted(m for m in sys.modules if m.startswith({NOT_FOR_LINTING!r})))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=root)
    imported = done.stdout.splitlines()[-1]
    assert imported == repr(sorted(allowed)), done.stdout + done.stderr


def test_pglast_modules_left_out_of_linting_work_when_the_database_code_needs_them(
    write,
) -> None:
    # In one process, as `ci --verify` runs: lint first, then print a view's query (pglast.ast,
    # its enums and its printer), which needs what linting did not import.
    root = write({"m/0001_x.sql": sql_of("x")})
    program = (
        "from migration_lint.cli import main\n"
        "main(['lint', 'm'])\n"
        "from migration_lint.db.query_text import normalised\n"
        "print(normalised('SELECT users.id FROM public.users FOR UPDATE'))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=root)
    assert done.stdout.splitlines()[-1] == "SELECT id FROM public.users FOR UPDATE", done.stderr


def test_every_layout_read_has_a_bookkeeping_reader_and_the_cli_knows_the_formats() -> None:
    assert set(READERS) == set(RUNNERS)
    assert cli.STATUS_FORMATS == FORMATS


# Checksums, against the runners' own ---------------------------------------------------------


def test_sha256_forms_as_drizzle_and_prisma_record_them() -> None:
    # Prisma's own test vector, and its line-ending agnostic match.
    assert "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" in sha256_forms(
        b"hello"
    )
    assert sha256("ab\ncd\n") in sha256_forms(b"ab\r\ncd\r\n")
    assert sha256("ab\r\ncd\r\n") in sha256_forms(b"ab\ncd\n")
    assert sha256("abc") not in sha256_forms(b"abc\n")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(b"123456789", id="one-line"),
        pytest.param(b"12345\n6789\n", id="lf"),
        pytest.param(b"12345\r\n6789\r\n", id="crlf"),
        pytest.param(b"12345\r6789", id="cr"),
        pytest.param(b"\xef\xbb\xbf12345\n\n\n6789", id="bom-and-blank-lines"),
    ],
)
def test_flyway_checksum_is_crc32_of_the_lines_as_a_java_int(text: bytes) -> None:
    # CRC-32's check value for "123456789" is 0xCBF43926: a negative Java int.
    assert flyway_checksum(text) == 0xCBF43926 - (1 << 32)
