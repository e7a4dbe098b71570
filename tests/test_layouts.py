"""Each layout with a small realistic folder: order, splitting, down migrations, transactions."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration_lint.checks import folder_problems, state_on_disk
from migration_lint.layouts import LAYOUTS, detect_layout, natural_key, sort_naturally
from migration_lint.linter import Settings, lint_paths
from migration_lint.project import Project

INDEX = 'CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" ("email");\n'


def make(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def names(root: Path, paths: list[str]) -> list[str]:
    return [str(Path(p).relative_to(root)) for p in paths]


FOLDERS = {
    "drizzle": {
        "0000_init.sql": 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text);',
        "0001_brave_hulk.sql": 'ALTER TABLE "users" ADD COLUMN "name" text;--> statement-breakpoint\n'
        + INDEX,
        "0010_swift_storm.sql": 'ALTER TABLE "users" DROP COLUMN "name";',
        "meta/_journal.json": '{"version": "7", "dialect": "postgresql", "entries": []}',
    },
    "drizzle-folders": {
        "20250101000000_init/migration.sql": 'CREATE TABLE "users" ("id" serial, "email" text);',
        "20250101000000_init/snapshot.json": "{}",
        "20250102000000_index/migration.sql": INDEX,
        "20250103000000_drop/migration.sql": 'ALTER TABLE "users" DROP COLUMN "email";',
    },
    "prisma": {
        "migration_lock.toml": 'provider = "postgresql"\n',
        "20250101000000_init/migration.sql": 'CREATE TABLE "users" ("id" SERIAL, "email" TEXT);',
        "20250102000000_index/migration.sql": INDEX,
        "20250103000000_drop/migration.sql": 'ALTER TABLE "users" DROP COLUMN "email";',
    },
    "flyway": {
        "V1__init.sql": 'CREATE TABLE "users" ("id" serial, "email" text);',
        "V2__index.sql": INDEX,
        "V10__drop.sql": 'ALTER TABLE "users" DROP COLUMN "email";',
        "U10__drop.sql": 'ALTER TABLE "users" ADD COLUMN "email" text;',
        "R__views.sql": 'CREATE OR REPLACE VIEW "emails" AS SELECT 1;',
    },
    "golang-migrate": {
        "000001_init.up.sql": 'CREATE TABLE "users" ("id" serial, "email" text);',
        "000001_init.down.sql": 'DROP TABLE "users";',
        "000002_index.up.sql": INDEX,
        "000002_index.down.sql": 'DROP INDEX "users_email_idx";',
        "000010_drop.up.sql": 'ALTER TABLE "users" DROP COLUMN "email";',
        "000010_drop.down.sql": 'ALTER TABLE "users" ADD COLUMN "email" text;',
    },
    "dbmate": {
        "20250101000000_init.sql": '-- migrate:up\nCREATE TABLE "users" ("id" serial, "email" text);\n'
        '\n-- migrate:down\nDROP TABLE "users";\n',
        "20250102000000_index.sql": f"-- migrate:up\n{INDEX}\n-- migrate:down\nDROP INDEX users_email_idx;\n",
        "20250103000000_drop.sql": '-- migrate:up\nALTER TABLE "users" DROP COLUMN "email";\n'
        '\n-- migrate:down\nALTER TABLE "users" ADD COLUMN "email" text;\n',
    },
    "goose": {
        "20250101000000_init.sql": '-- +goose Up\nCREATE TABLE "users" ("id" serial, "email" text);\n'
        "-- +goose StatementBegin\nCREATE FUNCTION touch() RETURNS trigger AS $$\nBEGIN\n  RETURN NEW;\n"
        'END;\n$$ LANGUAGE plpgsql;\n-- +goose StatementEnd\n\n-- +goose Down\nDROP TABLE "users";\n',
        "20250102000000_index.sql": f"-- +goose Up\n{INDEX}\n-- +goose Down\nDROP INDEX users_email_idx;\n",
        "20250103000000_drop.sql": '-- +goose Up\nALTER TABLE "users" DROP COLUMN "email";\n'
        '\n-- +goose Down\nALTER TABLE "users" ADD COLUMN "email" text;\n',
    },
    "supabase": {
        "supabase/migrations/20250101000000_init.sql": 'CREATE TABLE "users" ("id" serial, "email" text);',
        "supabase/migrations/20250102000000_index.sql": INDEX,
        "supabase/migrations/20250103000000_drop.sql": 'ALTER TABLE "users" DROP COLUMN "email";',
    },
    "plain": {
        "1_init.sql": 'CREATE TABLE "users" ("id" serial, "email" text);',
        "2_index.sql": INDEX,
        "10_drop.sql": 'ALTER TABLE "users" DROP COLUMN "email";',
    },
}
ORDER = {
    "drizzle": ["0000_init.sql", "0001_brave_hulk.sql", "0010_swift_storm.sql"],
    "drizzle-folders": [
        f"2025010{n}000000_{s}/migration.sql" for n, s in ((1, "init"), (2, "index"), (3, "drop"))
    ],
    "prisma": [
        f"2025010{n}000000_{s}/migration.sql" for n, s in ((1, "init"), (2, "index"), (3, "drop"))
    ],
    "flyway": ["V1__init.sql", "V2__index.sql", "V10__drop.sql", "R__views.sql"],
    "golang-migrate": ["000001_init.up.sql", "000002_index.up.sql", "000010_drop.up.sql"],
    "dbmate": ["20250101000000_init.sql", "20250102000000_index.sql", "20250103000000_drop.sql"],
    "goose": ["20250101000000_init.sql", "20250102000000_index.sql", "20250103000000_drop.sql"],
    "supabase": [
        f"supabase/migrations/2025010{n}000000_{s}.sql"
        for n, s in ((1, "init"), (2, "index"), (3, "drop"))
    ],
    "plain": ["1_init.sql", "2_index.sql", "10_drop.sql"],
}
# Runners that run even a migration of one statement in a transaction.
IN_TRANSACTION = {"drizzle", "drizzle-folders", "dbmate", "goose", "supabase"}


def folder_of(root: Path, layout: str) -> Path:
    return root / "supabase" / "migrations" if layout == "supabase" else root


@pytest.mark.parametrize("layout", list(FOLDERS))
def test_layout_is_detected_and_orders_its_migrations(tmp_path: Path, layout: str) -> None:
    folder = folder_of(make(tmp_path, FOLDERS[layout]), layout)
    detected = detect_layout(str(folder))
    assert detected.name == layout
    assert names(tmp_path, detected.files(str(folder))) == ORDER[layout]


@pytest.mark.parametrize(
    ("cwd", "folder", "paths"),
    [
        pytest.param("m", ".", ["1_init.sql", "2_index.sql"], id="the-working-folder"),
        pytest.param("m", "./", ["1_init.sql", "2_index.sql"], id="the-working-folder-slash"),
        pytest.param("m", "../m", ["../m/1_init.sql", "../m/2_index.sql"], id="up-and-down"),
        pytest.param(".", "m", ["m/1_init.sql", "m/2_index.sql"], id="plain"),
        pytest.param(".", "./m//", ["m/1_init.sql", "m/2_index.sql"], id="dot-and-slashes"),
        pytest.param(".", "x/../m", ["m/1_init.sql", "m/2_index.sql"], id="through-another"),
    ],
)
def test_migrations_are_named_by_their_normalised_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cwd: str, folder: str, paths: list[str]
) -> None:
    # The paths findings and the history cache name them by, however the folder was written.
    make(tmp_path, {"m/2_index.sql": INDEX, "m/1_init.sql": FOLDERS["plain"]["1_init.sql"]})
    (tmp_path / "x").mkdir()
    monkeypatch.chdir(tmp_path / cwd)
    assert LAYOUTS["plain"].files(folder) == paths


@pytest.mark.parametrize(
    "names",
    [
        pytest.param(["0002_b.sql", "0010_a.sql", "0001_c.sql"], id="numbered-alike"),
        pytest.param(["10_a.sql", "9_b.sql", "100_c.sql"], id="numbers-of-several-widths"),
        pytest.param(["0001_user10.sql", "0001_user2.sql"], id="a-number-shared"),
        pytest.param(["0001_a.sql", "0001.sql", "0002.sql"], id="a-bare-number"),
        pytest.param(["0001_a.sql", "add_user.sql", "0002_b.sql"], id="one-without-a-number"),
        pytest.param(["0001_a.sql", "00011_b.sql", "0002_c.sql"], id="one-wider"),
        pytest.param(["\u0661_a.sql", "2_b.sql", "0_c.sql"], id="other-digits"),
        pytest.param(["0003_a.sql", "00021_b.sql"], id="one-wider-apart"),
        pytest.param(["0100_a", "12", "0012"], id="one-narrower"),
        pytest.param(["0001\u0661_a.sql", "0002_b.sql"], id="other-digits-following"),
        pytest.param(["20250107093000_b", "20240107093000_a"], id="timestamps"),
        pytest.param([], id="none"),
    ],
)
def test_migrations_sort_by_their_natural_keys(names: list[str]) -> None:
    """Whether or not their characters can sort them (in C), the order is the natural one."""
    ordered = list(names)
    sort_naturally(ordered)
    assert ordered == sorted(sorted(names), key=natural_key)


@pytest.mark.parametrize("layout", list(FOLDERS))
def test_layout_sets_the_transaction_default_and_keeps_down_migrations_out(
    tmp_path: Path, layout: str
) -> None:
    folder = folder_of(make(tmp_path, FOLDERS[layout]), layout)
    findings = lint_paths([str(folder)], Settings()).diagnostics
    rules = sorted({d.rule for d in findings})
    expected = ["drop-column"]
    if layout in IN_TRANSACTION:
        expected.append("concurrently-in-transaction")  # the runner's transaction
    assert rules == sorted(expected), [(d.rule, d.path, d.line) for d in findings]
    # Down migrations and down sections are rollbacks, not linted: no drop-table, no drop-index.
    assert all(d.rule != "drop-table" for d in findings)


@pytest.mark.parametrize(
    ("layout", "annotation"),
    [
        pytest.param("goose", "-- +goose NO TRANSACTION\n-- +goose Up\n", id="goose"),
        pytest.param("dbmate", "-- migrate:up transaction:false\n", id="dbmate"),
    ],
)
def test_migration_can_opt_out_of_the_transaction(
    tmp_path: Path, layout: str, annotation: str
) -> None:
    files = {"20250101000000_index.sql": f"{annotation}{INDEX}"}
    make(tmp_path, files)
    assert lint_paths([str(tmp_path)], Settings(project=Project(layout=layout))).diagnostics == []


@pytest.mark.parametrize("layout", ["golang-migrate", "dbmate", "goose"])
def test_down_migration_is_the_rollback_plan_of_an_allow(tmp_path: Path, layout: str) -> None:
    folder = folder_of(make(tmp_path, FOLDERS[layout]), layout)
    last = folder / ORDER[layout][-1]
    last.write_text(
        "-- migration-lint: allow drop-column -- email moved to contacts\n" + last.read_text()
    )
    findings = lint_paths([str(last)], Settings()).diagnostics
    assert [(d.rule, d.allowed) for d in findings] == [("drop-column", True)]


def test_goose_statement_blocks_and_sections_keep_positions(tmp_path: Path) -> None:
    text = (
        "-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n"
        "  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql;\n-- +goose StatementEnd\n"
        'ALTER TABLE "users" DROP COLUMN "email";\n-- +goose Down\nDROP FUNCTION f();\n'
    )
    make(tmp_path, {"20250101000000_f.sql": text})
    (finding,) = lint_paths([str(tmp_path)], Settings(project=Project(layout="goose"))).diagnostics
    assert (finding.rule, finding.line) == ("drop-column", 9)


def test_every_layout_is_covered() -> None:
    assert set(FOLDERS) == set(LAYOUTS)


@pytest.mark.parametrize(
    ("files", "prefix", "name"),
    [
        pytest.param(["0000_a.sql"], "index", "0007_add_user_prefs.sql", id="index"),
        pytest.param(
            ["20250101000000_a.sql"],
            "timestamp",
            "20250107093000_add_user_prefs.sql",
            id="timestamp",
        ),
        pytest.param(["1736242200_a.sql"], "unix", "1736242200_add_user_prefs.sql", id="unix"),
        pytest.param(["add_users.sql"], "none", "add_user_prefs.sql", id="none"),
    ],
)
def test_drizzle_prefix_modes_are_read_from_the_names(
    files: list[str], prefix: str, name: str
) -> None:
    from migration_lint.drizzle import drizzle_layout

    layout = drizzle_layout(files)
    assert layout.pattern.match(name)
    assert layout.convention.startswith(
        {"index": "a 4-digit", "timestamp": "a 14-digit", "unix": "a 10-digit", "none": "a lower"}[
            prefix
        ]
    )


CLEAN = 'CREATE TABLE "t" ("id" bigint);\n'
PRISMA_LOCK = {"migration_lock.toml": 'provider = "postgresql"\n'}


@pytest.mark.parametrize(
    ("files", "problems"),
    [
        pytest.param(
            {
                **PRISMA_LOCK,
                "20250101000000_a/migration.sql": CLEAN,
                "20250101000000_b/migration.sql": CLEAN,
            },
            [],
            id="prisma-migrations-share-a-timestamp",
        ),
        pytest.param(
            {"20250101000000_a/migration.sql": CLEAN, "20250101000000_b/migration.sql": CLEAN},
            [("migration-sequence", "20250101000000_b")],
            id="drizzle-folders-share-a-timestamp",
        ),
        pytest.param(
            {"000001_a.up.sql": CLEAN, "000005_b.up.sql": CLEAN}, [], id="golang-migrate-gap"
        ),
        pytest.param(
            {"000001_a.up.sql": CLEAN, "000001_b.up.sql": CLEAN},
            [("migration-sequence", "000001_b.up.sql")],
            id="golang-migrate-duplicate",
        ),
        pytest.param(
            {"000012_add.user.prefs.up.sql": CLEAN, "000012_add.user.prefs.down.sql": CLEAN},
            [],
            id="golang-migrate-title-with-dots",
        ),
        pytest.param(
            {"000012-add.up.sql": CLEAN},
            [("migration-naming", "000012-add.up.sql")],
            id="golang-migrate-without-underscore",
        ),
        pytest.param({"V1__a.sql": CLEAN, "V5__b.sql": CLEAN}, [], id="flyway-gap"),
        pytest.param(
            {"V1__a.sql": CLEAN, "V1__b.sql": CLEAN},
            [("migration-sequence", "V1__b.sql")],
            id="flyway-duplicate",
        ),
        pytest.param(
            {"1_a.sql": CLEAN, "3_b.sql": CLEAN},
            [("migration-sequence", "3_b.sql")],
            id="plain-gap",
        ),
    ],
)
def test_versions_follow_what_the_runner_accepts(
    tmp_path: Path, files: dict[str, str], problems: list[tuple[str, str]]
) -> None:
    make(tmp_path, files)
    layout = detect_layout(str(tmp_path))
    project = Project()
    found = folder_problems(str(tmp_path), layout, project, state_on_disk(str(tmp_path), project))
    assert [(d.rule, layout.migration_name(d.path)) for d in found] == problems


ALLOW_DROP = "-- migration-lint: allow drop-column -- email moved to contacts\n-- rollback:\n"
DROP_EMAIL = 'ALTER TABLE "users" DROP COLUMN "email";\n'


@pytest.mark.parametrize(
    ("sql", "found"),
    [
        pytest.param(
            ALLOW_DROP
            + '-- ALTER TABLE "users" ADD COLUMN "email" text;\n-- AlterTable\n'
            + DROP_EMAIL,
            [("drop-column", True)],
            id="step-comment-ends-the-plan",
        ),
        pytest.param(
            ALLOW_DROP + "-- AlterTable\n" + DROP_EMAIL,
            # `allow` has no valid plan; the plan is empty; so the drop is not allowed
            [
                ("invalid-suppression", False),
                ("invalid-suppression", False),
                ("drop-column", False),
            ],
            id="step-comment-is-no-plan",
        ),
    ],
)
def test_prisma_step_comment_ends_a_rollback_plan(
    tmp_path: Path, sql: str, found: list[tuple[str, bool]]
) -> None:
    make(tmp_path, {**PRISMA_LOCK, "20250101000000_drop/migration.sql": sql})
    findings = lint_paths([str(tmp_path)], Settings()).diagnostics
    assert [(d.rule, d.allowed) for d in findings] == found
