"""Reading a migration or config file into text, with a clear error for anything that is not a
regular file of the repository, or not SQL text."""

from __future__ import annotations

import bisect
import errno
import itertools
import os
import re
import stat
from array import array
from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING

from .discovery import migrations_folder
from .records import FrozenRecord

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same, made faster for records (records.dataclass)
    from .records import dataclass

MIB = 1024 * 1024
# Generated migrations are kilobytes; anything this big is a dump or a mistake, not a migration.
DEFAULT_MAX_FILE_MIB = 16
MAX_FILE_BYTES = DEFAULT_MAX_FILE_MIB * MIB
# Windows has no FIFOs, nor this flag; on POSIX it keeps open() from waiting for a writer.
_NONBLOCKING = getattr(os, "O_NONBLOCK", 0)

_LINE_BREAK = re.compile("\r\n?|\n")


class InputError(Exception):
    """A file that cannot be linted, reported as one line naming the file (and line if known)."""

    def __init__(self, path: str, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.line = line


@dataclass(frozen=True, eq=False, repr=False)
class Source(FrozenRecord):
    """A file's text, and where it is."""

    path: str
    text: str

    @cached_property
    def _line_starts(self) -> array[int]:
        # A line ends at a line feed, a carriage return or both (CRLF), as PostgreSQL's lexer
        # (a `--` comment ends at either) and editors count lines. An array: a file may hold a
        # million lines.
        text = self.text
        if "\r" not in text:
            # Line feeds only, as nearly every file: each line starts one past the end of the
            # line before (three times faster than finding each break).
            lengths = map(len, text.split("\n"))
            starts = array("q", itertools.accumulate(map((1).__add__, lengths), initial=0))
            starts.pop()  # the last line ends the text
            return starts
        starts = array("q", [0])
        starts.extend(match.end() for match in _LINE_BREAK.finditer(text))
        return starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        if 0 < offset < len(self.text) and self.text[offset - 1 : offset + 1] == "\r\n":
            offset -= 1  # between the two characters of a line break: the end of its line
        starts = self._line_starts
        index = bisect.bisect_right(starts, offset) - 1
        return index + 1, offset - starts[index] + 1

    def offset(self, line: int, column: int) -> int | None:
        """The character offset of a 1-based (line, column); None for a line the file lacks."""
        starts = self._line_starts
        return starts[line - 1] + column - 1 if 1 <= line <= len(starts) else None


class Places:
    """The real path of each folder and the top of its repository, looked up once for all the
    files read in one run (a long history is thousands of files in the same folders).

    Made for one run: a folder moved or a repository made during it is not seen.
    """

    def __init__(self) -> None:
        self._real: dict[str, str] = {}
        self._top: dict[str, str | None] = {}
        # Whether read_source reads a regular file (not a symlink) of a folder, by the folder
        # as given and whether the file is a `migration.sql`: the same for all such files.
        self._inside: dict[tuple[str, bool], bool] = {}

    def real(self, path: str) -> str:
        """os.path.realpath of an absolute, normalized path."""
        asked = path
        unknown = []
        while path not in self._real:
            parent, name = os.path.split(path)
            if not name or os.path.islink(path):
                self._real[path] = os.path.realpath(path)
                break
            unknown.append((path, parent, name))
            path = parent
        for below, parent, name in reversed(unknown):
            self._real[below] = os.path.join(self._real[parent], name)
        return self._real[asked]

    def top(self, folder: str) -> str | None:
        """The nearest folder at or above `folder` (absolute) that holds `.git`: a checkout's
        top."""
        unknown = []
        while folder not in self._top:
            unknown.append(folder)
            if os.path.exists(os.path.join(folder, ".git")):
                self._top[folder] = folder
                break
            parent = os.path.dirname(folder)
            if parent == folder:
                self._top[folder] = None
                break
            folder = parent
        found = self._top[folder]
        for below in unknown:
            self._top[below] = found
        return found


def read_source(path: str, max_bytes: int = MAX_FILE_BYTES, places: Places | None = None) -> Source:
    return decode_source(path, read_bytes(path, max_bytes, places))


def read_bytes(path: str, max_bytes: int = MAX_FILE_BYTES, places: Places | None = None) -> bytes:
    """The content of a regular file in the repository (outside one: in its own folder), or an
    InputError saying why it is not read.

    Nothing else is opened for reading: a FIFO blocks forever, a device may never end, and a
    symlink out of the repository could put a secret in the report (a committed
    `0001_x.sql -> ../.git/config` would quote CI's checkout token in a PR comment).
    """
    size = _readable_size(path, places or Places())
    _check_size(path, size, max_bytes)
    data = _read_regular(path, max_bytes + 1)
    _check_size(path, len(data), max_bytes)  # it grew since the stat
    return data


# FAT's two-second file times are the coarsest in common use: a file changed longer ago than
# this has times that a later change cannot leave as they are.
SETTLED_NS = 2_000_000_000
_FILE_TYPE = 0o170000  # stat.S_IFMT's mask


def file_identities(
    paths: Iterable[str], places: Places, now_ns: int
) -> list[tuple[int, ...] | None]:
    """What tells this version of each file from any other: its device, inode, size and the
    times of its last changes. None for a file read_source refuses for where or what it is, and
    one changed in the last SETTLED_NS before `now_ns` (time.time_ns()), too recently for its
    times to tell. (All at once: a long history is thousands of files.)"""
    settled = now_ns - SETTLED_NS
    known = places._inside
    identities: list[tuple[int, ...] | None] = []
    for path in paths:
        try:
            info = os.lstat(path)
        except (OSError, ValueError):
            identities.append(None)
            continue
        # Not a symlink, or anything but a file; nor changed lately.
        if (
            info.st_mode & _FILE_TYPE != stat.S_IFREG
            or info.st_mtime_ns > settled
            or info.st_ctime_ns > settled
        ):
            identities.append(None)
            continue
        # Its folder as given, up to its last separator (the same for all the files of one),
        # and its name: os.path.split without a Python call per file.
        folder, separator, name = (
            path.replace(os.altsep, os.sep) if os.altsep else path
        ).rpartition(os.sep)
        inside = (folder + separator, name == "migration.sql")
        if inside not in known:
            try:
                _check_inside(path, places)
                known[inside] = True
            except InputError:
                known[inside] = False
        identities.append(
            (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
            if known[inside] and name != ".git"
            else None
        )
    return identities


def read_text(path: str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """A file's text, undecodable bytes replaced, read as read_bytes reads it."""
    return read_bytes(path, max_bytes).decode("utf-8", errors="replace")


def read_head(path: str, size: int) -> str:
    """The first `size` bytes of a file as text (to look for a marker), whatever its length,
    read only if read_bytes would read it."""
    _readable_size(path, Places())
    return _read_regular(path, size).decode("utf-8", errors="replace")


def _readable_size(path: str, places: Places) -> int:
    """The size of a file that may be read: a regular file, inside the repository."""
    info = _stat(path)
    _check_inside(path, places)
    _check_regular(path, info.st_mode)
    return info.st_size


def _read_regular(path: str, limit: int) -> bytes:
    """Up to `limit` bytes of a regular file."""
    try:
        # Unbuffered, asking for the size fstat gives and one byte more (to see that it grew):
        # a buffered read first allocates the whole limit, three times the cost of a migration.
        with open(path, "rb", buffering=0, opener=_open_without_waiting) as file:
            info = os.fstat(file.fileno())
            # Swapped for something else since the stat: still nothing but a regular file.
            _check_regular(path, info.st_mode)
            data = file.read(min(limit, info.st_size + 1))
            # Fewer bytes than fstat said (a short read), or more (it grew): read on.
            while len(data) != info.st_size and len(data) < limit:
                more = file.read(limit - len(data))
                if not more:
                    break
                data += more
            return data
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror or exc}") from None


def _open_without_waiting(path: str, flags: int) -> int:
    return os.open(path, flags | _NONBLOCKING)


def _stat(path: str) -> os.stat_result:
    try:
        return os.stat(path)
    except ValueError:
        raise InputError(path, "the path holds a NUL byte") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(path, "a symlink loop: not read") from None
        if exc.errno == errno.ENOENT:
            raise InputError(
                path,
                f"a symlink to {os.readlink(path)}, which does not exist"
                if os.path.islink(path)
                else "no such file or directory",
            ) from None
        raise InputError(path, f"cannot read file: {exc.strerror or exc}") from None


def _check_inside(path: str, places: Places) -> None:
    """Refuse a file that a symlink puts outside the repository, or in its .git folder."""
    where = os.path.abspath(path)
    top = places.top(os.path.dirname(where))
    folder = top or migrations_folder(where)
    boundary = places.real(folder)
    below = _below(places.real(where), boundary)
    inside = below is not None
    if below is not None and ".git" not in below.split(os.sep):
        return
    how = (
        f"a symlink to {os.readlink(path)}"
        if os.path.islink(path)
        else "reached through a symlinked folder"
    )
    if inside:
        place = "in the repository's .git folder"
    elif top:
        place = "outside the repository"
    else:
        relative = os.path.relpath(folder)
        place = f"outside {folder if relative.startswith('..') else relative}"
    raise InputError(path, f"{how}, {place}: not read")


def _below(path: str, folder: str) -> str | None:
    """The part of a real path below a real folder ("" for the folder itself); None when it is
    not in the folder. A comparison of strings: a thousand files are checked in a millisecond."""
    path, folder = os.path.normcase(path), os.path.normcase(folder)
    if path == folder:
        return ""
    prefix = folder if folder.endswith(os.sep) else folder + os.sep
    return path[len(prefix) :] if path.startswith(prefix) else None


_NOT_REGULAR = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, in words ("a named pipe (FIFO)")."""
    return next((name for test, name in _NOT_REGULAR if test(mode)), "a special file")


def _check_regular(path: str, mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise InputError(path, f"{kind_of(mode)}, not a file: not read")


def _check_size(path: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise InputError(
            path,
            f"file is too large ({size / MIB:.1f} MiB; the limit is {max_bytes / MIB:g} MiB: "
            "raise `max-file-size` in the config if it really is a migration)",
        )


def decode_source(path: str, data: bytes) -> Source:
    if b"\x00" in data:
        raise InputError(
            path, "binary file, not SQL text", data[: data.index(b"\x00")].count(b"\n") + 1
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            path, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line})", line
        ) from None
    if text.startswith("\ufeff"):
        # Editors on Windows add a byte-order mark; psql strips it, and editors do not count it
        # as a column.
        text = text[1:]
    if not text.strip():
        raise InputError(path, "empty file: no SQL statements")
    return Source(path, text)
