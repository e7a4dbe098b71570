"""The Starlette application of `migration-lint serve`: one page, PATH, comparing two of the
config's environments.

`?source=NAME&target=NAME` chooses them (the first two environments by default). Only the
config's environments can be named: a request can never make the server connect to an address
or read a file it chose. Each environment is read as `compare` reads it (db/sides.py: over a
read-only connection), both at once, each in a worker thread with a deadline: an environment
slower than that is reported on the page, and the request is answered, while the abandoned
read runs on in its thread until the connection's own timeouts end it.

Nothing that reaches the browser holds a URL: environments are shown by their labels, and a
side that cannot be read by a fixed message; why (the driver's message, which names hosts and
users) goes to the server's log.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ..config import Config, Environment
from ..db.catalog import Catalog
from ..db.compare import compare
from ..db.compare_html import body
from ..db.sides import read, resolve
from ..errors import ConfigError
from ..source import InputError
from . import page
from .access import LOOPBACK_HOSTS, TokenRequired

log = logging.getLogger(__name__)

HEADERS = {
    "Content-Security-Policy": page.CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",  # a schema is not for a shared cache
}


def create_app(
    config: Config, environ: Mapping[str, str], *, token: str | None, timeout: float
) -> Starlette:
    """The page over `config`'s environments, their variables looked up in `environ` (then
    the project's .env files, as `compare` does). With a `token`, every request must carry it;
    without one, only loopback Host headers are answered."""
    if not config.environments:
        raise ConfigError(
            "serve compares the config's environments, and it has none: add an "
            "[environments] table to .migration-lint.toml (docs/compare.md)"
        )
    comparer = _Comparer(config, environ, timeout)
    guard = (
        Middleware(TokenRequired, token=token)
        if token
        else Middleware(TrustedHostMiddleware, allowed_hosts=list(LOOPBACK_HOSTS))
    )
    return Starlette(
        routes=[
            Route("/", lambda _: RedirectResponse(page.PATH, status_code=303)),
            Route(page.PATH, comparer.respond),
        ],
        middleware=[guard],
    )


class _Comparer:
    def __init__(self, config: Config, environ: Mapping[str, str], timeout: float) -> None:
        self.config = config
        self.environ = environ
        self.timeout = timeout
        self.environments = {e.name: e for e in config.environments}

    async def respond(self, request: Request) -> Response:
        first, *others = self.config.environments
        source = request.query_params.get("source", first.name)
        target = request.query_params.get("target", (others or [first])[0].name)
        unknown = [name for name in (source, target) if name not in self.environments]
        if unknown:
            known = ", ".join(self.environments)
            lines = [f"No environment {name!r} in the config (known: {known})." for name in unknown]
            return self._html(source, target, page.problems(lines), "Schema comparison", 400)
        chosen = (self.environments[source], self.environments[target])
        title = f"Schema comparison: {chosen[0].label} onto {chosen[1].label}"
        names = dict.fromkeys(e.name for e in chosen)  # one read when both are the same
        read_sides = await asyncio.gather(*(self._read(self.environments[n]) for n in names))
        problems = [found for found in read_sides if isinstance(found, str)]
        if problems:
            return self._html(source, target, page.problems(problems), title, 502)
        schemas = {
            n: found
            for n, found in zip(names, read_sides, strict=True)
            if isinstance(found, Catalog)
        }
        content = await anyio.to_thread.run_sync(
            lambda: body(compare(schemas[source], schemas[target]), *(e.label for e in chosen))
        )
        return self._html(source, target, content, title, 200)

    async def _read(self, environment: Environment) -> Catalog | str:
        """The environment's schema; or, when it cannot be read in time, what the page says."""
        try:
            with anyio.fail_after(self.timeout):
                return await anyio.to_thread.run_sync(
                    self._read_now, environment, abandon_on_cancel=True
                )
        except TimeoutError:
            log.warning("%s: no schema within %g seconds", environment.name, self.timeout)
            return (
                f"{environment.label} did not answer within {self.timeout:g} seconds: it is "
                "slow, or cannot be reached from where migration-lint serve runs."
            )
        except InputError as exc:  # unset variable, refused connection, failed query
            log.warning("%s: %s: %s", environment.name, exc.path, exc.message)
            return (
                f"{environment.label} could not be read (its URL is not set, the database "
                "cannot be reached or refused the connection, or reading its catalog failed): "
                "the log of migration-lint serve says why."
            )

    def _read_now(self, environment: Environment) -> Catalog:
        return read(resolve(environment.name, self.config, self.environ))

    def _html(self, source: str, target: str, content: str, title: str, status: int) -> Response:
        text = page.page(self.config.environments, source, target, content, title)
        return HTMLResponse(text, status_code=status, headers=HEADERS)
