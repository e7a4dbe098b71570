"""drizzle-kit specifics: its config file, and its journal, which decides what the migrator runs."""

from __future__ import annotations

import json
import os
import re
import sys
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostic import Diagnostic, Severity
from .discovery import relative_path
from .errors import ConfigError
from .layouts import DRIZZLE_PREFIXES, Layout, drizzle
from .records import FrozenRecord
from .source import InputError, read_text

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same, made faster for records (records.dataclass)
    from .records import dataclass

CONFIG_NAMES = tuple(f"drizzle.config.{ext}" for ext in ("ts", "js", "mjs", "cjs", "json"))
JOURNAL = os.path.join("meta", "_journal.json")
JOURNAL_MISMATCH = "journal-mismatch"


@dataclass(frozen=True, eq=False, repr=False)
class DrizzleConfig(FrozenRecord):
    """What a drizzle.config file says about the migrations."""

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
            # Whatever it is: reading a FIFO or a dangling link named like the config says
            # why it cannot be used, rather than the project being read without it.
            if os.path.lexists(folder / name):
                return [read_drizzle_config(folder / name)]
        if (folder / ".git").exists():
            break  # the top of the repository
    else:
        if "GIT_DIR" not in os.environ:
            return []  # in no repository: git would say so, at the cost of a process
    try:
        from .git import GitError, tracked_files

        tracked = tracked_files([f"*{name}" for name in CONFIG_NAMES])
    except GitError:
        return []
    # A tracked config deleted in the working tree is no config of the project.
    return [read_drizzle_config(Path(path)) for path in tracked if os.path.lexists(path)]


def read_drizzle_config(path: Path) -> DrizzleConfig:
    """The settings migration-lint needs, read without running the config's JavaScript; a
    ConfigError when the config cannot be used."""
    try:
        text = read_text(str(path))
    except InputError as exc:
        raise ConfigError(f"{path}: cannot read the drizzle config: {exc.message}") from None
    settings = _json_settings(path, text) if path.suffix == ".json" else _code_settings(text)
    base = path.parent
    return DrizzleConfig(
        path,
        relative_path(base, settings.out) if settings.out else None,
        tuple(relative_path(base, s) for s in settings.schema if s),
        settings.dialect,
        settings.prefix if settings.prefix in DRIZZLE_PREFIXES else None,
        settings.out_code,
    )


@dataclass(frozen=True, eq=False, repr=False)
class _Settings(FrozenRecord):
    """What a drizzle config says, as written."""

    out: str | None = None
    schema: tuple[str, ...] = ()
    dialect: str | None = None
    prefix: str | None = None
    out_code: str | None = None


def _json_settings(path: Path, text: str) -> _Settings:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{path}: invalid JSON: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: must be a JSON object, not {_kind(data)}")
    migrations = data.get("migrations", {})
    if not isinstance(migrations, dict):
        raise ConfigError(f"{path}: `migrations` must be an object, not {_kind(migrations)}")
    schema = data.get("schema", [])
    schemas = [schema] if isinstance(schema, str) else schema
    if not isinstance(schemas, list) or not all(isinstance(s, str) for s in schemas):
        raise ConfigError(f"{path}: `schema` must be a string or a list of strings")
    return _Settings(
        _json_string(path, "out", data.get("out")),
        tuple(schemas),
        _json_string(path, "dialect", data.get("dialect")),
        _json_string(path, "migrations.prefix", migrations.get("prefix")),
    )


def _json_string(path: Path, name: str, value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ConfigError(f"{path}: `{name}` must be a string, not {_kind(value)}")


def _code_settings(text: str) -> _Settings:
    """The settings of a drizzle.config.ts or .js: not JavaScript's grammar, only enough of it
    for drizzle's config object: the `migrations: {...}` block read apart (its `schema` is a
    database schema), and the first `out`, `dialect` and `schema` elsewhere."""
    tokens = _tokens(text)
    prefix = None
    block = _value_at(tokens, "migrations")
    if block is not None and tokens[block[0]].text == "{":
        prefix = _literal(tokens[block[0] + 1 : block[1] - 1], "prefix")
        tokens = tokens[: block[0]] + tokens[block[1] :]
    out = _value_at(tokens, "out")
    out_code = None
    if out is not None and _single_string(tokens[out[0] : out[1]]) is None:
        out_code = text[tokens[out[0]].start : tokens[out[1] - 1].end]
    schema = _value_at(tokens, "schema")
    schemas: tuple[str, ...] = ()
    if schema is not None:
        written = tokens[schema[0] : schema[1]]
        single = _single_string(written)
        listed = written[0].text == "[" and written[-1].text == "]"
        if single is not None:
            schemas = (single,)
        elif listed:  # what is not a literal in the list cannot be read: it is left out
            schemas = tuple(t.value for t in written if t.kind == "string")
    return _Settings(
        _literal(tokens, "out"), schemas, _literal(tokens, "dialect"), prefix, out_code
    )


@dataclass(frozen=True, eq=False, repr=False)
class _Token(FrozenRecord):
    """A token of a drizzle.config file's JavaScript or TypeScript."""

    kind: str  # "string" (a literal, its value read), "code" (a template with ${}), "word", "sign"
    text: str  # as written
    start: int
    end: int
    value: str = ""  # a string literal's value


_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<comment>//[^\n]*|/\*[\s\S]*?(?:\*/|\Z))"
    r"|(?P<string>\"(?:[^\"\\\n]|\\[\s\S])*\"?|'(?:[^'\\\n]|\\[\s\S])*'?)"
    # A template literal ends at the first unescaped backquote: one inside a ${...} is not
    # told apart (nor a regular expression's quotes): drizzle's configs hold neither.
    r"|(?P<template>`(?:[^`\\]|\\[\s\S])*`?)"
    r"|(?P<word>[\w$]+)"
    r"|(?P<sign>[\s\S])"
)
_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])")
_ESCAPED = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def _tokens(text: str) -> list[_Token]:
    """JavaScript's tokens, comments left out: `/*` and `//` inside a string are the string's."""
    tokens = []
    for match in _TOKEN.finditer(text):
        kind, written = match.lastgroup or "sign", match[0]
        if kind in ("space", "comment"):
            continue
        if kind == "template":
            kind = "code" if "${" in written else "string"
        value = _unescape(written[1:-1] if len(written) > 1 else "") if kind == "string" else ""
        tokens.append(_Token(kind, written, match.start(), match.end(), value))
    return tokens


def _unescape(body: str) -> str:
    def character(escape: re.Match[str]) -> str:
        code = escape[1]
        if code[0] in "ux" and len(code) > 1:
            return chr(min(int(code.strip("u{}x"), 16), sys.maxunicode))
        if code in ("\n", "\r\n", "\u2028", "\u2029"):
            return ""  # a line continuation
        return _ESCAPED.get(code, code)

    return _ESCAPE.sub(character, body)


def _value_at(tokens: list[_Token], key: str) -> tuple[int, int] | None:
    """Where the value of the first `key:` starts and ends (exclusive) among the tokens: up to
    the `,` or closing bracket that ends it."""
    for index in range(len(tokens) - 1):
        token = tokens[index]
        named = (token.kind == "word" and token.text == key) or (
            token.kind == "string" and token.value == key
        )
        if named and tokens[index + 1].text == ":":
            start = end = index + 2
            depth = 0
            while end < len(tokens):
                sign = tokens[end].text if tokens[end].kind == "sign" else ""
                if sign and sign in ",)]}" and not depth:
                    break
                depth += 1 if sign and sign in "([{" else -1 if sign and sign in ")]}" else 0
                end += 1
            return (start, end) if end > start else None
    return None


def _single_string(tokens: list[_Token]) -> str | None:
    return tokens[0].value if len(tokens) == 1 and tokens[0].kind == "string" else None


def _literal(tokens: list[_Token], key: str) -> str | None:
    """The value of `key:` when it is a string literal."""
    found = _value_at(tokens, key)
    return _single_string(tokens[found[0] : found[1]]) if found else None


def drizzle_layout(files: list[str], prefix: str | None = None) -> Layout:
    """The drizzle layout for a folder, its prefix mode from the config or from the names."""
    if prefix is None:
        digits = re.match(r"(\d+)_", os.path.basename(files[0])) if files else None
        width = len(digits[1]) if digits else 0
        prefix = {4: "index", 14: "timestamp", 10: "unix"}.get(width, "index" if digits else "none")
    return drizzle(prefix)


# The first line of a SQL file that is kept out of the journal on purpose (it ran by hand).
NOT_IN_JOURNAL = re.compile(r"\A\s*--\s*migration-lint:\s*not-in-journal\b")


@dataclass(frozen=True, eq=False, repr=False)
class JournalEntry(FrozenRecord):
    """A migration listed in drizzle's journal (meta/_journal.json)."""

    line: int  # of its `tag` in the journal's text; 1 when unknown
    tag: str  # the migrator runs <tag>.sql
    idx: object  # as written: the migrator never reads it
    when: object  # as written: the migrator orders and records migrations by it
    problem: str = ""  # why the migrator cannot run it (then tag is "")


@dataclass(frozen=True, eq=False, repr=False)
class Journal(FrozenRecord):
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


def journal_order(folder: str, files: list[str], max_bytes: int) -> tuple[list[str], set[str]]:
    """A drizzle folder's migrations in the order its migrator runs them, the journal's, and
    the files the journal does not list (they never run; each keeps its place by name among
    the others). Without a readable journal, or with one that lists none of them: the files in
    their own order, all listed."""
    journal_path = os.path.join(folder, JOURNAL)
    try:
        journal = parse_journal(read_text(journal_path, max_bytes))
    except InputError:
        return files, set()  # missing or not read: journal-mismatch reports it
    if journal.unreadable:
        return files, set()
    by_tag = {os.path.basename(f).removesuffix(".sql"): f for f in files}
    listed = list(dict.fromkeys(by_tag[e.tag] for e in journal.entries if e.tag in by_tag))
    if not listed:
        return files, set()  # a journal of none of its files: something else runs them
    unlisted = [f for f in files if f not in set(listed)]
    ordered: list[str] = []
    waiting = iter(unlisted)
    pending = next(waiting, None)
    place = {f: i for i, f in enumerate(files)}
    for file in listed:
        while pending is not None and place[pending] < place[file]:
            ordered.append(pending)
            pending = next(waiting, None)
        ordered.append(file)
    if pending is not None:
        ordered.append(pending)
    ordered.extend(waiting)
    return ordered, set(unlisted)


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
