"""Pass and fail SQL for the lock, rewrite and transaction rules, across PostgreSQL versions."""

from __future__ import annotations

import pytest

from conftest import lint_sql, lint_under, rule_ids

ALL_RULES = frozenset(
    {
        "concurrently-in-transaction",
        "enum-value-in-transaction",
        "create-index-not-concurrently",
        "drop-index-not-concurrently",
        "constraint-not-valid",
        "add-unique-constraint",
        "volatile-default",
        "table-rewrite-default",
        "set-not-null",
        "reindex-not-concurrently",
        "vacuum-full",
        "require-lock-timeout",
        "prefer-bigint",
        "prefer-identity",
        "prefer-timestamptz",
        "prefer-text",
    }
)


def only(rule: str, sql: str, **settings: object) -> list[str]:
    return rule_ids(sql, select=frozenset({rule}), **settings)


@pytest.mark.parametrize(
    ("rule", "sql", "settings", "reported"),
    [
        # concurrently-in-transaction
        pytest.param(
            "concurrently-in-transaction",
            "BEGIN; CREATE INDEX CONCURRENTLY i ON t (c); COMMIT;",
            {},
            1,
            id="cic-begin",
        ),
        pytest.param(
            "concurrently-in-transaction",
            "START TRANSACTION; DROP INDEX CONCURRENTLY i; END;",
            {},
            1,
            id="dic-start",
        ),
        pytest.param(
            "concurrently-in-transaction",
            "CREATE INDEX CONCURRENTLY i ON t (c);",
            {"assume_in_transaction": True},
            1,
            id="cic-runner-transaction",
        ),
        pytest.param(
            "concurrently-in-transaction",
            "CREATE INDEX CONCURRENTLY i ON t (c);",
            {},
            0,
            id="cic-autocommit",
        ),
        pytest.param(
            "concurrently-in-transaction",
            "BEGIN; SELECT 1; COMMIT; CREATE INDEX CONCURRENTLY i ON t (c);",
            {},
            0,
            id="cic-after-commit",
        ),
        pytest.param(
            "concurrently-in-transaction",
            "BEGIN; ROLLBACK; REINDEX TABLE CONCURRENTLY t;",
            {},
            0,
            id="reindex-after-rollback",
        ),
        pytest.param(
            "concurrently-in-transaction",
            "BEGIN; REINDEX INDEX CONCURRENTLY i; REFRESH MATERIALIZED VIEW CONCURRENTLY v; ALTER TABLE p DETACH PARTITION c CONCURRENTLY; COMMIT;",
            {},
            2,  # REFRESH MATERIALIZED VIEW CONCURRENTLY runs in a transaction
            id="other-concurrently",
        ),
        # enum-value-in-transaction: the 11/12 boundary
        pytest.param(
            "enum-value-in-transaction",
            "BEGIN; ALTER TYPE s ADD VALUE 'x'; COMMIT;",
            {"pg_version": 11},
            1,
            id="enum-pg11",
        ),
        pytest.param(
            "enum-value-in-transaction",
            "BEGIN; ALTER TYPE s ADD VALUE 'x'; COMMIT;",
            {"pg_version": 12},
            0,
            id="enum-pg12",
        ),
        pytest.param(
            "enum-value-in-transaction",
            "ALTER TYPE s ADD VALUE 'x';",
            {"pg_version": 11},
            0,
            id="enum-pg11-autocommit",
        ),
        pytest.param(
            "enum-value-in-transaction",
            "ALTER TYPE s ADD VALUE 'x';",
            {"pg_version": 11, "assume_in_transaction": True},
            1,
            id="enum-pg11-runner",
        ),
        # create-index-not-concurrently
        pytest.param(
            "create-index-not-concurrently",
            'CREATE INDEX "i" ON "t" USING btree ("c");',
            {},
            1,
            id="index",
        ),
        pytest.param(
            "create-index-not-concurrently",
            "CREATE UNIQUE INDEX i ON public.t (c);",
            {},
            1,
            id="unique-index",
        ),
        pytest.param(
            "create-index-not-concurrently",
            "CREATE INDEX CONCURRENTLY i ON t (c);",
            {},
            0,
            id="index-concurrently",
        ),
        pytest.param(
            "create-index-not-concurrently",
            'CREATE TABLE "t" ("c" int);\nCREATE INDEX "i" ON "t" ("c");',
            {},
            0,
            id="index-new-table",
        ),
        # drop-index-not-concurrently
        pytest.param("drop-index-not-concurrently", 'DROP INDEX "i";', {}, 1, id="drop-index"),
        pytest.param(
            "drop-index-not-concurrently",
            "DROP INDEX CONCURRENTLY i;",
            {},
            0,
            id="drop-index-concurrently",
        ),
        pytest.param(
            "drop-index-not-concurrently",
            "CREATE INDEX CONCURRENTLY i ON t (c); DROP INDEX i;",
            {},
            0,
            id="drop-new-index",
        ),
        pytest.param(
            "drop-index-not-concurrently",
            "CREATE TABLE t (c int); CREATE INDEX i ON t (c); DROP INDEX i;",
            {},
            0,
            id="drop-index-of-new-table",
        ),
        # constraint-not-valid
        pytest.param(
            "constraint-not-valid",
            'ALTER TABLE "a" ADD CONSTRAINT "fk" FOREIGN KEY ("b_id") REFERENCES "public"."b"("id") ON DELETE cascade;',
            {},
            1,
            id="fk",
        ),
        pytest.param(
            "constraint-not-valid",
            "ALTER TABLE a ADD CONSTRAINT ck CHECK (n > 0);",
            {},
            1,
            id="check",
        ),
        pytest.param(
            "constraint-not-valid",
            "ALTER TABLE a ADD CONSTRAINT fk FOREIGN KEY (b_id) REFERENCES b (id) NOT VALID;",
            {},
            0,
            id="fk-not-valid",
        ),
        pytest.param(
            "constraint-not-valid",
            "ALTER TABLE a ADD CONSTRAINT fk FOREIGN KEY (b_id) REFERENCES b (id) NOT VALID;\nALTER TABLE a VALIDATE CONSTRAINT fk;",
            {},
            0,
            id="validate-autocommit",
        ),
        pytest.param(
            "constraint-not-valid",
            "BEGIN;\nALTER TABLE a ADD CONSTRAINT fk FOREIGN KEY (b_id) REFERENCES b (id) NOT VALID;\nALTER TABLE a VALIDATE CONSTRAINT fk;\nCOMMIT;",
            {},
            1,
            id="validate-same-transaction",
        ),
        pytest.param(
            "constraint-not-valid",
            "ALTER TABLE a ADD CONSTRAINT fk FOREIGN KEY (b_id) REFERENCES b (id) NOT VALID;\nALTER TABLE a VALIDATE CONSTRAINT fk;",
            {"assume_in_transaction": True},
            1,
            id="validate-runner-transaction",
        ),
        pytest.param(
            "constraint-not-valid",
            "BEGIN;\nALTER TABLE a ADD CONSTRAINT fk FOREIGN KEY (b_id) REFERENCES b (id) NOT VALID;\nCOMMIT;\nBEGIN;\nALTER TABLE a VALIDATE CONSTRAINT fk;\nCOMMIT;",
            {},
            0,
            id="validate-next-transaction",
        ),
        pytest.param(
            "constraint-not-valid",
            'CREATE TABLE "a" ("b_id" int);\nALTER TABLE "a" ADD CONSTRAINT "fk" FOREIGN KEY ("b_id") REFERENCES "b"("id");',
            {},
            0,
            id="fk-new-table",
        ),
        pytest.param(
            "constraint-not-valid",
            "ALTER TABLE a ADD CONSTRAINT u UNIQUE (c);",
            {},
            0,
            id="unique-is-another-rule",
        ),
        # add-unique-constraint
        pytest.param(
            "add-unique-constraint",
            'ALTER TABLE "u" ADD CONSTRAINT "u_email_unique" UNIQUE("email");',
            {},
            1,
            id="unique",
        ),
        pytest.param(
            "add-unique-constraint", "ALTER TABLE u ADD PRIMARY KEY (id);", {}, 1, id="primary-key"
        ),
        pytest.param(
            "add-unique-constraint",
            "ALTER TABLE u ADD CONSTRAINT k UNIQUE USING INDEX k_idx;",
            {},
            0,
            id="unique-using-index",
        ),
        pytest.param(
            "add-unique-constraint",
            "CREATE TABLE u (email text); ALTER TABLE u ADD CONSTRAINT k UNIQUE (email);",
            {},
            0,
            id="unique-new-table",
        ),
        # volatile-default and table-rewrite-default: the 10/11 boundary
        pytest.param(
            "volatile-default",
            'ALTER TABLE "o" ADD COLUMN "id2" uuid DEFAULT gen_random_uuid() NOT NULL;',
            {},
            1,
            id="uuid-default",
        ),
        pytest.param(
            "volatile-default",
            "ALTER TABLE o ADD COLUMN t timestamptz DEFAULT clock_timestamp();",
            {},
            1,
            id="clock-timestamp",
        ),
        pytest.param(
            "volatile-default",
            "ALTER TABLE o ADD COLUMN r float8 DEFAULT (random() * 10);",
            {},
            1,
            id="nested-random",
        ),
        pytest.param(
            "volatile-default", "ALTER TABLE o ADD COLUMN n bigserial;", {}, 1, id="serial"
        ),
        pytest.param(
            "volatile-default",
            "ALTER TABLE o ADD COLUMN t timestamptz DEFAULT now() NOT NULL;",
            {},
            0,
            id="now-is-stable",
        ),
        pytest.param(
            "volatile-default", "ALTER TABLE o ADD COLUMN c text DEFAULT 'x';", {}, 0, id="constant"
        ),
        pytest.param(
            "volatile-default",
            "CREATE TABLE o (id int); ALTER TABLE o ADD COLUMN u uuid DEFAULT gen_random_uuid();",
            {},
            0,
            id="volatile-new-table",
        ),
        pytest.param(
            "table-rewrite-default",
            "ALTER TABLE o ADD COLUMN c text DEFAULT 'x';",
            {"pg_version": 10},
            1,
            id="default-pg10",
        ),
        pytest.param(
            "table-rewrite-default",
            "ALTER TABLE o ADD COLUMN c text DEFAULT 'x';",
            {"pg_version": 11},
            0,
            id="default-pg11",
        ),
        pytest.param(
            "table-rewrite-default",
            "ALTER TABLE o ADD COLUMN c text;",
            {"pg_version": 10},
            0,
            id="no-default-pg10",
        ),
        pytest.param(
            "volatile-default",
            "ALTER TABLE o ADD COLUMN u uuid DEFAULT gen_random_uuid();",
            {"pg_version": 10},
            0,
            id="volatile-pg10-is-the-other-rule",
        ),
        # set-not-null: the 11/12 boundary for a validated CHECK
        pytest.param(
            "set-not-null",
            'ALTER TABLE "u" ALTER COLUMN "c" SET NOT NULL;',
            {},
            1,
            id="set-not-null",
        ),
        pytest.param(
            "set-not-null",
            "ALTER TABLE u ADD CONSTRAINT ck CHECK (c IS NOT NULL) NOT VALID;\nALTER TABLE u VALIDATE CONSTRAINT ck;\nALTER TABLE u ALTER COLUMN c SET NOT NULL;",
            {"pg_version": 12},
            0,
            id="validated-check-pg12",
        ),
        pytest.param(
            "set-not-null",
            "ALTER TABLE u ADD CONSTRAINT ck CHECK (c IS NOT NULL) NOT VALID;\nALTER TABLE u VALIDATE CONSTRAINT ck;\nALTER TABLE u ALTER COLUMN c SET NOT NULL;",
            {"pg_version": 11},
            1,
            id="validated-check-pg11",
        ),
        pytest.param(
            "set-not-null",
            "ALTER TABLE u ADD CONSTRAINT ck CHECK (c IS NOT NULL) NOT VALID;\nALTER TABLE u ALTER COLUMN c SET NOT NULL;",
            {},
            1,
            id="check-not-validated",
        ),
        pytest.param(
            "set-not-null",
            "ALTER TABLE u ADD CONSTRAINT ck CHECK (other IS NOT NULL);\nALTER TABLE u ALTER COLUMN c SET NOT NULL;",
            {},
            1,
            id="check-on-other-column",
        ),
        pytest.param(
            "set-not-null",
            "CREATE TABLE u (c int); ALTER TABLE u ALTER COLUMN c SET NOT NULL;",
            {},
            0,
            id="new-table",
        ),
        # reindex-not-concurrently
        pytest.param("reindex-not-concurrently", "REINDEX TABLE t;", {}, 1, id="reindex"),
        pytest.param(
            "reindex-not-concurrently",
            "REINDEX TABLE CONCURRENTLY t;",
            {},
            0,
            id="reindex-concurrently",
        ),
        # vacuum-full
        pytest.param("vacuum-full", "VACUUM FULL t;", {}, 1, id="vacuum-full"),
        pytest.param("vacuum-full", "VACUUM (FULL, ANALYZE);", {}, 1, id="vacuum-full-everything"),
        pytest.param("vacuum-full", "CLUSTER t USING i;", {}, 1, id="cluster"),
        pytest.param("vacuum-full", "VACUUM ANALYZE t;", {}, 0, id="plain-vacuum"),
        # opt-in rules
        pytest.param(
            "require-lock-timeout",
            "ALTER TABLE t ADD COLUMN c int; ALTER TABLE t DROP COLUMN d;",
            {},
            1,
            id="no-lock-timeout-once-a-file",
        ),
        pytest.param(
            "require-lock-timeout",
            "SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c int;",
            {},
            0,
            id="lock-timeout",
        ),
        pytest.param(
            "require-lock-timeout",
            "CREATE TABLE t (c int); ALTER TABLE t ADD COLUMN d int;",
            {},
            0,
            id="lock-timeout-new-table",
        ),
        pytest.param(
            "prefer-bigint",
            "CREATE TABLE t (id serial, n integer, s smallint, b bigint);",
            {},
            3,
            id="bigint",
        ),
        pytest.param(
            "prefer-identity",
            "CREATE TABLE t (id bigserial, n bigint GENERATED ALWAYS AS IDENTITY);",
            {},
            1,
            id="identity",
        ),
        pytest.param(
            "prefer-timestamptz",
            "ALTER TABLE t ADD COLUMN a timestamp, ADD COLUMN b timestamptz, ADD COLUMN c timestamp with time zone;",
            {},
            1,
            id="timestamptz",
        ),
        pytest.param(
            "prefer-text",
            'CREATE TABLE "t" ("a" varchar(20), "b" varchar, "c" text);',
            {},
            1,
            id="text",
        ),
    ],
)
def test_lock_and_transaction_rules(
    rule: str, sql: str, settings: dict[str, object], reported: int
) -> None:
    assert only(rule, sql, **settings) == [rule] * reported


def test_opt_in_rules_are_off_by_default() -> None:
    sql = "CREATE TABLE t (id serial, at timestamp, name varchar(10)); ALTER TABLE u ADD COLUMN c int;"
    assert rule_ids(sql) == []


def test_warnings_name_the_lock_what_it_blocks_and_the_rewrite() -> None:
    (finding,) = lint_sql("ALTER TABLE orders ADD COLUMN ref uuid DEFAULT gen_random_uuid();")
    assert 'ACCESS EXCLUSIVE lock on "orders" (blocks all reads and writes)' in finding.message
    assert "rewrites the whole table" in finding.message
    assert 'ALTER TABLE "orders" ALTER COLUMN "ref" SET DEFAULT gen_random_uuid();' in finding.help


def test_index_help_under_a_transaction_says_what_to_do_instead() -> None:
    (finding,) = lint_sql('CREATE INDEX "i" ON "t" ("c");', assume_in_transaction=True)
    assert 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "i" ON "t" ("c");' in finding.help
    assert "cannot run inside a transaction" in finding.help


@pytest.mark.parametrize(
    ("sql", "suggested"),
    [
        pytest.param(
            'CREATE UNIQUE INDEX "one_live" ON "runs" USING btree ("job_id") WHERE "status" = \'live\'',
            'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "one_live" ON "runs" USING btree ("job_id") WHERE "status" = \'live\';',
            id="partial-unique",
        ),
        pytest.param(
            'create index if not exists "doc_search" on "docs" using gin (to_tsvector(\'english\', "body"))',
            'create index CONCURRENTLY if not exists "doc_search" on "docs" using gin (to_tsvector(\'english\', "body"));',
            id="expression-gin",
        ),
        pytest.param("CREATE INDEX ON t (c)", "CREATE INDEX CONCURRENTLY ON t (c);", id="unnamed"),
    ],
)
def test_index_help_is_the_users_own_statement_made_concurrent(sql: str, suggested: str) -> None:
    (finding,) = lint_sql(sql + ";")
    assert suggested in finding.help.splitlines()[1]


CHECK_FIRST = [
    "Prove it with a CHECK constraint first, validated without blocking:",
    '1. ALTER TABLE "users" ADD CONSTRAINT "users_locale_not_null" CHECK ("locale" IS NOT NULL) NOT VALID;  -- instant; new rows are checked',
]
CHECK_THEN = [
    '   ALTER TABLE "users" VALIDATE CONSTRAINT "users_locale_not_null";  -- scans without blocking reads or writes',
    '   ALTER TABLE "users" ALTER COLUMN "locale" SET NOT NULL;  -- PostgreSQL 12+ uses the valid CHECK and skips the scan',
    '   ALTER TABLE "users" DROP CONSTRAINT "users_locale_not_null";',
]


@pytest.mark.parametrize(
    ("layout", "then"),
    [
        pytest.param("plain", "2. Then, in a later migration:", id="plain"),
        pytest.param("goose", "2. Then, in a later migration:", id="goose"),
        pytest.param("prisma", "2. Then, in a later migration:", id="prisma"),
        pytest.param(
            "drizzle",
            "2. Then, in a later deploy, or by hand (drizzle's migrator runs all pending "
            "migrations in one transaction, so a later migration of the same deploy does not "
            "commit in between):",
            id="drizzle",
        ),
    ],
)
def test_set_not_null_help_validates_after_a_commit_the_runner_makes(layout, then) -> None:
    # Validating in the transaction that added the check keeps the add's lock for the scan, and
    # constraint-not-valid reports it: the recipe must not put both in one transaction.
    (finding,) = lint_under(layout, 'ALTER TABLE "users" ALTER COLUMN "locale" SET NOT NULL;')
    assert finding.help.splitlines() == [*CHECK_FIRST, then, *CHECK_THEN]


@pytest.mark.parametrize(
    ("layout", "then"),
    [
        pytest.param("plain", "Then, in a later migration:", id="plain"),
        pytest.param("dbmate", "Then, in a later migration:", id="dbmate"),
        pytest.param(
            "drizzle", "Then, in a later deploy, or by hand (drizzle's migrator", id="drizzle"
        ),
    ],
)
def test_constraint_help_validates_after_a_commit_the_runner_makes(layout, then) -> None:
    sql = 'ALTER TABLE "orders" ADD CONSTRAINT "orders_user_fk" FOREIGN KEY ("user_id") REFERENCES "users" ("id");'
    (finding,) = lint_under(layout, sql)
    assert f"2. {then}" in finding.help
    assert "separate transaction" not in finding.help
    assert finding.help.endswith(
        'ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_user_fk";  -- SHARE UPDATE EXCLUSIVE: reads and writes continue'
    )


def test_validating_in_the_adding_transaction_says_where_the_validation_goes_under_drizzle() -> (
    None
):
    sql = (
        'ALTER TABLE "orders" ADD CONSTRAINT "orders_user_fk" FOREIGN KEY ("user_id") REFERENCES "users" ("id") NOT VALID;\n'
        'ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_user_fk";'
    )
    (finding,) = lint_under("drizzle", sql)
    assert finding.help.startswith(
        "Keep the NOT VALID add here and validate in a later deploy, or by hand (drizzle's migrator"
    )
    assert "in the next" not in finding.help


@pytest.mark.parametrize(
    ("sql", "step_1"),
    [
        pytest.param(
            'ALTER TABLE "orders" ADD CONSTRAINT "fk" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE, ADD COLUMN "n" int;',
            '1. ALTER TABLE "orders" ADD CONSTRAINT "fk" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE NOT VALID;  -- instant; new rows are checked',
            id="foreign-key",
        ),
        pytest.param(
            'ALTER TABLE "orders" ADD CONSTRAINT "positive" CHECK ("total" > 0), ADD COLUMN "n" int;',
            '1. ALTER TABLE "orders" ADD CONSTRAINT "positive" CHECK ("total" > 0) NOT VALID;  -- instant; new rows are checked',
            id="check",
        ),
    ],
)
def test_constraint_among_other_commands_is_written_as_a_statement_of_its_own(sql, step_1) -> None:
    (finding,) = lint_sql(sql, select=frozenset({"constraint-not-valid"}))
    assert finding.help.splitlines()[1] == step_1


def test_every_rule_in_this_table_exists() -> None:
    from migration_lint.registry import load_rules

    assert set(load_rules()) >= ALL_RULES


def test_drop_index_names_the_table_as_the_user_wrote_it(tmp_path) -> None:
    from conftest import lint_folder

    (finding,) = lint_folder(
        tmp_path, ['CREATE INDEX "pay_idx" ON "payments" ("at");', 'DROP INDEX "pay_idx";']
    )
    assert 'queues every query of "payments" behind it' in finding.message


@pytest.mark.parametrize(
    ("column_type", "integer_type"),
    [
        pytest.param("serial", "integer", id="serial"),
        pytest.param("smallserial", "smallint", id="smallserial"),
        pytest.param("bigserial", "bigint", id="bigserial"),
    ],
)
def test_volatile_default_help_keeps_the_serial_width(column_type: str, integer_type: str) -> None:
    (finding,) = lint_sql(f'ALTER TABLE "t" ADD COLUMN "n" {column_type};')
    assert f'ALTER TABLE "t" ADD COLUMN "n" {integer_type};' in finding.help
    assert f'CREATE SEQUENCE "t_n_seq" AS {integer_type} OWNED BY "t"."n";' in finding.help


@pytest.mark.parametrize(
    ("sql", "function", "default"),
    [
        pytest.param(
            'ALTER TABLE "t" ADD COLUMN "m" "Mood" NOT NULL DEFAULT gen_random_uuid()::text::"Mood";',
            "gen_random_uuid()",
            'gen_random_uuid()::text::"Mood"',
            id="cast",
        ),
        pytest.param(
            'ALTER TABLE "t" ADD COLUMN "m" float8 DEFAULT (random() * 10) CHECK ("m" > 0);',
            "random()",
            "(random() * 10)",
            id="expression",
        ),
    ],
)
def test_volatile_default_help_keeps_the_default_as_written(
    sql: str, function: str, default: str
) -> None:
    # `SET DEFAULT gen_random_uuid()` on a "Mood" column is an error (42804).
    (finding,) = lint_sql(sql, select=frozenset({"volatile-default"}))
    assert f"with a default that calls the volatile {function} computes" in finding.message
    assert f'   ALTER TABLE "t" ALTER COLUMN "m" SET DEFAULT {default};  -- new rows only' in (
        finding.help.splitlines()
    )
    assert f'SET "m" = {default} WHERE "m" IS NULL' in finding.help


@pytest.mark.parametrize(
    ("sql", "validated"),
    [
        pytest.param(
            'ALTER TABLE "Order" ADD FOREIGN KEY ("symbolProfileId") REFERENCES "SymbolProfile"("id");',
            '"Order_symbolProfileId_fkey"',
            id="foreign-key",
        ),
        pytest.param(
            'ALTER TABLE "Order" ADD CHECK ("a" IS NOT NULL);',
            '"Order_a_check"',
            id="not-null-check",
        ),
        pytest.param('ALTER TABLE "Order" ADD CHECK ("a" > 0);', '"Order_a_check"', id="check"),
        pytest.param(
            'ALTER TABLE "Order" ADD CHECK ("a" > "b");', '"Order_check"', id="check-of-two-columns"
        ),
        pytest.param(
            f'ALTER TABLE "Order" ADD FOREIGN KEY ("{"x" * 60}") REFERENCES "S"("id");',
            f'"Order_{"x" * 52}_fkey"',
            id="name-postgresql-shortens",
        ),
    ],
)
def test_unnamed_constraint_is_validated_by_the_name_postgresql_gives_it(sql, validated) -> None:
    # Checked on PostgreSQL 18: <table>_<columns>_fkey, <table>_<column>_check for a check that
    # reads one column (else <table>_check), the longer part shortened to fit 63 bytes.
    (finding,) = lint_sql(sql, select=frozenset({"constraint-not-valid"}))
    assert finding.help.splitlines()[-1].startswith(
        f'   ALTER TABLE "Order" VALIDATE CONSTRAINT {validated};'
    )
