"""drop-function: DROP FUNCTION, PROCEDURE or ROUTINE of one running code may still call."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint import advice
from migration_lint.context import Context, function_subject
from migration_lint.diagnostic import Severity
from migration_lint.operations import CreateFunction, DropFunction
from migration_lint.registry import rule


@rule(
    id="drop-function",
    severity=Severity.BREAKING,
    example_schema=(
        'CREATE FUNCTION "order_total"("order_id" bigint) RETURNS numeric LANGUAGE sql '
        "AS 'SELECT 0';"
    ),
    inspects=(DropFunction,),
    summary="Dropping a function or procedure breaks code that still calls it.",
    rationale=(
        "The running release keeps calling the function until it is replaced, and every such "
        "call fails once it is gone; so do other functions that call it, which PostgreSQL does "
        "not track. Stop calling it first, deploy, and drop it in a later migration. A function "
        "dropped and created again in the same migration is not reported, unless CASCADE also "
        "dropped triggers that execute it and the migration does not create them again. The "
        "triggers are read from history (CREATE TRIGGER ... EXECUTE FUNCTION); the column "
        "defaults, constraints and views that use a function are not tracked."
    ),
    bad='DROP FUNCTION "order_total"(bigint);',
    good="-- Release 41 stopped calling order_total; this migration ships with release 42.\n"
    "-- migration-lint: allow drop-function -- order_total unused since release 41\n"
    "-- rollback:\n"
    '-- CREATE FUNCTION "order_total"("order_id" bigint) RETURNS numeric LANGUAGE sql '
    "AS 'SELECT 0';\n"
    'DROP FUNCTION "order_total"(bigint);',
)
def drop_function(op: DropFunction, ctx: Context) -> Iterator[tuple[str, str]]:
    if ctx.is_new_function(op.function, op.arguments):
        return  # no running code calls it yet
    name = op.sql_name
    kind = op.kind if op.kind != "routine" else "function or procedure"
    keyword = op.kind.upper()
    create_keyword = "PROCEDURE" if op.kind == "procedure" else "FUNCTION"
    triggers = ctx.dependents(op)
    known = ctx.function_definitions(op.function, op.arguments)
    create = (
        f"CREATE {create_keyword} {op.function.sql}"
        f"({', '.join(op.arguments) if op.arguments is not None else '<its arguments>'})"
        + (" RETURNS <its result type>" if op.kind != "procedure" else "")
        + " LANGUAGE <its language> AS $$<its body>$$;"
    )
    rollback = (
        advice.recreate(known[0].sql, f"{known[0].path}:{known[0].line}", create)
        if len(known) == 1
        else create
    )
    if any(_recreates(later, op) for later in ctx.later(function_subject(op.function))):
        # Created again: running code still finds it, but maybe not the triggers CASCADE dropped.
        in_place = (
            f"Or change {name} in place with CREATE OR REPLACE {create_keyword} (with the same "
            "argument and result types), which keeps the triggers that execute it.\n"
        )
        lost = advice.lost_to_cascade(
            ctx,
            f"{kind} {name}",
            "",
            triggers if op.cascade else [],
            in_place,
            "drop-function",
            f"DROP {keyword} {name} CASCADE;\n{rollback}",
        )
        if lost:
            yield lost
        return
    listed = ", ".join(trigger.label for trigger in triggers)
    if op.cascade:
        dependents = (
            "CASCADE also drops the triggers, column defaults, constraints and views that use "
            "it, and locks their tables"
            + (f"; of those, history shows {listed}." if triggers else ".")
            + advice.dependents_locks(ctx, triggers)
        )
        if triggers:
            rollback += "\n" + advice.recreate_dependents(triggers)
    else:
        dependents = (
            "PostgreSQL refuses the drop while a trigger, column default, constraint or view "
            "uses it" + (f" (in history: {listed})." if triggers else ".")
        )
    yield (
        f"Dropping {kind} {name} breaks running code that calls it: calls fail once the drop "
        "commits; until then they do not wait for it (the drop holds an ACCESS EXCLUSIVE lock "
        "on the function itself, on no table). Functions that call it fail only when they run, "
        f"as PostgreSQL does not track calls inside function bodies. {dependents}",
        f"Drop a {kind} in two releases:\n"
        f"1. Deploy code that no longer calls {name}.\n"
        f"2. In a later migration, once that release runs everywhere: DROP {keyword} {name}"
        f"{' CASCADE' if op.cascade else ''};\n"
        f"To change its body instead, CREATE OR REPLACE {create_keyword} changes it in place "
        f"(with the same argument types{'' if op.kind == 'procedure' else ' and result type'}); "
        "to change its arguments, create the new one beside it, move the callers to it, then "
        "drop the old one.\n" + advice.declare("drop-function", rollback),
    )


def _recreates(later: object, dropped: DropFunction) -> bool:
    """Whether a later statement creates the dropped function again: same kind, and the same
    argument types when the drop names them."""
    return (
        isinstance(later, CreateFunction)
        and dropped.kind in ("routine", later.kind)
        and dropped.arguments in (None, later.arguments)
    )
