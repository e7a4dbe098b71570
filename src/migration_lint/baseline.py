"""A baseline: the findings a project already had when it adopted migration-lint.

`migration-lint baseline` writes their fingerprints; later runs leave those findings out and
report only new ones. A fingerprint is the rule, the file, and a hash of the statement the
finding is in with its white space folded, so it holds when lines move. Error findings are
never baselined: the migration fails, whatever its age.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .diagnostic import Diagnostic, Severity
from .errors import ConfigError
from .linter import Report
from .output_files import write_file
from .source import InputError, Source, read_bytes, read_source
from .splitting import split_statements

_LEADING_COMMENTS = re.compile(r"\A(?:\s+|--[^\n]*|/\*.*?\*/)*", re.DOTALL)
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Entry:
    rule: str
    path: str  # relative to the baseline file's folder, with `/`
    fingerprint: str
    message: str  # for people reading the file and the stale list

    @property
    def key(self) -> tuple[str, str, str]:
        return self.rule, self.path, self.fingerprint


def entries_of(
    diagnostics: Iterable[Diagnostic],
    baseline_path: str,
    files: dict[str, _StatementIndex] | None = None,
) -> list[Entry]:
    """The baseline entries for these findings (errors left out), each file read once (`files`
    keeps the files read, for the findings of the same files that follow)."""
    root = os.path.dirname(os.path.abspath(baseline_path))
    files = {} if files is None else files
    entries = []
    for d in diagnostics:
        if d.severity is Severity.ERROR:
            continue
        if d.path not in files:
            files[d.path] = _StatementIndex(d.path)
        subject = files[d.path].statement_at(d.line, d.column) or d.message
        fingerprint = hashlib.sha256(f"{d.rule}\0{subject}".encode()).hexdigest()[:16]
        entries.append(Entry(d.rule, _relative(d.path, root), fingerprint, d.message))
    return entries


def update_baseline(
    baseline_path: str, diagnostics: Iterable[Diagnostic], linted: Iterable[str]
) -> int:
    """Record the findings of the `linted` files, keeping the entries of every other file
    (a baseline of one folder or file does not forget the rest); how many were recorded."""
    root = os.path.dirname(os.path.abspath(baseline_path))
    replaced = {_relative(path, root) for path in linted}
    kept = []
    if os.path.isfile(baseline_path):
        kept = [e for e in read_baseline(baseline_path) if e.path not in replaced]
    entries = entries_of(diagnostics, baseline_path)
    write_baseline(baseline_path, kept + entries)
    return len(entries)


def write_baseline(baseline_path: str, entries: list[Entry]) -> None:
    data = {
        "version": FORMAT_VERSION,
        "tool": "migration-lint",
        "entries": [
            {"rule": e.rule, "path": e.path, "fingerprint": e.fingerprint, "message": e.message}
            for e in sorted(entries, key=lambda e: (e.path, e.rule, e.fingerprint))
        ],
    }
    if os.path.lexists(baseline_path) and not os.path.isfile(baseline_path):
        # A FIFO would block the write until something reads it: forever, in a hook.
        raise ConfigError(f"{baseline_path}: not a regular file: the baseline is not written")
    try:
        write_file(baseline_path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise ConfigError(f"{baseline_path}: cannot write the baseline: {exc.strerror}") from None


def read_baseline(baseline_path: str) -> list[Entry]:
    try:
        data = json.loads(read_bytes(baseline_path).decode("utf-8"))
        return [
            Entry(str(e["rule"]), str(e["path"]), str(e["fingerprint"]), str(e.get("message", "")))
            for e in data["entries"]
        ]
    except InputError as exc:
        raise ConfigError(f"{baseline_path}: cannot read the baseline: {exc.message}") from None
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise ConfigError(
            f"{baseline_path}: not a migration-lint baseline ({type(exc).__name__}: {exc}); "
            "write it again with `migration-lint baseline`"
        ) from None


def apply_baseline(report: Report, baseline_path: str, checked: Iterable[str]) -> None:
    """Leave out the findings the baseline has; list its entries for the `checked` files
    (those this run looked at) that match nothing any more."""
    baseline = Baseline(baseline_path)
    report.diagnostics = baseline.keep(report.diagnostics, report)
    report.stale_baseline += baseline.stale(checked)


class Baseline:
    """A baseline file's entries, each leaving out one finding it matches: a run's findings
    pass through `keep` in order (all at once, or a file's at a time as they are found)."""

    def __init__(self, baseline_path: str) -> None:
        self.path = baseline_path
        self.entries = read_baseline(baseline_path)
        self.remaining = Counter(e.key for e in self.entries)
        # The file of the findings kept last: a large one's come in several pieces.
        self._read: dict[str, _StatementIndex] = {}

    def keep(self, diagnostics: list[Diagnostic], report: Report) -> list[Diagnostic]:
        """The findings the baseline does not have; those it has are counted in the report."""
        if not self.entries:
            return diagnostics
        if any(d.path not in self._read for d in diagnostics):
            self._read.clear()
        found = _entries_or_none(diagnostics, self.path, self._read)
        kept = []
        for d, entry in zip(diagnostics, found, strict=True):
            if entry is not None and self.remaining[entry.key] > 0:
                self.remaining[entry.key] -= 1
                report.baselined += 1
            else:
                kept.append(d)
        return kept

    def stale(self, checked: Iterable[str]) -> list[dict[str, str]]:
        """Its entries for the `checked` files that matched no finding."""
        root = os.path.dirname(os.path.abspath(self.path))
        looked_at = {_relative(path, root) for path in checked}
        found = []
        for entry in self.entries:
            if entry.path in looked_at and self.remaining[entry.key] > 0:
                self.remaining[entry.key] -= 1
                found.append({"rule": entry.rule, "path": entry.path, "message": entry.message})
        return found


def _entries_or_none(
    diagnostics: list[Diagnostic], baseline_path: str, files: dict[str, _StatementIndex]
) -> list[Entry | None]:
    """An entry for each finding that a baseline may hold, None for errors."""
    entries = iter(entries_of(diagnostics, baseline_path, files))
    return [None if d.severity is Severity.ERROR else next(entries) for d in diagnostics]


def _relative(path: str, root: str) -> str:
    return os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")


class _StatementIndex:
    """A file's statements, to find the one a finding is in."""

    def __init__(self, path: str) -> None:
        try:
            self.source = read_source(path)
        except InputError:
            self.source = Source(path, "")
        self.text = self.source.text
        self.spans = split_statements(self.text) if self.text else []
        self.span_starts = [start for start, _ in self.spans]

    def statement_at(self, line: int, column: int) -> str:
        """The statement at a position, its white space folded; "" outside any."""
        offset = self.source.offset(line, column)
        if offset is None:
            return ""
        index = bisect.bisect_right(self.span_starts, offset) - 1
        if index < 0 or offset >= self.spans[index][1]:
            return ""
        start, end = self.spans[index]
        # The comments before a statement are not the statement: adding one keeps its finding.
        statement = _LEADING_COMMENTS.sub("", self.text[start:end])
        return " ".join(statement.split())
