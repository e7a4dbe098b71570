"""A comparison as one self-contained HTML page: no network, its CSS and JavaScript inline.

The tables of both sides side by side, column by column, each difference marked (breaking ones
in red); a button that copies the list of differences, and one per table for that table's.
Copying uses navigator.clipboard where the browser allows it (HTTPS, localhost) and falls back
to document.execCommand('copy'), which internal hosts served over plain HTTP need.

`body` is the comparison alone, for a page that has its own (a later `serve`); it needs STYLE
and SCRIPT on that page. Every name and definition read from a database is escaped.
"""

from __future__ import annotations

from html import escape

from .catalog import Catalog
from .compare import Comparison, Difference, heading

STYLE = """
.mlc { font: 14px/1.4 system-ui, sans-serif; color: #222; }
.mlc code { font: 13px ui-monospace, monospace; }
.mlc .breaking { color: #c00; }
.mlc .compatible { color: #05603a; }
.mlc ul.differences { padding-left: 1.2em; }
.mlc .rule { font-weight: 600; margin-right: .4em; }
.mlc section.table { border: 1px solid #ddd; border-radius: 6px; margin: 1em 0; padding: .5em 1em; }
.mlc section.table.differs { border-color: #999; }
.mlc section.table.breaking-table { border-color: #c00; }
.mlc .sides { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
.mlc table { border-collapse: collapse; width: 100%; }
.mlc td, .mlc th { text-align: left; padding: 2px 6px; border-bottom: 1px solid #eee; }
.mlc tr.added { background: #eefbf2; }
.mlc tr.removed { background: #fdecec; }
.mlc tr.changed, .mlc tr.renamed { background: #fff7e0; }
.mlc button.copy { font: inherit; margin-left: .5em; cursor: pointer; }
"""

SCRIPT = """
(function () {
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(area); }
  }
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { fallbackCopy(text); });
    }
    fallbackCopy(text);
    return Promise.resolve();
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-copy]") : null;
    if (!button) { return; }
    var shown = button.textContent;
    Promise.resolve(copyText(button.getAttribute("data-copy"))).then(function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = shown; }, 1500);
    });
  });
})();
"""


def page(comparison: Comparison, source: str, target: str) -> str:
    title = escape(f"Schema comparison: {source} onto {target}")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"{body(comparison, source, target)}\n<script>{SCRIPT}</script>\n</body>\n</html>"
    )


def body(comparison: Comparison, source: str, target: str) -> str:
    """The comparison as an HTML fragment: the differences, then every table side by side."""
    status = "breaking" if comparison.breaking else "compatible"
    parts = [
        '<div class="mlc">',
        f"<h1>{escape(heading(source, target))}</h1>",
        f'<p class="{status if comparison.differences else ""}">{escape(comparison.summary())}</p>',
    ]
    if comparison.differences:
        parts.append(
            f"<h2>Differences{_copy_button(comparison.differences, 'Copy all differences')}</h2>"
        )
        parts.append('<ul class="differences">')
        parts += [f"<li>{_difference(d)}</li>" for d in _ordered(comparison.differences)]
        parts.append("</ul>")
    parts.append("<h2>Tables</h2>")
    parts += [_table(comparison, name, source, target) for name in comparison.tables()]
    parts.append("</div>")
    return "\n".join(parts)


def _ordered(differences: tuple[Difference, ...] | list[Difference]) -> list[Difference]:
    return sorted(differences, key=lambda d: not d.breaking)


def _difference(difference: Difference) -> str:
    rule = f'<span class="rule">{escape(difference.rule)}</span>' if difference.rule else ""
    return _marked(difference, f"{rule}<code>{escape(str(difference))}</code>")


def _marked(difference: Difference, inner: str) -> str:
    """HTML in the colour of the difference: red for a breaking one."""
    kind = "breaking" if difference.breaking else "compatible"
    return f'<span class="{kind}">{inner}</span>'


def _copy_button(differences: tuple[Difference, ...] | list[Difference], text: str) -> str:
    lines = "\n".join(
        f"{'BREAKING ' + (d.rule or '') + ': ' if d.breaking else ''}{d}"
        for d in _ordered(differences)
    )
    return f'<button type="button" class="copy" data-copy="{escape(lines)}">{escape(text)}</button>'


def _table(comparison: Comparison, name: str, source: str, target: str) -> str:
    differences = comparison.of_table(name)
    classes = ["table"]
    if differences:
        classes.append("breaking-table" if any(d.breaking for d in differences) else "differs")
    header = f"<h3><code>{escape(name)}</code>"
    if differences:
        header += _copy_button(differences, "Copy this table's differences")
    parts = [
        f'<section class="{" ".join(classes)}" id="{escape("table-" + name)}">',
        header + "</h3>",
    ]
    if differences:
        parts.append('<ul class="differences">')
        parts += [f"<li>{_difference(d)}</li>" for d in _ordered(differences)]
        parts.append("</ul>")
    marks = {d.name: d for d in differences if d.kind == "column"}
    parts.append('<div class="sides">')
    parts.append(_side(comparison.source, name, source, marks))
    parts.append(_side(comparison.target, name, target, marks))
    parts.append("</div></section>")
    return "\n".join(parts)


def _side(side: Catalog, name: str, label: str, marks: dict[str, Difference]) -> str:
    table = side.tables.get(name)
    heading_cell = f"<h4>{escape(label)}</h4>"
    if table is None:
        return f"<div>{heading_cell}<p><em>no such table</em></p></div>"
    rows = []
    for column_name, column in sorted(table.columns.items()):
        mark = marks.get(column_name)
        css = f' class="{mark.how}"' if mark else ""
        flag = f" {_marked(mark, escape(mark.how))}" if mark else ""
        rows.append(
            f"<tr{css}><td><code>{escape(column_name)}</code>{flag}</td>"
            f"<td><code>{escape(str(column))}</code></td></tr>"
        )
    kind = f"<p>{escape(table.shape)}</p>" if table.shape != "table" else ""
    return (
        f"<div>{heading_cell}{kind}<table><tr><th>column</th><th>type</th></tr>"
        + "".join(rows)
        + "</table></div>"
    )
