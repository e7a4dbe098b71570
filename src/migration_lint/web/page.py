"""The schema comparison page as HTML: two environment pickers over a comparison (or over why
there is none). Pure functions of what was chosen and found.

Environments are shown by their labels and chosen by their names: nothing here ever holds a
URL. The page's only scripts and styles are inline, and CONTENT_SECURITY_POLICY allows exactly
those (by their hashes), so that nothing a database names could run even if it slipped through
the escaping.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from html import escape

from ..config import Environment
from ..db.compare_html import SCRIPT, STYLE

PATH = "/devops/schema-comparison"

# Choosing another environment compares at once; the button is there for keyboards and for
# browsers without scripts.
PICKER_SCRIPT = """
document.querySelectorAll("form.pickers select").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
"""

PAGE_STYLE = """
body { margin: 1.5em; }
form.pickers { font: 14px system-ui, sans-serif; display: flex; gap: 1em; align-items: end;
  flex-wrap: wrap; margin-bottom: 1em; }
form.pickers label { display: flex; flex-direction: column; gap: .2em; }
form.pickers select, form.pickers button { font: inherit; padding: .2em .4em; }
p.problem { font: 14px system-ui, sans-serif; color: #c00; border: 1px solid #c00;
  border-radius: 6px; padding: .5em 1em; }
"""


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


CONTENT_SECURITY_POLICY = (
    "default-src 'none'; "
    f"script-src {_hash(SCRIPT)} {_hash(PICKER_SCRIPT)}; "
    f"style-src {_hash(STYLE + PAGE_STYLE)}; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def page(
    environments: Sequence[Environment], source: str, target: str, content: str, title: str
) -> str:
    """The whole page: the pickers with `source` and `target` (environments' names) chosen,
    then `content`, HTML already escaped (compare_html.body, or problems)."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE + PAGE_STYLE}</style>\n</head>\n<body>\n"
        f'<form class="pickers" method="get" action="{PATH}">\n'
        f"{_picker('source', 'Source (deployed)', environments, source)}\n"
        f"{_picker('target', 'Target (deployed onto)', environments, target)}\n"
        '<button type="submit">Compare</button>\n</form>\n'
        f"{content}\n"
        f"<script>{SCRIPT}</script>\n<script>{PICKER_SCRIPT}</script>\n</body>\n</html>"
    )


def _picker(name: str, text: str, environments: Sequence[Environment], chosen: str) -> str:
    options = "".join(
        f'<option value="{escape(e.name)}"{" selected" if e.name == chosen else ""}>'
        f"{escape(e.label)}</option>"
        for e in environments
    )
    return f'<label>{escape(text)}<select name="{name}" id="{name}">{options}</select></label>'


def problems(lines: Sequence[str]) -> str:
    """Why there is no comparison, one paragraph a reason."""
    return "\n".join(f'<p class="problem">{escape(line)}</p>' for line in lines)
