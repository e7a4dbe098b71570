"""`drift --notify`: the report posted to a webhook, when something drifted.

- slack: `{"text": ...}`, what Slack's incoming webhooks take, and Mattermost's, Rocket.Chat's,
  Discord's (`/slack` URL) and Google Chat's: the summary, and the report in a code block.
- json: the report's JSON document (drift_output.py), for any other webhook.

The webhook's URL is a secret (whoever holds it can post to the channel): it is never printed.
Given as the name of a variable (the environment, then `.env.local`, then `.env`, as sides
are), it is shown by that name; given as a URL, as "the webhook given".
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

from ..source import InputError
from . import drift_output
from .drift import DriftReport
from .env_files import ENV_FILES, project_environment

FORMATS = ("slack", "json")
TIMEOUT_SECONDS = 10
# Slack cuts a message's text at 40,000 characters and folds long ones: a channel wants the
# gist, the job's log has the rest.
MESSAGE_LIMIT = 3_000

_WEB_URL = re.compile(r"^https?://", re.IGNORECASE)
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Webhook:
    url: str
    shown: str  # how messages name it: never the URL

    def __repr__(self) -> str:  # a stray repr() in a log must not show the URL either
        return f"Webhook({self.shown!r})"


def webhook(value: str, folder: str, environ: Mapping[str, str]) -> Webhook:
    """The webhook `value` names: an http(s):// URL, or a variable holding one, looked up in
    `environ`, then `folder`'s `.env.local` and `.env`. Checked before any work is done: a URL
    that cannot be sent fails now, in words that never quote it (its path is the secret)."""
    if _WEB_URL.match(value):
        return _checked(Webhook(value, "the webhook given"))
    if not _VARIABLE.match(value):
        raise InputError("--notify", "not an http(s):// URL or the name of a variable holding one")
    url = project_environment(folder, environ).get(value, "")
    if not _WEB_URL.match(url):
        raise InputError(
            f"${value}",
            f"not set to an http(s):// URL, in the environment or in {' or '.join(ENV_FILES)}",
        )
    return _checked(Webhook(url, f"${value}"))


def _checked(hook: Webhook) -> Webhook:
    try:
        parts = urllib.parse.urlsplit(hook.url)
        parts.port  # noqa: B018 - reading it checks it
    except ValueError:
        raise InputError(hook.shown, "not a URL that can be posted to") from None
    if not parts.hostname or any(c.isspace() or ord(c) < 32 for c in hook.url):
        raise InputError(hook.shown, "not a URL that can be posted to (no host, or white space)")
    return hook


def payload(report: DriftReport, notify_format: str) -> bytes:
    if notify_format == "json":
        return drift_output.as_json(report).encode()
    body = drift_output.text(report)
    if len(body) > MESSAGE_LIMIT:
        body = body[:MESSAGE_LIMIT].rsplit("\n", 1)[0] + "\n… (the job's log has the rest)"
    text = f"*migration-lint drift*: {drift_output.summary(report)}\n```\n{body}\n```"
    return json.dumps({"text": text}).encode()


def post(hook: Webhook, body: bytes) -> None:
    """POST the JSON `body`; an InputError, naming the webhook as shown, when it is refused or
    cannot be reached."""
    request = urllib.request.Request(
        hook.url, body, {"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise InputError(hook.shown, f"the webhook answered HTTP {exc.code}") from None
    except (OSError, http.client.HTTPException) as exc:  # URLError is an OSError
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        # A resolver's or TLS library's message may quote the address.
        shown = str(reason).replace(hook.url, hook.shown)
        path = urllib.parse.urlsplit(hook.url).path
        if path.strip("/"):
            shown = shown.replace(path, "<its path>")
        raise InputError(hook.shown, f"cannot reach the webhook: {shown}") from None
