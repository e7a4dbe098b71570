"""The findings of the migrations a run lints, kept for the next run beside the history cache.

A migration's findings follow from its text, from the schema the migrations before it leave,
and from the rules and settings of the run. Each migration's are saved under a key of all
three: the hash chain of the history before it (history_cache.Chain), its path and content,
and a seed of the history cache's (the code, the layout, the runner, the settings) with the
rules (which are on, which exist, and their code). A run over a folder reads back the findings
of the files up to the first that has none saved (new, edited, or after one that is), then
lints from there on, on the schema the history before it leaves (from the history cache): what
came before is neither parsed nor checked. Linting a folder again unchanged parses nothing. The
chain is the history cache's own, so where a run that lints ends, its link names the schema it
leaves there: the run saves it, and a migration added next is linted alone.

One entry per folder and seed holds what its last run linted, in order. It is written as the
run goes (a long history is never all in memory) and renamed into place when the run ends: a
header; for each file its start (key, path, statements), its findings in pieces and its end
(the schema changes it makes, when they were asked for); then an index (the keys, and the
state of the folder's files: when it is the same next time, nothing is read but the entry);
the index's offset, and a checksum of all before it. Each part is marshalled (tuples of
strings and numbers: loading one runs no code). An entry past MAX_ENTRY_BYTES is not kept.
"""

from __future__ import annotations

import importlib
import marshal
import os
import sys
import zlib
from collections import deque
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping, Sequence
from operator import attrgetter
from typing import Any

from .diagnostic import Diagnostic, Severity
from .history_cache import MAX_BYTES, AtomicFile, Chain, HistoryCache, entry_name
from .registry import BUILTIN_ORIGIN, BUILTIN_PACKAGE, REGISTRY

HEADER = b"migration-lint findings cache 1\n"
MAX_ENTRY_BYTES = MAX_BYTES // 2  # a larger one would push most of the history cache out
# A run that lints fewer files gains less from the cache than looking each of them up costs.
MIN_FILES = 20
_START, _FOUND, _END = 0, 1, 2  # the parts of a file's record
_TRAILER = 12  # the index's offset and the checksum
_FLUSH_BYTES = 256 * 1024

# What a file is to the findings: its content's digest, its up migration's when it is part of
# the history (None: it is not), and the digests of the files beside it that change its findings
# (layouts.Layout.side_files).
Contents = tuple[bytes, bytes | None, bytes]

_SEVERITIES = {severity.value: severity for severity in Severity}
# A finding's fields but its severity, as Diagnostic takes them after it.
_FIELDS = attrgetter(
    "path", "line", "column", "end_line", "end_column", "message", "help", "allowed", "reason"
)


def findings_seed(
    history_seed: bytes,
    rule_ids: Sequence[str],
    known: Mapping[str, tuple[Severity, bool]],
    changes: bool,
) -> bytes:
    """What changes a migration's findings besides its text and the history before it: what
    changes the history (history_cache.seed), the rules that are on, every rule a suppression
    directive may name with its severity, the rules' code, and whether the schema changes are
    described."""
    rules = sorted((rule_id, severity.value, on) for rule_id, (severity, on) in known.items())
    return repr((HEADER, history_seed, list(rule_ids), rules, _rule_code(), changes)).encode()


def _rule_code() -> list[tuple[str, int, int]]:
    """The size and time of each module of the built-in rules, and of each module loaded from
    the packages of the plugins' rules (as Python's own bytecode cache tells a changed one)."""
    package = importlib.import_module(BUILTIN_PACKAGE)
    files = [
        entry.path
        for folder in package.__path__
        for entry in os.scandir(folder)
        if entry.name.endswith(".py")
    ]
    plugins = {
        found.check.__module__.partition(".")[0]
        for found in REGISTRY.rules.values()
        if found.origin != BUILTIN_ORIGIN and found.check is not None
    }
    for name, module in list(sys.modules.items()):
        if name.partition(".")[0] in plugins:
            path = getattr(module, "__file__", None)
            if path:
                files.append(path)
    code = []
    for path in sorted(set(files)):
        try:
            info = os.stat(path)
        except OSError:
            continue
        code.append((path, info.st_size, info.st_mtime_ns))
    return code


def file_key(seed: str, link: str, path: str, contents: Contents) -> str:
    """A file's key: `seed` names the findings seed, `link` the history before it."""
    full, up, sides = contents
    return entry_name(seed, link, path, full, b"history" if up is not None else b"", sides)


class FolderFindings:
    """A folder's findings in the cache: those a run reads back (of the requested files, those
    before `miss`, the position of the first it lints), and those it saves for the next."""

    def __init__(
        self,
        cache: HistoryCache,
        name: str,
        seed: str,
        state: str | None,
        entry: _Entry | None,
        wanted: list[str] | None,
        miss: int,
        hashes: Chain,
    ) -> None:
        self.miss = miss
        self._cache = cache
        self._name = name
        self._seed = seed
        self._state = state
        self._entry = entry
        self._wanted = wanted  # their keys; None: every file of the entry (nothing changed)
        self._hashes = hashes
        self._keys: list[str] = []
        self._writing: AtomicFile | None = None  # opened when the first piece is written
        self._pending: list[bytes | memoryview] = [HEADER]
        self._size = len(HEADER)  # of the entry so far
        self._flushed = 0  # of it written to the file
        self._checksum = 0
        self._dropped = False  # not to be kept: nothing more is written
        # Nothing changed since the entry was written: it is kept as it is.
        self._unchanged = entry is not None and wanted is None

    @classmethod
    def open(
        cls,
        cache_folder: str,
        seed: bytes,
        history_seed: bytes,
        files: Sequence[str],
        requested: Collection[str],
        identities: Sequence[Hashable | None],
        contents: Callable[[str], Contents | None],
    ) -> FolderFindings:
        """What the cache has of a folder's `files` (up to the last requested one): the
        findings of the requested ones, each looked up by the `contents` of every file up to
        it, unless the files are as they were when the entry was written (by `identities`).
        The history is hashed as the history cache hashes it (from `history_seed`): where the
        run ends, its link names the model the history leaves (`link`)."""
        cache = HistoryCache(cache_folder)
        seed_name = entry_name(seed)
        # Named by the folder as the run names it, not by where it runs: `ci` lints a copy of
        # the repository in a new folder each time. (Another project's folder of the same
        # name takes turns with it: each key says what it holds.)
        name = entry_name(seed, *files[:1]) + ".findings"
        linted = [file in requested for file in files]
        state = (
            entry_name(seed, marshal.dumps([list(files), list(identities), linted]))
            if None not in identities
            else None
        )
        entry = _Entry.load(cache.read(name))
        hashes = Chain(history_seed)
        if entry is not None and state is not None and entry.state == state:
            return cls(cache, name, seed_name, state, entry, None, len(files), hashes)
        hits: list[str] = []
        ordinal = -1
        for position, file in enumerate(files):
            found = contents(file)
            if file in requested:
                key = None if found is None else file_key(seed_name, hashes.link, file, found)
                at = entry.keys.get(key, -1) if entry is not None and key is not None else -1
                if at <= ordinal:
                    return cls(cache, name, seed_name, state, entry, hits, position, hashes)
                assert key is not None  # found in the entry
                ordinal = at
                hits.append(key)
            if found is not None and found[1] is not None:
                hashes.add(file, found[1])
        return cls(cache, name, seed_name, state, entry, hits, len(files), hashes)

    def __enter__(self) -> FolderFindings:
        return self

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        # A run stopped part-way (an error, or its findings no longer wanted) keeps nothing:
        # the next one lints it all again.
        if error is None:
            self.close()
        else:
            self.abandon()

    def cached(self) -> Iterator[CachedFile]:
        """The findings of the requested files before `miss`, in order (each kept for the
        next run as it is read)."""
        if self._entry is None:
            return
        wanted = None if self._wanted is None else deque(self._wanted)
        for file in self._entry.files():
            if wanted is not None:
                if not wanted:
                    return
                if file.key != wanted[0]:
                    continue
                wanted.popleft()
            self._keys.append(file.key)
            self._write(self._entry.data[file.start : file.end])
            yield file

    @property
    def link(self) -> str:
        """The name of the model the history so far leaves, in the history cache."""
        return self._hashes.link

    @property
    def keeping(self) -> bool:
        """Whether the findings of the files linted are still to be kept (not once the entry is
        too large: then `follow`, `found` and `end` need not be called)."""
        return not self._dropped

    def follow(
        self, path: str, contents: Contents | None, requested: bool, statements: int
    ) -> None:
        """The next file of the run, from `miss` on: one to lint (`requested`) or history."""
        if requested and contents is not None:
            key = file_key(self._seed, self._hashes.link, path, contents)
            self._keys.append(key)
            self._write(_part((_START, key, path, statements)))
        elif requested:
            # One that cannot be read has no findings to keep: the next run lints it again.
            self._state = None
        if contents is not None and contents[1] is not None:
            self._hashes.add(path, contents[1])

    def found(self, diagnostics: list[Diagnostic]) -> None:
        """Findings of the file being linted (from `follow`), in order."""
        if diagnostics and not self._dropped:
            self._write(_part((_FOUND, [_encode(d) for d in diagnostics])))

    def end(self, changes: list[str] | None) -> None:
        """The file being linted is done: the schema changes it makes, when asked for."""
        self._write(_part((_END, changes)))

    def close(self) -> None:
        """Put the entry of this run in place of the last one (kept when nothing changed)."""
        index = self._size
        self._write(marshal.dumps((self._state, self._keys)))
        self._write(index.to_bytes(8, "little"))
        self._flush()
        if self._writing is None:  # nothing to write, too large, or nowhere to write it
            return
        try:
            self._writing.write(self._checksum.to_bytes(4, "little"))
        except OSError:
            self.abandon()
            return
        self._cache.commit(self._writing)
        self._writing = None

    def abandon(self) -> None:
        """The run stopped part-way, or the entry is not to be kept: what was written goes."""
        if self._writing is not None:
            self._writing.abandon()
            self._writing = None
        self._pending.clear()
        self._dropped = True

    def _write(self, data: bytes | memoryview) -> None:
        """Add a part to the entry (a part is a few hundred bytes); the parts go to the file
        about _FLUSH_BYTES at a time."""
        if self._dropped or self._unchanged:
            return
        self._pending.append(data)
        self._size += len(data)
        if self._size > MAX_ENTRY_BYTES:
            self.abandon()
        elif self._size - self._flushed >= _FLUSH_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self._dropped or self._unchanged:
            return
        if self._writing is None:
            self._writing = self._cache.begin(self._name)
            if self._writing is None:  # a folder that cannot be written: no cache
                self.abandon()
                return
        data = b"".join(self._pending)
        self._pending.clear()
        try:
            self._writing.write(data)
        except OSError:
            self.abandon()
            return
        self._checksum = zlib.crc32(data, self._checksum)
        self._flushed = self._size


class CachedFile:
    """A file's record in an entry: its findings and the schema changes it makes."""

    __slots__ = ("changes", "diagnostics", "end", "key", "path", "start", "statements")

    def __init__(self, key: str, path: str, statements: int, start: int) -> None:
        self.key = key
        self.path = path
        self.statements = statements
        self.diagnostics: list[Diagnostic] = []
        self.changes: list[str] | None = None
        self.start = start  # where its record is in the entry
        self.end = start


class _Entry:
    """An entry read whole, its checksum right: the index read, the records when asked for."""

    def __init__(self, data: bytes, state: str | None, keys: list[str], index: int) -> None:
        self.data = memoryview(data)
        self.state = state
        self.keys = {key: ordinal for ordinal, key in enumerate(keys)}
        self._index = index

    @classmethod
    def load(cls, data: bytes | None) -> _Entry | None:
        if (
            data is None
            or len(data) < len(HEADER) + _TRAILER
            or not data.startswith(HEADER)
            or zlib.crc32(memoryview(data)[:-4]) != int.from_bytes(data[-4:], "little")
        ):
            return None
        index = int.from_bytes(data[-_TRAILER:-4], "little")
        try:
            state, keys = marshal.loads(memoryview(data)[index:-_TRAILER])
        except (ValueError, EOFError, TypeError):
            return None
        if not (state is None or isinstance(state, str)) or not isinstance(keys, list):
            return None
        return cls(data, state, keys, index)

    def files(self) -> Iterator[CachedFile]:
        """Each file's record, in order."""
        position = len(HEADER)
        file: CachedFile | None = None
        while position < self._index:
            size = int.from_bytes(self.data[position : position + 4], "little")
            part: Any = marshal.loads(self.data[position + 4 : position + 4 + size])
            start, position = position, position + 4 + size
            if part[0] == _START:
                file = CachedFile(part[1], part[2], part[3], start)
            elif file is not None and part[0] == _FOUND:
                file.diagnostics += [_decode(values) for values in part[1]]
            elif file is not None:
                file.changes = part[1]
                file.end = position
                yield file
                file = None


def _part(value: Any) -> bytes:
    data = marshal.dumps(value)
    return len(data).to_bytes(4, "little") + data


def _encode(diagnostic: Diagnostic) -> tuple[Any, ...]:
    return (diagnostic.rule, diagnostic.severity.value, *_FIELDS(diagnostic))


def _decode(values: Sequence[Any]) -> Diagnostic:
    rule, severity, *rest = values
    return Diagnostic(rule, _SEVERITIES[severity], *rest)
