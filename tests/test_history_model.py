"""What the schema model takes from history, found wanting by a review of issue 12: IF NOT
EXISTS of what history has, what DROP ... CASCADE drops with an object, enum arrays that Prisma
recreates, NOT NULL from primary keys, and columns added to tables made outside the folder."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from conftest import declaration_to_paste, lint_folder
from migration_lint import operations as ops
from migration_lint.cli import main
from migration_lint.diagnostic import Diagnostic
from migration_lint.parse import parse_trees
from migration_lint.pg_frontend import operations_of


def findings_of(tmp_path: Path, migrations: list[str]) -> list[Diagnostic]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    return lint_folder(tmp_path, migrations, pg_version=18)


def rules_of(tmp_path: Path, migrations: list[str]) -> list[str]:
    return [d.rule for d in findings_of(tmp_path, migrations)]


def verify_rollback(pg_url: str, capsys: pytest.CaptureFixture[str], folder: Path) -> list[str]:
    """The rules `verify --rollback` reports on a folder, once every plan in it has run."""
    main(["verify", "--rollback", "--database-url", pg_url, "--format", "json", str(folder)])
    captured = capsys.readouterr()
    assert "ran 0 rollback plan" not in captured.err
    return [d["rule"] for d in json.loads(captured.out)["diagnostics"]]


# 1. IF NOT EXISTS of a column or table history has does nothing: the column is not new.

USERS = (
    'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, '
    '"name" text NOT NULL DEFAULT \'x\', "email" text);'
)


@pytest.mark.parametrize(
    ("sql", "if_not_exists"),
    [
        pytest.param('ALTER TABLE "t" ADD COLUMN IF NOT EXISTS "a" text;', True, id="add-column"),
        pytest.param('ALTER TABLE "t" ADD COLUMN "a" text;', False, id="add-column-plain"),
        pytest.param('CREATE TABLE IF NOT EXISTS "t" ("a" text);', True, id="create-table"),
        pytest.param('CREATE TABLE "t" ("a" text);', False, id="create-table-plain"),
        pytest.param('CREATE INDEX IF NOT EXISTS "i" ON "t" ("a");', True, id="create-index"),
        pytest.param('CREATE INDEX "i" ON "t" ("a");', False, id="create-index-plain"),
    ],
)
def test_the_front_end_carries_if_not_exists(sql: str, if_not_exists: bool) -> None:
    (statement,) = parse_trees(sql, 0)
    (operation,) = operations_of(statement)
    assert isinstance(operation, ops.AddColumn | ops.CreateTable | ops.CreateIndex)
    assert operation.if_not_exists is if_not_exists


@pytest.mark.parametrize(
    ("migrations", "expected"),
    [
        pytest.param(
            [
                USERS,
                'ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "name" text NOT NULL DEFAULT \'x\';'
                '--> statement-breakpoint\nALTER TABLE "users" RENAME COLUMN "name" TO "full_name";',
            ],
            ["rename-column"],
            id="rename-after-add-column-if-not-exists",
        ),
        pytest.param(
            [
                USERS,
                'ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "email" text;\n'
                'ALTER TABLE "users" DROP COLUMN "email";',
            ],
            ["drop-column"],
            id="drop-after-add-column-if-not-exists",
        ),
        pytest.param(
            [
                USERS,
                'ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "name" text;\n'
                'ALTER TABLE "users" ALTER COLUMN "name" DROP DEFAULT;',
            ],
            ["drop-default"],
            id="history-keeps-its-column-model",
        ),
        pytest.param(
            [
                USERS,
                'ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "email" text NOT NULL DEFAULT \'\';\n'
                'ALTER TABLE "users" ALTER COLUMN "email" DROP DEFAULT;',
            ],
            [],
            id="a-skipped-add-does-not-make-the-column-required",
        ),
        pytest.param(
            [
                USERS,
                'ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "nickname" text;\n'
                'ALTER TABLE "users" DROP COLUMN "nickname";',
            ],
            [],
            id="a-column-history-lacks-is-added-and-new",
        ),
        pytest.param(
            [
                USERS,
                'ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "name" text NOT NULL;\n'
                'ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "email" uuid '
                'DEFAULT gen_random_uuid() REFERENCES "users" ("id") UNIQUE;',
            ],
            [],
            id="a-skipped-add-changes-no-row",
        ),
        pytest.param(
            [
                USERS,
                'ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "code" uuid '
                "DEFAULT gen_random_uuid() UNIQUE;",
            ],
            ["add-unique-constraint", "volatile-default"],
            id="an-add-that-runs",
        ),
        pytest.param(
            [
                'ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "a" text;\n'
                'ALTER TABLE "users" DROP COLUMN "a";'
            ],
            [],
            id="a-table-history-lacks",
        ),
        pytest.param(
            [
                'ALTER TABLE "customers" ADD COLUMN "status" text;',
                'ALTER TABLE "customers" ADD COLUMN IF NOT EXISTS "status" text;\n'
                'ALTER TABLE "customers" DROP COLUMN "status";',
            ],
            ["drop-column"],
            id="a-column-an-earlier-migration-added-to-a-table-made-elsewhere",
        ),
        pytest.param(
            [
                USERS,
                USERS.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS")
                + '\nALTER TABLE "users" DROP COLUMN "email";\n'
                'UPDATE "users" SET "name" = \'y\';',
            ],
            ["drop-column", "update-all-rows"],
            id="create-table-if-not-exists",
        ),
        pytest.param(
            [
                'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "name" text NOT NULL);',
                USERS.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS")
                + '\nALTER TABLE "users" ALTER COLUMN "name" DROP DEFAULT;',
            ],
            [],
            id="create-table-if-not-exists-keeps-history-columns",
        ),
        pytest.param(
            [
                'CREATE TABLE "accounts" ("id" bigint);',
                USERS.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS")
                + '\nALTER TABLE "users" DROP COLUMN "email";',
            ],
            [],
            id="create-table-if-not-exists-of-a-new-table",
        ),
        pytest.param(
            [
                USERS + '\nCREATE INDEX "users_email_idx" ON "users" ("email");',
                'CREATE INDEX IF NOT EXISTS "users_email_idx" ON "users" ("email");\n'
                'CREATE INDEX IF NOT EXISTS "users_name_idx" ON "users" ("name");',
            ],
            ["create-index-not-concurrently"],
            id="create-index-if-not-exists-of-an-index-history-has",
        ),
        pytest.param(
            [
                USERS + '\nALTER TABLE "users" ADD CONSTRAINT "users_email_key" UNIQUE ("email");',
                # drizzle-kit's guard: the ADD fails, and the DO block ignores the failure.
                'DO $$ BEGIN\n ALTER TABLE "users" ADD CONSTRAINT "users_email_key" '
                'UNIQUE ("email");\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;\n'
                'DO $$ BEGIN\n ALTER TABLE "users" ADD CONSTRAINT "users_name_key" '
                'UNIQUE ("name");\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;',
            ],
            ["add-unique-constraint"],
            id="add-constraint-of-a-name-history-has",
        ),
    ],
)
def test_if_not_exists_of_what_history_has(
    tmp_path: Path, migrations: list[str], expected: list[str]
) -> None:
    assert rules_of(tmp_path, migrations) == expected


# 3. What DROP ... CASCADE drops with a view, table or function, from history.

HISTORY = (
    'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "name" text);\n'
    'CREATE FUNCTION "fn"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n'
    'CREATE TRIGGER "t" BEFORE INSERT ON "users" FOR EACH ROW EXECUTE FUNCTION "fn"();\n'
    'CREATE VIEW "v1" AS SELECT * FROM "users";\n'
    'CREATE VIEW "v2" AS SELECT * FROM "v1";\n'
)
CREATE_FN = (
    'CREATE FUNCTION "fn"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;'
)
CREATE_T = 'CREATE TRIGGER "t" BEFORE INSERT ON "users" FOR EACH ROW EXECUTE FUNCTION "fn"();'
CREATE_V1 = 'CREATE VIEW "v1" AS SELECT "id" FROM "users";'
CREATE_V2 = 'CREATE VIEW "v2" AS SELECT * FROM "v1";'


@pytest.mark.parametrize(
    ("migration", "expected", "says"),
    [
        pytest.param(
            f'DROP FUNCTION "fn"() CASCADE;\n{CREATE_FN}',
            ["drop-function"],
            'Dropping function "fn"() with CASCADE also drops trigger "t" on "users", which this '
            "migration does not create again",
            id="function-recreated-its-trigger-not",
        ),
        pytest.param(
            f'DROP FUNCTION "fn"() CASCADE;\n{CREATE_FN}\n{CREATE_T}', [], "", id="both-recreated"
        ),
        pytest.param(
            f'DROP TRIGGER "t" ON "users";\nDROP FUNCTION "fn"() CASCADE;\n{CREATE_FN}',
            [],
            "",
            id="trigger-dropped-before",
        ),
        pytest.param(
            'DROP FUNCTION "fn"(integer) CASCADE;\nCREATE FUNCTION "fn"(integer) RETURNS integer '
            "LANGUAGE sql AS 'SELECT 1';",
            [],
            "",
            id="another-function-of-the-name",
        ),
        pytest.param(
            f'DROP VIEW "v1" CASCADE;\n{CREATE_V1}',
            ["drop-view"],
            'Dropping view "v1" with CASCADE also drops view "v2", which this migration does not '
            "create again",
            id="view-recreated-its-dependent-not",
        ),
        pytest.param(f'DROP VIEW "v1" CASCADE;\n{CREATE_V1}\n{CREATE_V2}', [], "", id="both"),
        pytest.param(f'DROP VIEW "v2" CASCADE;\n{CREATE_V2}', [], "", id="nothing-depends"),
        pytest.param(
            f'DROP VIEW "v2";\nDROP VIEW "v1";\n{CREATE_V1}', ["drop-view"], '"v2"', id="in-order"
        ),
        pytest.param(
            'DROP VIEW "v1" CASCADE;',
            ["drop-view"],
            'CASCADE also drops the views that depend on it (in history: view "v2").',
            id="view-cascade",
        ),
        pytest.param(
            'DROP VIEW "v1";',
            ["drop-view"],
            'Views depend on it (in history: view "v2"): PostgreSQL refuses the drop while they '
            "exist; drop them first, or add CASCADE, which drops them.",
            id="view-refused",
        ),
        pytest.param(
            'DROP TABLE "users" CASCADE;',
            ["drop-table"],
            'CASCADE also drops the views that depend on it (in history: view "v1", view "v2").',
            id="table-cascade",
        ),
        pytest.param(
            'DROP FUNCTION "fn"() CASCADE;',
            ["drop-function"],
            "CASCADE also drops the triggers, column defaults, constraints and views that use it, "
            'and locks their tables; of those, history shows trigger "t" on "users". Takes an '
            'ACCESS EXCLUSIVE lock on "users"',
            id="function-cascade",
        ),
        pytest.param(
            'DROP FUNCTION "fn";',
            ["drop-function"],
            '(in history: trigger "t" on "users")',
            id="function-refused",
        ),
    ],
)
def test_what_cascade_drops(tmp_path: Path, migration: str, expected: list[str], says: str) -> None:
    findings = findings_of(tmp_path, [HISTORY, migration])
    assert [d.rule for d in findings] == expected
    assert says in "\n".join(d.message for d in findings)


@pytest.mark.parametrize(
    ("history", "migration"),
    [
        pytest.param(
            'CREATE TABLE "users" ("id" bigint);\n'
            'CREATE VIEW "v3" AS WITH "users" AS (SELECT 1 AS "id") SELECT * FROM "users";',
            'DROP TABLE "users" CASCADE;',
            id="a-with-query-of-the-table's-name",
        ),
        pytest.param(
            HISTORY + 'DROP VIEW "v1" CASCADE;\n',
            'DROP TABLE "users" CASCADE;',
            id="views-an-earlier-cascade-dropped",
        ),
        pytest.param(
            f'{HISTORY}DROP FUNCTION "fn"() CASCADE;\n{CREATE_FN}\n',
            'DROP FUNCTION "fn"() CASCADE;',
            id="triggers-an-earlier-cascade-dropped",
        ),
    ],
)
def test_cascade_names_only_what_history_shows_depends(
    tmp_path: Path, history: str, migration: str
) -> None:
    findings = findings_of(tmp_path, [history, migration])
    text = "\n".join(d.message for d in findings)
    assert findings and "in history" not in text and "view" not in text.replace("views", "")


def test_a_renamed_table_keeps_its_views(tmp_path: Path) -> None:
    (finding,) = findings_of(
        tmp_path, [HISTORY, 'ALTER TABLE "users" RENAME TO "accounts";', 'DROP TABLE "accounts";']
    )
    assert '(in history: view "v1", view "v2")' in finding.message


def test_cascade_help_keeps_cascade_and_recreates_what_it_drops(tmp_path: Path) -> None:
    """The help's drop keeps CASCADE (without it PostgreSQL refuses: 2BP01), and the rollback
    plan creates the dependents again from their definitions in history."""
    table, view, function = (
        findings_of(tmp_path / drop.split()[1], [HISTORY, drop])[0]
        for drop in (
            'DROP TABLE "users" CASCADE;',
            'DROP VIEW "v1" CASCADE;',
            'DROP FUNCTION "fn"() CASCADE;',
        )
    )
    assert '   DROP TABLE "users" CASCADE;' in table.help.splitlines()
    assert 'DROP VIEW "v1" CASCADE;' in view.help
    assert 'DROP FUNCTION "fn"() CASCADE;' in function.help
    assert view.help.endswith(
        '-- rollback:\n-- CREATE VIEW "v1" AS SELECT * FROM "users";\n'
        '-- CREATE VIEW "v2" AS SELECT * FROM "v1";'
    )
    assert function.help.endswith(f"\n-- {CREATE_FN}\n-- {CREATE_T}")


@pytest.mark.parametrize(
    "chunks",
    [
        pytest.param(
            [
                f'DROP VIEW "v1" CASCADE;\n{CREATE_V1}',
                f'DROP FUNCTION "fn"() CASCADE;\n{CREATE_FN}',
            ],
            id="created-again",
        ),
        pytest.param(['DROP VIEW "v1" CASCADE;', 'DROP FUNCTION "fn"() CASCADE;'], id="dropped"),
    ],
)
def test_the_cascade_rollback_plans_restore_the_schema_on_the_server(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str], chunks: list[str]
) -> None:
    """Each chunk starts with a drop that has a finding; its declaration goes above it."""
    findings = findings_of(tmp_path / "lint", [HISTORY, "\n".join(chunks)])
    assert len(findings) == len(chunks)
    folder = tmp_path / "verified"
    folder.mkdir()
    (folder / "0001_m.sql").write_text(HISTORY)
    (folder / "0002_m.sql").write_text(
        "\n".join(
            declaration_to_paste(finding.help) + "\n" + chunk
            for finding, chunk in zip(findings, chunks, strict=True)
        )
    )
    assert verify_rollback(pg_url, capsys, folder) == []


def test_the_drop_table_help_runs_on_the_server(tmp_path: Path, scratch_db: str) -> None:
    (finding,) = findings_of(tmp_path, [HISTORY, 'DROP TABLE "users" CASCADE;'])
    drop = next(line.strip() for line in finding.help.splitlines() if "DROP TABLE" in line)
    with psycopg.connect(scratch_db, autocommit=True) as connection:
        connection.execute(HISTORY)
        connection.execute(drop)
        assert connection.execute(
            "SELECT count(*) FROM pg_views WHERE schemaname = 'public'"
        ).fetchone() == (0,)


# 6. Prisma recreating an enum used by an array column.

PRISMA_ROLES = (
    "CREATE TYPE \"UserRole\" AS ENUM ('USER', 'ADMIN', 'OLD');\n"
    'CREATE TABLE "User" ("id" SERIAL NOT NULL, "role" "UserRole" NOT NULL DEFAULT \'USER\', '
    '"roles" "UserRole"[] DEFAULT ARRAY[\'USER\']::"UserRole"[], '
    'CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n'
)
PRISMA_REMOVE_OLD = (
    "-- AlterEnum\nBEGIN;\n"
    "CREATE TYPE \"UserRole_new\" AS ENUM ('USER', 'ADMIN');\n"
    'ALTER TABLE "User" ALTER COLUMN "role" DROP DEFAULT;\n'
    'ALTER TABLE "User" ALTER COLUMN "roles" DROP DEFAULT;\n'
    'ALTER TABLE "User" ALTER COLUMN "role" TYPE "UserRole_new" USING '
    '("role"::text::"UserRole_new");\n'
    'ALTER TABLE "User" ALTER COLUMN "roles" TYPE "UserRole_new"[] USING '
    '("roles"::text::"UserRole_new"[]);\n'
    'ALTER TYPE "UserRole" RENAME TO "UserRole_old";\n'
    'ALTER TYPE "UserRole_new" RENAME TO "UserRole";\n'
    'DROP TYPE "UserRole_old";\n'
    'ALTER TABLE "User" ALTER COLUMN "role" SET DEFAULT \'USER\';\n'
    'ALTER TABLE "User" ALTER COLUMN "roles" SET DEFAULT ARRAY[\'USER\']::"UserRole"[];\n'
    "COMMIT;\n"
)


@pytest.mark.parametrize(
    ("history", "message", "help_lines"),
    [
        pytest.param(
            [PRISMA_ROLES],
            'Changing "User"."roles" to an array of the enum "UserRole_new" (renamed "UserRole" '
            "later in this migration), which this migration creates, removes 'OLD' from the "
            "values the column accepts",
            [
                '   SELECT count(*) FROM "User" WHERE "roles"::text[] && ARRAY[\'OLD\'];  '
                "-- must be 0",
                '   ALTER TABLE "User" ADD CONSTRAINT "User_roles_check" CHECK ("roles" <@ '
                "ARRAY['USER', 'ADMIN']) NOT VALID;",
                "-- ALTER TYPE \"UserRole\" ADD VALUE IF NOT EXISTS 'OLD';",
            ],
            id="values-known",
        ),
        pytest.param(
            [],
            'Changing "User"."roles" to an array of the enum "UserRole_new" (renamed "UserRole" '
            "later in this migration), which this migration creates, makes the migration fail "
            "if a row holds a value the new enum lacks",
            [
                '   SELECT count(*) FROM "User" WHERE NOT "roles"::text[] <@ '
                "ARRAY['USER', 'ADMIN'];  -- must be 0",
                "-- ALTER TYPE \"UserRole\" ADD VALUE IF NOT EXISTS '<removed value>';",
            ],
            id="values-unknown",
        ),
    ],
)
def test_prisma_enum_recreation_on_an_array_column(
    tmp_path: Path, history: list[str], message: str, help_lines: list[str]
) -> None:
    findings = findings_of(tmp_path, [*history, PRISMA_REMOVE_OLD])
    assert [d.rule for d in findings] == ["change-column-type", "change-column-type"]
    roles = findings[1]
    assert message in roles.message
    for line in help_lines:
        assert line in roles.help.splitlines()
    assert "Deploy code that writes both" not in roles.help and "UserRole_new" not in roles.help


def test_the_array_enum_help_runs_and_its_rollbacks_restore_the_schema(
    tmp_path: Path, pg_url: str, scratch_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    role, roles = findings_of(tmp_path / "lint", [PRISMA_ROLES, PRISMA_REMOVE_OLD])
    check = next(line.strip() for line in roles.help.splitlines() if "count(*)" in line)
    constraint = next(line.strip() for line in roles.help.splitlines() if "NOT VALID" in line)
    with psycopg.connect(scratch_db, autocommit=True) as connection:
        connection.execute(PRISMA_ROLES)
        connection.execute("INSERT INTO \"User\" (\"roles\") VALUES ('{ADMIN}'), ('{USER,OLD}')")
        assert connection.execute(check.split(";")[0]).fetchone() == (1,)
        connection.execute('DELETE FROM "User" WHERE \'OLD\' = ANY("roles")')
        assert connection.execute(check.split(";")[0]).fetchone() == (0,)
        connection.execute(PRISMA_REMOVE_OLD)
        connection.execute('ALTER TABLE "User" ALTER COLUMN "roles" TYPE text[]')
        connection.execute(constraint)
    # Both declared in the migration: each plan runs, and the schema is the one before.
    migration = PRISMA_REMOVE_OLD.replace(
        'ALTER TABLE "User" ALTER COLUMN "role" TYPE',
        declaration_to_paste(role.help) + '\nALTER TABLE "User" ALTER COLUMN "role" TYPE',
    ).replace(
        'ALTER TABLE "User" ALTER COLUMN "roles" TYPE',
        declaration_to_paste(roles.help) + '\nALTER TABLE "User" ALTER COLUMN "roles" TYPE',
    )
    folder = tmp_path / "prisma" / "migrations"
    for name, sql in (("20240101000000_init", PRISMA_ROLES), ("20240102000000_enum", migration)):
        (folder / name).mkdir(parents=True)
        (folder / name / "migration.sql").write_text(sql)
    (folder / "migration_lock.toml").write_text('provider = "postgresql"\n')
    assert verify_rollback(pg_url, capsys, folder) == []


# 8. NOT NULL columns: from table-level primary keys, and columns added to tables made outside
# the folder.


@pytest.mark.parametrize(
    ("migrations", "expected"),
    [
        pytest.param(
            [
                'CREATE TABLE "C" ("id" uuid DEFAULT gen_random_uuid(), "v" INT, '
                'CONSTRAINT "C_pkey" PRIMARY KEY ("id"));',
                'ALTER TABLE "C" ALTER COLUMN "id" DROP DEFAULT;',
            ],
            ["drop-default"],
            id="table-level-primary-key",
        ),
        pytest.param(
            [
                'CREATE TABLE "B" ("id" INT, "k" TEXT DEFAULT \'k\', PRIMARY KEY ("id", "k"));',
                'ALTER TABLE "B" ALTER COLUMN "k" DROP DEFAULT;',
            ],
            ["drop-default"],
            id="composite-primary-key",
        ),
        pytest.param(
            [
                'CREATE TABLE "D" ("id" INT, "k" TEXT DEFAULT \'k\');\n'
                'ALTER TABLE "D" ADD CONSTRAINT "D_pkey" PRIMARY KEY ("id", "k");',
                'ALTER TABLE "D" ALTER COLUMN "k" DROP DEFAULT;',
            ],
            ["drop-default"],
            id="added-primary-key",
        ),
        pytest.param(
            [
                'CREATE TABLE "E" ("id" INT DEFAULT 1, "v" INT);\n'
                'CREATE UNIQUE INDEX "E_idx" ON "E" ("id");\n'
                'ALTER TABLE "E" ADD CONSTRAINT "E_pkey" PRIMARY KEY USING INDEX "E_idx";',
                'ALTER TABLE "E" ALTER COLUMN "id" DROP DEFAULT;',
            ],
            ["drop-default"],
            id="primary-key-using-index",
        ),
        pytest.param(
            [
                'CREATE TABLE "C" ("id" uuid DEFAULT gen_random_uuid(), "v" INT DEFAULT 1, '
                'CONSTRAINT "C_pkey" PRIMARY KEY ("id"));',
                'ALTER TABLE "C" ALTER COLUMN "v" DROP DEFAULT;',
            ],
            [],
            id="a-column-the-key-does-not-cover",
        ),
        pytest.param(
            [
                "ALTER TABLE customers ADD COLUMN status TEXT;",
                "ALTER TABLE customers ALTER COLUMN status SET DEFAULT NULL;",
            ],
            [],
            id="nullable-column-added-to-a-table-made-elsewhere",
        ),
        pytest.param(
            [
                "ALTER TABLE customers ADD COLUMN status TEXT NOT NULL DEFAULT 'new';",
                "ALTER TABLE customers ALTER COLUMN status DROP DEFAULT;",
            ],
            ["drop-default"],
            id="required-column-added-to-a-table-made-elsewhere",
        ),
        pytest.param(
            [
                "ALTER TABLE customers ADD COLUMN status TEXT;",
                "ALTER TABLE customers ALTER COLUMN other DROP DEFAULT;",
            ],
            ["drop-default"],
            id="another-column-of-a-table-made-elsewhere",
        ),
    ],
)
def test_not_null_columns(tmp_path: Path, migrations: list[str], expected: list[str]) -> None:
    assert rules_of(tmp_path, migrations) == expected


def test_a_table_made_elsewhere_is_not_taken_for_the_columns_added_to_it(tmp_path: Path) -> None:
    """Its rollback plan does not claim to know its columns, nor is it taken for a plain table
    (an index ON ONLY a partitioned table is instant)."""
    (drop,) = findings_of(
        tmp_path, ['ALTER TABLE "customers" ADD COLUMN "status" text;', 'DROP TABLE "customers";']
    )
    assert drop.help.endswith('-- CREATE TABLE "customers" (<column> <type>);')
    only = 'CREATE INDEX "customers_status_idx" ON ONLY "customers" ("status");'
    assert findings_of(tmp_path, ['ALTER TABLE "customers" ADD COLUMN "status" text;', only]) == []
