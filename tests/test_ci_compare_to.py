"""`ci --compare-to SIDE` on real git repositories: the branch's migrations replayed and compared
with a dev database (or its committed snapshot) as if deployed onto it; a breaking difference
blocks unless a migration declares it, and the pull request comment shows the comparison."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from drizzle_repo import ALLOW_DROP, DROP_COUPON, MIGRATIONS, ROLLBACK, DrizzleRepo, git
from migration_lint.cli import main
from migration_lint.db.server import ScratchHost, socket_url

PASSWORD = "C0mpare-S3cret"
NOTE_BY_HAND = 'ALTER TABLE "orders" ADD COLUMN "note" text;'


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DrizzleRepo:
    project = DrizzleRepo(tmp_path / "app", "drizzle")
    git(project.path, "checkout", "-q", "-b", "feature")
    monkeypatch.chdir(project.path)
    for variable in ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("MIGRATION_LINT_APPROVED", raising=False)
    return project


@pytest.fixture
def dev(pg_server: ScratchHost, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """dev(sql): a database migrated as main is, then `sql` run by hand; its URL, with a
    password, in $DEV_POSTGRES_URL."""
    with pg_server.database("dev") as made, psycopg.connect(made.url, autocommit=True) as db:

        def migrate(by_hand: str) -> None:
            for sql in MIGRATIONS.values():
                db.execute(sql.encode())
            if by_hand:
                db.execute(by_hand.encode())

        where = conninfo_to_dict(made.url)
        url = socket_url(str(where["host"]), str(where["dbname"]))
        monkeypatch.setenv("DEV_POSTGRES_URL", url.replace("postgres@", f"postgres:{PASSWORD}@"))
        yield migrate


def additive(repo: DrizzleRepo) -> None:
    repo.add_migration("0002_user_name", 'ALTER TABLE "users" ADD COLUMN "name" text;\n')


def declared_drop(repo: DrizzleRepo) -> None:
    repo.add_migration("0002_drop_coupon", ALLOW_DROP + ROLLBACK + DROP_COUPON)


def undeclared_drop(repo: DrizzleRepo) -> None:
    repo.add_migration("0002_drop_coupon", DROP_COUPON)


# A view and a function made by hand on dev, which a migration of the branch drops, declared.
COUPON_VIEW = 'CREATE VIEW "order_coupons" AS SELECT "id", "coupon" FROM "orders";'
COUPON_FUNCTION = (
    'CREATE FUNCTION "coupon_of"("order_id" integer) RETURNS text LANGUAGE sql '
    "AS 'SELECT coupon FROM orders WHERE id = order_id';"
)


def declared_view_drop(repo: DrizzleRepo) -> None:
    repo.add_migration(
        "0002_drop_order_coupons",
        "-- migration-lint: allow drop-view -- the report reads orders directly since release 41\n"
        f"-- rollback:\n-- {COUPON_VIEW}\n"
        'DROP VIEW IF EXISTS "order_coupons";\n',
    )


def declared_function_drop(repo: DrizzleRepo) -> None:
    repo.add_migration(
        "0002_drop_coupon_of",
        "-- migration-lint: allow drop-function -- no caller since release 41\n"
        f"-- rollback:\n-- {COUPON_FUNCTION}\n"
        'DROP FUNCTION IF EXISTS "coupon_of"(integer);\n',
    )


def snapshot_of_dev(repo: DrizzleRepo) -> str:
    """dev's schema, committed as a snapshot: what CI compares with without reaching dev."""
    (repo.path / "schema").mkdir()
    assert main(["snapshot", "DEV_POSTGRES_URL", "-o", "schema/dev.json"]) == 0
    repo.commit("dev's schema")
    return "schema/dev.json"


@pytest.mark.parametrize("side", ["variable", "snapshot"])
@pytest.mark.parametrize(
    ("by_hand", "change", "flags", "gate", "comment_rows"),
    [
        pytest.param(
            "",
            additive,
            [],
            "pass",
            ["| compatible | `column public.users.name: added (text)` |"],
            id="additive",
        ),
        pytest.param(
            "",
            declared_drop,
            [],
            "needs-approval",
            [
                "| breaking, declared | `[drop-column] column public.orders.coupon: removed (text)` |"
            ],
            id="declared-drop-needs-approval",
        ),
        pytest.param(
            "",
            declared_drop,
            ["--approved"],
            "pass",
            [
                "| breaking, declared | `[drop-column] column public.orders.coupon: removed (text)` |"
            ],
            id="declared-drop-approved",
        ),
        pytest.param(
            COUPON_VIEW,
            declared_view_drop,
            [],
            "needs-approval",
            ["| breaking, declared | `[drop-view] view public.order_coupons: removed` |"],
            id="declared-view-drop-needs-approval",
        ),
        pytest.param(
            COUPON_FUNCTION,
            declared_function_drop,
            ["--approved"],
            "pass",
            [
                "| breaking, declared | `[drop-function] function public.coupon_of(order_id integer): "
                "removed` |"
            ],
            id="declared-function-drop-approved",
        ),
        pytest.param(
            # The linter's drop-column turned off: the comparison still sees the drop.
            "",
            undeclared_drop,
            ["--ignore", "drop-column"],
            "blocked",
            [
                "| ⛔ breaking, not declared | `[drop-column] column public.orders.coupon: "
                "removed (text)` |"
            ],
            id="undeclared-drop",
        ),
        pytest.param(
            # dev has a column no migration makes: deploying the branch there would drop it.
            NOTE_BY_HAND,
            additive,
            ["--approved"],
            "blocked",
            [
                "| ⛔ breaking, not declared | `[drop-column] column public.orders.note: "
                "removed (text)` |",
                "| compatible | `column public.users.name: added (text)` |",
            ],
            id="dev-has-a-column-no-migration-makes",
        ),
    ],
)
def test_breaking_differences_block_unless_a_migration_declares_them(
    repo: DrizzleRepo,
    dev: Callable[[str], None],
    pg_url: str,
    capsys: pytest.CaptureFixture[str],
    side: str,
    by_hand: str,
    change: Callable[[DrizzleRepo], None],
    flags: list[str],
    gate: str,
    comment_rows: list[str],
) -> None:
    dev(by_hand)
    compare_to = snapshot_of_dev(repo) if side == "snapshot" else "DEV_POSTGRES_URL"
    shown = "schema/dev.json" if side == "snapshot" else "$DEV_POSTGRES_URL"
    change(repo)
    repo.commit("feature")
    args = ["ci", "--base", "main", "--compare-to", compare_to, "--database-url", pg_url]
    code = main([*args, *flags, "--output", "json", "--output", "markdown:comment.md"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert (report["summary"]["gate"], code) == (
        gate,
        {"pass": 0, "needs-approval": 1}.get(gate, 2),
    )
    undeclared = [
        d["message"] for d in report["diagnostics"] if d["rule"] == "undeclared-schema-difference"
    ]
    assert len(undeclared) == (gate == "blocked")
    comment = (repo.path / "comment.md").read_text()
    section = comment[comment.index("### Schema compared with") :]
    assert section.startswith(
        f"### Schema compared with `{shown}`\n\nWhat deploying the branch's `drizzle` onto "
        f"`{shown}` changes:"
    )
    rows = [
        line for line in section.splitlines() if line.startswith("| ") and "Difference" not in line
    ]
    assert rows == comment_rows
    for printed in (captured.out, captured.err, comment):
        assert PASSWORD not in printed


def test_an_undeclared_difference_says_what_to_write(
    repo: DrizzleRepo,
    dev: Callable[[str], None],
    pg_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dev(NOTE_BY_HAND)
    additive(repo)
    repo.commit("feature")
    args = ["ci", "--base", "main", "--compare-to", "DEV_POSTGRES_URL", "--database-url", pg_url]
    assert main(args) == 2
    out = capsys.readouterr().out
    assert (
        "drizzle:1:1: undeclared-schema-difference [drop-column] column public.orders.note: "
        "removed (text): deploying the branch onto $DEV_POSTGRES_URL makes this change, and no "
        "migration declares it (`-- migration-lint: allow drop-column -- reason` and a "
        "`-- rollback:` plan on the statement that makes it)"
    ) in out


def two_folders(repo: DrizzleRepo) -> None:
    repo.write(".migration-lint.toml", 'paths = ["drizzle", "other"]\n')
    repo.write("other/0001_x.sql", 'CREATE TABLE "x" ("id" bigint PRIMARY KEY);\n')


@pytest.mark.parametrize(
    ("setup", "side", "expected"),
    [
        pytest.param(
            lambda repo: None,
            "NO_SUCH_DATABASE_URL",
            "NO_SUCH_DATABASE_URL: not a database URL",
            id="a-side-that-cannot-be-read",
        ),
        pytest.param(
            two_folders,
            "schema.json",
            "the project has 2 migration folders (drizzle, other): --compare-to compares one",
            id="two-folders",
        ),
    ],
)
def test_what_compare_to_refuses_before_anything_is_checked(
    repo: DrizzleRepo,
    capsys: pytest.CaptureFixture[str],
    setup: Callable[[DrizzleRepo], None],
    side: str,
    expected: str,
) -> None:
    setup(repo)
    additive(repo)
    repo.commit("feature")
    assert main(["ci", "--base", "main", "--compare-to", side]) == 2
    captured = capsys.readouterr()
    assert expected in captured.err and "migration-lint ci: checks" not in captured.err
