"""What `verify --trace` observed for each statement it ran, beside what the linter claims.

Plain data, rendered by the output formats; the database code (migration_lint.db) fills it in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Lock modes from weakest to strongest, as PostgreSQL's documentation names them.
LOCK_MODES = (
    "ACCESS SHARE",
    "ROW SHARE",
    "ROW EXCLUSIVE",
    "SHARE UPDATE EXCLUSIVE",
    "SHARE",
    "SHARE ROW EXCLUSIVE",
    "EXCLUSIVE",
    "ACCESS EXCLUSIVE",
)


@dataclass(frozen=True)
class Claim:
    """The lock (and rewrite) a finding says its statement takes, read from its message."""

    rule: str
    mode: str
    target: str  # as the message names it: "users", "both tables"
    rewrite: bool | None  # None: the finding says nothing about a rewrite


@dataclass
class StatementTrace:
    path: str
    line: int
    column: int
    sql: str  # the statement's first line, shortened
    # The lock modes held on each relation (table, index, sequence) once it has run, weakest
    # first; relations it created are left out. Some may have been taken earlier in the same
    # transaction: `new_locks` are the ones it took.
    locks: dict[str, list[str]] = field(default_factory=dict)
    new_locks: dict[str, list[str]] = field(default_factory=dict)
    rewrites: list[str] = field(default_factory=list)  # relations given a new file
    milliseconds: float = 0.0
    # False: it ran outside any transaction (CREATE INDEX CONCURRENTLY, VACUUM), whose locks
    # are gone before they can be read.
    observed: bool = True
    claims: list[Claim] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)


_CLAIM = re.compile(
    r"Takes an? (?P<mode>[A-Z ]+?) lock on (?P<target>.+?) \((?P<blocks>[^)]*)\)"
    r"(?P<rest>[^.]*)\."
)


def claims_in(rule: str, message: str) -> list[Claim]:
    """The lock claims of a finding's message, as locks.lock() words them."""
    found = []
    for match in _CLAIM.finditer(message):
        rest = match["rest"]
        rewrite = True if "rewrites" in rest else False if "no table rewrite" in rest else None
        found.append(Claim(rule, match["mode"], match["target"], rewrite))
    return found


def relation_key(name: str) -> str:
    """The unqualified name, unquoted: `"public"."users"` and `users` both give `users`."""
    last = re.split(r'\.(?=(?:[^"]*"[^"]*")*[^"]*$)', name)[-1]
    return last[1:-1].replace('""', '"') if last.startswith('"') else last.lower()


def disagreements(claim: Claim, trace: StatementTrace) -> list[str]:
    """What was observed that the claim does not say, in words (empty: they agree)."""
    if not trace.observed:
        return []
    held = {relation_key(name): modes for name, modes in trace.locks.items()}
    target = relation_key(claim.target)
    # "both tables", or a name the message words differently: every relation it locked.
    observed = {target: held[target]} if target in held else held
    problems = []
    if not any(claim.mode in modes for modes in observed.values()):
        seen = ", ".join(f"{modes[-1]} on {name}" for name, modes in observed.items()) or "no lock"
        problems.append(f"{claim.rule} claims {claim.mode} on {claim.target}; observed {seen}")
    rewritten = {relation_key(name) for name in trace.rewrites}
    targets = {target} if target in held else set(held)
    if claim.rewrite is True and not rewritten & targets:
        problems.append(f"{claim.rule} claims a table rewrite; none observed")
    if claim.rewrite is False and rewritten & targets:
        problems.append(
            f"{claim.rule} claims no table rewrite; observed a rewrite of "
            + ", ".join(sorted(rewritten & targets))
        )
    return problems
