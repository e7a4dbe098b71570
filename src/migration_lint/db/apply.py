"""Applying migrations to a scratch database the way their runner does, statement by statement.

The runner model is the linter's (runners.py): its statement splitting, and the transaction it
puts a migration in. Each statement is sent on its own, so a failure points at its statement and
each one can be observed; that is what the runner does too, or equivalent to it:
- a transaction the runner opens (drizzle's one around all pending migrations, dbmate's and
  goose's per migration): BEGIN, the statements, COMMIT; a COMMIT of the migration's own ends
  it and the rest run outside any, as with the runner;
- a migration sent as one query: PostgreSQL runs it as one implicit transaction, which starts
  again after a COMMIT inside it; here BEGIN, the statements, BEGIN again after such a COMMIT;
- statements sent one by one: each on its own. To observe its locks, each is run inside
  BEGIN ... COMMIT, which changes nothing for a statement allowed in a transaction; one that is
  not (SQLSTATE 25001, raised before it does anything) is run again on its own, unobserved.
  Statements that behave otherwise inside a transaction block (LOCK, DECLARE, SET, the
  migration's own BEGIN or COMMIT) are never wrapped, and SET or a transaction statement is
  not observed: the reading would be a query before it.

What statement-by-statement sending would get wrong is checked first: a runner that sends a
migration (or drizzle a part between breakpoints) as one query sends text PostgreSQL parses in
full before it runs any of it, so a syntax error anywhere in it is its first failure; and no
runner sends COPY's data as data (only psql does), so the data lines fail as SQL.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..operations import Operation
from ..parse import Problem, Statement, StatementTree, parse
from ..runners import Cause, Runner
from ..splitting import COPY_DATA, STATEMENT, chunks, pieces
from ..traces import Claim, StatementTrace, disagreements, relation_key
from . import observe

if TYPE_CHECKING:
    import psycopg

# A statement that cannot run inside a transaction block (PreventInTransactionBlock), and a
# procedure or DO block that commits, which cannot inside one either.
_NOT_IN_A_TRANSACTION_BLOCK = {"25001", "2D000"}
# Statements whose outcome a BEGIN ... COMMIT around them would change: LOCK and DECLARE fail
# outside a transaction block, SET LOCAL and SET TRANSACTION do nothing or fail there.
_NEVER_WRAPPED = {"TransactionStmt", "LockStmt", "DeclareCursorStmt", "VariableSetStmt"}
# Statements a snapshot query before them would change: SET TRANSACTION must come first.
_NOT_OBSERVED = {"TransactionStmt", "VariableSetStmt"}
_SYNTAX_ERROR = "42601"
_SHOWN_SQL = 80


@dataclass(frozen=True)
class Migration:
    path: str
    text: str  # what the runner runs (a down section blanked out)
    traced: bool  # observe each statement
    # The linter's lock claims about its statements, by the character offset each finding is at.
    claims: tuple[tuple[int, Claim], ...] = ()


@dataclass(frozen=True)
class ApplyFailure:
    """A statement the server refused: where, and what it said."""

    path: str
    offset: int  # character offset in the file
    sqlstate: str
    message: str


class ApplyFailed(Exception):
    def __init__(self, failure: ApplyFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


@dataclass(frozen=True)
class _Step:
    start: int
    end: int
    copy_data: bool  # the data lines after COPY ... FROM STDIN, not a statement
    statement: Statement | None  # None: the linter's parser does not read it


class Applier:
    """Applies migrations on one connection (autocommit: transactions are sent as SQL)."""

    def __init__(
        self, connection: psycopg.Connection[tuple[object, ...]], runner: Runner, pg_version: int
    ) -> None:
        self.connection = connection
        self.runner = runner
        self.pg_version = pg_version
        self.traces: list[StatementTrace] = []
        # The snapshot after the last traced statement, while nothing else has run since: the
        # next one's "before". Reading the catalogs twice per statement would make a long
        # transaction's trace quadratic twice over.
        self._last: observe.Snapshot | None = None

    def apply(self, migrations: Sequence[Migration]) -> None:
        """Apply `migrations` in order, as one run of the runner (drizzle's migrator puts all
        of them in one transaction). Raises ApplyFailed at the first statement refused; what
        the failed transaction did is rolled back."""
        try:
            batch = self.runner.runs_pending_in_one_transaction
            if batch:
                self._begin()
            for migration in migrations:
                self._apply_one(migration, in_batch=batch)
            if batch:
                self._commit()
        except ApplyFailed:
            self._last = None
            # The failure may have been the connection's end (a terminated backend).
            if not self.connection.closed and self._in_transaction():
                self.connection.execute("ROLLBACK")
            raise

    def _apply_one(self, migration: Migration, in_batch: bool) -> None:
        text = migration.text
        statements, problems = parse(text, self.runner.splits_on_breakpoints, no_operations)
        transaction = self.runner.transaction(
            migration.path, migration.text, statements, self.pg_version
        )
        if transaction is not None and transaction.cause is Cause.MIXED:
            raise ApplyFailed(ApplyFailure(migration.path, 0, "", transaction.reason))
        own = transaction is not None and not in_batch
        reopen = transaction is not None and transaction.survives_commit
        if own:
            self._begin()
        refused = self._refused_queries(text, [p for p in problems if p.syntax])
        for step in self._steps(text, statements):
            syntax_error = next((p for start, end, p in refused if start <= step.start < end), None)
            if syntax_error is not None:
                failure = ApplyFailure(
                    migration.path, syntax_error.start, _SYNTAX_ERROR, syntax_error.message
                )
                raise ApplyFailed(failure)
            if step.copy_data:
                raise ApplyFailed(
                    ApplyFailure(migration.path, step.start, _SYNTAX_ERROR, _COPY_DATA)
                )
            if reopen and not self._in_transaction():
                self._begin()  # a query of several statements goes on after its COMMIT
            self._run(migration, step)
        if own and self._in_transaction():
            self._commit()

    def _refused_queries(
        self, text: str, syntax_errors: list[Problem]
    ) -> list[tuple[int, int, Problem]]:
        """The queries the runner sends whole that hold a syntax error: (start, end, where the
        first error is). PostgreSQL refuses such a query before running any of it."""
        if self.runner.sends_one_query:
            queries = [(0, len(text))]
        elif self.runner.splits_on_breakpoints:
            queries = list(chunks(text, True))
        else:
            return []  # statement by statement: each fails when it is reached
        return [
            (start, end, inside[0])
            for start, end in queries
            if (inside := [p for p in syntax_errors if start <= p.start < end])
        ]

    def _steps(self, text: str, statements: Sequence[Statement]) -> list[_Step]:
        by_start = {statement.start: statement for statement in statements}
        steps: list[_Step] = []
        for chunk_start, chunk_end in chunks(text, self.runner.splits_on_breakpoints):
            for piece in pieces(text, chunk_start, chunk_end):
                if piece.kind == COPY_DATA:
                    steps.append(_Step(piece.start, piece.end, True, None))
                elif piece.kind == STATEMENT:
                    steps.append(_Step(piece.start, piece.end, False, by_start.get(piece.start)))
                else:  # a psql meta-command: the runner sends it, and the server refuses it
                    steps.append(_Step(piece.start, piece.end, False, None))
        return steps

    def _run(self, migration: Migration, step: _Step) -> None:
        sql = migration.text[step.start : step.end]
        kind = step.statement.kind if step.statement else ""
        traced = migration.traced and kind not in _NOT_OBSERVED
        # Outside a transaction a statement's locks are gone before they can be read.
        wrapped = traced and not self._in_transaction() and _may_wrap(step)
        if wrapped:
            self._begin()
        before = (self._last or observe.snapshot(self.connection)) if traced else None
        self._last = None
        locks_seen = self._in_transaction()
        started = time.perf_counter()
        try:
            self._send(sql)
        except Exception as exc:
            if not (wrapped and getattr(exc, "sqlstate", None) in _NOT_IN_A_TRANSACTION_BLOCK):
                raise ApplyFailed(_failure(migration.path, step.start, exc)) from None
            # Not allowed in a transaction block: run it as the runner does; its locks go
            # unseen.
            self.connection.execute("ROLLBACK")
            wrapped = locks_seen = False
            started = time.perf_counter()
            try:
                self._send(sql)
            except Exception as again:
                raise ApplyFailed(_failure(migration.path, step.start, again)) from None
        milliseconds = (time.perf_counter() - started) * 1000
        # A statement that ended the transaction (a COMMIT of its own) released its locks.
        locks_seen = locks_seen and self._in_transaction()
        after = observe.snapshot(self.connection) if traced else None
        if wrapped:
            self._commit()
        elif locks_seen:
            self._last = after
        if before is not None and after is not None:
            effect = observe.effect(before, after)
            self.traces.append(_trace(migration, step, sql, milliseconds, effect, locks_seen))

    def _send(self, sql: str) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(sql.encode(), prepare=False)

    def _in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.connection.info.transaction_status is not TransactionStatus.IDLE

    def _begin(self) -> None:
        self._last = None
        self.connection.execute("BEGIN")

    def _commit(self) -> None:
        self._last = None
        self.connection.execute("COMMIT")


def no_operations(tree: StatementTree) -> Sequence[Operation]:
    """For parsing that only places statements: no rule reads what they do."""
    return ()


def _may_wrap(step: _Step) -> bool:
    # Not what a transaction block changes, and not what the parser cannot read (the server
    # refuses it whatever surrounds it).
    return step.statement is not None and step.statement.kind not in _NEVER_WRAPPED


_COPY_DATA = (
    "the runner sends the lines after COPY ... FROM STDIN as SQL, and they are not SQL: only "
    "psql reads them as COPY's data (use INSERT, or COPY FROM a file on the server)"
)


def _trace(
    migration: Migration,
    step: _Step,
    sql: str,
    milliseconds: float,
    effect: observe.Effect,
    locks_seen: bool,
) -> StatementTrace:
    """The statement's trace, with the linter's claims about it beside what was seen. Of the
    locks held, it keeps those on the relations it locked itself or a claim names: the rest
    were taken by earlier statements of the transaction, and kept with every statement of a
    long drizzle run they would make its report grow with the square of its length."""
    text = migration.text
    line = text.count("\n", 0, step.start) + 1
    column = step.start - (text.rfind("\n", 0, step.start) + 1) + 1
    trace = StatementTrace(
        migration.path,
        line,
        column,
        _shown(sql),
        locks=effect.locks if locks_seen else {},
        new_locks=effect.new_locks if locks_seen else {},
        rewrites=effect.rewrites,
        milliseconds=round(milliseconds, 2),
        observed=locks_seen,
        claims=[claim for at, claim in migration.claims if step.start <= at < step.end],
    )
    for claim in trace.claims:
        trace.disagreements.extend(disagreements(claim, trace))
    named = {relation_key(claim.target) for claim in trace.claims}
    trace.locks = {
        name: modes
        for name, modes in trace.locks.items()
        if name in trace.new_locks or relation_key(name) in named
    }
    return trace


def _failure(path: str, start: int, exc: BaseException) -> ApplyFailure:
    diag = getattr(exc, "diag", None)
    position = getattr(diag, "statement_position", None) if diag else None
    offset = start + int(position) - 1 if position and str(position).isdigit() else start
    primary = getattr(diag, "message_primary", None) if diag else None
    message = " ".join(str(primary or exc).split())
    return ApplyFailure(path, offset, getattr(exc, "sqlstate", None) or "", message)


def _shown(sql: str) -> str:
    first = " ".join(sql.split())
    return first if len(first) <= _SHOWN_SQL else first[: _SHOWN_SQL - 1] + "…"
