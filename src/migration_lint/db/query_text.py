"""A view's query as one text whatever the PostgreSQL major printed it.

PostgreSQL 16 stopped qualifying column names in a query over a single table: 15 prints
`SELECT users.id FROM public.users`, 16 and later `SELECT id FROM public.users`. The same view
must compare equal on both, so the query is parsed, the qualifier taken off every column of a
SELECT that reads one table (its name or alias), and printed again by pglast, one way.
"""

from __future__ import annotations

from typing import Any

from pglast import ast, parse_sql
from pglast.parser import ParseError
from pglast.stream import RawStream


def normalised(query: str) -> str:
    """The query as pglast prints it, unqualified where PostgreSQL 16 would print it so; the
    query as given when pglast cannot read it."""
    try:
        statements = parse_sql(query)
    except ParseError:
        return query
    for statement in statements:
        _unqualify(statement, None)
    return str(RawStream()(statements))


def _unqualify(node: Any, table: str | None) -> None:
    """Take `table.` off the column references under `node`; a SELECT of its own decides for
    what is under it."""
    if isinstance(node, ast.SelectStmt):
        table = _single_table(node)
    if isinstance(node, ast.ColumnRef) and table is not None:
        fields = node.fields or ()
        if len(fields) == 2 and isinstance(fields[0], ast.String) and fields[0].sval == table:
            node.fields = fields[1:]
        return
    if isinstance(node, (tuple, list)):
        for item in node:
            _unqualify(item, table)
    elif isinstance(node, ast.Node):
        for name in node:
            _unqualify(getattr(node, name), table)


def _single_table(select: ast.SelectStmt) -> str | None:
    tables = select.fromClause or ()
    if len(tables) != 1 or not isinstance(tables[0], ast.RangeVar):
        return None
    (table,) = tables
    return str(table.alias.aliasname) if table.alias else str(table.relname)
