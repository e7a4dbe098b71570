"""drizzle-kit specifics: its config file, and its journal, which decides what the migrator runs."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from .diagnostic import Diagnostic, Severity
from .discovery import relative_path
from .layouts import DRIZZLE_PREFIXES, Layout, drizzle

CONFIG_NAMES = tuple(f"drizzle.config.{ext}" for ext in ("ts", "js", "mjs", "cjs", "json"))
JOURNAL = os.path.join("meta", "_journal.json")
JOURNAL_MISMATCH = "journal-mismatch"


@dataclass(frozen=True)
class DrizzleConfig:
    path: Path
    out: str | None = None  # the migrations folder, relative to the working directory
    schema: tuple[str, ...] = ()  # schema files or globs, likewise
    dialect: str | None = None
    prefix: str | None = None
    # `out` written as code, not a string literal (e.g. path.join(...)): it cannot be read.
    out_code: str | None = None

    @property
    def is_postgres(self) -> bool:
        return self.dialect is None or self.dialect in POSTGRES_DIALECTS


POSTGRES_DIALECTS = ("postgresql", "postgres", "pg")


def find_drizzle_configs(start: Path) -> list[DrizzleConfig]:
    """The drizzle configs of the project, of every dialect: in `start` or a parent, or, in a
    monorepo, the ones git tracks anywhere below."""
    for folder in (start, *start.parents):
        for name in CONFIG_NAMES:
            if (folder / name).is_file():
                return [read_drizzle_config(folder / name)]
        if (folder / ".git").exists():
            break  # the top of the repository
    try:
        from .git import GitError, tracked_files

        tracked = tracked_files([f"*{name}" for name in CONFIG_NAMES])
    except GitError:
        return []
    return [read_drizzle_config(Path(path)) for path in tracked]


_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)


def _string(key: str, text: str) -> str | None:
    match = re.search(rf"\b{key}\s*:\s*([\"'`])(.+?)\1", text)
    return match[2] if match else None


def _expression(code: str, start: int) -> str:
    """The JavaScript expression at `start`, up to the `,` or `}` that ends it."""
    depth = 0
    for position in range(start, len(code)):
        char = code[position]
        if char in "([{":
            depth += 1
        elif char in ")]}" and depth:
            depth -= 1
        elif char in ",}\n" and not depth:
            return code[start:position].strip()
    return code[start:].strip()


def read_drizzle_config(path: Path) -> DrizzleConfig:
    """The settings migration-lint needs, read without running the config's JavaScript."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".json":
        data: dict[str, Any] = json.loads(text)
        out, dialect = data.get("out"), data.get("dialect")
        schema = data.get("schema", [])
        prefix = (data.get("migrations") or {}).get("prefix")
        schemas = [schema] if isinstance(schema, str) else list(schema)
        out_code = None
    else:
        # Not JavaScript's grammar, only enough of it for drizzle's config object: comments
        # out, and the `migrations: {...}` block read apart (its `schema` is a database schema).
        code = _COMMENTS.sub("", text)
        migrations = re.search(r"\bmigrations\s*:\s*\{(.*?)\}", code, re.DOTALL)
        prefix = _string("prefix", migrations[1]) if migrations else None
        if migrations:
            code = code[: migrations.start()] + code[migrations.end() :]
        out, dialect = _string("out", code), _string("dialect", code)
        written = re.search(r"\bout\s*:\s*", code)
        out_code = _expression(code, written.end()) if written and out is None else None
        listed = re.search(r"\bschema\s*:\s*\[(.*?)\]", code, re.DOTALL)
        schemas = (
            re.findall(r"[\"'`](.+?)[\"'`]", listed[1]) if listed else [_string("schema", code)]
        )
    base = path.parent
    return DrizzleConfig(
        path,
        relative_path(base, out) if out else None,
        tuple(relative_path(base, s) for s in schemas if s),
        dialect,
        prefix if prefix in DRIZZLE_PREFIXES else None,
        out_code,
    )


def drizzle_layout(files: list[str], prefix: str | None = None) -> Layout:
    """The drizzle layout for a folder, its prefix mode from the config or from the names."""
    if prefix is None:
        digits = re.match(r"(\d+)_", os.path.basename(files[0])) if files else None
        width = len(digits[1]) if digits else 0
        prefix = {4: "index", 14: "timestamp", 10: "unix"}.get(width, "index" if digits else "none")
    return drizzle(prefix)


# The first line of a SQL file that is kept out of the journal on purpose (it ran by hand).
NOT_IN_JOURNAL = re.compile(r"\A\s*--\s*migration-lint:\s*not-in-journal\b")


@dataclass(frozen=True)
class JournalEntry:
    line: int  # of its `tag` in the journal's text; 1 when unknown
    tag: str  # the migrator runs <tag>.sql
    idx: object  # as written: the migrator never reads it
    when: object  # as written: the migrator orders and records migrations by it
    problem: str = ""  # why the migrator cannot run it (then tag is "")


@dataclass(frozen=True)
class Journal:
    """A drizzle journal as its text says, or why drizzle's migrator cannot read it."""

    entries: tuple[JournalEntry, ...] = ()
    unreadable: str = ""  # why it cannot be read: then it has no entries
    line: int = 1  # where it cannot be read, when that is known

    @cached_property
    def tags(self) -> set[str]:
        return {entry.tag for entry in self.entries if not entry.problem}


def parse_journal(text: str | None) -> Journal:
    """The journal in `text` (None: there is none), each entry checked for what the migrator
    needs, in one pass over the text whatever its size."""
    if text is None:
        return Journal(unreadable="it is missing")
    try:
        data = json.loads(text, parse_constant=_not_json)
    except json.JSONDecodeError as exc:
        return Journal(unreadable=f"invalid JSON: {exc}", line=exc.lineno)
    except ValueError as exc:
        return Journal(unreadable=f"invalid JSON: {exc}")
    except RecursionError:
        return Journal(unreadable="invalid JSON: nested too deeply")
    if not isinstance(data, dict):
        return Journal(unreadable=f"it must be an object with `entries`, not {_kind(data)}")
    if "entries" not in data:
        return Journal(unreadable="it has no `entries`")
    entries = data["entries"]
    if not isinstance(entries, list):
        return Journal(unreadable=f"`entries` must be a list, not {_kind(entries)}")
    # Each entry's line: drizzle-kit writes one `"tag":` per entry, so the n-th one found in
    # the text is the n-th entry's with a tag.
    tag_lines = iter(_key_lines(text, "tag"))
    parsed = []
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problem = f"journal entry {position} is {_kind(entry)}, not an object with `tag`"
            parsed.append(JournalEntry(1, "", None, None, problem))
            continue
        line = next(tag_lines, 1) if "tag" in entry else 1
        tag = entry.get("tag")
        problem = (
            ""
            if isinstance(tag, str)
            else f"journal entry {position} has `tag` {_kind(tag)}, not a migration's name"
        )
        parsed.append(
            JournalEntry(
                line,
                tag if isinstance(tag, str) else "",
                entry.get("idx"),
                entry.get("when"),
                problem,
            )
        )
    return Journal(tuple(parsed))


def _not_json(constant: str) -> None:
    # Python's json reads NaN and Infinity; JavaScript's JSON.parse, drizzle's, rejects them.
    raise ValueError(f"{constant} is not JSON")


def _key_lines(text: str, key: str) -> list[int]:
    """The line of each `"key":` in the text, in order."""
    lines, line, previous = [], 1, 0
    for match in re.finditer(rf'"{key}"\s*:', text):
        line += text.count("\n", previous, match.start())
        previous = match.start()
        lines.append(line)
    return lines


def _kind(value: object) -> str:
    """What a JSON value is, in JSON's words (the value itself may be huge)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        written = str(value)
        return f"the number {written}" if len(written) <= 20 else "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def _number(value: object) -> int | float | None:
    """A JSON number; None for anything else (true is no number, though Python's bool is)."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def journal_problems(
    folder: str, files: list[str], journal: Journal, first_lines: dict[str, str]
) -> list[Diagnostic]:
    """Disagreements between the SQL files and the journal.

    drizzle's migrator runs journal entries, not files: a file missing from the journal never
    runs, an entry without a file fails, and an entry whose `when` is not after every earlier
    one is silently skipped on databases that already ran a later one. It never reads `idx`,
    so a gap there is only a warning. `first_lines`: the first line of each file the journal
    does not list, which may say it is left out on purpose. Every check looks up a set or a
    dict: a journal of 100,000 entries takes as long to check as to read.
    """
    path = os.path.join(folder, JOURNAL)
    if journal.unreadable:
        return [
            _problem(path, journal.line, f"cannot read the drizzle journal: {journal.unreadable}")
        ]
    problems = []
    tags = journal.tags
    for file in files:
        tag = os.path.basename(file)[: -len(".sql")]
        if tag not in tags and not NOT_IN_JOURNAL.match(first_lines.get(file, "")):
            problems.append(
                _problem(
                    file,
                    1,
                    f"{tag}.sql is not in {JOURNAL}, so drizzle's migrator never runs it",
                    "If this migration is new, regenerate it with drizzle-kit generate so the "
                    "journal lists it. If it is old and never ran, move it out of the migrations "
                    "folder (adding its journal entry now would make drizzle run it on every "
                    "database). If it ran by hand, keep it out of the journal and say so in its "
                    "first line: `-- migration-lint: not-in-journal -- <why>`.",
                )
            )
    on_disk = {os.path.basename(f)[: -len(".sql")] for f in files}
    latest: int | float | None = None
    previous_idx = -1
    for entry in journal.entries:
        if entry.problem:
            problems.append(
                _problem(
                    path,
                    entry.line,
                    f"{entry.problem}: drizzle's migrator fails on it",
                    "Regenerate the migration with drizzle-kit generate, which writes each "
                    'entry as {"idx", "version", "when", "tag", "breakpoints"}.',
                )
            )
            continue
        tag, line = entry.tag, entry.line
        if tag not in on_disk:
            problems.append(
                _problem(
                    path,
                    line,
                    f"journal entry {tag!r} has no {tag}.sql; drizzle's migrator fails on it",
                )
            )
        idx = entry.idx if isinstance(entry.idx, int) and _number(entry.idx) is not None else None
        if idx is not None and idx != previous_idx + 1:
            missing = f"idx {previous_idx + 1}" + (
                f" to {idx - 1}" if idx - 1 > previous_idx + 1 else ""
            )
            problems.append(
                _problem(
                    path,
                    line,
                    f"journal idx jumps from {previous_idx} to {idx} at {tag!r}: {missing} missing"
                    if idx > previous_idx
                    else f"journal entry {tag!r} has idx {idx} after {previous_idx}: out of order",
                    "drizzle's migrator reads each entry's `tag` and `when`, never `idx`: this is "
                    "harmless, and renumbering old entries is not worth a change.",
                    Severity.WARNING,
                )
            )
        if idx is not None:
            previous_idx = idx
        when = _number(entry.when)
        if when is None:
            problems.append(
                _problem(
                    path,
                    line,
                    f"journal entry {tag!r} has `when` {_kind(entry.when)}, not a time in "
                    "milliseconds: drizzle's migrator orders and records migrations by it",
                    "Give it a `when` greater than every earlier entry's (regenerate the "
                    "migration after merging).",
                )
            )
        elif latest is not None and when <= latest:
            problems.append(
                _problem(
                    path,
                    line,
                    f"journal entry {tag!r} has `when` {when}, not after "
                    f"an earlier entry's {latest}: drizzle's migrator silently skips it on "
                    "databases that ran the later one",
                    "Give it a `when` greater than every earlier entry's (regenerate the "
                    "migration after merging).",
                )
            )
        if when is not None:
            latest = when if latest is None else max(latest, when)
    return problems


def _problem(
    path: str, line: int, message: str, help_text: str = "", severity: Severity = Severity.ERROR
) -> Diagnostic:
    return Diagnostic(JOURNAL_MISMATCH, severity, path, line, 1, line, 1, message, help_text)
