"""rename-table: ALTER TABLE ... RENAME TO on a table running code uses."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import declare
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import RenameTable, quote
from migration_lint.registry import rule


@rule(
    id="rename-table",
    severity=Severity.BREAKING,
    example_schema='CREATE TABLE "users" ("id" bigint PRIMARY KEY);',
    inspects=(RenameTable,),
    summary="Renaming a table breaks code that still uses the old name.",
    rationale=(
        "Between the migration and the deploy of the new code, the running release queries a "
        "table that no longer exists. A view with the old name keeps it working during the switch."
    ),
    bad='ALTER TABLE "users" RENAME TO "accounts";',
    good="-- migration-lint: allow rename-table -- the view keeps the old name working\n"
    "-- rollback:\n"
    '-- DROP VIEW "users"; ALTER TABLE "accounts" RENAME TO "users";\n'
    'ALTER TABLE "users" RENAME TO "accounts";\n'
    'CREATE VIEW "users" AS SELECT * FROM "accounts";',
)
def rename_table(op: RenameTable, ctx: Context) -> Iterator[tuple[str, str]]:
    if ctx.is_new_table(op.table):
        return
    old, new = op.table.sql, op.table.sibling(op.new_name).sql
    yield (
        f"Renaming {old} to {quote(op.new_name)} breaks running code that still uses {old} "
        f"until the new code is deployed. "
        + ctx.lock("ACCESS EXCLUSIVE", old, rewrite=False, table=op.table),
        f"Rename without downtime:\n"
        f"1. In one migration, rename and keep the old name as a view (simple views accept "
        f"INSERT, UPDATE and DELETE):\n"
        f"   ALTER TABLE {old} RENAME TO {quote(op.new_name)};\n"
        f"   CREATE VIEW {old} AS SELECT * FROM {new};\n"
        f"2. Deploy code that uses {new}.\n"
        f"3. In a later migration: DROP VIEW {old};\n"
        + declare("rename-table", f"ALTER TABLE {new} RENAME TO {quote(op.table.name)};"),
    )
