"""Writing the files a user asks for (`--output FORMAT:FILE`, the baseline): whole or not at all,
and never over a file the user did not mean to lose."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from typing import TextIO

from . import git
from .checks import is_migration
from .project import Project
from .source import kind_of


def refusal(path: str, project: Project) -> str:
    """What an --output file is, when it must not be written over without --force ("a file git
    tracks"); "" when it may be."""
    try:
        mode: int | None = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError:
        return ""  # the write reports what is wrong with the path
    if mode is not None and not stat.S_ISREG(mode):
        return f"{kind_of(mode)}, not a regular file"
    absolute = os.path.abspath(path)
    if ".git" in absolute.split(os.sep):
        return "a file in git's own folder"
    inside = [f for f in project.folders if _within(absolute, os.path.abspath(f))]
    if inside:
        return f"a file in the migrations folder {inside[0]}"
    if is_migration(os.path.relpath(absolute), project):
        return "a migration"
    if mode is not None and git.is_tracked(path):
        return "a file git tracks"
    return ""


def _within(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def write_file(path: str, text: str) -> None:
    """Write `text` to the file `path` names (see `output_file`)."""
    with output_file(path) as file:
        file.write(text)


@contextlib.contextmanager
def output_file(path: str) -> Iterator[TextIO]:
    """A file to write what goes to the file `path` names (through a symbolic link).

    A regular file, or one not there yet, is replaced in one step when the block ends: a run
    stopped halfway (an interrupt, a full disk, an error) leaves the old file or none, never
    part of the new one. Anything else (a FIFO, /dev/stdout: only with --force) is written as
    a shell redirection would.
    """
    target = os.path.realpath(path)
    try:
        mode: int | None = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with open(target, "w", encoding="utf-8") as file:
            yield file
        return
    import tempfile  # here: it imports shutil, random and more, for runs that write no file

    folder, name = os.path.split(target)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            yield file
        # mkstemp makes the file private; the file keeps the permissions it had, or gets the
        # ones any new file would.
        os.chmod(temporary, stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
