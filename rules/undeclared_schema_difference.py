"""undeclared-schema-difference: `ci --compare-to` found a breaking difference no migration
declares."""

from __future__ import annotations

from migration_lint.diagnostic import Severity
from migration_lint.registry import describe

describe(
    id="undeclared-schema-difference",
    severity=Severity.BREAKING,
    summary="Deploying the branch's schema onto the one `ci --compare-to` names would break "
    "code that runs there, and no migration declares it.",
    rationale=(
        "`ci --compare-to SIDE` replays the branch's migrations and compares the schema with "
        "SIDE's (the dev environment, a committed snapshot) as if it were deployed onto it "
        "(docs/compare.md). A breaking difference (a table or column SIDE has and the branch "
        "does not, a narrowed type, a NOT NULL column without a default, a rename) blocks "
        "unless a migration of the folder declares it: `-- migration-lint: allow RULE -- "
        "reason` and a `-- rollback:` plan on the statement that makes it, RULE being the "
        "difference's own (`drop-column`, ...). Most often SIDE has something no migration "
        "made: write the migration that makes it, or take it out of SIDE."
    ),
    bad="Development has orders.note (added by hand); no migration of the branch creates it:\n"
    "column public.orders.note: removed (text) [drop-column]",
    good="A migration creates it:\n"
    'ALTER TABLE "orders" ADD COLUMN "note" text;\n'
    "or one declares dropping it:\n"
    "-- migration-lint: allow drop-column -- notes moved to the CRM\n"
    "-- rollback:\n"
    '-- ALTER TABLE "orders" ADD COLUMN "note" text;\n'
    'ALTER TABLE "orders" DROP COLUMN "note";',
    scope="repository",
)
