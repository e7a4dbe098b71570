"""Locks held across a transaction: what an earlier statement of the same transaction still
blocks (explicit BEGIN ... COMMIT, a runner's transaction, a migration sent as one query), the
exclusive-lock-held rule, and constraints written inline in ADD COLUMN."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pglast import parser as pg_parser

from migration_lint.cli import main
from migration_lint.diagnostic import Diagnostic
from migration_lint.linter import Settings, lint_paths
from migration_lint.project import Project
from migration_lint.traces import Claim, claims_in

# Where each layout keeps its migrations, and what else its folder needs.
LAYOUT_FILES = {
    "drizzle": (["0000_a.sql", "0001_b.sql", "0002_c.sql"], {"meta/_journal.json": "{}"}),
    "prisma": (
        [f"2025010{day}000000_m/migration.sql" for day in (1, 2, 3)],
        {"migration_lock.toml": 'provider = "postgresql"\n'},
    ),
    "goose": ([f"2025010{day}000000_m.sql" for day in (1, 2, 3)], {}),
    "dbmate": ([f"2025010{day}000000_m.sql" for day in (1, 2, 3)], {}),
    "flyway": (["V1__a.sql", "V2__b.sql", "V3__c.sql"], {}),
    "golang-migrate": ([f"00000{number}_m.up.sql" for number in (1, 2, 3)], {}),
    "plain": (["0001_a.sql", "0002_b.sql", "0003_c.sql"], {}),
}
BREAK = "--> statement-breakpoint "  # on the next statement's line: lines stay one a statement


def lint_layout(root: Path, layout: str, *migrations: str, **settings: object) -> list[Diagnostic]:
    """Write the migrations in the layout's own file names and lint the folder."""
    names, files = LAYOUT_FILES[layout]
    for path, text in {**files, **dict(zip(names, migrations, strict=False))}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    options = Settings(project=Project(layout=layout), **settings)  # type: ignore[arg-type]
    return lint_paths([str(root)], options).diagnostics


def held_findings(diagnostics: list[Diagnostic]) -> list[tuple[int, str]]:
    """Each exclusive-lock-held finding: its line, and the line of the statement it names."""
    found = []
    for d in diagnostics:
        if d.rule == "exclusive-lock-held":
            taken = re.search(r"taken at line (\d+)", d.message)
            assert taken, d.message
            found.append((d.line, taken[1]))
    return found


INDEX_ON_USERS = 'CREATE INDEX "users_name_idx" ON "users" ("name");\n'
HISTORY = (
    'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "name" text);\n'
    'CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "user_id" bigint, "total" int, '
    '"code" varchar(10), "note" text, '
    'CONSTRAINT "orders_user_fk" FOREIGN KEY ("user_id") REFERENCES "users");\n'
)
ADD = 'ALTER TABLE "orders" ADD COLUMN "status" text;\n'
FILL = 'UPDATE "orders" SET "status" = \'paid\';\n'
INDEX = 'CREATE INDEX "orders_status_idx" ON "orders" ("status");\n'


@pytest.mark.parametrize(
    ("layout", "migrations", "settings", "expected"),
    [
        pytest.param(
            "plain", ["BEGIN;\n" + ADD + FILL + "COMMIT;\n"], {}, [(3, "2")], id="begin-commit"
        ),
        pytest.param("plain", [ADD + FILL + INDEX], {}, [], id="plain-no-transaction"),
        pytest.param(
            "plain", ["BEGIN;\n" + ADD + "COMMIT;\n" + FILL + INDEX], {}, [], id="after-commit"
        ),
        pytest.param(
            "plain", ["BEGIN;\n" + ADD + "ROLLBACK;\n" + FILL], {}, [], id="after-rollback"
        ),
        pytest.param(
            "plain",
            ["BEGIN;\n" + ADD + "COMMIT;\nBEGIN;\n" + FILL + "COMMIT;\n"],
            {},
            [],
            id="next-transaction",
        ),
        pytest.param(
            "drizzle",
            [ADD + BREAK + FILL + BREAK + INDEX],
            {},
            [(2, "1"), (3, "1")],
            id="drizzle-each-slow-statement",
        ),
        pytest.param(
            # drizzle runs all pending migrations in one transaction, but which are pending
            # together is not known: each file starts with nothing held.
            "drizzle",
            [ADD, INDEX],
            {},
            [],
            id="drizzle-next-file",
        ),
        pytest.param(
            "prisma",
            [ADD + FILL + INDEX],
            {},
            [(2, "1"), (3, "1")],
            id="prisma-each-slow-statement",
        ),
        pytest.param("prisma", [ADD], {}, [], id="prisma-one-statement"),
        pytest.param(
            "prisma", [ADD + FILL + INDEX], {"prisma_version": "7.4"}, [], id="prisma-7.4-splits"
        ),
        pytest.param("goose", ["-- +goose Up\n" + ADD + FILL], {}, [(3, "2")], id="goose"),
        pytest.param(
            "goose",
            ["-- +goose Up\n-- +goose NO TRANSACTION\n" + ADD + FILL],
            {},
            [],
            id="goose-no-transaction",
        ),
        pytest.param(
            # transaction:false still sends the section as one query: one implicit transaction.
            "dbmate",
            ["-- migrate:up transaction:false\n" + ADD + FILL],
            {},
            [(3, "2")],
            id="dbmate-transaction-false-one-query",
        ),
        pytest.param("flyway", [ADD + FILL], {}, [(2, "1")], id="flyway"),
        pytest.param("golang-migrate", [ADD + FILL], {}, [(2, "1")], id="golang-migrate"),
        pytest.param(
            "drizzle",
            [
                'CREATE TABLE "items" ("id" bigint);\n'
                + BREAK
                + 'ALTER TABLE "items" ADD COLUMN "n" int;\n'
                + BREAK
                + 'CREATE INDEX "items_n_idx" ON "items" ("n");\n'
            ],
            {},
            [],
            id="new-table-is-empty",
        ),
        pytest.param(
            "drizzle",
            [ADD + BREAK + 'UPDATE "users" SET "name" = \'x\';\n'],
            {},
            [],
            id="other-table",
        ),
        pytest.param(
            "drizzle",
            [
                'ALTER TABLE "orders" ADD COLUMN "n" int, ADD CONSTRAINT "orders_user_fk" '
                'FOREIGN KEY ("user_id") REFERENCES "users" ("id");\n'
            ],
            {},
            [],
            id="same-statement",
        ),
        pytest.param(
            # SHARE ROW EXCLUSIVE blocks writes only: reads continue.
            "drizzle",
            [
                'ALTER TABLE "orders" ADD CONSTRAINT "orders_user_fk" FOREIGN KEY ("user_id") '
                'REFERENCES "users" ("id") NOT VALID;\n' + BREAK + INDEX
            ],
            {},
            [],
            id="weaker-lock-held",
        ),
        pytest.param(
            "drizzle",
            [
                'ALTER TABLE "orders" DROP CONSTRAINT "orders_user_fk";\n'
                + BREAK
                + 'DELETE FROM "users" WHERE "deleted";\n'
            ],
            {},
            [(2, "1")],
            id="dropped-foreign-key-locks-the-referenced-table",
        ),
        pytest.param(
            # Prisma's way to change a foreign key's ON DELETE: the drop locks "users" too, and
            # the next foreign key to "users" reads it while it is locked.
            "prisma",
            [
                'ALTER TABLE "orders" DROP CONSTRAINT "orders_user_fk";\n'
                'ALTER TABLE "items" ADD CONSTRAINT "items_user_fk" FOREIGN KEY ("user_id") '
                'REFERENCES "users"("id") ON DELETE CASCADE;\n'
            ],
            {},
            [(2, "1")],
            id="foreign-key-to-a-locked-table",
        ),
        pytest.param(
            "drizzle",
            [
                'ALTER TABLE "orders" RENAME TO "purchases";\n'
                + BREAK
                + 'CREATE INDEX "purchases_total_idx" ON "purchases" ("total");\n'
            ],
            {},
            [(2, "1")],
            id="renamed-table-keeps-its-lock",
        ),
        pytest.param(
            "drizzle",
            [
                'ALTER TABLE "orders" DROP COLUMN "note";\n'
                + BREAK
                + 'ALTER TABLE "orders" ALTER COLUMN "total" TYPE bigint;\n'
                + BREAK
                + 'ALTER TABLE "orders" ALTER COLUMN "code" TYPE varchar(20);\n'
            ],
            {},
            [],
            id="a-rewrite-takes-access-exclusive-itself",
        ),
        pytest.param(
            "drizzle",
            [ADD + BREAK + 'ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_total_check";\n'],
            {},
            [(2, "1")],
            id="validate",
        ),
        pytest.param(
            "drizzle",
            [
                ADD
                + BREAK
                + 'ALTER TABLE "orders" ADD CONSTRAINT "orders_code_key" UNIQUE ("code");'
            ],
            {},
            [],
            id="unique-takes-access-exclusive-itself",
        ),
        pytest.param(
            "drizzle",
            [ADD + BREAK + 'ALTER TABLE "orders" ADD COLUMN "qty" int CHECK ("qty" > 0);\n'],
            {},
            [],
            id="inline-check-takes-access-exclusive-itself",
        ),
        pytest.param(
            "drizzle",
            [ADD + BREAK + 'ALTER TABLE "orders" ADD COLUMN "user_id" bigint REFERENCES "users";'],
            {},
            [],
            id="inline-foreign-key-without-default-is-not-checked",
        ),
        pytest.param(
            "drizzle",
            [ADD + BREAK + 'CREATE INDEX CONCURRENTLY "i" ON "orders" ("status");\n'],
            {},
            [],
            id="concurrently-is-another-rule",
        ),
        # Statements seen only for their lock (the modes are checked on PostgreSQL in
        # test_taken_locks.py).
        *(
            pytest.param("prisma", [first + INDEX], {}, [(2, "1")], id=first.rstrip(";\n"))
            for first in (
                'ALTER TABLE "orders" ENABLE ROW LEVEL SECURITY;\n',
                'ALTER TABLE "orders" FORCE ROW LEVEL SECURITY;\n',
                'CREATE POLICY "own" ON "orders" USING (true);\n',
                'DROP POLICY "own" ON "orders";\n',
                'LOCK TABLE "orders" IN ACCESS EXCLUSIVE MODE;\n',
                'LOCK "orders";\n',
                'DROP TRIGGER "orders_touch" ON "orders";\n',
                'ALTER TABLE "orders" RENAME CONSTRAINT "orders_user_fk" TO "orders_user_fkey";\n',
                'ALTER TABLE "orders" OWNER TO CURRENT_USER;\n',
                'ALTER TABLE "orders" SET (fillfactor = 70, user_catalog_table = true);\n',
            )
        ),
        *(
            pytest.param("prisma", [first + INDEX], {}, [], id=first.rstrip(";\n"))
            for first in (
                'LOCK TABLE "orders" IN EXCLUSIVE MODE;\n',
                'ALTER TABLE "orders" SET (fillfactor = 70);\n',
                'CREATE TRIGGER "t" AFTER INSERT ON "orders" FOR EACH ROW EXECUTE FUNCTION f();\n',
            )
        ),
        pytest.param(
            "prisma",
            [
                'CREATE TABLE "events" ("id" bigint, "at" date) PARTITION BY RANGE ("at");\n'
                'CREATE TABLE "events_2024" PARTITION OF "events" '
                "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n",
                'ALTER TABLE "events" ADD COLUMN "n" int;\n'
                'CREATE INDEX "events_2024_n_idx" ON "events_2024" ("n");\n',
            ],
            {},
            [(2, "1")],
            id="partitioned-parent-locks-its-partitions",
        ),
    ],
)
def test_slow_statement_under_an_earlier_access_exclusive_lock(
    tmp_path, layout, migrations, settings, expected
) -> None:
    found = lint_layout(tmp_path, layout, HISTORY, *migrations, **settings)
    assert held_findings(found) == expected


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        # A WHERE that holds a key to constants writes a row a constant: a setting, a seed row.
        pytest.param('UPDATE "orders" SET "status" = \'paid\' WHERE "id" = 1;', [], id="id"),
        pytest.param('UPDATE "orders" SET "status" = \'x\' WHERE 7 = "id";', [], id="reversed"),
        pytest.param('DELETE FROM "orders" WHERE "id" IN (1, 2::bigint);', [], id="in-list"),
        pytest.param(
            'UPDATE "orders" SET "note" = \'\' WHERE "id" = 1 AND "note" IS NULL;',
            [],
            id="and-with-anything",
        ),
        pytest.param('DELETE FROM "orders" WHERE "id" = 1 OR "id" = 2;', [], id="or-of-keys"),
        pytest.param(
            'UPDATE "orders" AS o SET "note" = \'\' WHERE o."id" = 1;', [], id="by-its-alias"
        ),
        # Anything else may pick most of the table, as a backfill does.
        pytest.param(
            'UPDATE "orders" SET "note" = \'x\' WHERE "code" = \'COMPLETED\';',
            [(2, "1")],
            id="equality-on-a-column-that-is-no-key",
        ),
        pytest.param(
            "DELETE FROM \"orders\" WHERE \"code\" IN ('a', 'b');", [(2, "1")], id="in-no-key"
        ),
        pytest.param(
            'UPDATE "orders" SET "status" = \'x\' WHERE "status" IS NULL;',
            [(2, "1")],
            id="is-null",
        ),
        pytest.param('DELETE FROM "orders" WHERE "id" > 100;', [(2, "1")], id="range"),
        pytest.param(
            'DELETE FROM "orders" WHERE "id" = 1 OR "code" = \'old\';',
            [(2, "1")],
            id="or-with-another-column",
        ),
        pytest.param('DELETE FROM "orders" WHERE "id" NOT IN (1);', [(2, "1")], id="not-in"),
        pytest.param(
            'UPDATE "orders" SET "note" = \'\' WHERE "id" IN (SELECT "id" FROM "users");',
            [(2, "1")],
            id="in-subquery",
        ),
        pytest.param(
            'UPDATE "orders" SET "note" = \'\' WHERE abs("id") = 1;',
            [(2, "1")],
            id="function-of-the-column",
        ),
        pytest.param(
            'UPDATE "orders" SET "note" = \'\' WHERE "id" = "total";',
            [(2, "1")],
            id="column-to-column",
        ),
        pytest.param('DELETE FROM "orders" WHERE NOT "id" = 1;', [(2, "1")], id="not"),
        pytest.param(
            'UPDATE "orders" SET "note" = u."name" FROM "users" AS u WHERE u."id" = 1;',
            [(2, "1")],
            id="another-table-key",
        ),
    ],
)
def test_an_update_or_delete_of_rows_named_by_their_key_is_not_slow(
    tmp_path, statement, expected
) -> None:
    found = lint_layout(tmp_path, "prisma", HISTORY, ADD + statement + "\n")
    assert held_findings(found) == expected


def test_an_ignore_on_one_slow_statement_leaves_the_next_reported(tmp_path) -> None:
    findings = lint_layout(
        tmp_path,
        "prisma",
        HISTORY,
        ADD + "-- migration-lint: ignore exclusive-lock-held -- a tiny partial index\n"
        'CREATE INDEX "orders_status_idx" ON "orders" ("status") WHERE "status" IS NOT NULL;\n'
        + FILL,
    )
    assert held_findings(findings) == [(4, "1")]


def test_the_finding_names_the_statement_and_the_runner_true_way_out(tmp_path) -> None:
    (finding,) = [
        d
        for d in lint_layout(tmp_path, "drizzle", HISTORY, ADD + BREAK + INDEX)
        if d.rule == "exclusive-lock-held"
    ]
    assert finding.message == (
        'Building index "orders_status_idx" on "orders" runs while the transaction holds an '
        'ACCESS EXCLUSIVE lock on "orders", taken at line 1 by ALTER TABLE "orders" ADD COLUMN '
        '"status": nothing can read or write "orders" from line 1 until the transaction '
        "commits, however long this and any later slow statement on it take."
    )
    assert "a later deploy" in finding.help and "by hand" in finding.help
    assert "separate transaction" not in finding.help


@pytest.mark.parametrize(
    ("layout", "migration", "where"),
    [
        pytest.param("plain", "BEGIN;\n" + ADD + FILL + "COMMIT;", "after the migration's COMMIT"),
        pytest.param("prisma", ADD + FILL, "Run this statement in a later migration, so that"),
        pytest.param(
            "goose",
            "-- +goose Up\n" + ADD + FILL,
            "Run this statement in a later migration, so that",
        ),
    ],
)
def test_where_the_slow_statement_goes_depends_on_the_runner(
    tmp_path, layout, migration, where
) -> None:
    (finding,) = [
        d
        for d in lint_layout(tmp_path, layout, HISTORY, migration)
        if d.rule == "exclusive-lock-held"
    ]
    assert where in finding.help


def test_a_dropped_foreign_key_names_why_it_locks_the_referenced_table(tmp_path) -> None:
    (finding,) = held_messages(
        lint_layout(
            tmp_path,
            "drizzle",
            HISTORY,
            'ALTER TABLE "orders" DROP CONSTRAINT "orders_user_fk";\n' + BREAK + INDEX_ON_USERS,
        )
    )
    assert (
        'taken at line 1 by ALTER TABLE "orders" DROP CONSTRAINT "orders_user_fk" (its foreign '
        'key references "users")' in finding
    )


# Prisma and drizzle-kit change a foreign key's ON DELETE by dropping it and adding it again.
READD = (
    'ALTER TABLE "orders" DROP CONSTRAINT "orders_user_fk";\n'
    'ALTER TABLE "orders" ADD CONSTRAINT "orders_user_fk" FOREIGN KEY ("user_id") '
    'REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;\n'
)


@pytest.mark.parametrize(
    ("migration", "steps"),
    [
        pytest.param(
            READD,
            [
                'ALTER TABLE "orders" ADD CONSTRAINT "orders_user_fk" FOREIGN KEY ("user_id") '
                'REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE NOT VALID;',
                'ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_user_fk";',
            ],
            id="re-added-foreign-key",
        ),
        pytest.param(
            'ALTER TABLE "orders" DROP CONSTRAINT "orders_user_fk";\n'
            'ALTER TABLE "orders" ADD COLUMN "owner_id" bigint DEFAULT 0 REFERENCES "users"("id");\n',
            [
                'ALTER TABLE "orders" ADD COLUMN "owner_id" bigint DEFAULT 0;',
                'ALTER TABLE "orders" ADD CONSTRAINT "orders_owner_id_fkey" FOREIGN KEY '
                '("owner_id") REFERENCES "users"("id") NOT VALID;',
                'ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_owner_id_fkey";',
            ],
            id="inline-foreign-key-to-a-locked-table",
        ),
    ],
)
def test_a_foreign_key_under_the_lock_is_added_not_valid_here_not_moved_later(
    tmp_path, migration, steps
) -> None:
    # Moved to a later migration, the ADD CONSTRAINT would leave the table without its foreign
    # key in between.
    findings = lint_layout(tmp_path, "prisma", HISTORY, migration)
    (finding,) = [d for d in findings if d.rule == "exclusive-lock-held"]
    assert "Run this statement in a later migration" not in finding.help
    assert "without its foreign key" in finding.help
    assert sql_lines(finding.help) == steps
    assert finding.help.index("NOT VALID;") < finding.help.index("Then, in a later migration:")
    for sql in steps:
        pg_parser.parse_sql(sql)


SET_NOT_NULL = 'ALTER TABLE "orders" ALTER COLUMN "status" SET NOT NULL;\n'


@pytest.mark.parametrize(
    ("migration", "moves"),
    [
        pytest.param(ADD + FILL + SET_NOT_NULL, True, id="add-backfill-set-not-null"),
        pytest.param(ADD + FILL, False, id="no-set-not-null"),
        pytest.param(
            ADD + FILL + 'ALTER TABLE "orders" ALTER COLUMN "note" SET NOT NULL;\n',
            False,
            id="another-column",
        ),
    ],
)
def test_moving_a_backfill_out_takes_its_set_not_null_along(tmp_path, migration, moves) -> None:
    findings = lint_layout(tmp_path, "prisma", HISTORY, migration)
    moved = (
        'Line 3 sets "status" NOT NULL, which fails while rows are not filled: move it with the '
        "backfill, after its last batch"
    )
    for rule in ("exclusive-lock-held", "update-all-rows"):
        (finding,) = [d for d in findings if d.rule == rule]
        assert (moved in finding.help) == moves, rule
        assert ("`migration-lint rules set-not-null`" in finding.help) == moves, rule


def test_a_unique_index_moved_later_says_what_is_missing_meanwhile(tmp_path) -> None:
    findings = lint_layout(
        tmp_path,
        "prisma",
        HISTORY,
        ADD + 'CREATE UNIQUE INDEX "orders_status_key" ON "orders" ("status");\n',
    )
    (finding,) = [d for d in findings if d.rule == "exclusive-lock-held"]
    assert "duplicates" in finding.help and "ON CONFLICT" in finding.help


def held_messages(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.message for d in diagnostics if d.rule == "exclusive-lock-held"]


# What each rule's lock sentence says once an earlier statement of the transaction holds a
# stronger lock on its table: never that reads or writes continue.
@pytest.mark.parametrize(
    ("statement", "rule", "claim"),
    [
        pytest.param(INDEX, "create-index-not-concurrently", "SHARE", id="create-index"),
        pytest.param(
            'ALTER TABLE "orders" ADD CONSTRAINT "orders_user_fk2" FOREIGN KEY ("user_id") '
            'REFERENCES "users" ("id");\n',
            "constraint-not-valid",
            "SHARE ROW EXCLUSIVE",
            id="foreign-key",
        ),
        pytest.param('DELETE FROM "orders";\n', "delete-all-rows", "ROW EXCLUSIVE", id="delete"),
    ],
)
def test_no_lock_sentence_says_reads_continue_under_an_earlier_access_exclusive_lock(
    tmp_path, statement, rule, claim
) -> None:
    findings = lint_layout(tmp_path, "drizzle", HISTORY, ADD + BREAK + statement)
    (message,) = [d.message for d in findings if d.rule == rule]
    assert "continue" not in message
    assert (
        'the transaction already holds ACCESS EXCLUSIVE on "orders" since line 1, so reads and '
        'writes stay blocked until it commits). Line 1: ALTER TABLE "orders" ADD COLUMN "status".'
    ) in message
    # verify --trace still reads the statement's own lock from the sentence.
    target = "both tables" if claim == "SHARE ROW EXCLUSIVE" else '"orders"'
    assert claims_in(rule, message) == [Claim(rule, claim, target, None)]


def test_a_lock_that_blocks_writes_only_leaves_reads_continuing(tmp_path) -> None:
    findings = lint_layout(
        tmp_path,
        "drizzle",
        HISTORY,
        'ALTER TABLE "orders" ADD CONSTRAINT "orders_total_fk" FOREIGN KEY ("total") REFERENCES '
        '"users" ("id") NOT VALID;\n' + BREAK + 'DELETE FROM "orders";\n',
    )
    (message,) = [d.message for d in findings if d.rule == "delete-all-rows"]
    assert (
        'Takes a ROW EXCLUSIVE lock on "orders" (the transaction already holds SHARE ROW '
        'EXCLUSIVE on "orders" since line 1, so writes stay blocked until it commits; reads '
        "continue)."
    ) in message


@pytest.mark.parametrize(
    "migration",
    [
        pytest.param("BEGIN;\n" + ADD + "COMMIT;\n" + INDEX, id="after-commit"),
        pytest.param(ADD + INDEX, id="no-transaction"),
    ],
)
def test_without_a_lock_held_the_sentence_is_the_usual_one(tmp_path, migration) -> None:
    findings = lint_layout(tmp_path, "plain", HISTORY, migration)
    (message,) = [d.message for d in findings if d.rule == "create-index-not-concurrently"]
    assert message.endswith('Takes a SHARE lock on "orders" (blocks writes; reads continue).')


def test_set_not_null_help_moves_the_validation_out_of_the_locking_transaction(tmp_path) -> None:
    findings = lint_layout(
        tmp_path,
        "prisma",
        HISTORY,
        ADD + FILL + 'ALTER TABLE "orders" ALTER COLUMN "status" SET NOT NULL;\n',
    )
    (help_text,) = [d.help for d in findings if d.rule == "set-not-null"]
    validation = help_text.index('VALIDATE CONSTRAINT "orders_status_not_null"')
    assert help_text.rfind("Then, in a later migration:", 0, validation) > help_text.index(
        'ADD CONSTRAINT "orders_status_not_null"'
    )


def test_verify_observes_the_locks_the_sentences_claim(tmp_path, capsys, pg_url) -> None:
    lint_layout(tmp_path, "plain", HISTORY, "BEGIN;\n" + ADD + FILL + INDEX + "COMMIT;\n")
    code = main(["verify", "--database-url", pg_url, "--format", "json", str(tmp_path)])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    claims = [(c["rule"], c["mode"]) for t in data["traces"] for c in t["claims"]]
    assert ("create-index-not-concurrently", "SHARE") in claims
    assert [d for t in data["traces"] for d in t["disagreements"]] == []
    (index,) = [t for t in data["traces"] if t["sql"].startswith("CREATE INDEX")]
    # The index build's own SHARE lock is held beside the ADD COLUMN's ACCESS EXCLUSIVE.
    assert {"SHARE", "ACCESS EXCLUSIVE"} <= set(index["locks"]["orders"])


# --- Constraints written inline in ADD COLUMN ---


def sql_lines(help_text: str) -> list[str]:
    """The SQL statements of a help text: numbered or indented lines that end in `;`."""
    found = []
    for line in help_text.splitlines():
        code = re.sub(r"^\s*(\d+\.\s+)?", "", line).split("  --")[0].strip()
        if code.endswith(";") and re.match(r"(ALTER|CREATE|UPDATE)\b", code):
            found.append(code)
    return found


@pytest.mark.parametrize(
    ("statement", "rule", "message", "steps"),
    [
        pytest.param(
            'ALTER TABLE "orders" ADD COLUMN "qty" int NOT NULL DEFAULT 1 CHECK ("qty" > 0);',
            "constraint-not-valid",
            'Adding column "qty" to "orders" with CHECK ("qty" > 0) checks every existing row of '
            '"orders" under the ADD COLUMN\'s ACCESS EXCLUSIVE lock.',
            [
                'ALTER TABLE "orders" ADD COLUMN "qty" int NOT NULL DEFAULT 1;',
                'ALTER TABLE "orders" ADD CONSTRAINT "orders_qty_check" CHECK ("qty" > 0) '
                "NOT VALID;",
                'ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_qty_check";',
            ],
            id="check",
        ),
        pytest.param(
            'ALTER TABLE "orders" ADD COLUMN "owner_id" bigint DEFAULT 0 CONSTRAINT "owner_fk" '
            'REFERENCES "users"("id") ON DELETE CASCADE DEFERRABLE;',
            "constraint-not-valid",
            'Adding column "owner_id" to "orders" with REFERENCES "users" checks the value every '
            'existing row of "orders" gets against "users", under the ADD COLUMN\'s ACCESS '
            'EXCLUSIVE lock. Takes an ACCESS EXCLUSIVE lock on "orders" (blocks all reads and '
            'writes). Takes a SHARE ROW EXCLUSIVE lock on "users" (blocks writes; reads continue).',
            [
                'ALTER TABLE "orders" ADD COLUMN "owner_id" bigint DEFAULT 0;',
                'ALTER TABLE "orders" ADD CONSTRAINT "owner_fk" FOREIGN KEY ("owner_id") '
                'REFERENCES "users"("id") ON DELETE CASCADE DEFERRABLE NOT VALID;',
                'ALTER TABLE "orders" VALIDATE CONSTRAINT "owner_fk";',
            ],
            id="foreign-key-with-default",
        ),
        pytest.param(
            'ALTER TABLE "orders" ADD COLUMN "code" text UNIQUE;',
            "add-unique-constraint",
            'Adding column "code" to "orders" with UNIQUE builds its unique index over every '
            'existing row of "orders" under the ADD COLUMN\'s ACCESS EXCLUSIVE lock.',
            [
                'ALTER TABLE "orders" ADD COLUMN "code" text;',
                'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "orders_code_key_idx" ON "orders" '
                '("code");',
                'ALTER TABLE "orders" ADD CONSTRAINT "orders_code_key" UNIQUE USING INDEX '
                '"orders_code_key_idx";',
            ],
            id="unique",
        ),
        pytest.param(
            'ALTER TABLE "orders" ADD COLUMN "no" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;',
            "add-unique-constraint",
            'Adding column "no" to "orders" with PRIMARY KEY builds its unique index',
            [
                # As written, the identity column would rewrite the table too.
                'ALTER TABLE "orders" ADD COLUMN "no" bigint;',
                'CREATE SEQUENCE "orders_no_fill" AS bigint OWNED BY "orders"."no";',
                'ALTER TABLE "orders" ALTER COLUMN "no" SET DEFAULT nextval(\'"orders_no_fill"\');',
                'ALTER TABLE "orders" ADD CONSTRAINT "orders_no_not_null" CHECK ("no" IS NOT NULL) '
                "NOT VALID;",
                'ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_no_not_null";',
                'ALTER TABLE "orders" ALTER COLUMN "no" SET NOT NULL;',
                'ALTER TABLE "orders" DROP CONSTRAINT "orders_no_not_null";',
                'ALTER TABLE "orders" ALTER COLUMN "no" DROP DEFAULT;',
                'ALTER TABLE "orders" ALTER COLUMN "no" ADD GENERATED ALWAYS AS IDENTITY;',
                'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "orders_pkey_idx" ON "orders" '
                '("no");',
                'ALTER TABLE "orders" ADD CONSTRAINT "orders_pkey" PRIMARY KEY USING INDEX '
                '"orders_pkey_idx";',
            ],
            id="primary-key",
        ),
    ],
)
def test_an_inline_constraint_on_add_column_is_checked_under_its_lock(
    tmp_path, statement, rule, message, steps
) -> None:
    findings = lint_layout(tmp_path, "plain", HISTORY, statement)
    (finding,) = [d for d in findings if d.rule == rule]
    assert message in finding.message
    assert sql_lines(finding.help) == steps
    for sql in steps:
        pg_parser.parse_sql(sql)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        pytest.param(
            # PostgreSQL does not check a foreign key on a column that is NULL in every row.
            'ALTER TABLE "orders" ADD COLUMN "owner_id" bigint REFERENCES "users"("id");',
            [],
            id="foreign-key-without-default",
        ),
        pytest.param(
            'ALTER TABLE "orders" ADD COLUMN "n" int PRIMARY KEY;',
            ["add-required-column"],
            id="primary-key-without-values-fails-anyway",
        ),
        pytest.param(
            'CREATE TABLE "items" ("id" bigint);\n'
            'ALTER TABLE "items" ADD COLUMN "code" text UNIQUE CHECK ("code" <> \'\');',
            [],
            id="new-table",
        ),
        pytest.param(
            'ALTER TABLE "orders" ADD COLUMN "note" text DEFAULT \'\' NOT NULL;',
            [],
            id="no-constraint",
        ),
    ],
)
def test_inline_constraints_that_read_no_rows_are_not_reported(
    tmp_path, statement, expected
) -> None:
    findings = lint_layout(tmp_path, "plain", HISTORY, statement)
    assert [d.rule for d in findings] == expected
