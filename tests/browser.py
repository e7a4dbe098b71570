"""Headless Chromium for the pages' tests, and a `serve` app on a port of its own.

The browser is the system's (Debian's `chromium` package, which .ci/run installs), driven by
Playwright: never `playwright install`, which would download one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from playwright.sync_api import Browser, sync_playwright
from starlette.types import ASGIApp

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A name only the browser resolves, to 127.0.0.1: a page served from it is on plain HTTP and
# not on a loopback name, as an internal host's is, so it is not a secure context.
INTERNAL_HOST = "internal.test"


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {INTERNAL_HOST} 127.0.0.1"],
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """`app` served by uvicorn in a thread on a free port of 127.0.0.1: its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, access_log=False, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
