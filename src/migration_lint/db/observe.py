"""What one statement did to the server: the relation locks its session holds after it, and the
relations it gave a new file (a table rewrite or an index rebuild changes relfilenode).

Both are read on the applying connection itself, inside the statement's transaction, before the
locks are released; so a statement that must run outside a transaction cannot be observed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..locks import LOCK_MODES

if TYPE_CHECKING:
    import psycopg

# The user's relations: not the catalogs, and not TOAST tables (their table's rewrite shows).
_USER_RELATIONS = """
    SELECT c.oid::int8, c.oid::regclass::text, c.relfilenode::int8
    FROM pg_class c
    WHERE c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
      AND c.relnamespace <> 'pg_toast'::regnamespace
      AND c.relkind IN ('r', 'i', 'm', 'S', 'p', 'I', 'v', 'f')
"""
_HELD_LOCKS = """
    SELECT l.relation::int8, l.mode
    FROM pg_locks l
    WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
"""


@dataclass(frozen=True)
class Relation:
    name: str
    filenode: int


@dataclass(frozen=True)
class Snapshot:
    relations: dict[int, Relation]  # by oid
    locks: frozenset[tuple[int, str]]  # (oid, mode), only for the user's relations


def snapshot(connection: psycopg.Connection[tuple[object, ...]]) -> Snapshot:
    # Read the locks first: reading pg_class takes locks of its own, on catalogs only.
    held = connection.execute(_HELD_LOCKS).fetchall()
    relations = {
        int(str(oid)): Relation(str(name), int(str(filenode)))
        for oid, name, filenode in connection.execute(_USER_RELATIONS).fetchall()
    }
    return Snapshot(relations, frozenset((int(str(oid)), str(mode)) for oid, mode in held))


@dataclass(frozen=True)
class Effect:
    locks: dict[str, list[str]]  # relation -> modes held after the statement, weakest first
    new_locks: dict[str, list[str]]
    rewrites: list[str]


def effect(before: Snapshot, after: Snapshot) -> Effect:
    """What changed between two snapshots around one statement. Relations the statement
    created are left out; a dropped one keeps the name it had."""
    names = {oid: r.name for oid, r in before.relations.items()}

    def by_relation(locks: frozenset[tuple[int, str]]) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for oid, mode in locks:
            if oid in names:
                grouped.setdefault(names[oid], []).append(lock_mode(mode))
        return {name: sorted(modes, key=_strength) for name, modes in sorted(grouped.items())}

    rebuilt_names = {r.name: r.filenode for r in after.relations.values()}
    rewrites = [
        relation.name
        for oid, relation in before.relations.items()
        # A partitioned table or a view has no file of its own (filenode 0). An index that
        # ALTER TYPE rebuilds comes back as a new relation of the same name.
        if relation.filenode
        and (
            after.relations[oid].filenode != relation.filenode
            if oid in after.relations
            else rebuilt_names.get(relation.name, relation.filenode) != relation.filenode
        )
    ]
    return Effect(
        by_relation(after.locks), by_relation(after.locks - before.locks), sorted(rewrites)
    )


def lock_mode(pg_locks_mode: str) -> str:
    """pg_locks' `AccessExclusiveLock` as the documentation names it: ACCESS EXCLUSIVE."""
    words: list[str] = []
    for character in pg_locks_mode.removesuffix("Lock"):
        if character.isupper() and words:
            words.append(" ")
        words.append(character.upper())
    return "".join(words)


def _strength(mode: str) -> int:
    return LOCK_MODES.index(mode) if mode in LOCK_MODES else -1
