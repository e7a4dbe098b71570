"""`migration-lint drift`: what was changed in an environment outside its migrations.

For each environment, its runner's bookkeeping (status.py) says which of the folder's
migrations it applied; exactly those are replayed into a scratch database (replay.py), and the
live schema is compared with theirs (compare.py) as if the live one were deployed onto it:
"added" is what was made outside the migrations, "removed" what was dropped outside them, and
a difference is breaking when it breaks code written against the migrations' schema.

Environments checked together (dev, uat, prod) are also compared pair by pair, each with the
next as if it were promoted onto it. A difference the migrations explain (one applied to the
first and not yet to the next: their replays differ the same way) awaits promotion; any other
is drift between them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from ..linter import Settings
from ..source import InputError
from .catalog import Catalog
from .compare import Comparison, Difference, compare
from .replay import replay
from .server import ScratchHost
from .sides import DATABASE, Side, read, target_is_url
from .state import State
from .status import StatusReport, read_status
from .urls import redact

NO_DRIFT, DRIFT = 0, 1  # the exit codes; errors are 2, as everywhere

# States in which the bookkeeping does not say what schema the database should have: a
# migration recorded as applied whose file is not the one applied, or that failed partway.
_UNREPLAYABLE = {State.CHANGED, State.DATABASE_ONLY, State.FAILED, State.DIRTY}


@dataclass(frozen=True)
class EnvironmentDrift:
    label: str
    applied: int  # how many migrations its bookkeeping says it applied: those replayed
    comparison: Comparison  # the live schema (source) onto the applied migrations' (target)

    @property
    def differences(self) -> tuple[Difference, ...]:
        return self.comparison.differences


@dataclass(frozen=True)
class PairDrift:
    source: str  # the earlier environment's label (dev), as if promoted onto
    target: str  # the next one's (uat)
    differences: tuple[Difference, ...]  # those the migrations do not explain: drift
    awaiting: tuple[Difference, ...]  # those they do: applied to source, not yet to target


@dataclass(frozen=True)
class DriftReport:
    folder: str
    environments: tuple[EnvironmentDrift, ...]
    pairs: tuple[PairDrift, ...] = ()

    @property
    def drifted(self) -> list[str]:
        """What drifted, as shown: environments' labels, and pairs as "dev -> uat"."""
        return [e.label for e in self.environments if e.differences] + [
            f"{p.source} -> {p.target}" for p in self.pairs if p.differences
        ]

    @property
    def exit_code(self) -> int:
        return DRIFT if self.drifted else NO_DRIFT


@dataclass(frozen=True)
class _Read:
    """An environment's two schemas: as it is, and as its applied migrations make it."""

    label: str
    applied: int
    live: Catalog
    replayed: Catalog


def check_drift(
    sides: Sequence[Side],
    folder: str,
    settings: Settings,
    host: ScratchHost,
    schema: str | None = None,
    table: str | None = None,
) -> DriftReport:
    """Each environment against its applied migrations of `folder`, and each with the next;
    an InputError (a DatabaseError) when one cannot be read or its history cannot be replayed.
    `schema` and `table`: where the bookkeeping is, when not where the runner keeps it."""
    found = []
    for side in sides:
        assert side.database is not None  # environment() resolved it
        applied = applied_migrations(
            read_status(folder, settings.project, side.database, schema, table)
        )
        replayed = replay(folder, settings, host, applied)
        found.append(_Read(side.label, len(applied), read(side), replayed))
    return DriftReport(
        folder,
        tuple(EnvironmentDrift(e.label, e.applied, compare(e.live, e.replayed)) for e in found),
        tuple(_pair(earlier, later) for earlier, later in pairwise(found)),
    )


def environment(value: str, resolved: Side) -> Side:
    """`resolved`, the side `value` names, when it is a database named by an environment of
    the config or a variable: drift's reports and notifications name databases by label only,
    never by address, and a URL on the command line is one a CI log would keep."""
    if target_is_url(value):
        raise InputError(
            redact(value),
            "drift takes an environment of the config's [environments], or the name of the "
            "variable holding its URL, not the URL",
        )
    if resolved.kind != DATABASE:
        raise InputError(
            resolved.label, f"a {resolved.kind}: drift checks databases, named by environment"
        )
    return resolved


def applied_migrations(status: StatusReport) -> list[str]:
    """The files of the migrations the database applied, in the runner's order; an InputError
    when its bookkeeping does not say which schema that is."""
    for entry in status.entries:
        if entry.state in _UNREPLAYABLE:
            raise InputError(
                status.database,
                f"{entry.path or entry.name} is {entry.state.value} ({entry.detail}): the "
                "migrations cannot be replayed as the database had them (`migration-lint "
                "status` says more)",
            )
    return [e.path for e in status.entries if e.state is State.APPLIED and e.path is not None]


def _pair(earlier: _Read, later: _Read) -> PairDrift:
    explained = set(compare(earlier.replayed, later.replayed).differences)
    differences = compare(earlier.live, later.live).differences
    return PairDrift(
        earlier.label,
        later.label,
        tuple(d for d in differences if d not in explained),
        tuple(d for d in differences if d in explained),
    )
