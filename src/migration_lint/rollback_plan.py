"""A migration's rollback plan: the SQL that undoes it, as `verify --rollback` checks it and
`migration-lint rollback` runs it.

It is the layout's down migration when there is one (what the runner's own `down` runs, and what
the linter takes for the plan of an `allow`); otherwise the file's `-- rollback:` blocks. Each
block undoes the statement its `allow` declares, so they run last one first, as the statements
are undone in the reverse order.
"""

from __future__ import annotations

from dataclasses import dataclass

from .layouts import Layout
from .located import LocatedSql
from .source import Source
from .suppressions import rollback_blocks


@dataclass(frozen=True)
class RollbackPlan:
    parts: tuple[LocatedSql, ...]  # in the order they run

    @property
    def written(self) -> LocatedSql:
        """The part written first in its file: where a finding about the whole plan goes."""
        return min(self.parts, key=lambda part: part.start)


def rollback_plan(layout: Layout, path: str, text: str) -> RollbackPlan | None:
    """The plan of the migration `path` (its text as written); None when it has none."""
    down = layout.down_migration(path, text)
    if down is not None:
        return RollbackPlan((down,))
    blocks = [block for block in rollback_blocks(Source(path, text)) if block.sql]
    return RollbackPlan(tuple(reversed(blocks))) if blocks else None
