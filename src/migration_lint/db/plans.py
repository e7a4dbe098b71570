"""Running a rollback plan inside a transaction the caller holds: the same way on a scratch
database (`verify --rollback`) and on the database itself (`migration-lint rollback`), so that
what is checked is what runs.

The statements are sent one by one, so that a failure points at its statement. The transaction
is the caller's, so the plan's own BEGIN and COMMIT (a down migration often has them) are left
out, blanked so that places in the file stay the same; a statement that would end the
transaction otherwise (ROLLBACK, PREPARE TRANSACTION) fails the plan before any of it runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..located import LocatedSql
from ..parse import parse
from ..rollback_plan import RollbackPlan
from ..runners import Runner, Sending
from ..splitting import pieces
from .apply import Applier, ApplyFailed, Migration, no_operations

if TYPE_CHECKING:
    import psycopg

PLAN_RUNNER = Runner("migration-lint rollback", Sending.ONE_BY_ONE, fix="")
_LEFT_OUT = {"TRANS_STMT_BEGIN", "TRANS_STMT_START", "TRANS_STMT_COMMIT"}
_KEPT = {"TRANS_STMT_SAVEPOINT", "TRANS_STMT_RELEASE", "TRANS_STMT_ROLLBACK_TO"}


@dataclass(frozen=True)
class PlanFailure:
    """A statement of the plan the server refused, or that would end the transaction."""

    part: LocatedSql
    offset: int  # in the part's SQL
    sqlstate: str
    message: str

    def position(self) -> tuple[int, int]:
        """Its line and column in the file the plan is written in."""
        return self.part.position(self.offset)


class PlanFailed(Exception):
    def __init__(self, failure: PlanFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


def run_plan(
    connection: psycopg.Connection[tuple[object, ...]], plan: RollbackPlan, pg_version: int
) -> None:
    """Run the plan's parts in order, in the transaction open on `connection`. Raises
    PlanFailed, the transaction rolled back."""
    try:
        runnable = [(part, in_transaction(part)) for part in plan.parts]
    except PlanFailed:
        connection.execute("ROLLBACK")
        raise
    applier = Applier(connection, PLAN_RUNNER, pg_version)
    for part, sql in runnable:
        try:
            applier.apply([Migration(part.path, sql, traced=False)])
        except ApplyFailed as failed:
            failure = failed.failure
            raise PlanFailed(
                PlanFailure(part, failure.offset, failure.sqlstate, failure.message)
            ) from None


def in_transaction(part: LocatedSql) -> str:
    """The part's SQL as it runs in the caller's transaction: its own BEGIN and COMMIT blanked.
    Raises PlanFailed for a statement that would end that transaction."""
    sql = part.sql
    statements, _ = parse(sql, PLAN_RUNNER.splits_on_breakpoints, no_operations)
    ends = {piece.start: piece.end for piece in pieces(sql, 0, len(sql))}
    for statement in statements:
        if statement.kind != "TransactionStmt":
            continue
        kind = str(statement.node.get("kind"))
        if kind in _LEFT_OUT:
            end = ends.get(statement.start, statement.end)  # with its `;`
            blank = re.sub(r"[^\n]", " ", sql[statement.start : end])
            sql = sql[: statement.start] + blank + sql[end:]
        elif kind not in _KEPT:
            message = (
                f"{statement.text.split()[0].upper()} would end the transaction the plan runs "
                "in: leave it out (migration-lint runs the plan in one transaction)"
            )
            raise PlanFailed(PlanFailure(part, statement.start, "", message))
    return sql


def shown(part: LocatedSql) -> str:
    """The part as it runs, for a plan printed before it runs: blanked lines left out. One that
    cannot run is shown as written: running it (the check) reports why."""
    try:
        sql = in_transaction(part)
    except PlanFailed:
        sql = part.sql
    lines = [line.rstrip() for line in sql.split("\n")]
    text = "\n".join(line for line in lines if line).strip()
    return text if text.endswith(";") else text + ";"
