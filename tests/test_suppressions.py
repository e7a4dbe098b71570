"""Ignoring warnings and declaring breaking changes in the migration file itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import lint_folder, lint_sql
from migration_lint.cli import main

INDEX = 'CREATE INDEX "i" ON "t" ("c");'
DROP = 'ALTER TABLE "orders" DROP COLUMN "coupon";'
ROLLBACK = '-- rollback:\n-- ALTER TABLE "orders" ADD COLUMN "coupon" text;\n'


def findings(sql: str) -> list[tuple[str, bool, int]]:
    return [(d.rule, d.allowed, d.line) for d in lint_sql(sql)]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param(
            f"-- migration-lint: ignore create-index-not-concurrently -- 40 rows\n{INDEX}\n{INDEX}",
            [("create-index-not-concurrently", False, 3)],
            id="ignore-covers-the-next-statement-only",
        ),
        pytest.param(
            f"-- migration-lint: ignore-file create-index-not-concurrently -- tiny table\n{INDEX}\n{INDEX}",
            [],
            id="ignore-file",
        ),
        pytest.param(
            f"{INDEX} -- migration-lint: ignore create-index-not-concurrently -- x\n{INDEX}",
            [
                ("create-index-not-concurrently", False, 1),
                ("create-index-not-concurrently", False, 2),
            ],
            id="directive-must-start-the-line",
        ),
        pytest.param(
            "-- migration-lint: ignore create-index-not-concurrently, drop-index-not-concurrently -- small\n"
            'CREATE INDEX "i" ON "t" ("c");',
            [],
            id="several-rules",
        ),
        pytest.param(
            f"-- migration-lint: ignore create-index-not-concurrently\n{INDEX}",
            [("invalid-suppression", False, 1), ("create-index-not-concurrently", False, 2)],
            id="ignore-without-reason",
        ),
        pytest.param(
            f"-- migration-lint: ignore create-index-concurrently -- typo\n{INDEX}",
            [("invalid-suppression", False, 1), ("create-index-not-concurrently", False, 2)],
            id="ignore-unknown-rule",
        ),
        pytest.param(
            f"-- migration-lint: ignore drop-column -- not used\n{DROP}",
            [("invalid-suppression", False, 1), ("drop-column", False, 2)],
            id="breaking-cannot-be-ignored",
        ),
        pytest.param(
            "-- migration-lint: ignore syntax-error -- trust me\nSELEC 1;",
            [("invalid-suppression", False, 1), ("syntax-error", False, 2)],
            id="errors-cannot-be-silenced",
        ),
        pytest.param(
            f"-- migration-lint: allow drop-column -- coupons moved to the promotions service\n{ROLLBACK}{DROP}",
            [("drop-column", True, 4)],
            id="allow-with-rollback-plan",
        ),
        pytest.param(
            f"-- migration-lint: allow drop-column -- coupons moved\n{DROP}\n{ROLLBACK}",
            [("drop-column", True, 2)],
            id="rollback-plan-anywhere-in-the-file",
        ),
        pytest.param(
            f"-- migration-lint: allow drop-column -- coupons moved\n{DROP}",
            [("invalid-suppression", False, 1), ("drop-column", False, 2)],
            id="allow-without-rollback-plan",
        ),
        pytest.param(
            f"-- migration-lint: allow drop-column\n{ROLLBACK}{DROP}",
            [("invalid-suppression", False, 1), ("drop-column", False, 4)],
            id="allow-without-reason",
        ),
        pytest.param(
            f"-- migration-lint: allow drop-column -- moved\n-- rollback:\n-- ALTER TABLE orders ADDD COLUMN coupon text;\n{DROP}",
            [
                ("invalid-suppression", False, 1),
                ("invalid-suppression", False, 2),
                ("drop-column", False, 4),
            ],
            id="rollback-plan-must-be-valid-sql",
        ),
        pytest.param(
            f"-- migration-lint: allow create-index-not-concurrently -- small\n{ROLLBACK}{INDEX}",
            [("invalid-suppression", False, 1), ("create-index-not-concurrently", False, 4)],
            id="allow-is-for-breaking-changes",
        ),
        pytest.param(
            f"-- migration-lint: silence drop-column -- x\n{DROP}",
            [("invalid-suppression", False, 1), ("drop-column", False, 2)],
            id="unknown-directive",
        ),
    ],
)
def test_suppressions(sql: str, expected: list[tuple[str, bool, int]]) -> None:
    assert findings(sql) == expected


def test_allowed_breaking_change_is_visible_in_json_and_does_not_fail(
    tmp_path: Path, capsys
) -> None:
    migration = tmp_path / "0001_drop_coupon.sql"
    migration.write_text(
        f"-- migration-lint: allow drop-column -- coupons moved to promotions\n{ROLLBACK}{DROP}"
    )
    assert main(["lint", "--format", "json", str(migration)]) == 0
    (diagnostic,) = json.loads(capsys.readouterr().out)["diagnostics"]
    assert diagnostic["rule"] == "drop-column" and diagnostic["severity"] == "breaking"
    assert diagnostic["allowed"] is True and diagnostic["reason"] == "coupons moved to promotions"
    assert main(["lint", str(migration)]) == 0
    assert "[breaking, allowed: coupons moved to promotions]" in capsys.readouterr().out


RENAME = 'ALTER TABLE "users" RENAME COLUMN "name" TO "full_name";'


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param(
            f"-- migration-lint: allow drop-column -- moved\n{ROLLBACK}{DROP}\n"
            f"-- migration-lint: allow rename-column -- clearer\n{RENAME}",
            [
                ("drop-column", True, 4),
                ("invalid-suppression", False, 5),
                ("rename-column", False, 6),
            ],
            id="each-allow-needs-its-own-plan",
        ),
        pytest.param(
            '-- migration-lint: allow drop-column -- moved\n-- rollback:\n-- ALTER TABLE "orders" ADD COLUMN "coupon" text;\n'
            "-- migration-lint: allow rename-column -- clearer\n"
            '-- rollback:\n-- ALTER TABLE "users" RENAME COLUMN "full_name" TO "name";\n'
            f"{DROP}\n{RENAME}",
            # The second allow covers the next statement, the DROP, so it covers no rename.
            [
                ("invalid-suppression", False, 4),
                ("drop-column", True, 7),
                ("rename-column", False, 8),
            ],
            id="a-plan-ends-at-the-next-directive",
        ),
        pytest.param(
            f"-- migration-lint: ignore create-index-not-concurrently -- small\n{DROP}",
            [("invalid-suppression", False, 1), ("drop-column", False, 2)],
            id="directive-that-covers-nothing",
        ),
        pytest.param(
            f"{INDEX}\n-- migration-lint: ignore create-index-not-concurrently -- small",
            [("create-index-not-concurrently", False, 1), ("invalid-suppression", False, 2)],
            id="directive-after-the-last-statement",
        ),
    ],
)
def test_rollback_plans_and_unused_directives(
    sql: str, expected: list[tuple[str, bool, int]]
) -> None:
    assert findings(sql) == expected


def test_directive_for_a_rule_this_run_does_not_use_is_not_unused() -> None:
    sql = f"-- migration-lint: ignore create-index-not-concurrently -- small\n{DROP}"
    assert [d.rule for d in lint_sql(sql, select=frozenset({"drop-column"}))] == ["drop-column"]


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_directives_work_with_every_line_end(tmp_path: Path, line_end: str) -> None:
    sql = line_end.join(
        [
            "-- migration-lint: ignore create-index-not-concurrently -- 200 rows",
            'CREATE INDEX "i" ON "t" ("id");',
            "-- migration-lint: allow drop-column -- moved",
            "-- rollback:",
            '-- ALTER TABLE "t" ADD COLUMN "id" int;',
            'ALTER TABLE "t" DROP COLUMN "id";',
        ]
    )
    found = lint_folder(tmp_path, ['CREATE TABLE "t" ("id" int);\n', sql])
    assert [(d.rule, d.allowed, d.line) for d in found] == [("drop-column", True, 6)]
