"""`migration-lint drift` on the embedded server: environments migrated as drizzle's migrator
would (the statements run, the bookkeeping row written), then changed by hand or not; each
compared with exactly the migrations its bookkeeping records, and with the next environment;
`--notify` posting to a webhook served by the test, with no secret in what it posts."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from drizzle_repo import journal
from migration_lint.cli import main
from migration_lint.db.server import ScratchHost, socket_url

MIGRATIONS = {
    "0000_users": 'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "name" text);\n',
    "0001_orders": 'CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "total" numeric(12, 2));\n',
}
# The password every environment's URL carries: the server trusts its socket, so it is sent
# and not needed; no output or notification may show it.
PASSWORD = "Dr1ft-S3cret"
CONFIG = """\
paths = ["drizzle"]

[environments.dev]
url = "DEV_POSTGRES_URL"
label = "Development"

[environments.prod]
url = "PROD_POSTGRES_URL"
label = "Production"
"""
DRIZZLE_TABLE = """
CREATE SCHEMA IF NOT EXISTS "drizzle";
CREATE TABLE IF NOT EXISTS "drizzle"."__drizzle_migrations" (
    id SERIAL PRIMARY KEY,
    hash text NOT NULL,
    created_at bigint
)"""
WHEN = 1767225600000  # drizzle_repo.journal's first `when`


@pytest.fixture(autouse=True)
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A drizzle project with two migrations and two environments."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".migration-lint.toml").write_text(CONFIG)
    (tmp_path / "drizzle" / "meta").mkdir(parents=True)
    for tag, sql in MIGRATIONS.items():
        (tmp_path / "drizzle" / f"{tag}.sql").write_text(sql)
    (tmp_path / "drizzle" / "meta" / "_journal.json").write_text(journal(list(MIGRATIONS)))
    return tmp_path


@contextmanager
def environment(
    host: ScratchHost, variable: str, applied: int = len(MIGRATIONS), by_hand: str = ""
) -> Iterator[str]:
    """A database with the first `applied` migrations run and recorded as drizzle's migrator
    does, then `by_hand`'s SQL run outside them; its URL, with a password, in `variable`."""
    with host.database("drift") as made, psycopg.connect(made.url, autocommit=True) as db:
        db.execute(DRIZZLE_TABLE)
        for index, sql in enumerate(list(MIGRATIONS.values())[:applied]):
            db.execute(sql.encode())
            db.execute(
                "INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES (%s, %s)",
                (hashlib.sha256(sql.encode()).hexdigest(), WHEN + index),
            )
        if by_hand:
            db.execute(by_hand.encode())
        where = conninfo_to_dict(made.url)
        url = socket_url(str(where["host"]), str(where["dbname"]))
        url = url.replace("postgres@", f"postgres:{PASSWORD}@", 1)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(variable, url)
            yield url


def drift(capsys: pytest.CaptureFixture[str], pg_url: str, *args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    """Exit code, the JSON report, and everything printed."""
    code = main(["drift", *args, "--format", "json", "--database-url", pg_url])
    captured = capsys.readouterr()
    assert captured.out, captured.err
    return code, json.loads(captured.out), captured.out + captured.err


def texts(differences: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [d["text"] for d in differences]


@pytest.mark.parametrize(
    ("applied", "by_hand", "expected", "exit_code"),
    [
        pytest.param(2, "", [], 0, id="as-migrated"),
        pytest.param(1, "", [], 0, id="a-pending-migration-is-not-drift"),
        pytest.param(
            2,
            'ALTER TABLE "users" ADD COLUMN "nickname" text;',
            ["column public.users.nickname: added (text)"],
            1,
            id="column-added-by-hand",
        ),
        pytest.param(
            2,
            'ALTER TABLE "users" DROP COLUMN "name";',
            ["[drop-column] column public.users.name: removed (text)"],
            1,
            id="column-dropped-by-hand",
        ),
        pytest.param(
            1,
            'CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "total" numeric(12, 2));',
            ["table public.orders: added"],
            1,
            id="a-pending-migration-run-by-hand",
        ),
    ],
)
def test_drift_is_what_the_applied_migrations_do_not_make(
    pg_server: ScratchHost,
    pg_url: str,
    capsys: pytest.CaptureFixture[str],
    applied: int,
    by_hand: str,
    expected: list[str],
    exit_code: int,
) -> None:
    with environment(pg_server, "DEV_POSTGRES_URL", applied, by_hand):
        code, report, printed = drift(capsys, pg_url, "dev")
    (dev,) = report["environments"]
    shown = [
        f"[{d['rule']}] {d['text']}" if d["breaking"] else d["text"] for d in dev["differences"]
    ]
    assert (code, dev["environment"], dev["applied"], shown) == (
        exit_code,
        "Development",
        applied,
        expected,
    )
    assert report["summary"] == {
        "drifted": ["Development"] if expected else [],
        "exit_code": exit_code,
    }
    assert PASSWORD not in printed


def test_text_lists_breaking_differences_first(
    pg_server: ScratchHost, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    by_hand = 'ALTER TABLE "users" ADD COLUMN "nickname" text; ALTER TABLE "orders" DROP "total";'
    with environment(pg_server, "DEV_POSTGRES_URL", by_hand=by_hand):
        code = main(["drift", "dev", "--database-url", pg_url])
    out = capsys.readouterr().out
    assert code == 1
    assert out.splitlines() == [
        "Development (2 migration(s) applied): 2 change(s) made outside the migrations",
        "  [drop-column] column public.orders.total: removed (numeric(12,2))",
        "  column public.users.nickname: added (text)",
        "",
        "drift: Development drifted (1 environment(s) against drizzle)",
    ]


@pytest.mark.parametrize(
    ("prod_applied", "prod_by_hand", "drifted", "awaiting", "exit_code"),
    [
        pytest.param(2, "", [], 0, 0, id="in-step"),
        pytest.param(1, "", [], 1, 0, id="prod-behind-awaits-promotion"),
        pytest.param(
            1,
            'CREATE INDEX "users_name" ON "users" ("name");',
            ["Production", "Development -> Production"],
            1,
            1,
            id="prod-changed-by-hand",
        ),
    ],
)
def test_all_compares_each_environment_with_the_next(
    pg_server: ScratchHost,
    pg_url: str,
    capsys: pytest.CaptureFixture[str],
    prod_applied: int,
    prod_by_hand: str,
    drifted: list[str],
    awaiting: int,
    exit_code: int,
) -> None:
    with (
        environment(pg_server, "DEV_POSTGRES_URL"),
        environment(pg_server, "PROD_POSTGRES_URL", prod_applied, prod_by_hand),
    ):
        code, report, printed = drift(capsys, pg_url, "--all")
    assert [e["environment"] for e in report["environments"]] == ["Development", "Production"]
    (pair,) = report["pairs"]
    assert (pair["source"], pair["target"]) == ("Development", "Production")
    assert (code, report["summary"]["drifted"], len(pair["awaiting_promotion"])) == (
        exit_code,
        drifted,
        awaiting,
    )
    assert PASSWORD not in printed


class Webhook:
    """A local HTTP server standing in for Slack: what was posted to it."""

    def __init__(self, status: int = 200) -> None:
        self.posted: list[bytes] = []
        received, answer = self.posted, status

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                received.append(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(answer)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T0/B0/xoxb-secret"

    def __enter__(self) -> Webhook:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Webhook]]:
    """Start a webhook server (answering `status`), its URL in $SLACK_WEBHOOK_URL."""
    with ExitStack() as servers:

        def start(status: int = 200) -> Webhook:
            hook = servers.enter_context(Webhook(status))
            monkeypatch.setenv("SLACK_WEBHOOK_URL", hook.url)
            return hook

        yield start


@pytest.mark.parametrize("notify_format", ["slack", "json"])
def test_notify_posts_only_when_something_drifted_and_no_secret(
    pg_server: ScratchHost,
    pg_url: str,
    capsys: pytest.CaptureFixture[str],
    webhook: Callable[..., Webhook],
    notify_format: str,
) -> None:
    hook = webhook()
    notify = ["--notify", "SLACK_WEBHOOK_URL", "--notify-format", notify_format]
    with environment(pg_server, "DEV_POSTGRES_URL") as url:
        code, _, printed = drift(capsys, pg_url, "dev", *notify)
    assert (code, hook.posted) == (0, [])
    by_hand = 'ALTER TABLE "users" ADD COLUMN "nickname" text;'
    with environment(pg_server, "DEV_POSTGRES_URL", by_hand=by_hand) as url:
        code, _, printed = drift(capsys, pg_url, "dev", *notify)
    assert code == 1
    (body,) = hook.posted
    posted = json.loads(body)
    if notify_format == "slack":
        assert set(posted) == {"text"}
        assert posted["text"].startswith("*migration-lint drift*: Development drifted")
        assert "column public.users.nickname: added (text)" in posted["text"]
    else:
        assert posted["summary"] == {"drifted": ["Development"], "exit_code": 1}
        assert texts(posted["environments"][0]["differences"]) == [
            "column public.users.nickname: added (text)"
        ]
    host = str(conninfo_to_dict(url)["host"])
    for secret in (PASSWORD, url, host, hook.url, "xoxb-secret"):
        assert secret not in body.decode() and secret not in printed
    assert "posted to $SLACK_WEBHOOK_URL" in printed


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        pytest.param(500, "$SLACK_WEBHOOK_URL: the webhook answered HTTP 500", id="refused"),
        pytest.param(None, "$SLACK_WEBHOOK_URL: cannot reach the webhook", id="unreachable"),
    ],
)
def test_a_notification_that_fails_is_an_error_that_does_not_show_the_webhook(
    pg_server: ScratchHost,
    pg_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    webhook: Callable[..., Webhook],
    status: int | None,
    expected: str,
) -> None:
    if status is None:
        hook = webhook()
        hook.server.server_close()  # nothing listens at its port any more
    else:
        hook = webhook(status)
    by_hand = 'ALTER TABLE "users" ADD COLUMN "nickname" text;'
    with environment(pg_server, "DEV_POSTGRES_URL", by_hand=by_hand):
        code, report, printed = drift(capsys, pg_url, "dev", "--notify", "SLACK_WEBHOOK_URL")
    assert code == 2 and report["summary"]["drifted"] == ["Development"]  # printed first
    assert expected in printed and hook.url not in printed and "xoxb-secret" not in printed


@pytest.mark.parametrize(
    ("args", "exit_code", "expected"),
    [
        pytest.param([], 3, "name the environments to check, or pass --all", id="none-named"),
        pytest.param(["dev", "--all"], 3, "not both", id="both"),
        pytest.param(
            [f"postgresql://app:{PASSWORD}@db.internal/app"],
            2,
            "postgresql://app:***@db.internal/app: drift takes an environment of the config",
            id="a-url",
        ),
        pytest.param(["drizzle"], 2, "drizzle: a migrations folder: drift checks", id="a-folder"),
        pytest.param(
            ["dev", "--notify", "NO_SUCH_WEBHOOK"],
            2,
            "$NO_SUCH_WEBHOOK: not set to an http(s):// URL",
            id="webhook-variable-unset",
        ),
        pytest.param(
            ["dev", "--notify", "http://127.0.0.1:9/services/T0/B0/XOXB SECRET"],
            2,
            "the webhook given: not a URL that can be posted to",
            id="webhook-with-white-space",
        ),
        pytest.param(
            ["dev", "--notify", "http://u:XOXBSECRET@[::1/x"],
            2,
            "the webhook given: not a URL that can be posted to",
            id="webhook-that-does-not-parse",
        ),
    ],
)
def test_what_drift_refuses(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    exit_code: int,
    expected: str,
) -> None:
    monkeypatch.setenv("DEV_POSTGRES_URL", "postgresql://dev@/nowhere?host=/nonexistent")
    assert main(["drift", *args]) == exit_code
    printed = capsys.readouterr()
    assert expected in printed.out + printed.err
    assert PASSWORD not in printed.out + printed.err
    assert "SECRET" not in printed.out + printed.err and "Traceback" not in printed.err


def test_a_migration_changed_after_it_was_applied_cannot_be_replayed(
    pg_server: ScratchHost, pg_url: str, capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    with environment(pg_server, "DEV_POSTGRES_URL"):
        (project / "drizzle" / "0001_orders.sql").write_text(
            'CREATE TABLE "orders" ("id" bigint PRIMARY KEY);\n'
        )
        assert main(["drift", "dev", "--database-url", pg_url]) == 2
    err = capsys.readouterr().err
    assert "Development: drizzle/0001_orders.sql is changed-after-apply" in err
    assert PASSWORD not in err
