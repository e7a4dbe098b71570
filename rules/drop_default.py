"""drop-default: DROP DEFAULT (or SET DEFAULT NULL) on a NOT NULL column that running code
leaves out of its INSERTs."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint import advice
from migration_lint.context import Context, sequence_name
from migration_lint.diagnostic import Severity
from migration_lint.operations import DropDefault, quote
from migration_lint.registry import rule


@rule(
    id="drop-default",
    severity=Severity.BREAKING,
    example_schema=(
        'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "locale" text NOT NULL DEFAULT \'en\');'
    ),
    inspects=(DropDefault,),
    summary="Dropping the default of a NOT NULL column breaks inserts from running code that "
    "leaves the column out.",
    rationale=(
        "ORMs leave a column with a default out of their INSERTs (Prisma and drizzle do), so "
        "the running release relies on the default. Once it is gone, every such INSERT fails "
        "with a not-null violation until code that always sets the column is deployed everywhere. "
        "Deploy that code first and drop the default in a later migration, or make the column "
        "optional first."
    ),
    bad='ALTER TABLE "users" ALTER COLUMN "locale" DROP DEFAULT;',
    good="-- Release 41 sets users.locale in every INSERT; this migration ships with release 42.\n"
    "-- migration-lint: allow drop-default -- every insert sets locale since release 41\n"
    "-- rollback:\n"
    '-- ALTER TABLE "users" ALTER COLUMN "locale" SET DEFAULT \'en\';\n'
    'ALTER TABLE "users" ALTER COLUMN "locale" DROP DEFAULT;',
)
def drop_default(op: DropDefault, ctx: Context) -> Iterator[tuple[str, str]]:
    if ctx.is_new_table(op.table) or ctx.column_added_in_migration(op.table, op.column):
        return  # a column added in this migration: add-required-column
    known = ctx.column(op.table, op.column)
    if known is not None and (not known.not_null or not known.has_default or known.generated):
        return  # inserts that leave it out store NULL, or it had no default to drop
    if ctx.default_settled_later(op.table, op.column):
        return
    table, column = op.table.sql, quote(op.column)
    subject, condition = (
        (f"NOT NULL column {column} of {table}", "")
        if known
        else (
            f"column {column} of {table}",
            " if it is NOT NULL (the earlier migrations do not show whether it is)",
        )
    )
    key = ctx.primary_key(op.table)
    if key is not None and op.column in key.columns:  # PostgreSQL refuses DROP NOT NULL on it
        keep = (
            f"{column} is in the primary key {quote(key.name or '')}: it stays NOT NULL, so "
            "every INSERT must set it once its default is gone."
        )
    else:
        keep = (
            "Or, if rows may have no value, make the column optional before dropping its "
            f"default:\n   ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL;"
        )
    if known is not None and known.serial:
        keep = (
            f"Its default takes its values from the sequence "
            f"{sequence_name(op.table, op.column).sql} (Prisma drops both when "
            "@default(autoincrement()) leaves the schema): keep both until step 2.\n" + keep
        )
        rollback = advice.restore_serial_default(op.table, known)
    else:
        rollback = advice.set_default(op.table, op.column, known.default if known else None)
    yield (
        f"Removing the default of {subject} makes INSERTs that leave {column} out fail with a "
        f"not-null violation{condition}, and the running release leaves it out (ORMs such as "
        "Prisma and drizzle omit columns that have a default). "
        + ctx.lock("ACCESS EXCLUSIVE", table, rewrite=False, table=op.table),
        "Drop a default in two releases:\n"
        f"1. Deploy code that sets {column} in every INSERT into {table}, keeping the default "
        "in the ORM schema.\n"
        "2. In a later migration, once that release runs everywhere:\n"
        f"   ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT;\n"
        f"{keep}\n" + advice.declare("drop-default", rollback),
    )
