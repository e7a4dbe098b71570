"""dynamic-sql: a DO block that runs SQL built at run time through EXECUTE."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import DynamicSql
from migration_lint.registry import rule

# The part of the EXECUTE expression a message quotes.
SHOWN_CHARS = 60

# Commands that read or write rows, which is not what the linter checks: their SQL built at run
# time hides no schema change (a SELECT may call setval(), and WITH holds only such commands).
ROW_COMMANDS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "VALUES", "WITH"})


@rule(
    id="dynamic-sql",
    severity=Severity.INFO,
    inspects=(DynamicSql,),
    summary="A DO block runs SQL built at run time through EXECUTE, which the linter cannot check.",
    rationale=(
        "The statements that EXECUTE runs exist only when the block runs, so no rule sees "
        "whether they drop, rename or rewrite something, or which locks they take. An EXECUTE "
        "of a string constant is checked like the block's other statements; one that builds "
        "its SQL (format(), ||) is not, and is reported unless its text starts with a command "
        "that only reads or writes rows (SELECT, INSERT, UPDATE, DELETE, MERGE, VALUES, WITH). "
        "Write the statements out where you can, or review what they do by hand."
    ),
    bad="DO $$\nDECLARE t text;\nBEGIN\n"
    "  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP\n"
    "    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);\n"
    "  END LOOP;\nEND $$;",
    good='ALTER TABLE "users" ENABLE ROW LEVEL SECURITY;\n'
    'ALTER TABLE "orders" ENABLE ROW LEVEL SECURITY;',
)
def dynamic_sql(op: DynamicSql, ctx: Context) -> Iterator[tuple[str, str]]:
    if op.command in ROW_COMMANDS:
        return
    expression = " ".join(op.expression.split())
    if len(expression) > SHOWN_CHARS:
        expression = expression[: SHOWN_CHARS - 3] + "..."
    yield (
        f"EXECUTE {expression} runs SQL that is built when the block runs: the linter could not "
        "check what it runs (drops, renames, rewrites, the locks it takes).",
        "Write the statements out in the migration where you can, so that they are checked; "
        "otherwise review by hand what the block runs. `migration-lint verify --trace` (with "
        "the [db] extra) applies the migration to a scratch database and shows the locks the "
        "block took and the tables it rewrote.",
    )
