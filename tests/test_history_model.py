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


def declared(folder: Path, history: list[str], migration: str, finding_helps: list[str]) -> Path:
    """A folder of the history and the migration with each finding's declaration pasted above
    it (for a migration of one statement per finding, in order)."""
    folder.mkdir()
    for number, sql in enumerate(history, start=1):
        (folder / f"{number:04d}_m.sql").write_text(sql)
    declarations = "\n".join(declaration_to_paste(help_text) for help_text in finding_helps)
    (folder / f"{len(history) + 1:04d}_m.sql").write_text(declarations + "\n" + migration)
    return folder


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
    ],
)
def test_the_front_end_carries_if_not_exists(sql: str, if_not_exists: bool) -> None:
    (statement,) = parse_trees(sql, 0)
    (operation,) = operations_of(statement)
    assert isinstance(operation, ops.AddColumn | ops.CreateTable)
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
    ],
)
def test_if_not_exists_of_what_history_has(
    tmp_path: Path, migrations: list[str], expected: list[str]
) -> None:
    assert rules_of(tmp_path, migrations) == expected


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
