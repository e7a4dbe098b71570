"""verify: migrations applied to a real PostgreSQL (the session's embedded server), as their
runner would apply them, with what each statement locked and rewrote."""

from __future__ import annotations

import glob
import json
import multiprocessing.context
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import lint_folder
from migration_lint.cli import main
from migration_lint.db.compare_to import check_schema
from migration_lint.db.replay import replay
from migration_lint.db.server import ScratchHost, server_folder, wheel_bin_dir
from migration_lint.db.verify import verify as verify_paths
from migration_lint.linter import Settings
from migration_lint.registry import load_rules
from migration_lint.traces import claims_in


def verify(capsys: pytest.CaptureFixture[str], pg_url: str, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(["verify", "--database-url", pg_url, "--format", "json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out)


def write_folder(folder: Path, migrations: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, sql in migrations.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(sql)
    return folder


def test_a_folder_that_applies(tmp_path, capsys, pg_url) -> None:
    folder = write_folder(
        tmp_path / "migrations",
        {
            "0001_users.sql": 'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "name" text);',
            "0002_email.sql": 'ALTER TABLE "users" ADD COLUMN "email" text;',
        },
    )
    code, data = verify(capsys, pg_url, str(folder))
    assert code == 0
    assert data["diagnostics"] == []
    assert [t["sql"] for t in data["traces"]] == [
        'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "name" text);',
        'ALTER TABLE "users" ADD COLUMN "email" text;',
    ]
    assert data["traces"][1]["locks"] == {"users": ["ACCESS EXCLUSIVE"]}


def test_a_failure_in_the_third_file_is_reported_at_its_line_and_column(
    tmp_path, capsys, pg_url
) -> None:
    folder = write_folder(
        tmp_path / "migrations",
        {
            "0001_users.sql": 'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "name" text);',
            "0002_email.sql": 'ALTER TABLE "users" ADD COLUMN "email" text;',
            "0003_backfill.sql": (
                "-- copy names\n"
                'UPDATE "users" SET "email" = "name";\n'
                'UPDATE "users" SET "email" = "nickname";\n'
            ),
            "0004_later.sql": 'CREATE TABLE "later" ("id" bigint);',
        },
    )
    code, data = verify(capsys, pg_url, str(folder))
    assert code == 2
    (failure,) = data["diagnostics"]
    assert (failure["rule"], failure["path"]) == ("apply-failed", str(folder / "0003_backfill.sql"))
    # The server points at "nickname": line 3, column 30.
    assert (failure["line"], failure["column"]) == (3, 30)
    assert (
        "42703" in failure["message"] and 'column "nickname" does not exist' in failure["message"]
    )
    assert "1 later migration" in failure["help"]
    assert not any(t["path"].endswith("0004_later.sql") for t in data["traces"])


DRIZZLE_JOURNAL = """{"version": "7", "dialect": "postgresql", "entries": [
  {"idx": 0, "version": "7", "when": 1700000000000, "tag": "0000_users", "breakpoints": true},
  {"idx": 1, "version": "7", "when": 1700000001000, "tag": "0001_index", "breakpoints": true}
]}"""
CONCURRENT_INDEX = 'CREATE INDEX CONCURRENTLY "users_name_idx" ON "users" ("name");'


@pytest.mark.parametrize(
    ("layout", "migrations", "refused"),
    [
        pytest.param(
            "drizzle",
            {
                "meta/_journal.json": DRIZZLE_JOURNAL,
                "0000_users.sql": 'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "name" text);',
                "0001_index.sql": CONCURRENT_INDEX,
            },
            True,
            id="drizzle-runs-pending-migrations-in-one-transaction",
        ),
        pytest.param(
            "prisma",
            {
                "migration_lock.toml": 'provider = "postgresql"\n',
                "20240101000000_users/migration.sql": 'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "name" text);',
                "20240102000000_index/migration.sql": CONCURRENT_INDEX,
            },
            False,
            id="prisma-sends-a-file-of-one-statement-outside-any-transaction",
        ),
        pytest.param(
            "prisma",
            {
                "migration_lock.toml": 'provider = "postgresql"\n',
                "20240101000000_users/migration.sql": 'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "name" text);',
                "20240102000000_index/migration.sql": 'ALTER TABLE "users" ADD COLUMN "x" int;\n'
                + CONCURRENT_INDEX,
            },
            True,
            id="prisma-sends-a-file-of-two-statements-as-one-implicit-transaction",
        ),
    ],
)
def test_create_index_concurrently_fails_where_the_runner_makes_it_fail(
    tmp_path, capsys, pg_url, layout, migrations, refused
) -> None:
    folder = write_folder(tmp_path / layout, migrations)
    code, data = verify(capsys, pg_url, str(folder))
    if refused:
        assert code == 2
        (failure,) = data["diagnostics"]
        assert "25001" in failure["message"]
        assert "cannot run inside a transaction block" in failure["message"]
    else:
        assert (code, data["diagnostics"]) == (0, [])
        (index,) = [t for t in data["traces"] if "CONCURRENTLY" in t["sql"]]
        assert index["observed"] is False  # outside a transaction its locks cannot be read


SQL_RULES = sorted((r for r in load_rules().values() if r.scope == "sql"), key=lambda rule: rule.id)
# Bad examples the server itself refuses, with the SQLSTATE it gives.
REFUSED = {
    "concurrently-in-transaction": "25001",  # active_sql_transaction
    "syntax-error": "42601",
}
SERVER_VERSION = 18


@pytest.mark.parametrize("rule", SQL_RULES, ids=[r.id for r in SQL_RULES])
def test_each_bad_example_takes_the_lock_and_makes_the_rewrite_its_rule_claims(
    tmp_path, capsys, pg_url, rule
) -> None:
    folder = write_folder(
        tmp_path / "migrations",
        {"0001_schema.sql": rule.example_schema or "SELECT 1;", "0002_example.sql": rule.bad},
    )
    example = str(folder / "0002_example.sql")
    code, data = verify(capsys, pg_url, "--select", rule.id, example)
    failures = [d["message"] for d in data["diagnostics"] if d["rule"] == "apply-failed"]
    if rule.id in REFUSED:
        assert code == 2 and len(failures) == 1 and REFUSED[rule.id] in failures[0]
        return
    assert (code, failures) == (0, [])
    (tmp_path / "lint").mkdir()
    findings = lint_folder(
        tmp_path / "lint",
        [rule.example_schema or "SELECT 1;", rule.bad],
        select=frozenset({rule.id}),
        pg_version=SERVER_VERSION,
    )
    claimed = Counter(c.rule for d in findings for c in claims_in(d.rule, d.message))
    traced = Counter(c["rule"] for t in data["traces"] for c in t["claims"])
    assert traced == claimed
    assert [d for t in data["traces"] for d in t["disagreements"]] == []


def _verified_claims(folder: str, settings: Settings, host: ScratchHost) -> list[str]:
    verified = verify_paths([folder], settings, host)
    return [claim.rule for trace in verified.traces for claim in trace.claims]


def _compared_differences(folder: str, settings: Settings, host: ScratchHost) -> list[str]:
    checked = check_schema(folder, "dev", replay(folder, settings, host), settings, host)
    return [str(difference) for difference in checked.comparison.breaking]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        pytest.param(_verified_claims, ["create-index-not-concurrently"] * 38, id="verify"),
        pytest.param(_compared_differences, [], id="ci-compare-to"),
    ],
)
def test_commands_holding_a_server_lint_in_their_own_process_however_many_files(
    tmp_path: Path,
    pg_server: ScratchHost,
    monkeypatch: pytest.MonkeyPatch,
    command: Callable[[str, Settings, ScratchHost], list[str]],
    expected: list[str],
) -> None:
    """Worker processes forked while a command holds its server would hold the pipe that tells
    the server's watchdog this process died (and a fork of a process with threads can
    deadlock): verify and compare-to lint where they run, even a folder large enough for
    workers, and find the same."""
    folder = write_folder(
        tmp_path / "migrations",
        {
            "0001_t.sql": 'CREATE TABLE "t" ("a" int);',
            **{f"{n:04d}_i.sql": f'CREATE INDEX "i{n}" ON "t" ("a");' for n in range(2, 40)},
        },
    )
    pools = []
    real_pool = multiprocessing.context.BaseContext.Pool

    def recorded_pool(*args: Any, **kwargs: Any) -> Any:
        pools.append(args)
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(multiprocessing.context.BaseContext, "Pool", recorded_pool)
    found = command(str(folder), Settings(processes=2, pool_min_files=1), pg_server)
    assert pools == []
    assert found == expected


DATABASE_RULES = [r for r in load_rules().values() if r.scope == "database"]


@pytest.mark.parametrize("rule", DATABASE_RULES, ids=[r.id for r in DATABASE_RULES])
def test_a_database_rule_reports_its_bad_example_and_not_its_good_one(
    tmp_path, capsys, pg_url, rule
) -> None:
    reported = {}
    for example in ("bad", "good"):
        folder = write_folder(
            tmp_path / example,
            {"0001_schema.sql": rule.example_schema, "0002_example.sql": getattr(rule, example)},
        )
        _, data = verify(capsys, pg_url, "--rollback", str(folder))
        reported[example] = [d["rule"] for d in data["diagnostics"]]
    assert reported == {"bad": [rule.id], "good": []}


PLANTED = "pl4nted-s3cret"


def with_password(url: str) -> str:
    return url.replace("postgresql://postgres@", f"postgresql://postgres:{PLANTED}@", 1)


def test_a_password_in_the_scratch_url_appears_in_no_output_format(
    tmp_path, capfd, pg_url, monkeypatch
) -> None:
    folder = write_folder(
        tmp_path / "migrations",
        {"0001_users.sql": 'ALTER TABLE "missing" ADD COLUMN "x" int;'},
    )
    outputs = [
        f"{name}:{tmp_path / name}" for name in ("json", "sarif", "github", "gitlab", "markdown")
    ]
    monkeypatch.setenv("MIGRATION_LINT_SCRATCH_URL", with_password(pg_url))
    args = ["verify", "--trace", str(folder), "--output", "text"]
    code = main(args + [a for output in outputs for a in ("--output", output)])
    captured = capfd.readouterr()
    assert code == 2 and "apply-failed" in captured.out
    written = "".join(
        (tmp_path / name).read_text() for name in ("json", "sarif", "github", "gitlab", "markdown")
    )
    assert PLANTED not in captured.out + captured.err + written


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(f"postgresql://app:{PLANTED}@127.0.0.1:1/app", id="nothing-listens"),
        pytest.param(f"postgresql://app@127.0.0.1:1/app?password={PLANTED}", id="in-the-query"),
        pytest.param(f"postgresql://app:{PLANTED}@[::1/app", id="not-a-valid-url"),
    ],
)
def test_a_server_that_cannot_be_reached_is_one_line_without_the_password(
    tmp_path, capfd, url
) -> None:
    folder = write_folder(tmp_path / "migrations", {"0001_a.sql": "SELECT 1;"})
    code = main(["verify", "--database-url", url, str(folder)])
    captured = capfd.readouterr()
    assert code == 2
    assert PLANTED not in captured.out + captured.err
    (line,) = captured.err.strip().splitlines()
    assert line.startswith("migration-lint: error: ")


@pytest.mark.parametrize(
    ("stop", "code"),
    [
        pytest.param(signal.SIGINT, 130, id="ctrl-c"),
        pytest.param(signal.SIGTERM, 143, id="sigterm"),
    ],
)
def test_an_interrupted_verify_stops_and_removes_its_embedded_server(tmp_path, stop, code) -> None:
    folder = write_folder(tmp_path / "migrations", {"0001_wait.sql": "SELECT pg_sleep(60);"})
    server_parent = tempfile.mkdtemp(dir="/tmp")  # short: the server's socket lives there
    os.chmod(server_parent, 0o755)  # as root the server's own user must reach it
    try:
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "migration_lint.cli",
                "verify",
                "--pg-bin",
                str(wheel_bin_dir()),
                str(folder),
            ],
            env=os.environ | {"TMPDIR": server_parent},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # As from a terminal: a background job's ignored SIGINT must not be inherited.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        # Wait until the server runs (its pid file is written), then interrupt.
        while not glob.glob(os.path.join(server_parent, "*", "data", "postmaster.pid")):
            assert child.poll() is None, child.communicate()
            time.sleep(0.05)
        child.send_signal(stop)
        _, err = child.communicate(timeout=60)
        assert child.returncode == code
        assert err == f"migration-lint: interrupted ({stop.name})\n"
        assert os.listdir(server_parent) == []
    finally:
        shutil.rmtree(server_parent, ignore_errors=True)


def test_the_embedded_server_goes_where_its_user_can_reach_it(tmp_path, monkeypatch) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    for another_user, parent in ((False, str(private)), (True, "/tmp")):
        folder = server_folder(another_user)
        try:
            assert os.path.dirname(folder) == parent
        finally:
            os.rmdir(folder)


GOOSE_UP = "-- +goose Up\n"
PRISMA_LOCK = {"migration_lock.toml": 'provider = "postgresql"\n'}


@pytest.mark.parametrize(
    ("files", "asked", "expected"),
    [
        pytest.param(
            {
                "meta/_journal.json": DRIZZLE_JOURNAL,
                "0000_users.sql": 'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "name" text);',
            },
            "",
            ("apply-failed", "0001_index.sql", 1, "stops before running any migration"),
            id="drizzle-stops-when-a-journal-entry-has-no-file",
        ),
        pytest.param(
            {
                "meta/_journal.json": DRIZZLE_JOURNAL,
                "0000_users.sql": 'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "name" text);',
                "0001_index.sql": 'CREATE INDEX "users_name_idx" ON "users" ("name");',
                "0002_stray.sql": "SELEC broken;",
            },
            "0002_stray.sql",
            ("input-error", "0002_stray.sql", 1, "the journal does not list it"),
            id="drizzle-never-runs-a-file-its-journal-leaves-out",
        ),
        pytest.param(
            {
                "V1__create.sql": 'CREATE TABLE "t" ("id" int);',
                "V1_1__first.sql": 'ALTER TABLE "t" ADD COLUMN "a" int;',
                "V1.2__second.sql": 'ALTER TABLE "t" ADD COLUMN "b" int;',
            },
            "",
            None,
            id="flyway-orders-by-version-numbers",
        ),
        pytest.param(
            {
                "001_t.sql": 'CREATE TABLE "t" ("id" int);\nINSERT INTO "t" VALUES (1);\n'
                'CREATE PROCEDURE "bump"() LANGUAGE plpgsql AS $$ BEGIN UPDATE "t" SET "id" = "id" + 1; COMMIT; END $$;\n',
                "002_call.sql": 'CALL "bump"();\nDO $$ BEGIN UPDATE "t" SET "id" = 0; COMMIT; END $$;\n',
            },
            "",
            None,
            id="a-procedure-that-commits-runs-as-the-runner-runs-it",
        ),
        pytest.param(
            {
                "001_t.sql": 'CREATE TABLE "t" ("id" int);',
                "002_lock.sql": 'LOCK TABLE "t" IN ACCESS EXCLUSIVE MODE;',
            },
            "",
            ("apply-failed", "002_lock.sql", 1, "25P01"),
            id="lock-outside-a-transaction-fails-as-with-the-runner",
        ),
        pytest.param(
            {
                "001_t.sql": GOOSE_UP
                + 'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;\nCREATE TABLE "t" ("id" int);\n',
            },
            "",
            None,
            id="set-transaction-first-in-goose-transaction",
        ),
        pytest.param(
            {
                **PRISMA_LOCK,
                "20250101000000_a/migration.sql": 'CREATE TABLE "t" ("id" int);',
                "20250102000000_b/migration.sql": 'INSERT INTO "missing" VALUES (1);\nSELEC 1;\n',
            },
            "",
            ("apply-failed", "20250102000000_b/migration.sql", 2, "42601"),
            id="prisma-one-query-fails-on-its-syntax-error-first",
        ),
        pytest.param(
            {
                **PRISMA_LOCK,
                "20250101000000_a/migration.sql": 'CREATE TABLE "t" ("id" int, "name" text);',
                "20250102000000_b/migration.sql": 'COPY "t" ("id", "name") FROM stdin;\n1\tone\n\\.\n',
            },
            "",
            ("apply-failed", "20250102000000_b/migration.sql", 2, "COPY"),
            id="copy-data-is-sent-as-sql",
        ),
        pytest.param(
            {"001_t.sql": "SELECT pg_terminate_backend(pg_backend_pid());"},
            "",
            ("apply-failed", "001_t.sql", 1, "57P01"),
            id="a-connection-that-ends",
        ),
        pytest.param(
            {
                "001_ext.sql": 'CREATE EXTENSION "not_on_this_server";',
                "002_t.sql": 'CREATE TABLE "t" ("id" int);',
            },
            "002_t.sql",
            ("apply-failed", "001_ext.sql", 1, "not verified"),
            id="a-failing-history-leaves-the-files-asked-about-unverified",
        ),
    ],
)
def test_verify_applies_as_the_runner_would(
    tmp_path, capsys, pg_url, files, asked, expected
) -> None:
    folder = write_folder(tmp_path / "migrations", files)
    code, data = verify(capsys, pg_url, str(folder / asked) if asked else str(folder))
    found = [
        (d["rule"], os.path.relpath(d["path"], folder), d["line"], d["message"] + " " + d["help"])
        for d in data["diagnostics"]
    ]
    if expected is None:
        assert (code, found) == (0, [])
        return
    rule, path, line, text = expected
    ((found_rule, found_path, found_line, found_text),) = found
    assert (found_rule, found_path, found_line) == (rule, path, line)
    assert text in found_text
