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
        "its definition) is not reported, unless CASCADE also dropped views that depend on it "
        "and the migration does not create them again. What depends on a view is read from "
        "history: the views whose queries name it, and the views that depend on those; views "
        "made outside the migrations folder are not known."
    ),
    bad='DROP VIEW "order_totals";',
    good="-- Release 41 stopped querying order_totals; this migration ships with release 42.\n"
    "-- migration-lint: allow drop-view -- order_totals unused since release 41\n"
    "-- rollback:\n"
    '-- CREATE VIEW "order_totals" AS SELECT sum("total") AS "total" FROM "orders";\n'
    'DROP VIEW "order_totals";',
)
def drop_view(op: DropView, ctx: Context) -> Iterator[tuple[str, str]]:
    if ctx.is_new_view(op.view):
        return  # no running code uses it yet
    view = op.view.sql
    kind = "materialized view" if op.materialized else "view"
    dependents = ctx.dependents(op)
    lock = ctx.lock("ACCESS EXCLUSIVE", view, table=op.view)
    known = ctx.views.get(op.view.key)
    create = f"CREATE {kind.upper()} {view} AS SELECT <its columns> FROM <its tables>;"
    rollback = advice.recreate(known.sql, f"{known.path}:{known.line}", create) if known else create
    if any(isinstance(later, CreateView) for later in ctx.later(relation_subject(op.view))):
        # Created again: running code still finds it, but maybe not what CASCADE dropped.
        in_place = (
            f"Or change {view} in place with CREATE OR REPLACE VIEW, which keeps what depends "
            "on it (it may add columns at the end, not remove or change them).\n"
            if not op.materialized
            else ""
        )
        lost = advice.lost_to_cascade(
            ctx,
            f"{kind} {view}",
            lock,
            dependents if op.cascade else [],
            in_place,
            "drop-view",
            f"DROP {kind.upper()} {view} CASCADE;\n{rollback}",
        )
        if lost:
            yield lost
        return
    statement = f"DROP {kind.upper()} {view}{' CASCADE' if op.cascade else ''};"
    if op.cascade and dependents:
        rollback += "\n" + advice.recreate_dependents(dependents)
    in_place = (
        f"CREATE OR REPLACE VIEW {view} AS <new query> changes it in place (it may add columns "
        "at the end, not remove or change them), or drop it and create it again in the same "
        "migration."
        if not op.materialized
        else "drop it and create it again in the same migration."
    )
    yield (
        f"Dropping {kind} {view} breaks running code that still queries it"
        + (
            ", and CASCADE drops every view that depends on it as well. "
            if op.cascade and not dependents
            else ". "
        )
        + lock
        + advice.views_effects(dependents, op.cascade),
        f"Drop a {kind} in two releases:\n"
        f"1. Deploy code that no longer queries {view} (remove it from the ORM schema).\n"
        f"2. In a later migration, once that release runs everywhere: {statement}\n"
        f"To change its definition instead, {in_place}\n" + advice.declare("drop-view", rollback),
    )
