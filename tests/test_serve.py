"""`migration-lint serve` and the `compare --format html` page, in headless Chromium and over
HTTP: breaking differences in red, copy buttons that fill the clipboard (the Clipboard API, and
execCommand on a plain-HTTP internal host), pickers that change the comparison, environments
that are slow or cannot be read, the token, and no password anywhere a browser sees."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response
from starlette.types import ASGIApp
from test_compare import PASSWORD, USERS, database

from browser import INTERNAL_HOST, chromium, serving
from migration_lint.cli import main
from migration_lint.config import Config, load_config
from migration_lint.db.server import ScratchHost
from migration_lint.registry import load_rules
from migration_lint.web.access import COOKIE, cookie_value
from migration_lint.web.app import create_app
from migration_lint.web.page import PATH

PROD_SQL = USERS + "CREATE TABLE old_audit (id int);"
DEV_SQL = (
    USERS
    + "ALTER TABLE users ADD COLUMN email text; CREATE TABLE invoices (id bigint, total numeric);"
)
UAT_SQL = USERS + "ALTER TABLE users ADD COLUMN email text;"
TOKEN = "t0ken-for-the-tests"
TIMEOUT = 2.0  # seconds: the slow environment's deadline
RED, GREEN = "rgb(204, 0, 0)", "rgb(5, 96, 58)"
COPY_ALL = "button.copy >> nth=0"


def with_password(url: str) -> str:
    """The URL with PASSWORD in it: the server trusts its socket, so it is sent and not needed."""
    planted = url.replace("postgres@", f"postgres:{PASSWORD}@", 1)
    assert planted != url
    return planted


@dataclass(frozen=True)
class Project:
    config: Config
    environ: dict[str, str]
    urls: dict[str, str]  # dev, prod, uat: each database's URL, with the password

    def app(self, token: str | None = None) -> ASGIApp:
        return create_app(self.config, self.environ, token=token, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def project(pg_server: ScratchHost, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """A config with five environments: three databases (dev, prod, uat), named by a variable
    of the environment, by a URL in the config itself, and by a variable of .env; one that does
    not exist; one that accepts connections and never answers. Each URL holds PASSWORD."""
    folder = tmp_path_factory.mktemp("serve")
    with ExitStack() as stack:
        dev, prod, uat = (
            with_password(stack.enter_context(database(pg_server, sql)))
            for sql in (DEV_SQL, PROD_SQL, UAT_SQL)
        )
        silent = stack.enter_context(socket.create_server(("127.0.0.1", 0)))
        slow = f"postgresql://app:{PASSWORD}@127.0.0.1:{silent.getsockname()[1]}/app"
        gone = prod.replace("/migration_lint_", "/missing_", 1)
        (folder / ".env").write_text(f"UAT_URL='{uat}'\n")
        (folder / ".migration-lint.toml").write_text(
            '[environments.dev]\nurl = "DEV_URL"\nlabel = "Development"\n'
            f'[environments.prod]\nurl = "{prod}"\nlabel = "Production"\n'
            '[environments.uat]\nurl = "UAT_URL"\nlabel = "UAT"\n'
            f'[environments.gone]\nurl = "{gone}"\nlabel = "Decommissioned"\n'
            f'[environments.slow]\nurl = "{slow}"\nlabel = "Far away"\n'
        )
        config = load_config(folder / ".migration-lint.toml", load_rules())
        yield Project(config, {"DEV_URL": dev}, {"dev": dev, "prod": prod, "uat": uat})


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    made = browser.new_context()
    made.set_default_timeout(10_000)  # ms: a page that is not right fails soon
    try:
        yield made
    finally:
        made.close()


class Seen:
    """Everything the browser received: each response's headers and body, read as it arrives
    (a body is gone once the page navigates away)."""

    def __init__(self, page: Page) -> None:
        self.parts: list[str] = []
        page.on("response", self._received)

    def _received(self, response: Response) -> None:
        self.parts.append(str(response.headers))
        if not 300 <= response.status < 400:  # a redirect has no body to read
            self.parts.append(response.body().decode(errors="replace"))

    def text(self) -> str:
        return "\n".join(self.parts)


def copy_text(page: Page, button: str) -> str:
    copied = page.locator(button).get_attribute("data-copy")
    assert copied
    return copied


def test_compare_html_page_in_chromium(
    project: Project, context: BrowserContext, tmp_path: Path
) -> None:
    written = tmp_path / "comparison.html"
    code = main(
        ["compare", project.urls["dev"], project.urls["prod"], "--output", f"html:{written}"]
    )
    assert code == 2
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(written.as_uri())
    breaking = page.locator("ul.differences .breaking", has_text="drop-table").first
    assert breaking.evaluate("e => getComputedStyle(e).color") == RED
    compatible = page.locator("ul.differences .compatible", has_text="invoices").first
    assert compatible.evaluate("e => getComputedStyle(e).color") == GREEN
    page.click(COPY_ALL)
    clipboard = page.evaluate("navigator.clipboard.readText()")
    assert clipboard == copy_text(page, COPY_ALL)
    assert "BREAKING drop-table: table public.old_audit: removed" in clipboard
    assert "column public.users.email: added (text)" in clipboard
    # One table's button copies that table's differences only.
    table_button = "#table-public\\.users button.copy"
    page.click(table_button)
    assert (
        page.evaluate("navigator.clipboard.readText()") == "column public.users.email: added (text)"
    )
    assert PASSWORD not in page.content()


def test_serve_page_pickers_colours_copy_and_no_password(
    project: Project, context: BrowserContext
) -> None:
    with serving(project.app()) as base:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
        page = context.new_page()
        seen = Seen(page)
        page.goto(base)  # redirected to the page; the first two environments by default
        assert urlsplit(page.url).path == PATH
        assert page.title() == "Schema comparison: Development onto Production"
        assert page.input_value("#source") == "dev" and page.input_value("#target") == "prod"
        breaking = page.locator("ul.differences .breaking").first
        assert "drop-table" in breaking.inner_text()
        assert breaking.evaluate("e => getComputedStyle(e).color") == RED
        page.click(COPY_ALL)
        clipboard = page.evaluate("navigator.clipboard.readText()")
        assert clipboard == copy_text(page, COPY_ALL)
        assert "BREAKING drop-table: table public.old_audit: removed" in clipboard
        contents = [page.content()]

        # Choosing another target compares again, at once.
        with page.expect_navigation():
            page.select_option("#target", "uat")
        assert "target=uat" in page.url
        assert page.title() == "Schema comparison: Development onto UAT"
        differences = page.locator("ul.differences").first.inner_text()
        assert "table public.invoices: added" in differences and "old_audit" not in differences
        assert page.locator("ul.differences .breaking").count() == 0
        contents.append(page.content())

        # An environment that cannot be read, and one that never answers: said on the page.
        with page.expect_navigation():
            page.select_option("#target", "gone")
        assert "Decommissioned could not be read" in page.inner_text("p.problem")
        assert page.locator("p.problem").evaluate("e => getComputedStyle(e).color") == RED
        contents.append(page.content())
        started = time.monotonic()
        with page.expect_navigation():
            page.select_option("#source", "slow")
        assert time.monotonic() - started < TIMEOUT + 5
        problems = page.locator("p.problem").all_inner_texts()
        assert any(f"Far away did not answer within {TIMEOUT:g} seconds" in p for p in problems)
        assert any("Decommissioned could not be read" in p for p in problems)
        contents.append(page.content())

        everything = "\n".join(contents) + seen.text()
        assert "Schema comparison: Development onto UAT" in seen.text()
        assert PASSWORD not in everything
        assert "postgresql:" not in everything and "127.0.0.1:" not in page.content()


def test_serve_with_a_token_on_a_plain_http_internal_host_copies_with_exec_command(
    project: Project, context: BrowserContext
) -> None:
    with serving(project.app(TOKEN)) as base:
        internal = f"http://{INTERNAL_HOST}:{urlsplit(base).port}{PATH}?target=uat"
        page = context.new_page()
        seen = Seen(page)
        assert page.goto(internal).status == 401  # type: ignore[union-attr]
        response = page.goto(f"{internal}&token={TOKEN}")
        assert response is not None and response.status == 200
        assert page.url == internal  # the token is out of the address bar
        (cookie,) = context.cookies()
        assert cookie["name"] == COOKIE and cookie["httpOnly"]
        assert cookie["value"] == cookie_value(TOKEN) != TOKEN
        assert page.goto(internal).status == 200  # type: ignore[union-attr]

        # Plain HTTP, not loopback: no Clipboard API, so the page copies with execCommand.
        assert page.evaluate("window.isSecureContext") is False
        assert page.evaluate("navigator.clipboard === undefined")
        expected = copy_text(page, COPY_ALL)
        page.click(COPY_ALL)
        page.wait_for_selector("button.copy:text('Copied')")
        # What was copied, read back where the Clipboard API may read it: the same browser's
        # clipboard, from a secure (loopback) origin.
        context.grant_permissions(["clipboard-read"], origin=base)
        reader = context.new_page()
        reader.goto(base)
        assert reader.evaluate("navigator.clipboard.readText()") == expected
        assert "table public.invoices: added" in expected
        assert "Schema comparison: Development onto UAT" in seen.text()
        assert PASSWORD not in page.content() + seen.text() and TOKEN not in page.content()


def request(
    base: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    """A GET without following redirects: status, headers, body."""
    where = urlsplit(base)
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def test_the_token_is_checked_on_every_request(project: Project) -> None:
    with serving(project.app(TOKEN)) as base:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Cookie": f"{COOKIE}={TOKEN}"}):
            status, _, body = request(base, PATH, headers)
            assert status == 401 and "?token=TOKEN" in body, headers
        assert request(base, "/?token=wrong")[0] == 401
        status, _, body = request(base, PATH, {"Authorization": f"Bearer {TOKEN}"})
        assert status == 200 and "Development" in body
        status, _, _ = request(base, PATH, {"Cookie": f"{COOKIE}={cookie_value(TOKEN)}"})
        assert status == 200
        # ?token= sets the cookie and sends the browser back without it, keeping the rest.
        status, headers, _ = request(base, f"{PATH}?source=uat&token={TOKEN}&target=dev")
        assert status == 303 and headers["location"] == f"{PATH}?source=uat&target=dev"
        assert f"{COOKIE}={cookie_value(TOKEN)}" in headers["set-cookie"]
        assert "httponly" in headers["set-cookie"].lower()


def test_without_a_token_only_loopback_host_names_are_answered(project: Project) -> None:
    with serving(project.app()) as base:
        port = urlsplit(base).port
        # A page elsewhere whose DNS name is rebound to 127.0.0.1 sends its own Host.
        assert request(base, PATH, {"Host": f"attacker.example:{port}"})[0] == 400
        status, headers, body = request(base, PATH, {"Host": f"localhost:{port}"})
        assert status == 200
        assert "default-src 'none'" in headers["content-security-policy"]
        assert headers["cache-control"] == "no-store"
        status, _, body = request(base, f"{PATH}?source=nope&target=dev")
        assert status == 400 and "No environment &#x27;nope&#x27; in the config" in body


def test_serve_refuses_to_listen_beyond_loopback_without_a_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIGRATION_LINT_TOKEN", raising=False)
    assert main(["serve", "--host", "0.0.0.0"]) == 3
    assert "give a --token" in capsys.readouterr().err
    assert main(["serve"]) == 3  # and there is nothing to compare without environments
    assert "has none: add an [environments] table" in capsys.readouterr().err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_the_serve_command_serves_the_page(project: Project) -> None:
    assert project.config.path is not None
    port = free_port()
    command = [sys.executable, "-m", "migration_lint.cli", "serve", "--port", str(port)]
    environ = {**os.environ, **project.environ, "MIGRATION_LINT_TOKEN": TOKEN}
    server = subprocess.Popen(
        [*command, "--config", str(project.config.path)],
        env=environ,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                status, _, body = request(base, PATH, {"Authorization": f"Bearer {TOKEN}"})
                break
            except ConnectionRefusedError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        assert status == 200 and "Schema comparison: Development onto Production" in body
        assert request(base, PATH)[0] == 401  # the token came from MIGRATION_LINT_TOKEN
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert server.stderr is not None
    log = server.stderr.read()
    assert f"http://127.0.0.1:{port}/devops/schema-comparison" in log and "Traceback" not in log
