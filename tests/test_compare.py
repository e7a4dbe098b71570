"""`compare` on a real server: two databases, a folder, a snapshot; every difference classified
as if SOURCE were deployed onto TARGET, with the exit code that says the worst; sides named by
URL, variable, .env file or config environment, and no password in any output."""

from __future__ import annotations

import glob
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict

from migration_lint.cli import COMPARE_FORMATS, main
from migration_lint.config import Config, Environment
from migration_lint.db import compare_output
from migration_lint.db.connect import session
from migration_lint.db.server import (
    Binaries,
    ScratchHost,
    embedded_server,
    socket_url,
    wheel_bin_dir,
)
from migration_lint.db.sides import DATABASE, FOLDER, SNAPSHOT, resolve
from migration_lint.db.urls import Target

USERS = "CREATE TABLE users (id bigint PRIMARY KEY, name varchar(100));\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no config or .env of the repository's


@contextmanager
def database(host: ScratchHost, sql: str) -> Iterator[str]:
    """A new database on the server holding `sql`'s schema: its postgresql:// URL."""
    with host.database("compare") as made:
        with session(made, read_only=False) as connection:
            if sql:
                connection.execute(sql.encode())
        where = conninfo_to_dict(made.url)
        yield socket_url(str(where["host"]), str(where["dbname"]))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def compare_json(
    capsys: pytest.CaptureFixture[str], source: str, target: str, *options: str
) -> tuple[int, dict]:  # type: ignore[type-arg]
    code, out, err = run(capsys, "compare", source, target, "--format", "json", *options)
    assert out, err
    return code, json.loads(out)


def lines(report: dict) -> list[tuple[str | None, str]]:  # type: ignore[type-arg]
    return [
        (d["rule"] if d["breaking"] else "compatible", d["text"]) for d in report["differences"]
    ]


@pytest.mark.parametrize(
    ("target_sql", "source_sql", "expected", "exit_code"),
    [
        pytest.param(
            USERS,
            USERS + "ALTER TABLE users ADD COLUMN email text;",
            [("compatible", "column public.users.email: added (text)")],
            1,
            id="added-column",
        ),
        pytest.param(
            USERS,
            USERS + "ALTER TABLE users DROP COLUMN name;",
            [("drop-column", "column public.users.name: removed (character varying(100))")],
            2,
            id="dropped-column",
        ),
        pytest.param(
            USERS,
            USERS + "ALTER TABLE users ALTER COLUMN name TYPE varchar(50);",
            [
                (
                    "change-column-type",
                    "column public.users.name: type character varying(100) -> character varying(50)",
                )
            ],
            2,
            id="narrowed-type",
        ),
        pytest.param(
            USERS,
            USERS + "ALTER TABLE users ALTER COLUMN name TYPE varchar(200);",
            [
                (
                    "compatible",
                    "column public.users.name: type character varying(100) -> character varying(200)",
                )
            ],
            1,
            id="widened-varchar",
        ),
        pytest.param(
            USERS,
            USERS + "ALTER TABLE users ALTER COLUMN id TYPE integer;",
            [("change-column-type", "column public.users.id: type bigint -> integer")],
            2,
            id="bigint-to-integer",
        ),
        pytest.param(
            USERS,
            USERS + "CREATE INDEX users_name ON users (name);",
            [
                (
                    "compatible",
                    "index public.users_name: added (CREATE INDEX users_name ON public.users "
                    "USING btree (name))",
                )
            ],
            1,
            id="new-index",
        ),
        pytest.param(
            "CREATE TYPE mood AS ENUM ('ok', 'sad', 'happy');",
            "CREATE TYPE mood AS ENUM ('ok', 'happy');",
            [
                (
                    "remove-enum-value",
                    "enum public.mood: values 'ok', 'sad', 'happy' -> 'ok', 'happy'",
                )
            ],
            2,
            id="removed-enum-value",
        ),
        pytest.param(
            "CREATE TYPE mood AS ENUM ('ok');",
            "CREATE TYPE mood AS ENUM ('ok', 'happy');",
            [("compatible", "enum public.mood: values 'ok' -> 'ok', 'happy'")],
            1,
            id="added-enum-value",
        ),
        pytest.param(
            USERS,
            USERS + "ALTER TABLE users ADD COLUMN tenant bigint NOT NULL;",
            [("add-required-column", "column public.users.tenant: added (bigint NOT NULL)")],
            2,
            id="required-column",
        ),
        pytest.param(
            USERS,
            USERS + "ALTER TABLE users ADD COLUMN tenant bigint NOT NULL DEFAULT 1;",
            [("compatible", "column public.users.tenant: added (bigint NOT NULL DEFAULT 1)")],
            1,
            id="not-null-column-with-default",
        ),
        pytest.param(
            USERS,
            USERS + "ALTER TABLE users RENAME COLUMN name TO full_name;",
            [("rename-column", "column public.users.full_name: renamed from name")],
            2,
            id="renamed-column",
        ),
        pytest.param(
            USERS,
            USERS + "ALTER TABLE users RENAME TO people;",
            [("rename-table", "table public.people: renamed from public.users")],
            2,
            id="renamed-table",
        ),
        pytest.param(
            USERS + "CREATE VIEW names AS SELECT name FROM users;",
            USERS,
            [("drop-view", "view public.names: removed")],
            2,
            id="dropped-view",
        ),
        pytest.param(
            "CREATE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1';",
            "",
            [("drop-function", "function public.one(): removed")],
            2,
            id="dropped-function",
        ),
        pytest.param(USERS, USERS, [], 0, id="identical"),
    ],
)
def test_each_difference_is_classified(
    pg_server: ScratchHost,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    target_sql: str,
    source_sql: str,
    expected: list[tuple[str, str]],
    exit_code: int,
) -> None:
    with database(pg_server, source_sql) as source, database(pg_server, target_sql) as target:
        monkeypatch.setenv("DEV_POSTGRES_URL", source)
        monkeypatch.setenv("PROD_POSTGRES_URL", target)
        code, report = compare_json(capsys, "DEV_POSTGRES_URL", "PROD_POSTGRES_URL")
    assert (lines(report), code, report["summary"]["exit_code"]) == (expected, exit_code, exit_code)
    assert (report["source"], report["target"]) == ("$DEV_POSTGRES_URL", "$PROD_POSTGRES_URL")


def test_a_migrations_folder_against_a_database(
    pg_server: ScratchHost, pg_url: str, capsys: pytest.CaptureFixture[str], write
) -> None:
    root = write(
        {
            "migrations/0001_users.sql": USERS,
            "migrations/0002_email.sql": "ALTER TABLE users ADD COLUMN email text;\n",
        }
    )
    folder = str(root / "migrations")
    with database(pg_server, USERS) as behind:
        code, report = compare_json(capsys, folder, behind, "--database-url", pg_url)
        assert (code, lines(report)) == (
            1,
            [("compatible", "column public.users.email: added (text)")],
        )
        assert report["source"] == folder
        # The other way round: deploying the database's schema would drop the column.
        code, report = compare_json(capsys, behind, folder, "--database-url", pg_url)
        assert (code, lines(report)) == (
            2,
            [("drop-column", "column public.users.email: removed (text)")],
        )


def test_two_folders_are_replayed_apart_so_server_wide_objects_do_not_collide(
    capsys: pytest.CaptureFixture[str], write
) -> None:
    # A role belongs to the whole server: replayed twice on one, the second CREATE ROLE fails.
    root = write(
        {
            "migrations/0001_role.sql": 'CREATE ROLE "reporting_reader";\n',
            "migrations/0002_users.sql": USERS,
        }
    )
    folder = str(root / "migrations")
    code, report = compare_json(capsys, folder, folder, "--pg-bin", str(wheel_bin_dir()))
    assert (code, lines(report)) == (0, [])


def test_a_folder_that_fails_to_replay_is_an_error(
    pg_url: str, capsys: pytest.CaptureFixture[str], write
) -> None:
    root = write({"m/0001_x.sql": "ALTER TABLE nowhere ADD COLUMN x int;\n"})
    code, _, err = run(
        capsys, "compare", str(root / "m"), str(root / "m"), "--database-url", pg_url
    )
    assert code == 2
    assert "0001_x.sql: 1:1: PostgreSQL refused this statement" in err
    assert 'relation "nowhere" does not exist' in err


def test_a_snapshot_against_a_database(
    pg_server: ScratchHost, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with database(pg_server, USERS) as before:
        assert main(["snapshot", before, "-o", "prod.json"]) == 0
    with database(pg_server, USERS + "ALTER TABLE users DROP COLUMN name;") as after:
        code, report = compare_json(capsys, after, "prod.json")
        assert report["target"] == "prod.json"
        assert (code, lines(report)) == (
            2,
            [("drop-column", "column public.users.name: removed (character varying(100))")],
        )
        code, report = compare_json(capsys, "prod.json", "prod.json")
        assert (code, report["differences"]) == (0, [])


PASSWORD = "Pl4nted-S3cret"


def test_no_output_shows_a_password(
    pg_server: ScratchHost, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with database(pg_server, USERS) as source, database(pg_server, "") as target:
        # The server trusts its socket: the password is sent, and not needed.
        with_password = source.replace("postgres@", f"postgres:{PASSWORD}@", 1)
        assert with_password != source
        for output_format in COMPARE_FORMATS:
            written = tmp_path / f"out.{output_format}"
            code, out, err = run(
                capsys,
                "compare",
                with_password,
                target,
                "--format",
                output_format,
                "--output",
                f"{output_format}:{written}",
                "--output",
                output_format,
            )
            assert code == 1, err
            everything = out + err + written.read_text()
            assert PASSWORD not in everything, output_format
            assert "postgres:***@" in everything, output_format
        # A side that cannot be reached: its error names it without the password.
        unreachable = re.sub(r"/(migration_lint_\w+)\?", r"/missing_\1?", with_password)
        assert unreachable != with_password
        code, out, err = run(capsys, "compare", unreachable, target)
        assert code == 2 and PASSWORD not in out + err and "***" in err
        code, out, err = run(capsys, "snapshot", unreachable, "-o", "x.json")
        assert code == 2 and PASSWORD not in out + err
        # Not a URL, not a variable: a connection string is not echoed back.
        code, out, err = run(capsys, "compare", f"host=db password={PASSWORD}", target)
        assert code == 2 and PASSWORD not in out + err and "the side given" in err


def test_the_html_page_is_self_contained_marks_and_copies(
    pg_server: ScratchHost, capsys: pytest.CaptureFixture[str]
) -> None:
    with (
        database(pg_server, USERS + "ALTER TABLE users ADD COLUMN email text;") as source,
        database(pg_server, USERS + "CREATE TABLE old (id int);") as target,
    ):
        code, page, _ = run(capsys, "compare", source, target, "--format", "html")
    assert code == 2
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing from the network
    assert re.search(r"\.breaking\s*\{[^}]*color:\s*#c00", page)
    assert "navigator.clipboard.writeText" in page and 'document.execCommand("copy")' in page
    # Both sides' tables, side by side; the dropped table in red.
    assert page.count('<section class="table') == 2
    assert '<span class="breaking"><span class="rule">drop-table</span>' in page
    copy_buttons = re.findall(r'<button type="button" class="copy" data-copy="([^"]*)"', page)
    assert len(copy_buttons) == 3  # all differences, and one for each table that has some
    assert "column public.users.email: added (text)" in copy_buttons[0]
    assert "BREAKING drop-table: table public.old: removed" in copy_buttons[0]


def test_html_escapes_what_the_database_names(pg_server: ScratchHost) -> None:
    from migration_lint.db import catalog
    from migration_lint.db.compare import compare

    sql = 'CREATE TABLE "<script>alert(1)</script>" ("<b>" text);'
    with database(pg_server, sql) as url, session(Target(url, "x"), read_only=True) as connection:
        schema = catalog.read(connection)
    page = compare_output.render(
        "html",
        compare(schema, catalog.Catalog(frozenset(), {}, {}, {}, {}, {}, {}, {}, {}, {}, {})),
        "<new>",
        "<old>",
    )
    assert "<script>alert" not in page and "<b>" not in page and "&lt;new&gt;" in page


ENV_URL = "postgresql://app@db.internal/app"


@pytest.mark.parametrize(
    ("files", "environ", "expected_url"),
    [
        pytest.param({".env": f"DATABASE_URL={ENV_URL}\n"}, {}, ENV_URL, id="dotenv"),
        pytest.param(
            {
                ".env": "DATABASE_URL=postgresql://x@env/app\n",
                ".env.local": f'export DATABASE_URL="{ENV_URL}" # mine\n',
            },
            {},
            ENV_URL,
            id="env-local-wins-over-env",
        ),
        pytest.param(
            {
                ".env": "DATABASE_URL=postgresql://x@env/app\n",
                ".env.local": "DATABASE_URL='postgresql://x@local/app'\n",
            },
            {"DATABASE_URL": ENV_URL},
            ENV_URL,
            id="the-environment-wins",
        ),
    ],
)
def test_a_variable_is_found_in_the_environment_then_env_local_then_env(
    tmp_path: Path, files: dict[str, str], environ: dict[str, str], expected_url: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    side = resolve("DATABASE_URL", Config(), environ)
    assert (side.kind, side.label, side.database) == (
        DATABASE,
        "$DATABASE_URL",
        Target(expected_url, "$DATABASE_URL"),
    )
    assert side.database is not None and side.database.url == expected_url


def test_config_environments_sides_and_their_labels(tmp_path: Path, write) -> None:
    (tmp_path / ".migration-lint.toml").write_text(
        "[environments]\n"
        'prod = "PROD_POSTGRES_URL"\n'
        "[environments.dev]\n"
        'url = "DEV_POSTGRES_URL"\n'
        'label = "Development"\n'
        "[environments.uat]\n"
        'url = "UAT_POSTGRES_URL"\n'
    )
    (tmp_path / ".env").write_text("DEV_POSTGRES_URL=postgresql://dev@dev.internal/app\n")
    write({"migrations/0001_x.sql": USERS, "prod.json": "{}"})
    from migration_lint.config import load_config

    config = load_config(tmp_path / ".migration-lint.toml", [])
    assert config.environments == (
        Environment("prod", "PROD_POSTGRES_URL", "prod"),
        Environment("dev", "DEV_POSTGRES_URL", "Development"),
        Environment("uat", "UAT_POSTGRES_URL", "uat"),
    )
    environ = {"PROD_POSTGRES_URL": "postgresql://u:pw@prod.internal/app"}
    dev = resolve("dev", config, environ)
    assert (dev.kind, dev.label) == (DATABASE, "Development")
    assert dev.database is not None and dev.database.url == "postgresql://dev@dev.internal/app"
    prod = resolve("prod", config, environ)
    assert (prod.label, prod.database.shown if prod.database else None) == ("prod", "prod")
    assert resolve("migrations", config, environ).kind == FOLDER
    assert resolve("prod.json", config, environ).kind == SNAPSHOT
    with pytest.raises(
        Exception, match="environment of the config's \\[environments\\] \\(prod, dev, uat\\)"
    ):
        resolve("uat", config, environ)  # its variable is set nowhere


def test_a_bad_environments_table_is_a_config_error_that_quotes_no_value(tmp_path: Path) -> None:
    from migration_lint.config import load_config
    from migration_lint.errors import ConfigError

    config = tmp_path / ".migration-lint.toml"
    config.write_text('[environments.prod]\nurl = "postgresql://u:pw@h/db"\npassword = "pw"\n')
    with pytest.raises(ConfigError) as raised:
        load_config(config, [])
    assert "unknown key 'password'" in str(raised.value) and "pw@" not in str(raised.value)


def _older_postgresql_bin() -> str:
    """The distribution's PostgreSQL of the oldest major before 18: Debian 12's is 15
    (`apt-get install postgresql`, as .ci/run does on a fresh machine)."""
    majors = {
        int(initdb.split("/")[-3]): str(Path(initdb).parent)
        for initdb in glob.glob("/usr/lib/postgresql/*/bin/initdb")
        if initdb.split("/")[-3].isdigit() and int(initdb.split("/")[-3]) < 18
    }
    assert majors, "no PostgreSQL before 18 in /usr/lib/postgresql: apt-get install postgresql"
    return majors[min(majors)]


NORMALISED = """
-- Each major installs its own latest version unless told.
CREATE EXTENSION IF NOT EXISTS citext VERSION '1.6';
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email citext NOT NULL UNIQUE,
    name varchar(320),
    token uuid NOT NULL DEFAULT gen_random_uuid(),
    mood mood,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT email_has_at CHECK (email LIKE '%@%')
);
CREATE TABLE orders (
    id serial,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    total numeric(12, 2) NOT NULL DEFAULT 0,
    placed_at date NOT NULL,
    PRIMARY KEY (id, placed_at)
) PARTITION BY RANGE (placed_at);
CREATE TABLE orders_2024 PARTITION OF orders FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX orders_user ON orders (user_id);
-- Its copies on each partition are named fkey1 on 15 and fkey_1 on 18.
CREATE TABLE refunds (order_id int, placed_at date, FOREIGN KEY (order_id, placed_at) REFERENCES orders);
CREATE VIEW user_emails AS SELECT id, lower(email) AS email FROM users WHERE mood <> 'sad';
CREATE MATERIALIZED VIEW order_totals AS SELECT user_id, sum(total) AS total FROM orders GROUP BY user_id;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
CREATE SEQUENCE tickets START 100;
"""


def test_the_same_folder_on_postgresql_15_and_18_compares_identical(
    pg_url: str, capsys: pytest.CaptureFixture[str], write
) -> None:
    root = write({"migrations/0001_schema.sql": NORMALISED})
    folder = str(root / "migrations")
    with embedded_server(Binaries(_older_postgresql_bin(), "test")) as old:
        assert main(["snapshot", folder, "-o", "pg15.json", "--database-url", old.admin.url]) == 0
    assert main(["snapshot", folder, "-o", "pg18.json", "--database-url", pg_url]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "compare", "pg18.json", "pg15.json")
    assert (code, out.splitlines()[-1]) == (0, "compare: identical schemas"), out
    schema = json.loads((root / "pg18.json").read_text())
    # What the normalisation leaves out: NOT NULL as constraints (18), extensions' objects.
    assert not [name for name in schema["constraints"] if "not_null" in name]
    assert schema["extensions"] == {"citext": "1.6", "plpgsql": "1.0"}
    assert not [name for name in schema["functions"] if "citext" in name]
    assert schema["tables"]["public.orders_2024"]["partitioning"].startswith(
        "PARTITION OF public.orders FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"
    )


def test_runner_bookkeeping_is_left_out(
    pg_server: ScratchHost, capsys: pytest.CaptureFixture[str]
) -> None:
    bookkeeping = """
        CREATE SCHEMA drizzle;
        CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint);
        CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL);
        CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);
        CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL);
        CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50));
        CREATE INDEX flyway_schema_history_s_idx ON flyway_schema_history (installed_rank);
    """
    with database(pg_server, USERS + bookkeeping) as migrated, database(pg_server, USERS) as plain:
        code, report = compare_json(capsys, migrated, plain)
    assert (code, report["differences"]) == (0, [])
