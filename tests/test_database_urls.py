"""Database addresses: every form a password can take stays out of every output, bad ones are one
line, and the connections and scratch servers made from them behave (options kept, UTF-8 always,
the embedded server started only when needed and removed even after a SIGKILL)."""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from drizzle_repo import DrizzleRepo, git
from migration_lint.cli import main
from migration_lint.db import server as server_module
from migration_lint.db.connect import connect
from migration_lint.db.server import SERVER_USER, ScratchHost, wheel_bin_dir
from migration_lint.db.urls import Target, for_libpq, redact, scrub, target
from migration_lint.source import InputError

PLANTED = "Pl4ntedPW"  # long enough to be taken out wherever it appears
UNREACHABLE = "127.0.0.1:1"  # nothing listens: a connection error, at once


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no config of the repository's


def socket_dir(pg_url: str) -> str:
    return str(conninfo_to_dict(pg_url)["host"])


def with_password(pg_url: str, password: str) -> str:
    """The session server's URL with a password written into it as is (trust: it is not asked
    for, and the connection works)."""
    return f"postgresql://postgres:{password}@/postgres?host={quote(socket_dir(pg_url), safe='')}"


def migrations(tmp_path: Path, sql: str = 'CREATE TABLE "t" ("id" bigint);') -> str:
    folder = tmp_path / "migrations"
    folder.mkdir(exist_ok=True)
    (folder / "0001_t.sql").write_text(sql, encoding="utf-8")
    return str(folder)


def run(capfd: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capfd.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code: int, out: str, err: str) -> str:
    assert code == 2, (out, err)
    (line,) = err.strip().splitlines()
    assert line.startswith("migration-lint: error: "), err
    assert "Traceback" not in out + err
    return line


# -- urls: redact, scrub, target, for_libpq ------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        pytest.param(
            "postgresql://app:Sekr3tPW@127.0.0.1:55432/appdb",
            "postgresql://app:***@127.0.0.1:55432/appdb",
            id="userinfo",
        ),
        pytest.param(
            "postgresql://app:pa#ss@host/db", "postgresql://app:***@host/db", id="hash-in-password"
        ),
        pytest.param(
            "postgresql://app:pa/ss@host/db?sslmode=disable",
            "postgresql://app:***@host/db?sslmode=disable",
            id="slash-in-password",
        ),
        pytest.param(
            "postgresql://app:pa?ss@host:5432/db",
            "postgresql://app:***@host:5432/db",
            id="question-mark-in-password",
        ),
        pytest.param(
            "postgresql://app:pa@s/s#x@h1,h2:5433/db",
            "postgresql://app:***@h1,h2:5433/db",
            id="at-slash-hash-in-password",
        ),
        pytest.param(
            "postgres://app:p%40ss@host/db", "postgres://app:***@host/db", id="percent-encoded"
        ),
        pytest.param(
            "postgresql://app@host/db?sslmode=require&password=S3cret&x=1",
            "postgresql://app@host/db?sslmode=require&password=***&x=1",
            id="query-password",
        ),
        pytest.param(
            "postgresql://app@host/db?sslpassword=S3cret",
            "postgresql://app@host/db?sslpassword=***",
            id="query-sslpassword",
        ),
        pytest.param(
            "postgresql://app:one@host/db?PASSWORD=two&SSLPassword=three",
            "postgresql://app:***@host/db?PASSWORD=***&SSLPassword=***",
            id="every-one-any-case",
        ),
        pytest.param(
            "host=127.0.0.1 user=app password=Sekr3tPW dbname=appdb",
            "host=127.0.0.1 user=app password=*** dbname=appdb",
            id="keyword-value",
        ),
        pytest.param(
            "host=h password = 'se cr\\'et' sslpassword=k\\ ey dbname=d",
            "host=h password=*** sslpassword=*** dbname=d",
            id="keyword-value-quoted-and-escaped",
        ),
        pytest.param("host=h password='unterminated", "host=h password=***", id="unterminated"),
        pytest.param("app:Sekr3tPW@host/db", "app:***@host/db", id="no-scheme"),
        pytest.param("jdbc:postgresql://app:pw@host/db", "jdbc:postgresql://app:***@host/db"),
        pytest.param(
            "postgresql://postgres@/postgres?host=%2Ftmp%2Fx",
            "postgresql://postgres@/postgres?host=%2Ftmp%2Fx",
            id="no-password",
        ),
        pytest.param("host=h user=app dbname=d", "host=h user=app dbname=d", id="none-either"),
    ],
)
def test_redact(address: str, shown: str) -> None:
    assert redact(address) == shown


@pytest.mark.parametrize(
    ("message", "address", "scrubbed"),
    [
        pytest.param(
            "connection failed: password a rejected (a)",
            "postgresql://app:a@host/db",
            "connection failed: password *** rejected (***)",
            id="short-only-as-a-word",
        ),
        pytest.param(
            "xPl4ntedPWx and Pl4ntedPW",
            f"host=h password={PLANTED}",
            "x***x and ***",
            id="long-everywhere",
        ),
        pytest.param(
            "user p@ss#word1 failed",
            "postgresql://app:p%40ss%23word1@host/db",
            "user *** failed",
            id="decoded",
        ),
        pytest.param(
            "bad password se cr'et",
            "host=h password='se cr\\'et'",
            "bad password ***",
            id="keyword-value-unquoted",
        ),
        pytest.param(
            'failed to resolve host "ss@127.0.0.1"',
            "postgresql://app:pa@ss@127.0.0.1/db",
            'failed to resolve host "***@127.0.0.1"',
            id="what-libpq-takes-for-a-host",
        ),
        pytest.param(
            "sslpassword Sekr3t! refused",
            "postgresql://app@h/db?sslpassword=Sekr3t%21",
            "sslpassword *** refused",
            id="query-sslpassword",
        ),
        pytest.param("nothing to hide", "postgresql://app@h/db", "nothing to hide", id="none"),
    ],
)
def test_scrub(message: str, address: str, scrubbed: str) -> None:
    assert scrub(message, address) == scrubbed


@pytest.mark.parametrize(
    ("value", "environment", "url", "shown"),
    [
        pytest.param(
            f"postgresql://app:{PLANTED}@h/db",
            None,
            f"postgresql://app:{PLANTED}@h/db",
            "postgresql://app:***@h/db",
            id="url",
        ),
        pytest.param(
            f"host=h user=app password={PLANTED}",
            None,
            f"host=h user=app password={PLANTED}",
            "host=h user=app password=***",
            id="keyword-value",
        ),
        pytest.param(
            "SOME_DATABASE",
            f"host=h password={PLANTED}",
            f"host=h password={PLANTED}",
            "$SOME_DATABASE",
            id="variable",
        ),
    ],
)
def test_target(
    monkeypatch: pytest.MonkeyPatch, value: str, environment: str | None, url: str, shown: str
) -> None:
    if environment is not None:
        monkeypatch.setenv(value, environment)
    found = target(value)
    assert (found.url, found.shown) == (url, shown)
    assert PLANTED not in repr(found)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(f"app:{PLANTED}@host/db", id="no-scheme"),
        pytest.param(f"//app:{PLANTED}@host/db", id="no-scheme-slashes"),
        pytest.param(f"- password={PLANTED}", id="not-keyword-value"),
    ],
)
def test_target_refuses_without_the_password(value: str) -> None:
    with pytest.raises(InputError) as refused:
        target(value)
    assert PLANTED not in refused.value.path + refused.value.message


@pytest.mark.parametrize(
    ("url", "for_it", "schema"),
    [
        pytest.param(
            "postgresql://app:pa?ss@h/db?schema=s&sslmode=disable&connection_limit=3",
            "postgresql://app:pa?ss@h/db?sslmode=disable",
            "s",
            id="question-mark-in-password",
        ),
        pytest.param(
            "postgresql://app:pa#ss@h/db?schema=public",
            "postgresql://app:pa#ss@h/db",
            "public",
            id="hash-in-password",
        ),
        pytest.param("host=h dbname=d", "host=h dbname=d", None, id="keyword-value"),
    ],
)
def test_for_libpq(url: str, for_it: str, schema: str | None) -> None:
    assert for_libpq(url) == (for_it, schema)


# -- the commands: no password in any output ----------------------------------------------------


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_verify_on_a_keyword_value_server_shows_it_without_its_password(
    tmp_path, capfd, pg_url, output_format
) -> None:
    conninfo = f"host={socket_dir(pg_url)} user=postgres password={PLANTED} dbname=postgres"
    code, out, err = run(
        capfd, "verify", "--database-url", conninfo, "--format", output_format, migrations(tmp_path)
    )
    assert code == 0, err
    assert PLANTED not in out + err
    shown = f"host={socket_dir(pg_url)} user=postgres password=*** dbname=postgres"
    if output_format == "json":
        assert json.loads(out)["summary"]["server"] == shown
    else:
        assert f"Applied to {shown}." in out


@pytest.mark.parametrize(
    "password",
    [
        pytest.param(f"pa#{PLANTED}", id="hash"),
        pytest.param(f"pa?{PLANTED}", id="question-mark"),
        pytest.param(PLANTED, id="plain"),
    ],
)
def test_verify_on_a_url_with_an_unencoded_password_shows_it_without_it(
    tmp_path, capfd, pg_url, password
) -> None:
    url = with_password(pg_url, password)
    code, out, err = run(capfd, "verify", "--database-url", url, migrations(tmp_path))
    assert code == 0, err
    assert PLANTED not in out + err
    assert "Applied to postgresql://postgres:***@/postgres?host=" in out


def test_verify_on_a_url_with_an_sslpassword_shows_it_without_it(tmp_path, capfd, pg_url) -> None:
    code, out, err = run(
        capfd, "verify", "--database-url", f"{pg_url}&sslpassword={PLANTED}", migrations(tmp_path)
    )
    assert code == 0, err
    assert PLANTED not in out + err
    assert "sslpassword=***" in out


def test_a_variable_names_the_scratch_server(tmp_path, capfd, pg_url, monkeypatch) -> None:
    monkeypatch.setenv(
        "SCRATCH_SERVER", f"host={socket_dir(pg_url)} user=postgres password={PLANTED}"
    )
    code, out, err = run(capfd, "verify", "--database-url", "SCRATCH_SERVER", migrations(tmp_path))
    assert code == 0, err
    assert "Applied to $SCRATCH_SERVER." in out
    assert PLANTED not in out + err


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(f"host=127.0.0.1 port=1 user=app password={PLANTED}", id="keyword-value"),
        pytest.param(f"postgresql://app:pa#{PLANTED}@{UNREACHABLE}/db", id="hash"),
        pytest.param(f"postgresql://app:pa/{PLANTED}@{UNREACHABLE}/db", id="slash"),
        pytest.param(f"postgresql://app:pa@{PLANTED}@{UNREACHABLE}/db", id="at"),
        pytest.param(f"postgresql://app@{UNREACHABLE}/db?sslpassword={PLANTED}", id="sslpassword"),
        pytest.param(f"app:{PLANTED}@{UNREACHABLE}/db", id="no-scheme"),
        pytest.param("UNSET_SCRATCH_SERVER", id="unset-variable"),
        pytest.param(f"host=127.0.0.1 port=1 password='{PLANTED}", id="unterminated-quote"),
    ],
)
def test_verify_with_a_bad_scratch_server_is_one_line_without_the_password(
    tmp_path, capfd, url, monkeypatch
) -> None:
    monkeypatch.delenv("UNSET_SCRATCH_SERVER", raising=False)
    code, out, err = run(capfd, "verify", "--database-url", url, migrations(tmp_path))
    assert_one_line_error(code, out, err)
    assert PLANTED not in out + err


def test_a_short_password_leaves_the_words_of_the_message_alone(tmp_path, capfd) -> None:
    url = f"postgresql://app:a@{UNREACHABLE}/db"
    code, out, err = run(capfd, "verify", "--database-url", url, migrations(tmp_path))
    line = assert_one_line_error(code, out, err)
    message = line.split("/db: ", 1)[1]
    assert "connection failed" in message and "***" not in message, line


def golang_migrate_history(tmp_path: Path, database: str) -> str:
    """A golang-migrate folder of two migrations, both applied to `database`."""
    folder = tmp_path / "migrate"
    folder.mkdir()
    (folder / "000001_t.up.sql").write_text('CREATE TABLE "t" ("id" bigint);')
    (folder / "000001_t.down.sql").write_text('DROP TABLE "t";')
    (folder / "000002_c.up.sql").write_text('ALTER TABLE "t" ADD COLUMN "c" text;')
    (folder / "000002_c.down.sql").write_text('ALTER TABLE "t" DROP COLUMN "c";')
    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute('CREATE TABLE "t" ("id" bigint, "c" text)')
        connection.execute(
            "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, "
            "dirty boolean NOT NULL)"
        )
        connection.execute("INSERT INTO schema_migrations VALUES (2, false)")
    return str(folder)


def test_rollback_takes_keyword_value_strings_and_shows_them_without_the_password(
    tmp_path, capfd, pg_url, scratch_db
) -> None:
    folder = golang_migrate_history(tmp_path, scratch_db)
    database = make_conninfo(scratch_db, password=PLANTED)
    scratch_server = f"host={socket_dir(pg_url)} user=postgres password={PLANTED}"
    code, out, err = run(
        capfd, "rollback", folder, "--database", database, "--database-url", scratch_server
    )
    assert code == 0, err
    assert PLANTED not in out + err
    assert f"-- Checked on host={socket_dir(pg_url)} user=postgres password=***:" in out
    assert "password=***" in out.splitlines()[0]  # the plan's first line names the database


@pytest.mark.parametrize(
    "database",
    [
        pytest.param("host=127.0.0.1 port=1 user=app password=KVSECRET", id="keyword-value"),
        pytest.param(f"postgresql://app:pa#KVSECRET@{UNREACHABLE}/db", id="hash"),
        pytest.param(f"postgresql://app@{UNREACHABLE}/db?sslpassword=KVSECRET", id="sslpassword"),
        pytest.param("user:KVSECRET@host", id="not-an-address"),
    ],
)
def test_status_with_a_bad_database_is_one_line_without_the_password(
    tmp_path, capfd, database
) -> None:
    folder = tmp_path / "migrate"
    folder.mkdir()
    (folder / "000001_t.up.sql").write_text('CREATE TABLE "t" ("id" bigint);')
    code, out, err = run(capfd, "status", str(folder), "--database", database)
    assert_one_line_error(code, out, err)
    assert "KVSECRET" not in out + err


def test_ci_verify_shows_the_scratch_server_without_its_password(
    tmp_path, capfd, pg_url, monkeypatch
) -> None:
    project = DrizzleRepo(tmp_path / "app", "drizzle")
    git(project.path, "checkout", "-q", "-b", "feature")
    monkeypatch.chdir(project.path)
    for variable in ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"):
        monkeypatch.delenv(variable, raising=False)
    project.change_schema()
    project.add_migration("0002_user_name", 'ALTER TABLE "users" ADD COLUMN "name" text;\n')
    project.commit("feature")
    monkeypatch.setenv(
        "MIGRATION_LINT_SCRATCH_URL", f"host={socket_dir(pg_url)} user=postgres password={PLANTED}"
    )
    code, out, err = run(capfd, "ci", "--base", "main", "--output", "json", "--verify")
    assert code == 0, err
    assert PLANTED not in out + err
    assert json.loads(out)["summary"]["server"].endswith("password=***")


# -- the commands: no traceback --------------------------------------------------------------


def test_a_prisma_schema_parameter_on_the_scratch_server_is_left_to_prisma(
    tmp_path, capfd, pg_url
) -> None:
    code, out, err = run(
        capfd, "verify", "--database-url", f"{pg_url}&schema=public", migrations(tmp_path)
    )
    assert code == 0, err
    assert "Applied to postgresql://postgres@/postgres?host=" in out


@pytest.fixture
def before_13(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop scratch databases as on PostgreSQL 12 and older, which have no WITH (FORCE)."""
    monkeypatch.setattr(server_module, "_DROP_FORCE_SINCE", 10**9)


def databases(pg_url: str) -> set[str]:
    with psycopg.connect(pg_url) as connection:
        return {str(row[0]) for row in connection.execute("SELECT datname FROM pg_database")}


def test_before_13_a_scratch_database_in_use_is_dropped_all_the_same(
    pg_server: ScratchHost, pg_url: str, before_13: None
) -> None:
    with pg_server.database("in use") as database:
        user = psycopg.connect(database.url, autocommit=True)  # still open at the drop
        name = str(conninfo_to_dict(database.url)["dbname"])
        assert name in databases(pg_url)
    assert name not in databases(pg_url)
    with pytest.raises(psycopg.OperationalError):
        user.execute("SELECT 1")
    user.close()


@pytest.fixture
def creator(pg_url: str) -> Iterator[str]:
    """A role that may create databases but not end other roles' sessions: the session
    server's URL as that role."""
    role = "migration_lint_creator"
    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute(f"DROP ROLE IF EXISTS {role}")
        connection.execute(f"CREATE ROLE {role} LOGIN CREATEDB")
    try:
        yield pg_url.replace("postgresql://postgres@", f"postgresql://{role}:{PLANTED}@")
    finally:
        with psycopg.connect(pg_url, autocommit=True) as connection:
            for (name,) in connection.execute(
                "SELECT datname FROM pg_database WHERE datdba = "
                f"(SELECT oid FROM pg_roles WHERE rolname = '{role}')"
            ).fetchall():
                connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            connection.execute(f"DROP ROLE {role}")


def test_a_scratch_database_that_cannot_be_dropped_is_a_warning_naming_it(
    pg_url: str, creator: str, before_13: None, capfd: pytest.CaptureFixture[str]
) -> None:
    host = ScratchHost(Target(creator, redact(creator)), redact(creator))
    with host.database("kept") as database:
        name = str(conninfo_to_dict(database.url)["dbname"])
        # The superuser's session: the creator may not end it, and DROP waits for it in vain.
        superuser = psycopg.connect(make_conninfo(database.url, user="postgres"))
    superuser.close()
    (line,) = capfd.readouterr().err.splitlines()
    assert line.startswith(f"migration-lint: warning: the scratch database {name} on ")
    assert line.endswith(": drop it by hand")
    assert PLANTED not in line
    assert name in databases(pg_url)


# -- connections ---------------------------------------------------------------------------------


def settings_of(url: str, *names: str) -> list[str]:
    with connect(Target(url, "test"), read_only=True) as connection:
        return [str(connection.execute(f"SHOW {name}").fetchone()[0]) for name in names]  # type: ignore[index]


@pytest.mark.parametrize("form", ["url", "keyword-value"])
def test_the_address_options_are_kept_beside_the_tool_own(pg_url, scratch_db, form) -> None:
    address = (
        f"{pg_url}&options=-csearch_path%3Dfrom_url%20-cwork_mem%3D7MB"
        if form == "url"
        else f"{scratch_db} options='-c search_path=from_url -c work_mem=7MB'"
    )
    assert settings_of(
        address, "search_path", "work_mem", "default_transaction_read_only", "lock_timeout"
    ) == ["from_url", "7MB", "on", "10s"]


def test_the_address_options_cannot_undo_read_only(scratch_db) -> None:
    address = f"{scratch_db} options='-c default_transaction_read_only=off'"
    assert settings_of(address, "default_transaction_read_only") == ["on"]


def test_pgoptions_is_kept_when_the_address_has_none(scratch_db, monkeypatch) -> None:
    monkeypatch.setenv("PGOPTIONS", "-c work_mem=9MB")
    assert settings_of(scratch_db, "work_mem", "lock_timeout") == ["9MB", "10s"]


def test_the_client_encoding_is_utf8_whatever_the_environment_says(
    tmp_path, capfd, pg_url, scratch_db, monkeypatch
) -> None:
    monkeypatch.setenv("PGCLIENTENCODING", "LATIN1")
    assert settings_of(scratch_db, "client_encoding") == ["UTF8"]
    assert settings_of(f"{scratch_db} client_encoding=LATIN1", "client_encoding") == ["UTF8"]
    # Read as LATIN1, the two bytes of "é" would be two characters.
    check = "DO $$ BEGIN IF length('é') <> 1 THEN RAISE EXCEPTION 'garbled'; END IF; END $$;"
    code, out, err = run(capfd, "verify", "--database-url", pg_url, migrations(tmp_path, check))
    assert code == 0, out + err


# -- the embedded server -------------------------------------------------------------------------


@pytest.fixture
def server_parent(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """TMPDIR for the embedded server: short (its socket lives there), reachable by its user."""
    parent = tempfile.mkdtemp(dir="/tmp")
    os.chmod(parent, 0o755)
    monkeypatch.setattr(tempfile, "tempdir", parent)
    try:
        yield parent
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def test_nothing_to_apply_starts_no_server(tmp_path, capfd, server_parent, monkeypatch) -> None:
    monkeypatch.delenv("MIGRATION_LINT_SCRATCH_URL", raising=False)
    started = []
    monkeypatch.setattr(server_module, "find_binaries", lambda *args: started.append(args))
    code, out, _ = run(capfd, "verify", "missing/0001_a.sql")
    assert code == 2
    assert "no such file or directory" in out
    assert "Applied to" not in out
    assert started == []
    assert os.listdir(server_parent) == []


def test_the_embedded_server_is_named_once_it_ran_and_removed(
    tmp_path, capfd, server_parent, monkeypatch
) -> None:
    monkeypatch.delenv("MIGRATION_LINT_SCRATCH_URL", raising=False)
    folder = migrations(tmp_path)
    code, out, err = run(capfd, "verify", "--pg-bin", str(wheel_bin_dir()), folder)
    assert code == 0, err
    assert "Applied to an embedded PostgreSQL " in out and "(--pg-bin)." in out
    assert os.listdir(server_parent) == []


def test_binaries_the_server_user_cannot_reach_are_one_line(
    tmp_path, capfd, server_parent, monkeypatch
) -> None:
    monkeypatch.delenv("MIGRATION_LINT_SCRATCH_URL", raising=False)
    if os.geteuid() != 0:  # as root this is what happens; as another user, as if it were root
        monkeypatch.setattr(server_module, "_server_user", lambda: pwd.getpwuid(os.getuid()))
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    os.chmod(private, 0o700)
    binaries = private / "bin"
    binaries.mkdir()
    for tool in ("initdb", "pg_ctl", "postgres"):
        (binaries / tool).symlink_to(os.path.join(str(wheel_bin_dir()), tool))
    code, out, err = run(capfd, "verify", "--pg-bin", str(binaries), migrations(tmp_path))
    line = assert_one_line_error(code, out, err)
    assert f"the user {SERVER_USER!r}" in line
    assert "is private" in line and "--pg-bin" in line
    assert os.listdir(server_parent) == []


def test_a_killed_run_leaves_no_server_behind(tmp_path, server_parent) -> None:
    folder = migrations(tmp_path, "SELECT pg_sleep(60);")
    child = subprocess.Popen(
        [
            *(sys.executable, "-m", "migration_lint.cli", "verify"),
            *("--pg-bin", str(wheel_bin_dir()), folder),
        ],
        env=os.environ | {"TMPDIR": server_parent},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # Wait until the server runs (its pid file is written, not only created), then kill
        # the command as a CI timeout does.
        pid_text = ""
        for _ in range(6000):
            pid_files = glob.glob(os.path.join(server_parent, "*", "data", "postmaster.pid"))
            pid_text = Path(pid_files[0]).read_text() if pid_files else ""
            if pid_text.strip() or child.poll() is not None:
                break
            time.sleep(0.05)
        assert pid_text.strip(), child.communicate()
        postmaster = int(pid_text.split()[0])
        child.kill()
        child.wait()
        for _ in range(6000):
            if not os.listdir(server_parent) and not running(postmaster):
                break
            time.sleep(0.05)
        assert os.listdir(server_parent) == []
        assert not running(postmaster)
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True
