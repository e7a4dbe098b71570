"""Does a rollback plan undo its migration? Run it on a scratch database the migration was just
applied to, as `migration-lint rollback` would run it, and compare the schema with the one
before the migration.

A plan the server refuses is a `rollback-failed` finding at the refused statement (its
transaction is rolled back: the database is as the migration left it). A plan that runs but
leaves the schema different is a `rollback-mismatch` finding at the plan, listing what differs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..diagnostic import Diagnostic, Severity
from ..rollback_plan import RollbackPlan
from . import catalog
from .plans import PlanFailed, PlanFailure, run_plan

if TYPE_CHECKING:
    import psycopg

ROLLBACK_FAILED = "rollback-failed"
ROLLBACK_MISMATCH = "rollback-mismatch"
_SHOWN_DIFFERENCES = 10
# A statement that cannot run inside a transaction block (PreventInTransactionBlock).
_ACTIVE_SQL_TRANSACTION = "25001"


def check_plan(
    connection: psycopg.Connection[tuple[object, ...]],
    plan: RollbackPlan,
    before: catalog.Catalog,
    pg_version: int,
) -> Diagnostic | None:
    """Run `plan` on a database its migration was just applied to (`before`: the schema
    before it), committed when it runs; a finding when it fails or leaves another schema."""
    connection.execute("BEGIN")
    try:
        run_plan(connection, plan, pg_version)
    except PlanFailed as failed:
        return _failed(failed.failure)
    connection.execute("COMMIT")
    differences = catalog.diff(before, catalog.read(connection))
    return _mismatch(plan, differences) if differences else None


def _failed(failure: PlanFailure) -> Diagnostic:
    line, column = failure.position()
    code = f"{failure.sqlstate}: " if failure.sqlstate else ""
    help_text = (
        "The plan runs in one transaction after the migration; that transaction was rolled back."
    )
    if failure.sqlstate == _ACTIVE_SQL_TRANSACTION:
        help_text += (
            " migration-lint rollback runs a plan in one transaction, with the bookkeeping "
            "change: write the statement without CONCURRENTLY, or undo it by hand."
        )
    return Diagnostic(
        ROLLBACK_FAILED,
        Severity.ERROR,
        failure.part.path,
        line,
        column,
        line,
        column,
        f"The rollback plan fails: {code}{failure.message}",
        help_text,
    )


def _mismatch(plan: RollbackPlan, differences: list[str]) -> Diagnostic:
    written = plan.written
    shown = "; ".join(differences[:_SHOWN_DIFFERENCES])
    more = len(differences) - _SHOWN_DIFFERENCES
    if more > 0:
        shown += f"; and {more} more"
    return Diagnostic(
        ROLLBACK_MISMATCH,
        Severity.ERROR,
        written.path,
        written.line,
        1,
        written.line,
        1,
        f"The rollback plan does not restore the schema from before the migration: {shown}",
        "Applied after the migration, the plan leaves the schema different from what it was "
        "before. Make it undo every change the migration makes.",
    )
