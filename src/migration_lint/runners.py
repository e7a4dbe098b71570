"""How each migration runner sends a migration to PostgreSQL, and so whether a statement that
cannot run inside a transaction block (CREATE INDEX CONCURRENTLY; ALTER TYPE ... ADD VALUE before
PostgreSQL 12) runs inside one, and why.

PostgreSQL runs a query string that holds several statements as one implicit transaction, even
past a COMMIT inside it (checked on PostgreSQL 15): a runner that sends a file as one query puts
a file of several statements in a transaction without any BEGIN, and a file of one statement in
none.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from .errors import ConfigError
from .parse import Statement
from .records import FrozenRecord
from .source import InputError, read_text

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same, made faster for records (records.dataclass)
    from .records import dataclass


class Cause(enum.Enum):
    BEGIN = enum.auto()  # the migration's own BEGIN
    RUNNER = enum.auto()  # the runner opens a transaction before the migration
    ONE_QUERY = enum.auto()  # the runner sends several statements as one query
    MIXED = enum.auto()  # Flyway refuses the migration: not a transaction, but it fails too


@dataclass(frozen=True, eq=False, repr=False)
class Transaction(FrozenRecord):
    """Why a migration's statements run inside a transaction block: one cause, in words."""

    cause: Cause
    reason: str  # a clause for messages: "drizzle's migrator runs all pending migrations ..."

    @property
    def survives_commit(self) -> bool:
        # After a COMMIT in a query of several statements PostgreSQL runs the rest in a new
        # implicit transaction; Flyway refuses the migration whatever it commits.
        return self.cause in (Cause.ONE_QUERY, Cause.MIXED)


class Sending(enum.Enum):
    IN_TRANSACTION = enum.auto()  # BEGIN, the migration, COMMIT
    AS_ONE_QUERY = enum.auto()  # the whole migration as one query
    ONE_BY_ONE = enum.auto()  # each statement as a query of its own, no transaction
    # Flyway: in a transaction unless the migration holds statements that cannot run in one.
    FLYWAY = enum.auto()
    FLYWAY_NO_TRANSACTION = enum.auto()  # a Flyway migration with executeInTransaction=false
    # Prisma 7.4+: one by one, or as one query when its SQL parser cannot split the migration.
    SPLIT_WHEN_PARSED = enum.auto()


@dataclass(frozen=True, eq=False, repr=False)
class Runner(FrozenRecord):
    """How a migration tool sends a migration's statements to PostgreSQL."""

    name: str  # as messages name it
    sending: Sending
    # How to run a statement that cannot run in a transaction with this runner: a sentence
    # about "it", for help texts.
    fix: str
    transaction_reason: str = ""  # why a migration runs in its transaction (IN_TRANSACTION)
    # The migration's own way to say "no transaction" (given its path and text), and how the
    # runner then sends it.
    opts_out: Callable[[str, str], bool] | None = None
    opted_out: Sending = Sending.ONE_BY_ONE
    # Whether it sends the parts of a migration between drizzle-kit's `--> statement-breakpoint`
    # markers as queries of their own, splitting on the literal wherever it stands.
    splits_on_breakpoints: bool = False
    # Whether the transaction it opens holds all pending migrations, not one each.
    pending_in_one_transaction: bool = False
    # Whether it sends the migration, inside the transaction it opens, as one query (dbmate).
    one_query_in_transaction: bool = False
    # The file of settings beside a migration (its path and this), that `opts_out` reads.
    settings_suffix: str | None = None

    @property
    def runs_pending_in_one_transaction(self) -> bool:
        return self.pending_in_one_transaction and self.sending is Sending.IN_TRANSACTION

    @property
    def sends_one_query(self) -> bool:
        """Whether the whole migration goes to the server as one query, which PostgreSQL
        parses in full before it runs any of it: a syntax error anywhere stops it all."""
        if self.sending is Sending.AS_ONE_QUERY:
            return True
        return self.one_query_in_transaction and self.sending is Sending.IN_TRANSACTION

    def transaction(
        self, path: str, text: str, statements: Sequence[Statement], pg_version: int
    ) -> Transaction | None:
        """The transaction this runner puts the migration's statements in, if any."""
        opted_out = self.opts_out is not None and self.opts_out(path, text)
        sending = self.opted_out if opted_out else self.sending
        if sending is Sending.IN_TRANSACTION:
            return Transaction(Cause.RUNNER, self.transaction_reason)
        if sending is Sending.AS_ONE_QUERY:
            return _one_query(f"{self.name} sends", statements)
        if sending is Sending.SPLIT_WHEN_PARSED:
            unsplittable = next((s for s in statements if _prisma_cannot_split(s)), None)
            if unsplittable is None:
                return None
            line = text.count("\n", 0, unsplittable.start) + 1
            return _one_query(
                f"{self.name} cannot split this migration into statements (its SQL parser does "
                f"not read the one at line {line}), so it sends",
                statements,
            )
        if sending in (Sending.FLYWAY, Sending.FLYWAY_NO_TRANSACTION):
            return _flyway(statements, pg_version, sending is Sending.FLYWAY)
        return None

    def assuming(self, in_transaction: bool) -> Runner:
        """This runner as `assume-in-transaction` describes it; a migration's own directive
        still wins."""
        if not in_transaction:
            return replace(self, sending=Sending.ONE_BY_ONE)
        return replace(
            self,
            sending=Sending.IN_TRANSACTION,
            transaction_reason=(
                "assume-in-transaction says the runner runs each migration in a transaction"
            ),
            fix=_by_hand("A runner that wraps each migration in a transaction"),
        )


def _one_query(sends: str, statements: Sequence[Statement]) -> Transaction | None:
    if len(statements) < 2:
        return None
    return Transaction(
        Cause.ONE_QUERY,
        f"{sends} this migration's {len(statements)} statements as one query, which PostgreSQL "
        "runs as one transaction",
    )


_CONCURRENTLY = re.compile(r"\bCONCURRENTLY\b", re.IGNORECASE)


def _prisma_cannot_split(statement: Statement) -> bool:
    # prisma-engines pull request 5847 (a follow-up to 5767): the splitter needs sqlparser to
    # parse every statement, and sqlparser knows CONCURRENTLY in CREATE INDEX but not in DROP
    # INDEX. Whether it parses the other CONCURRENTLY statements is not known: assume not.
    return statement.kind != "IndexStmt" and _CONCURRENTLY.search(statement.text) is not None


# What Flyway runs outside a transaction on PostgreSQL: flyway/flyway,
# flyway-database/flyway-database-postgresql/.../PostgreSQLParser.java,
# detectCanExecuteInTransaction.
_FLYWAY_NON_TRANSACTIONAL = {
    "AlterSystemStmt",
    "CreatedbStmt",
    "DropdbStmt",
    "CreateTableSpaceStmt",
    "DropTableSpaceStmt",
    "CreateSubscriptionStmt",
    "DropSubscriptionStmt",
}
_FLYWAY_REINDEX = {"REINDEX_OBJECT_SCHEMA", "REINDEX_OBJECT_DATABASE", "REINDEX_OBJECT_SYSTEM"}


def _flyway_runs_outside_transaction(statement: Statement, pg_version: int) -> bool:
    kind, node = statement.kind, statement.node
    if kind == "IndexStmt" or (kind == "DropStmt" and node.get("removeType") == "OBJECT_INDEX"):
        return bool(node.get("concurrent"))
    if kind == "ReindexStmt":
        return node.get("kind") in _FLYWAY_REINDEX
    if kind == "VacuumStmt":
        return bool(node.get("is_vacuumcmd"))  # ANALYZE shares the node
    if kind == "DiscardStmt":
        return node.get("target") == "DISCARD_ALL"
    if kind == "AlterEnumStmt":
        return pg_version < 12 and "oldVal" not in node  # ADD VALUE, not RENAME VALUE
    return kind in _FLYWAY_NON_TRANSACTIONAL


def _flyway(
    statements: Sequence[Statement], pg_version: int, in_transaction: bool
) -> Transaction | None:
    outside = sum(_flyway_runs_outside_transaction(s, pg_version) for s in statements)
    others = len(statements) - outside
    if outside and others:
        # flyway-core's Parser refuses such a migration unless `mixed` is on, whatever its
        # executeInTransaction says.
        return Transaction(
            Cause.MIXED,
            f"Flyway refuses a migration that mixes statements it must run outside a "
            f"transaction with others ({others} here), unless its `mixed` setting is on",
        )
    if outside or not in_transaction:
        return None
    return Transaction(
        Cause.RUNNER,
        "Flyway runs this migration in a transaction: none of its statements is one Flyway "
        "knows must run outside one",
    )


FLYWAY_SETTINGS_SUFFIX = ".conf"  # Flyway's script configuration: V1__name.sql.conf


def _flyway_opts_out(path: str, text: str) -> bool:
    try:
        config = read_text(path + FLYWAY_SETTINGS_SUFFIX)
    except InputError:
        return False  # none, or none that is read (a FIFO, a symlink out of the repository)
    return re.search(r"^\s*executeInTransaction\s*=\s*false\s*$", config, re.MULTILINE) is not None


def _says(directive: re.Pattern[str]) -> Callable[[str, str], bool]:
    """A migration's own directive to run without the runner's transaction."""
    return lambda path, text: directive.search(text) is not None


def _by_hand(runner: str, note: str = "") -> str:
    # CONCURRENTLY fails inside a transaction block before it looks for the index (checked on
    # PostgreSQL 15), so the migration cannot keep it even with IF NOT EXISTS.
    return (
        f"{runner} cannot run it: run it by hand (psql) before the deploy, and leave in the "
        "migration only a form that is a no-op by then (CREATE INDEX IF NOT EXISTS or DROP INDEX "
        f"IF EXISTS, without CONCURRENTLY) or nothing{note}."
    )


def _alone(runner: str, note: str = "") -> str:
    return (
        f"Put it alone in a migration of its own: {runner} sends a migration of one statement "
        f"as a query of its own, outside any transaction{note}."
    )


# drizzle-team/drizzle-orm, drizzle-orm/src/pg-core/dialect.ts, PgDialect.migrate: one
# session.transaction around every pending migration.
DRIZZLE = Runner(
    "drizzle's migrator",
    Sending.IN_TRANSACTION,
    fix=_by_hand("drizzle's migrator"),
    transaction_reason="drizzle's migrator runs all pending migrations in one transaction",
    # drizzle-orm/src/migrator.ts, readMigrationFiles: query.split('--> statement-breakpoint').
    splits_on_breakpoints=True,
    pending_in_one_transaction=True,
)
# prisma/prisma-engines, schema-engine/connectors/sql-schema-connector/src/flavour/postgres/
# connector/native/mod.rs, apply_migration_script: one client.simple_query(script).
PRISMA = Runner("Prisma", Sending.AS_ONE_QUERY, fix=_alone("Prisma"))
# prisma-engines pull request 5767 (Prisma 7.4): apply_migration_script splits every script
# into statements (not only those with CONCURRENTLY) and sends each as a query of its own; when
# its parser fails it sends the whole script as before (pull request 5847).
PRISMA_7_4 = replace(PRISMA, sending=Sending.SPLIT_WHEN_PARSED)
# flyway/flyway: flyway-core's Parser.addStatement (the mixed rule) and PostgreSQLParser; a
# script configuration file may set executeInTransaction=false.
FLYWAY = Runner(
    "Flyway",
    Sending.FLYWAY,
    fix="Put it in a migration of its own: Flyway runs a migration of statements it knows must "
    "run outside a transaction (CREATE/DROP INDEX CONCURRENTLY, ADD VALUE before PostgreSQL 12) "
    "without one; for another statement, also set executeInTransaction=false in the "
    "migration's script configuration file (<migration>.sql.conf).",
    opts_out=_flyway_opts_out,
    opted_out=Sending.FLYWAY_NO_TRANSACTION,
    settings_suffix=FLYWAY_SETTINGS_SUFFIX,
)
# golang-migrate/migrate, database/postgres/postgres.go, Run: the whole file in one ExecContext
# unless x-multi-statement splits it on `;` and runs each statement on its own.
GOLANG_MIGRATE = Runner(
    "golang-migrate",
    Sending.AS_ONE_QUERY,
    fix=_alone(
        "golang-migrate",
        " (with x-multi-statement=true it sends each statement on its own: lint with "
        "--no-assume-in-transaction)",
    ),
)
# amacneil/dbmate, pkg/dbmate/db.go, Migrate: the up section in one Exec, inside a transaction
# unless `transaction:false`; one Exec of several statements is still one implicit transaction.
DBMATE = Runner(
    "dbmate",
    Sending.IN_TRANSACTION,
    fix="Put it alone in a migration whose `-- migrate:up` line says `transaction:false`: "
    "dbmate then sends the up section as one query without a transaction, and PostgreSQL runs "
    "a query of one statement outside any.",
    transaction_reason="dbmate runs each migration in a transaction (its `-- migrate:up` line "
    "does not say `transaction:false`)",
    opts_out=_says(re.compile(r"^--\s*migrate:up\b.*\btransaction:false\b", re.MULTILINE)),
    opted_out=Sending.AS_ONE_QUERY,
    one_query_in_transaction=True,
)
# pressly/goose, migration_sql.go, runSQLMigration: every statement in one transaction, or with
# `-- +goose NO TRANSACTION` each statement on its own.
GOOSE = Runner(
    "goose",
    Sending.IN_TRANSACTION,
    fix="Add `-- +goose NO TRANSACTION` to the migration: goose then runs each of its "
    "statements on its own, outside a transaction.",
    transaction_reason="goose runs each migration in a transaction (the file does not say "
    "`-- +goose NO TRANSACTION`)",
    opts_out=_says(re.compile(r"^--\s*\+goose\s+NO\s+TRANSACTION\b", re.MULTILINE | re.I)),
)
# supabase/cli, pkg/migration/file.go, ExecBatch: a migration's statements and its history row
# in one pipeline batch ("implicitly transactional"). Newer CLIs run CREATE INDEX CONCURRENTLY
# and a few others outside the batch (supabase/cli pull requests 5671 and 6276).
SUPABASE = Runner(
    "supabase db push",
    Sending.IN_TRANSACTION,
    fix=_by_hand(
        "supabase db push",
        " (a supabase CLI that runs CONCURRENTLY statements outside the batch needs "
        "--no-assume-in-transaction)",
    ),
    transaction_reason="supabase db push sends each migration's statements in one batch, "
    "which PostgreSQL runs as one transaction",
)
# Plain numbered files: nothing is known about the runner, so nothing is assumed.
UNKNOWN = Runner(
    "the migration runner",
    Sending.ONE_BY_ONE,
    fix="Run it outside any transaction: in a migration the runner executes without one, or "
    "by hand (psql) before the deploy, leaving in the migration only a form that is a no-op by "
    "then (CREATE INDEX IF NOT EXISTS or DROP INDEX IF EXISTS, without CONCURRENTLY) or "
    "nothing.",
    # A file that holds drizzle-kit's marker was written by drizzle-kit, for its migrator.
    splits_on_breakpoints=True,
)


def effective_runner(
    runner: Runner, assume_in_transaction: bool | None, prisma_version: str | None
) -> Runner:
    """A layout's runner as the settings describe it."""
    if prisma_version is not None and _version(prisma_version) >= (7, 4) and runner is PRISMA:
        runner = PRISMA_7_4
    return runner if assume_in_transaction is None else runner.assuming(assume_in_transaction)


def _version(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)\.(\d+)(?:\.\d+)?", text.strip())
    if match is None:
        raise ConfigError(f"prisma-version {text!r}: write a version such as 7.4 or 6.19.0")
    return int(match[1]), int(match[2])
