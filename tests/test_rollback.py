"""`migration-lint rollback` on a real server: databases deployed as each runner deploys them
(the migrations applied, the runner's bookkeeping written), then rolled back."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from migration_lint.cli import main
from migration_lint.db import catalog
from migration_lint.db.connect import connect
from migration_lint.db.server import socket_url
from migration_lint.db.urls import Target

ORDERS = 'CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "coupon" text);\n'
ADD_TOTAL = 'ALTER TABLE "orders" ADD COLUMN "total" integer NOT NULL DEFAULT 0;\n'
DROP_TOTAL = 'ALTER TABLE "orders" DROP COLUMN "total";\n'
ADD_INDEX = 'CREATE INDEX "orders_total" ON "orders" ("total");\n'
DROP_INDEX = 'DROP INDEX "orders_total";\n'
# (name, up, the rollback plan or None)
MIGRATIONS = [
    ("orders", ORDERS, 'DROP TABLE "orders";\n'),
    ("total", ADD_TOTAL, DROP_TOTAL),
    ("index", ADD_INDEX, DROP_INDEX),
]
Migration = tuple[str, str, str | None]


def sql_of(url: str, query: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    # Without parameters, as bytes: sent as one simple query, which may hold several statements.
    with connect(Target(url, "test"), read_only=False) as connection:
        cursor = connection.execute(query.encode() if not params else query, params or None)
        return cursor.fetchall() if cursor.description else []


def schema_of(url: str) -> catalog.Catalog:
    with connect(Target(url, "test"), read_only=True) as connection:
        return catalog.read(connection)


@dataclass(frozen=True)
class Runner:
    """How a runner lays out a migration's files, and what it writes when it applies one."""

    name: str
    folder: str
    files: Callable[[int, Migration], dict[str, str]]  # (number from 1, migration)
    bookkeeping: str  # its table, as the runner creates it
    record: Callable[[str, int, dict[str, str]], None]  # (url, number, its files) once applied
    applied: str  # a query: what the bookkeeping says is applied


class Deployment:
    """A runner's migrations folder under `root`, and a database it applies them to."""

    def __init__(self, runner: Runner, root: Path, url: str, migrations: list[Migration]):
        self.runner, self.url, self.migrations = runner, url, migrations
        self.applied = 0  # how many of them are applied
        self.folder = root / runner.folder
        self.written = [runner.files(n, m) for n, m in enumerate(migrations, start=1)]
        for files in self.written:
            for name, text in files.items():
                (self.folder / name).parent.mkdir(parents=True, exist_ok=True)
                (self.folder / name).write_text(text)
        if runner.name == "drizzle":
            tags = [name.removesuffix(".sql") for files in self.written for name in files]
            entries = [
                {"idx": i, "version": "7", "when": _when(i + 1), "tag": t, "breakpoints": True}
                for i, t in enumerate(tags)
            ]
            (self.folder / "meta").mkdir()
            (self.folder / "meta" / "_journal.json").write_text(json.dumps({"entries": entries}))
        if runner.name == "prisma":
            (self.folder / "migration_lock.toml").write_text('provider = "postgresql"\n')
        sql_of(url, runner.bookkeeping)

    def apply(self, count: int) -> None:
        """Apply the next migrations, as many as `count`, and record them as the runner does."""
        for number in range(self.applied + 1, self.applied + count + 1):
            sql_of(self.url, self.migrations[number - 1][1])
            self.runner.record(self.url, number, self.written[number - 1])
        self.applied += count

    def state(self) -> State:
        try:
            bookkeeping = sql_of(self.url, self.runner.applied)
        except psycopg.errors.UndefinedTable:
            bookkeeping = None
        return State(schema_of(self.url), bookkeeping)

    def path(self, number: int) -> str:
        """The migration's file, as the command names it (the working directory is `root`)."""
        name = next(n for n in self.written[number - 1] if not n.endswith(".down.sql"))
        return os.path.relpath(self.folder / name)


@dataclass(frozen=True)
class State:
    schema: catalog.Catalog
    bookkeeping: list[tuple[object, ...]] | None  # None: no bookkeeping table


def _when(number: int) -> int:
    return 1767225600000 + number


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _comment_block(plan: str | None) -> str:
    if plan is None:
        return ""
    return "-- rollback:\n" + "".join(f"-- {line}\n" for line in plan.splitlines())


def _drizzle_files(number: int, migration: Migration) -> dict[str, str]:
    name, up, plan = migration
    return {f"{number - 1:04d}_{name}.sql": up + _comment_block(plan)}


def _drizzle_record(url: str, number: int, files: dict[str, str]) -> None:
    (text,) = files.values()
    sql_of(
        url,
        'INSERT INTO "drizzle"."__drizzle_migrations" (hash, created_at) VALUES (%s, %s)',
        (_sha256(text), _when(number)),
    )


def _prisma_files(number: int, migration: Migration) -> dict[str, str]:
    name, up, plan = migration
    return {f"2025010100000{number}_{name}/migration.sql": up + _comment_block(plan)}


def _prisma_record(url: str, number: int, files: dict[str, str]) -> None:
    ((path, text),) = files.items()
    sql_of(
        url,
        'INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, '
        "started_at, applied_steps_count) VALUES (%s, %s, now(), %s, now(), 1)",
        (str(uuid.uuid4()), _sha256(text), path.split("/")[0]),
    )


def _golang_migrate_files(number: int, migration: Migration) -> dict[str, str]:
    name, up, plan = migration
    files = {f"{number:06d}_{name}.up.sql": up}
    if plan is not None:
        files[f"{number:06d}_{name}.down.sql"] = plan
    return files


def _golang_migrate_record(url: str, number: int, files: dict[str, str]) -> None:
    sql_of(url, "DELETE FROM schema_migrations")
    sql_of(url, "INSERT INTO schema_migrations (version, dirty) VALUES (%s, false)", (number,))


def _goose_files(number: int, migration: Migration) -> dict[str, str]:
    name, up, plan = migration
    down = f"-- +goose Down\n{plan}" if plan is not None else ""
    return {f"{number:05d}_{name}.sql": f"-- +goose Up\n{up}{down}"}


def _goose_record(url: str, number: int, files: dict[str, str]) -> None:
    if number == 1:
        sql_of(url, "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true)")
    sql_of(
        url, "INSERT INTO goose_db_version (version_id, is_applied) VALUES (%s, true)", (number,)
    )


def _dbmate_files(number: int, migration: Migration) -> dict[str, str]:
    name, up, plan = migration
    down = plan if plan is not None else ""
    return {f"2025010100000{number}_{name}.sql": f"-- migrate:up\n{up}\n-- migrate:down\n{down}"}


def _dbmate_record(url: str, number: int, files: dict[str, str]) -> None:
    version = f"2025010100000{number}"
    sql_of(url, "INSERT INTO schema_migrations (version) VALUES (%s)", (version,))


RUNNERS = {
    "drizzle": Runner(
        "drizzle",
        "drizzle",
        _drizzle_files,
        'CREATE SCHEMA "drizzle"; CREATE TABLE "drizzle"."__drizzle_migrations" '
        "(id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)",
        _drizzle_record,
        'SELECT created_at FROM "drizzle"."__drizzle_migrations" ORDER BY created_at',
    ),
    "prisma": Runner(
        "prisma",
        "prisma/migrations",
        _prisma_files,
        'CREATE TABLE "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY, '
        '"checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ, '
        '"migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ, '
        '"started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), '
        '"applied_steps_count" INTEGER NOT NULL DEFAULT 0)',
        _prisma_record,
        'SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name',
    ),
    "golang-migrate": Runner(
        "golang-migrate",
        "migrations",
        _golang_migrate_files,
        "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)",
        _golang_migrate_record,
        "SELECT version, dirty FROM schema_migrations",
    ),
    "goose": Runner(
        "goose",
        "migrations",
        _goose_files,
        "CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, "
        "is_applied boolean NOT NULL, tstamp timestamp NULL default now(), PRIMARY KEY(id))",
        _goose_record,
        "SELECT version_id FROM goose_db_version WHERE version_id > 0 ORDER BY id",
    ),
    "dbmate": Runner(
        "dbmate",
        "db/migrations",
        _dbmate_files,
        "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY)",
        _dbmate_record,
        "SELECT version FROM schema_migrations ORDER BY version",
    ),
}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no config of the repository's; folders named relatively


def rollback(
    pg_url: str, capsys: pytest.CaptureFixture[str], database: str, *args: str
) -> tuple[int, str, str]:
    code = main(["rollback", "--database", database, "--database-url", pg_url, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def database_url(scratch_db: str) -> str:
    """The scratch database as a postgresql:// URL, as --database takes it."""
    settings = conninfo_to_dict(scratch_db)
    return socket_url(str(settings["host"]), str(settings["dbname"]))


@pytest.fixture
def deploy(tmp_path: Path, database_url: str) -> Callable[..., Deployment]:
    def deployment(runner: str, migrations: list[Migration] = MIGRATIONS) -> Deployment:
        return Deployment(RUNNERS[runner], tmp_path, database_url, migrations)

    return deployment


@pytest.mark.parametrize("runner", RUNNERS)
def test_without_yes_the_plan_is_printed_and_nothing_changes(
    deploy, pg_url: str, capsys: pytest.CaptureFixture[str], runner: str
) -> None:
    deployment = deploy(runner)
    deployment.apply(3)
    before = deployment.state()
    code, out, err = rollback(pg_url, capsys, deployment.url, deployment.runner.folder)
    assert (code, err) == (0, "")
    plan = out[out.index("BEGIN;") : out.index("COMMIT;")]
    assert f"-- {deployment.path(3)}: its rollback plan at " in plan
    assert DROP_INDEX.strip() in plan
    assert "Nothing was changed: run again with --yes to roll back." in out
    assert deployment.state() == before


def test_without_yes_the_database_is_only_read(
    deploy, pg_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from migration_lint.db import rollback as rollback_module

    deployment = deploy("drizzle")
    deployment.apply(3)
    opened = []
    real_connect = rollback_module.connect

    def recording_connect(target: Target, **options: bool) -> object:
        opened.append(options["read_only"])
        return real_connect(target, **options)

    monkeypatch.setattr(rollback_module, "connect", recording_connect)
    assert rollback(pg_url, capsys, deployment.url, "drizzle")[0] == 0
    assert opened == [True]


@pytest.mark.parametrize("runner", RUNNERS)
def test_yes_undoes_the_newest_migration_and_forgets_it(
    deploy, pg_url: str, capsys: pytest.CaptureFixture[str], runner: str
) -> None:
    deployment = deploy(runner)
    deployment.apply(2)
    before = deployment.state()
    deployment.apply(1)
    code, out, err = rollback(pg_url, capsys, deployment.url, deployment.runner.folder, "--yes")
    assert (code, err) == (0, "")
    assert f"Rolled back: {deployment.path(3)}." in out
    assert deployment.state() == before


@pytest.mark.parametrize(
    ("runner", "to"),
    [
        pytest.param("drizzle", "0000_orders", id="drizzle-by-name"),
        pytest.param(
            "prisma", "prisma/migrations/20250101000001_orders/migration.sql", id="prisma-by-file"
        ),
        pytest.param("golang-migrate", "1", id="golang-migrate-by-version"),
        pytest.param("goose", "00001_orders.sql", id="goose-by-file-name"),
        pytest.param("dbmate", "20250101000001", id="dbmate-by-version"),
    ],
)
def test_to_undoes_every_migration_after_it_newest_first(
    deploy, pg_url: str, capsys: pytest.CaptureFixture[str], runner: str, to: str
) -> None:
    deployment = deploy(runner)
    deployment.apply(1)
    before = deployment.state()
    deployment.apply(2)
    code, out, err = rollback(
        pg_url, capsys, deployment.url, deployment.runner.folder, "--to", to, "--yes"
    )
    assert (code, err) == (0, "")
    assert out.index(DROP_INDEX.strip()) < out.index(DROP_TOTAL.strip())
    assert deployment.state() == before


@pytest.mark.parametrize("runner", RUNNERS)
def test_the_only_migration_is_undone_to_an_empty_history(
    deploy, pg_url: str, capsys: pytest.CaptureFixture[str], runner: str
) -> None:
    deployment = deploy(runner, MIGRATIONS[:1])
    before = deployment.state()
    deployment.apply(1)
    code, _, err = rollback(pg_url, capsys, deployment.url, deployment.runner.folder, "--yes")
    assert (code, err) == (0, "")
    assert deployment.state() == before


def _edit_newest(deployment: Deployment) -> None:
    with open(deployment.path(3), "a") as migration:
        migration.write("-- edited after it was applied\n")


NOT_NULL_COUPON = [
    ("orders", 'CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "coupon" text NOT NULL);\n', None),
    (
        "nullable",
        'ALTER TABLE "orders" ALTER COLUMN "coupon" DROP NOT NULL;\n',
        'ALTER TABLE "orders" ALTER COLUMN "coupon" SET NOT NULL;\n',
    ),
]


@pytest.mark.parametrize(
    ("runner", "migrations", "spoil", "refusal"),
    [
        pytest.param(
            "drizzle",
            [*MIGRATIONS[:2], ("index", ADD_INDEX, None)],
            None,
            "drizzle/0002_index.sql has no rollback plan",
            id="no-plan",
        ),
        pytest.param(
            "drizzle",
            MIGRATIONS,
            _edit_newest,
            "drizzle/0002_index.sql is not the migration the database applied (row 3): its "
            "sha256 differs",
            id="drizzle-file-edited",
        ),
        pytest.param(
            "prisma",
            MIGRATIONS,
            _edit_newest,
            "prisma/migrations/20250101000003_index/migration.sql is not the migration the "
            "database applied",
            id="prisma-checksum-differs",
        ),
        pytest.param(
            "prisma",
            MIGRATIONS,
            lambda d: sql_of(d.url, 'UPDATE "_prisma_migrations" SET finished_at = NULL'),
            "prisma/migrations/20250101000001_orders/migration.sql (failed): Prisma recorded it "
            "as failed (or started and never finished)",
            id="prisma-failed-migration",
        ),
        pytest.param(
            "dbmate",
            MIGRATIONS,
            lambda d: sql_of(d.url, "INSERT INTO schema_migrations VALUES ('20990101000000')"),
            "version 20990101000000 is applied, and has no file here",
            id="applied-migration-without-file",
        ),
        pytest.param(
            "dbmate",
            MIGRATIONS,
            lambda d: sql_of(
                d.url, "DELETE FROM schema_migrations WHERE version = '20250101000002'"
            ),
            "db/migrations/20250101000002_total.sql is not applied, and the later "
            "db/migrations/20250101000003_index.sql is",
            id="history-with-a-gap",
        ),
        pytest.param(
            "goose",
            MIGRATIONS,
            lambda d: sql_of(d.url, "DELETE FROM goose_db_version WHERE version_id = 2"),
            "migrations/00002_total.sql (out-of-order): pending below the newest applied "
            "version (3)",
            id="goose-out-of-order",
        ),
        pytest.param(
            "drizzle",
            MIGRATIONS,
            lambda d: sql_of(
                d.url, f'DELETE FROM "drizzle"."__drizzle_migrations" WHERE created_at = {_when(2)}'
            ),
            "drizzle/0001_total.sql (will-be-skipped): its journal `when`",
            id="drizzle-will-be-skipped",
        ),
        pytest.param(
            "golang-migrate",
            MIGRATIONS,
            lambda d: sql_of(d.url, "UPDATE schema_migrations SET dirty = true"),
            "migrations/000003_index.up.sql (dirty): golang-migrate marked the database dirty",
            id="golang-migrate-dirty",
        ),
        pytest.param(
            "goose",
            MIGRATIONS,
            lambda d: sql_of(d.url, "DROP TABLE goose_db_version"),
            'no table "goose_db_version" in this database',
            id="no-bookkeeping-table",
        ),
        pytest.param(
            "drizzle",
            [*MIGRATIONS[:2], ("index", ADD_INDEX, "SELECT 1;")],
            None,
            "the rollback plan fails its check on ",
            id="plan-fails-its-check",
        ),
        pytest.param(
            "drizzle",
            [*MIGRATIONS[:2], ("index", ADD_INDEX, DROP_INDEX + "ROLLBACK;")],
            None,
            "drizzle/0002_index.sql:4:4: rollback-failed The rollback plan fails: ROLLBACK would "
            "end the transaction the plan runs in",
            id="plan-ends-the-transaction",
        ),
        pytest.param(
            "goose",
            NOT_NULL_COUPON,
            # A row the scratch check cannot know of: the plan fails on this database only.
            lambda d: sql_of(d.url, "INSERT INTO orders VALUES (1, NULL)"),
            "migrations/00002_nullable.sql:4:1: the rollback plan of migrations/00002_nullable.sql "
            'failed on test: 23502: column "coupon" of relation "orders" contains null values; '
            "it was rolled back: nothing was changed",
            id="plan-fails-on-the-database",
        ),
    ],
)
def test_refuses_and_changes_nothing(
    deploy,
    pg_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    runner: str,
    migrations: list[Migration],
    spoil: Callable[[Deployment], object] | None,
    refusal: str,
) -> None:
    deployment = deploy(runner, migrations)
    deployment.apply(len(migrations))
    if spoil is not None:
        spoil(deployment)
    before = deployment.state()
    monkeypatch.setenv("TEST_DATABASE_URL", deployment.url)
    code, _, err = rollback(pg_url, capsys, "TEST_DATABASE_URL", deployment.runner.folder, "--yes")
    assert code == 2
    assert refusal in err.replace("$TEST_DATABASE_URL", "test")
    assert deployment.state() == before


def test_a_plan_that_fails_its_check_is_shown_as_verify_shows_it(
    deploy, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    deployment = deploy("drizzle", [*MIGRATIONS[:2], ("index", ADD_INDEX, "SELECT 1;")])
    deployment.apply(3)
    code, _, err = rollback(pg_url, capsys, deployment.url, "drizzle")
    assert code == 2
    assert (
        "drizzle/0002_index.sql:2:1: rollback-mismatch The rollback plan does not restore the "
        "schema from before the migration: index public.orders_total: added"
    ) in err


@pytest.mark.parametrize(
    ("files", "refusal"),
    [
        pytest.param(
            {"V1__orders.sql": ORDERS},
            "Flyway keeps flyway_schema_history",
            id="flyway",
        ),
        pytest.param(
            {"0001_orders.sql": ORDERS},
            "does not know the bookkeeping of the plain layout",
            id="plain",
        ),
    ],
)
def test_refuses_runners_whose_bookkeeping_it_does_not_write(
    write, database_url: str, pg_url: str, capsys: pytest.CaptureFixture[str], files, refusal: str
) -> None:
    root = write({f"m/{name}": sql for name, sql in files.items()})
    code, out, err = rollback(pg_url, capsys, database_url, str(root / "m"), "--yes")
    assert (code, out) == (2, "")
    assert refusal in err
    assert len(err.strip().splitlines()) == 1


PASSWORD = "Pl4nted-Secret"


@pytest.mark.parametrize(
    ("database", "args"),
    [
        pytest.param(lambda url: url.replace("postgres@", f"postgres:{PASSWORD}@"), [], id="plan"),
        pytest.param(
            lambda url: url.replace("postgres@", f"postgres:{PASSWORD}@"), ["--yes"], id="run"
        ),
        pytest.param(lambda url: url + f"&password={PASSWORD}", ["--yes"], id="password-parameter"),
        pytest.param(
            lambda url: url.replace("postgres@", f"postgres:{PASSWORD}@").replace(
                "/migration_lint_", "/nowhere_"
            ),
            [],
            id="connection-refused",
        ),
        pytest.param(
            lambda url: url.replace("postgres@", f"postgres:{PASSWORD}@"),
            ["--to", "nothing-so-named"],
            id="refusal",
        ),
    ],
)
def test_a_password_in_the_url_is_never_shown(
    deploy,
    pg_url: str,
    capsys: pytest.CaptureFixture[str],
    database: Callable[[str], str],
    args: list[str],
) -> None:
    deployment = deploy("drizzle")
    deployment.apply(3)
    _, out, err = rollback(pg_url, capsys, database(deployment.url), "drizzle", *args)
    assert out + err
    assert PASSWORD not in out + err
    assert PASSWORD.lower() not in (out + err).lower()


def test_refuses_when_a_deploy_ran_since_the_bookkeeping_was_read(
    deploy, pg_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from migration_lint.db import rollback as rollback_module

    deployment = deploy("drizzle")
    deployment.apply(2)
    real_check = rollback_module.check_plans

    def check_while_deploying(*args: object) -> object:
        checked = real_check(*args)  # type: ignore[arg-type]
        deployment.apply(1)
        return checked

    monkeypatch.setattr(rollback_module, "check_plans", check_while_deploying)
    after_the_deploy = [*deployment.state().bookkeeping, (_when(3),)]  # type: ignore[misc]
    code, _, err = rollback(pg_url, capsys, deployment.url, "drizzle", "--yes")
    assert code == 2
    assert (
        'migration-lint: error: "drizzle"."__drizzle_migrations" changed since it was read' in err
    )
    assert deployment.state().bookkeeping == after_the_deploy


@pytest.mark.parametrize(
    ("table", "mode", "refusal"),
    [
        pytest.param(
            '"drizzle"."__drizzle_migrations"',
            "ROW EXCLUSIVE",  # a deploy's INSERT, not committed yet
            "canceling statement due to lock timeout; it was rolled back: nothing was changed",
            id="bookkeeping-in-use",
        ),
        pytest.param(
            '"orders"',
            "ACCESS SHARE",  # a long SELECT
            "drizzle/0002_index.sql:3:4: the rollback plan of drizzle/0002_index.sql failed on "
            "$TEST_DATABASE_URL: 55P03: canceling statement due to lock timeout; it was rolled "
            "back: nothing was changed",
            id="table-in-use",
        ),
    ],
)
def test_a_lock_held_elsewhere_stops_it_after_the_lock_timeout(
    deploy,
    pg_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    table: str,
    mode: str,
    refusal: str,
) -> None:
    from migration_lint.db import rollback as rollback_module

    monkeypatch.setattr(rollback_module, "LOCK_TIMEOUT", "200ms")
    deployment = deploy("drizzle")
    deployment.apply(3)
    before = deployment.state()
    monkeypatch.setenv("TEST_DATABASE_URL", deployment.url)
    with connect(Target(deployment.url, "test"), read_only=False) as other:
        other.execute("BEGIN")
        other.execute(f"LOCK TABLE {table} IN {mode} MODE")
        code, _, err = rollback(pg_url, capsys, "TEST_DATABASE_URL", "drizzle", "--yes")
    assert code == 2
    assert refusal in err
    assert len(err.strip().splitlines()) == 1
    assert deployment.state() == before
