"""What `verify --trace` observed for each statement it ran, beside what the linter claims.

Plain data, rendered by the output formats; the database code (migration_lint.db) fills it in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


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
    # False: its locks were not seen, as it ran outside any transaction (CREATE INDEX
    # CONCURRENTLY, VACUUM) and released them before they could be read. Rewrites are seen.
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
    problems = _rewrite_disagreements(claim, trace)
    if not trace.observed:
        return problems
    held = {relation_key(name): modes for name, modes in trace.locks.items()}
    target = relation_key(claim.target)
    # "both tables", or a name the message words differently: every relation it locked.
    observed = {target: held[target]} if target in held else held
    if not any(claim.mode in modes for modes in observed.values()):
        seen = ", ".join(f"{modes[-1]} on {name}" for name, modes in observed.items()) or "no lock"
        problems.append(f"{claim.rule} claims {claim.mode} on {claim.target}; observed {seen}")
    return problems


def _rewrite_disagreements(claim: Claim, trace: StatementTrace) -> list[str]:
    if claim.rewrite is None:
        return []
    rewritten = {relation_key(name) for name in trace.rewrites}
    target = relation_key(claim.target)
    # A relation the claim names is looked at alone; "both tables", at every rewrite.
    named = target in rewritten or target in {relation_key(name) for name in trace.locks}
    observed = target in rewritten if named else bool(rewritten)
    if claim.rewrite and not observed:
        return [f"{claim.rule} claims a rewrite of {claim.target}; none observed"]
    if not claim.rewrite and observed:
        return [f"{claim.rule} claims no table rewrite; observed a rewrite of {claim.target}"]
    return []
