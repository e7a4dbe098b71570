"""drop-view: DROP VIEW or DROP MATERIALIZED VIEW of a view running code may still query."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint import advice
from migration_lint.context import Context, relation_subject
from migration_lint.diagnostic import Severity
from migration_lint.operations import CreateView, DropView
from migration_lint.registry import rule


@rule(
    id="drop-view",
    severity=Severity.BREAKING,
    example_schema=(
        'CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "total" numeric NOT NULL);\n'
        'CREATE VIEW "order_totals" AS SELECT sum("total") AS "total" FROM "orders";'
    ),
    inspects=(DropView,),
    summary="Dropping a view or materialized view breaks code that still queries it.",
    rationale=(
        "The running release keeps querying the view until it is replaced, and every such query "
        "fails once the view is gone. Stop using it in code first, deploy, and drop it in a "
        "later migration. A view dropped and created again in the same migration (to change "
        "its definition) is not reported."
    ),
    bad='DROP VIEW "order_totals";',
    good="-- Release 41 stopped querying order_totals; this migration ships with release 42.\n"
    "-- migration-lint: allow drop-view -- order_totals unused since release 41\n"
    "-- rollback:\n"
    '-- CREATE VIEW "order_totals" AS SELECT sum("total") AS "total" FROM "orders";\n'
    'DROP VIEW "order_totals";',
)
def drop_view(op: DropView, ctx: Context) -> Iterator[tuple[str, str]]:
    if ctx.is_new_view(op.view) or any(
        isinstance(later, CreateView) for later in ctx.later(relation_subject(op.view))
    ):
        return  # new in this migration, or created again: running code still finds it
    view = op.view.sql
    kind = "materialized view" if op.materialized else "view"
    statement = f"DROP {kind.upper()} {view};"
    known = ctx.views.get(op.view.key)
    create = f"CREATE {kind.upper()} {view} AS SELECT <its columns> FROM <its tables>;"
    rollback = advice.recreate(known.sql, f"{known.path}:{known.line}", create) if known else create
    in_place = (
        f"CREATE OR REPLACE VIEW {view} AS <new query> changes it in place (it may add columns "
        "at the end, not remove or change them), or drop it and create it again in the same "
        "migration."
        if not op.materialized
        else "drop it and create it again in the same migration."
    )
    yield (
        f"Dropping {kind} {view} breaks running code that still queries it"
        + (", and CASCADE drops every view that depends on it as well. " if op.cascade else ". ")
        + ctx.lock("ACCESS EXCLUSIVE", view, table=op.view),
        f"Drop a {kind} in two releases:\n"
        f"1. Deploy code that no longer queries {view} (remove it from the ORM schema).\n"
        f"2. In a later migration, once that release runs everywhere: {statement}\n"
        f"To change its definition instead, {in_place}\n" + advice.declare("drop-view", rollback),
    )
