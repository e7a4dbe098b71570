"""Who may read the page.

Bound to a loopback address without a token, only this machine can connect; the Host header
must then name a loopback host too, so that a web page elsewhere cannot reach the server
through a DNS name it rebinds to 127.0.0.1. Bound anywhere else, a token is required, and with
a token every request must carry it:

- `Authorization: Bearer TOKEN`, for scripts; or
- `?token=TOKEN` on any page, for a browser: the answer sets a cookie (HttpOnly, a digest of
  the token, not the token) and redirects to the same address without the token, so that it
  stays out of the address bar, the history and links copied from there.

Tokens are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from starlette.datastructures import URL
from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
COOKIE = "migration_lint_token"
TOKEN_PARAMETER = "token"


def is_loopback(host: str) -> bool:
    """Whether binding `host` lets only this machine connect."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to any interface


def cookie_value(token: str) -> str:
    """What the cookie holds: a digest, so that the cookie, if it leaks, is not the token."""
    return hmac.new(token.encode(), b"migration-lint serve cookie", hashlib.sha256).hexdigest()


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


class TokenRequired:
    """ASGI middleware: every HTTP request carries the token, or is answered 401."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token
        self.cookie = cookie_value(token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # the server's lifespan events
            await self.app(scope, receive, send)
            return
        response = self._answer(HTTPConnection(scope))
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)

    def _answer(self, connection: HTTPConnection) -> Response | None:
        """None to let the request through; else the response that refuses or redirects it."""
        given = connection.query_params.get(TOKEN_PARAMETER)
        if given is not None:
            if not _same(given, self.token):
                return _refused()
            redirect = RedirectResponse(_without_token(connection.url), status_code=303)
            redirect.set_cookie(COOKIE, self.cookie, httponly=True, samesite="lax")
            return redirect
        scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and _same(credentials.strip(), self.token):
            return None
        if _same(connection.cookies.get(COOKIE, ""), self.cookie):
            return None
        return _refused()


def _without_token(url: URL) -> str:
    """The path and query without the token: relative, so the Host header is not trusted."""
    query = url.remove_query_params(TOKEN_PARAMETER).query
    return url.path + (f"?{query}" if query else "")


def _refused() -> Response:
    return PlainTextResponse(
        "This page needs the token migration-lint serve was started with: open it once with "
        "?token=TOKEN (a cookie keeps it), or send Authorization: Bearer TOKEN.\n",
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )
