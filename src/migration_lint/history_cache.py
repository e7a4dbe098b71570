"""The schema a migration folder's history leaves, kept on disk between runs.

Linting the newest migration of a folder replays every earlier one into the schema model
(context.py); for a long history that is most of the run. The model a history leaves is saved
under a hash chain of that history: a seed of all else that changes the replay (this code,
pglast, Python, the layout and runner, the settings), then each file's path and content, in
order. The model after the first k files is named by the chain's k-th link, so when a migration
is added the saved model of the files before it is loaded and only the new one is replayed; an
edited, renamed or deleted file changes every link from it on, and what follows it is replayed.

Entries are pickles, written to a temporary file and renamed into place (a reader never sees
half of one), with their length and checksum in front. One that cannot be read is ignored and
written again; none is loaded from a folder that is not the user's own or that others can write
to; the least recently used are removed past MAX_BYTES. A folder that cannot be written leaves
the run without the cache, silently: the findings are the same either way.

So that a warm run need not read every file, the cache also keeps, per folder, each file's
identity (source.file_identities) with the digest of its content; and, so that it need not look
at each of them either, the identities of all the files when the whole history was last seen,
with the name of the model it left.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import marshal
import os
import pickle
import stat
import sys
import time
import zlib
from collections.abc import Callable, Hashable, Iterable, Iterator, MutableMapping, Sequence
from operator import attrgetter
from typing import IO, TYPE_CHECKING, Any

import pglast

from . import __version__
from . import operations as ops
from .context import (
    SCHEMA_MODEL,
    Columns,
    Constraints,
    Context,
    Definition,
    IndexDefinition,
    Positioned,
    StoredColumn,
    TableKey,
    TableModel,
    Trigger,
)
from .source import Source

try:
    # hashlib's own BLAKE2, without hashlib, which loads OpenSSL: 3 ms of a pre-commit run.
    from _blake2 import blake2b
except ImportError:  # an interpreter without it
    from hashlib import blake2b

if TYPE_CHECKING:
    from .linter import Settings

ENTRIES = "history"  # the entries' folder, inside the cache folder
MAX_BYTES = 64 * 1024 * 1024  # all entries together; the least recently used go first
_HEADER = b"migration-lint history cache 1\n"  # then the payload's length and checksum
_STALE_TEMPORARY_SECONDS = 3600  # a writer that stopped this long ago left its file behind
# Marks the folder as a cache for backup tools (https://bford.info/cachedir/).
_CACHEDIR_TAG = (
    b"Signature: 8a477f597d28d172789f06886806bc55\n"
    b"# This file is a cache directory tag created by migration-lint.\n"
)


def seed(settings: Settings, layout: str, context: Context) -> bytes:
    """What changes a replay besides the files: the code that replays, and the settings."""
    code = os.path.dirname(os.path.abspath(__file__))
    modules = sorted(
        (entry.name, entry.stat().st_size, entry.stat().st_mtime_ns)
        for entry in os.scandir(code)
        if entry.name.endswith(".py")
    )
    return repr(
        (
            _HEADER,
            __version__,
            modules,
            pglast.__version__,
            sys.version,
            layout,
            context.runner.name,
            context.runner.splits_on_breakpoints,
            settings.pg_version,
            settings.assume_in_transaction,
            settings.prisma_version,
            settings.project.max_file_bytes,
        )
    ).encode()


def digest(text: str) -> bytes:
    return blake2b(text.encode(), digest_size=20).digest()


class Chain:
    """A hash chain of a history: its link names the history so far, from a seed of all else
    that changes what it leaves, then each file's path and content's digest, in order."""

    __slots__ = ("_hasher",)

    def __init__(self, seed: bytes) -> None:
        self._hasher = blake2b(seed, digest_size=20)

    def add(self, path: str, content: bytes) -> None:
        encoded = path.encode("utf-8", "surrogateescape")
        self._hasher.update(len(encoded).to_bytes(8, "little") + encoded + content)

    @property
    def link(self) -> str:
        return self._hasher.hexdigest()


def chain(seed: bytes, history: Sequence[tuple[str, bytes]]) -> list[str]:
    """The names of the models a history leaves after each of its files (the first: after
    none)."""
    hashes = Chain(seed)
    links = [hashes.link]
    for path, content in history:
        hashes.add(path, content)
        links.append(hashes.link)
    return links


# A history file's identity (source.file_identities, and anything else that decides what it
# is), and the digest of what it runs (None: it is no part of the history).
Known = dict[str, tuple[Hashable, bytes | None]]


class HistoryCache:
    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.entries = os.path.join(folder, ENTRIES)

    def replay(
        self,
        context: Context,
        files: Sequence[str],
        read: Callable[[str], Source | None],
        identities: Sequence[Hashable | None],
        seed: bytes,
        replay: Callable[[Iterator[Source], int, Context], None],
    ) -> None:
        """Bring the context to the schema the history leaves: the saved model of its longest
        prefix the cache has, then the rest replayed (and saved, for the next run).

        `read` gives what a file runs as history (None: no part of it); `identities`, each
        file's identity (None: it is to be read). A file whose identity is the one it had when
        it was last read is not read again: its digest is known. `replay` replays the sources
        it is given into the context, told how many there are.
        """
        names = self._names()
        folder_entry = entry_name(seed, os.getcwd(), *files[:1])
        # The files as they were when the whole history was last seen (None: one of them is
        # too new to tell), and the name of the model it left: a warm run loads that model
        # without loading every file's identity and digest, or hashing them into a chain.
        # (marshal writes tuples of ints and strings twice as fast as pickle; version 2 shares
        # no object, so equal values are equal bytes.)
        state = (
            entry_name(marshal.dumps([list(files), list(identities)], 2))
            if None not in identities
            else None
        )
        last = self._load(folder_entry + ".last") if folder_entry + ".last" in names else None
        if state is not None and isinstance(last, tuple) and last[0] == state:
            model = self._load_model(last[1]) if last[1] in names else None
            if model is not None:
                context.restore(model)
                self._touch(folder_entry + ".files")  # used with it: removed with it
                return
        known = (
            self._load_known(folder_entry + ".files") if folder_entry + ".files" in names else {}
        )
        now: Known = {}
        history: list[tuple[str, bytes]] = []
        sources: dict[str, Source] = {}  # the files read so far
        for file, current in zip(files, identities, strict=True):
            if current is not None and file in known and known[file][0] == current:
                content = known[file][1]
            else:
                source = read(file)
                content = digest(source.text) if source else None
                if source:
                    sources[file] = source
            if current is not None:
                now[file] = (current, content)
            if content is not None:
                history.append((file, content))
        links = chain(seed, history)
        start = 0
        for done in range(len(history), 0, -1):
            model = self._load_model(links[done]) if links[done] in names else None
            if model is not None:
                context.restore(model)
                start = done
                break
        # Replay the rest; a file that changed since its identity was taken is replayed as
        # it is now, and the model is not saved under the name of what it was.
        unchanged = True

        def rest() -> Iterator[Source]:
            nonlocal unchanged
            for file, content in history[start:]:
                source = sources.get(file) or read(file)
                unchanged = unchanged and source is not None and digest(source.text) == content
                if source:
                    yield source

        replay(rest(), len(history) - start, context)
        if unchanged and start < len(history):
            self.save_model(links[-1], context)
        if now != known:
            self._save(folder_entry + ".files", now)
        if state is not None and unchanged and history and last != (state, links[-1]):
            self._save(folder_entry + ".last", (state, links[-1]))

    def save_model(self, name: str, context: Context) -> None:
        """Keep the model a context holds, under the name of the history that left it (the
        last link of its chain)."""
        self._save(name, _deferring(context.schema_model()))

    def _names(self) -> set[str]:
        """The entries there are; none when the folder is missing or not only its owner's."""
        try:
            info = os.stat(self.entries)
            names = os.listdir(self.entries)
        except OSError:
            return set()
        return set(names) if _owned(info) else set()

    def _load_model(self, name: str) -> dict[str, Any] | None:
        model = self._load(name)
        return model if isinstance(model, dict) and set(model) == set(SCHEMA_MODEL) else None

    def _load_known(self, name: str) -> Known:
        known = self._load(name)
        return known if isinstance(known, dict) else {}

    def _load(self, name: str) -> Any:
        path = os.path.join(self.entries, name)
        try:
            with open(path, "rb") as file:
                loaded = _decode(file.read())
        except Exception:  # missing since listed, unreadable, or not an entry: rebuilt
            return None
        self._touch(name)
        return loaded

    def _touch(self, name: str) -> None:
        with contextlib.suppress(OSError):
            os.utime(os.path.join(self.entries, name))  # recently used: removed last

    def _save(self, name: str, value: Any) -> None:
        data = _encode(value)
        if len(data) > MAX_BYTES:
            return
        writing = self.begin(name)
        if writing is None:
            return
        try:
            writing.write(data)
        except OSError:
            writing.abandon()
            return
        self.commit(writing)

    def read(self, name: str) -> bytes | None:
        """An entry's bytes as they are stored; None when there is none to trust."""
        try:
            info = os.stat(self.entries)
            if not _owned(info):
                return None
            with open(os.path.join(self.entries, name), "rb") as file:
                data = file.read()
        except OSError:
            return None
        self._touch(name)
        return data

    def begin(self, name: str) -> AtomicFile | None:
        """An entry to write a piece at a time, seen by others only once committed; None when
        the folder cannot be written (the run goes on without the cache)."""
        try:
            if not os.path.isdir(self.entries):
                os.makedirs(self.folder, exist_ok=True)
                os.makedirs(self.entries, mode=0o700, exist_ok=True)
                _write_tag(self.folder)
            if not _owned(os.stat(self.entries)):
                return None
            return AtomicFile(os.path.join(self.entries, name))
        except OSError:
            return None

    def commit(self, writing: AtomicFile) -> None:
        """Put an entry written in place, and keep the cache within MAX_BYTES."""
        try:
            writing.commit()
            self._evict(keep=os.path.basename(writing.path))
        except OSError:
            writing.abandon()  # read-only, full, or gone: the next run does the work again

    def _evict(self, keep: str) -> None:
        """Remove the least recently used entries past MAX_BYTES, and what writers that
        stopped left behind."""
        now = time.time()
        total = 0
        entries = []
        with os.scandir(self.entries) as scan:
            for entry in scan:
                try:
                    info = entry.stat()
                except OSError:
                    continue  # removed by another run meanwhile
                if entry.name.endswith(".tmp"):
                    if now - info.st_mtime > _STALE_TEMPORARY_SECONDS:
                        _remove(entry.path)
                elif entry.name != keep:
                    entries.append((info.st_mtime, info.st_size, entry.path))
                else:
                    total += info.st_size
        total += sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= MAX_BYTES:
                break
            _remove(path)
            total -= size


def _owned(info: os.stat_result) -> bool:
    """Whether a folder is this user's own, which no one else can write to: entries are
    pickles, and loading a pickle can run code."""
    if not stat.S_ISDIR(info.st_mode):
        return False
    getuid = getattr(os, "getuid", None)  # Windows: the profile folder's permissions
    return getuid is None or (info.st_uid == getuid() and not info.st_mode & 0o022)


def _write_tag(folder: str) -> None:
    path = os.path.join(folder, "CACHEDIR.TAG")
    if not os.path.exists(path):
        _write_atomically(path, _CACHEDIR_TAG)


def _write_atomically(path: str, data: bytes) -> None:
    writing = AtomicFile(path)
    try:
        writing.write(data)
    except OSError:
        writing.abandon()
        raise
    writing.commit()


class AtomicFile:
    """A file written whole or not at all, as another run may read or write it at the same
    time: into a temporary file of the same folder, then renamed over it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._temporary = f"{path}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        descriptor = os.open(self._temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file = open(descriptor, "wb")  # noqa: SIM115 (closed by commit or abandon)

    def write(self, data: bytes | memoryview) -> None:
        self._file.write(data)

    def commit(self) -> None:
        try:
            self._file.close()
            os.replace(self._temporary, self.path)
        except OSError:
            self.abandon()
            raise

    def abandon(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()
        _remove(self._temporary)


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):  # another run removed it first
        os.remove(path)


# --- The entries' format ---


class _Unread:
    """A table's columns or constraints, pickled, until they are first asked for."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __call__(self) -> Any:
        return _unpickle(self.data)


def _unread_table(
    columns: bytes,
    constraints: bytes,
    partitioned: bool,
    partitions: Sequence[ops.Name],
    partial: bool = False,
) -> TableModel:
    return TableModel(_Unread(columns), _Unread(constraints), partitioned, partitions, partial)


def _pickle_table(table: TableModel) -> tuple[Any, ...]:
    """A table pickled as its columns and its constraints, each pickled apart, so that
    loading it reads neither; those not asked for since it was loaded are written as read."""
    columns, constraints = table.held()
    return (
        _unread_table,
        (
            _pickled(columns),
            _pickled(constraints),
            table.partitioned,
            table.partitions,
            table.partial,
        ),
    )


def _pickled(held: Columns | Constraints | Callable[[], Any]) -> bytes:
    return held.data if isinstance(held, _Unread) else _pickle(held)


class Tables(Positioned[TableKey, TableModel]):
    """The model's tables, each held pickled until it is first asked for: a migration reads a
    few of the thousands a long history makes, and making a shell of each took most of loading
    the model. Its keys, their order and positions are there from the start."""

    def __init__(self, items: Iterable[tuple[TableKey, TableModel | bytes]] = ()) -> None:
        super().__init__(items)  # type: ignore[arg-type]
        self._all_read = False

    def __getitem__(self, key: TableKey) -> TableModel:
        table: Any = super().__getitem__(key)
        if isinstance(table, bytes):
            table = _unpickle(table)
            dict.__setitem__(self, key, table)
        return table  # type: ignore[no-any-return]

    def get(self, key: TableKey, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def pop(self, key: TableKey, *default: Any) -> Any:
        if key in self:
            self[key]  # read, so that what is popped is a table
        return super().pop(key, *default)

    def _read_all(self) -> Tables:
        if not self._all_read:
            for key, table in list(dict.items(self)):
                if isinstance(table, bytes):
                    dict.__setitem__(self, key, _unpickle(table))
            self._all_read = True
        return self

    def values(self) -> Any:
        return super(Tables, self._read_all()).values()

    def items(self) -> Any:
        return super(Tables, self._read_all()).items()

    def __eq__(self, other: object) -> bool:
        return dict.__eq__(self._read_all(), other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return dict.__repr__(self._read_all())

    def pickled_values(self) -> list[bytes]:
        """Each table pickled: as it was loaded when it was not asked for since."""
        return [
            table if isinstance(table, bytes) else _pickle(table) for table in dict.values(self)
        ]


def _tables(keys: list[TableKey], tables: list[bytes]) -> Tables:
    return Tables(zip(keys, tables, strict=True))


def _pickle_tables(tables: Positioned[TableKey, TableModel]) -> tuple[Any, ...]:
    pickled = (
        tables.pickled_values()
        if isinstance(tables, Tables)
        else [_pickle(table) for table in tables.values()]
    )
    return _tables, (list(tables), pickled)


# The parts of the model a run seldom reads (Context types them MutableMapping): each pickled
# apart, and read when first asked for. Creating an index writes to two of them and reads
# neither.
DEFERRED = (
    "referencing",
    "index_columns",
    "index_definitions",
    "enums",
    "views",
    "functions",
    "triggers",
)


class Deferred(MutableMapping[Any, Any]):
    """A dict of the model, pickled, until it is first read; what is written to it before then
    is kept aside, and written to it when it is read (in the order it was written)."""

    __slots__ = ("_data", "_items")

    def __init__(self, data: bytes | None, items: dict[Any, Any] | None = None) -> None:
        self._data = data  # None once read
        self._items = {} if items is None else items  # all of them once read

    def _read(self) -> dict[Any, Any]:
        if self._data is not None:
            items = _unpickle(self._data)
            items.update(self._items)
            self._items = items
            self._data = None
        return self._items

    def pickled(self) -> bytes:
        """The dict pickled: as it was loaded when nothing was written to it since."""
        return self._data if self._data is not None and not self._items else _pickle(self._read())

    def __getitem__(self, key: Any) -> Any:
        return self._read()[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._items[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._read()[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())

    def __contains__(self, key: object) -> bool:
        return key in self._read()

    def get(self, key: Any, default: Any = None) -> Any:
        return self._read().get(key, default)

    def __repr__(self) -> str:
        return repr(self._read())


def _deferring(model: dict[str, Any]) -> dict[str, Any]:
    """The model to save, with its DEFERRED parts to be pickled apart, and the tables its
    indexes are on each one name, pickled once: a long history's thousands of indexes name a
    table several times over, and each name pickled is one made when it is loaded."""
    tables: dict[tuple[str, str | None], ops.Name] = {}
    saved = {
        name: Deferred(None, value) if name in DEFERRED and isinstance(value, dict) else value
        for name, value in model.items()
    }
    saved["index_tables"] = {
        index: tables.setdefault((table.name, table.schema), table)
        for index, table in model["index_tables"].items()
    }
    return saved


def _deferred(data: bytes) -> Deferred:
    return Deferred(data)


def _pickle_deferred(part: Deferred) -> tuple[Any, ...]:
    return _deferred, (part.pickled(),)


def _as_call(kind: type) -> Callable[[Any], tuple[Any, ...]]:
    """A record pickled as the call that makes it, its fields in order: a third the size of its
    slots named one by one, and loaded faster (a long history's model holds tens of thousands of
    columns, constraints and names)."""
    values = attrgetter(*(field.name for field in dataclasses.fields(kind)))
    return lambda record: (kind, values(record))


# The records of a model: each made by its dataclass's __init__ from all its fields.
RECORDS = (
    ops.Name,
    ops.ColumnType,
    StoredColumn,
    ops.Constraint,
    Definition,
    IndexDefinition,
    Trigger,
)
_DISPATCH: dict[type, Callable[[Any], tuple[Any, ...]]] = {
    TableModel: _pickle_table,
    Positioned: _pickle_tables,
    Tables: _pickle_tables,
    Deferred: _pickle_deferred,
    **{kind: _as_call(kind) for kind in RECORDS},
}


class _Pickler(pickle.Pickler):
    def __init__(self, file: IO[bytes]) -> None:
        self.dispatch_table = _DISPATCH  # before pickle's own __init__, which looks for it
        super().__init__(file, pickle.HIGHEST_PROTOCOL)


class _Unpickler(pickle.Unpickler):
    """Makes only what a schema model holds, whatever the file says."""

    def find_class(self, module: str, name: str) -> Any:
        found = _MODEL_CLASSES.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"not in a schema model: {module}.{name}")
        return found


_MODEL_CLASSES: dict[tuple[str, str], Any] = {
    (kind.__module__, kind.__qualname__): kind
    for kind in (
        _unread_table,
        _tables,
        _deferred,
        *RECORDS,
        frozenset,
        set,
    )
}


def _pickle(value: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer).dump(value)
    return buffer.getvalue()


def _unpickle(data: bytes) -> Any:
    return _Unpickler(io.BytesIO(data)).load()


def copy_model(model: dict[str, Any]) -> dict[str, Any]:
    """A copy of a schema model that shares nothing a migration changes (Context.fork): pickled
    and read back, as the cache does, several times faster than copy.deepcopy."""
    copied: dict[str, Any] = _unpickle(_pickle(model))
    return copied


def _encode(value: Any) -> bytes:
    payload = _pickle(value)
    return _HEADER + _check(payload) + payload


def _decode(data: bytes) -> Any:
    header = len(_HEADER) + 12
    if data[:header] != _HEADER + _check(memoryview(data)[header:]):
        raise ValueError("not a whole history cache entry")
    # Read where it is: a model is megabytes, and each copy of them a millisecond.
    file = io.BytesIO(data)
    file.seek(header)
    return _Unpickler(file).load()


def entry_name(*parts: str | bytes) -> str:
    hasher = blake2b(digest_size=20)
    for part in parts:
        encoded = part if isinstance(part, bytes) else part.encode("utf-8", "surrogateescape")
        hasher.update(len(encoded).to_bytes(8, "little") + encoded)
    return hasher.hexdigest()


def _check(payload: bytes | memoryview) -> bytes:
    """The payload's length and checksum: a file cut short or changed is not read."""
    return len(payload).to_bytes(8, "little") + zlib.crc32(payload).to_bytes(4, "little")
