"""HEAD's migrations as committed, in a temporary folder: what `ci` reads rather than the working
tree, whose uncommitted edits are not what the pull request merges.

The folder mirrors the repository, and the run works in it (its working directory and git's
work tree) while it lasts, so every path the linter reads, and every path in a finding, is the
repository's own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from . import git
from .project import PRISMA_LOCK

FILE_MODES = ("100644", "100755")
SYMLINK_MODE = "120000"


@dataclass(frozen=True)
class Snapshot:
    # Committed files left out, relative to the working directory, and why: a symbolic link
    # out of the repository, or to something HEAD does not hold as a file.
    left_out: dict[str, str]


@contextlib.contextmanager
def head_snapshot(folders: Iterable[str], files: Iterable[str]) -> Iterator[Snapshot]:
    """Check out HEAD's migrations in `folders` (as the linter reads them) and the `files`
    (a baseline), and work there until the block ends."""
    root = git.repo_root()
    git_dir = git.absolute_git_dir()
    here = os.path.relpath(os.getcwd(), root)
    entries = _entries(root, folders, files)
    with tempfile.TemporaryDirectory(prefix="migration-lint-head-") as copy:
        left_out = _check_out(entries, root, copy)
        working = os.path.normpath(os.path.join(copy, here))
        os.makedirs(working, exist_ok=True)
        with _working_in(working, copy, git_dir):
            yield Snapshot(left_out)


def _entries(root: str, folders: Iterable[str], files: Iterable[str]) -> list[git.TreeEntry]:
    """HEAD's entries for what the linter reads of each folder, and for the files."""
    wanted_folders = {p for f in folders if (p := _in_repository(root, f)) is not None}
    wanted_files = {p for f in files if (p := _in_repository(root, f)) is not None}
    paths = [os.path.join(root, p) for p in wanted_folders | wanted_files]
    return [
        entry
        for entry in git.tree_entries("HEAD", paths)
        if entry.path in wanted_files
        or any(_read_by_the_linter(entry.path, folder) for folder in wanted_folders)
    ]


def _in_repository(root: str, path: str) -> str | None:
    """A path from the top of the repository, with "/"; None outside it."""
    relative = os.path.relpath(os.path.abspath(path), root)
    if relative == ".." or relative.startswith(".." + os.sep):
        return None
    return relative.replace(os.sep, "/")


def _read_by_the_linter(path: str, folder: str) -> bool:
    """Whether the linter reads this file of a migrations folder (layouts.py, checks.py): its
    SQL files and Prisma's lock, a migration.sql one folder down, drizzle's journal. Not the
    rest: the folder may be the repository's top."""
    prefix = "" if folder == "." else folder + "/"
    if not path.startswith(prefix):
        return False
    parts = path[len(prefix) :].split("/")
    if len(parts) == 1:
        return parts[0].endswith(".sql") or parts[0] == PRISMA_LOCK
    return parts == ["meta", "_journal.json"] or (len(parts) == 2 and parts[1] == "migration.sql")


def _check_out(entries: list[git.TreeEntry], root: str, copy: str) -> dict[str, str]:
    """Write the entries' files below `copy`; the ones left out, and why.

    A symbolic link is written as the file it points to in HEAD, if that is a file of the
    repository: never followed out of it (`0001_x.sql -> ../.git/config` would put the token
    GitHub's checkout keeps there in the pull request comment).
    """
    files = [e for e in entries if e.mode in FILE_MODES]
    links = [e for e in entries if e.mode == SYMLINK_MODE]
    targets = git.show_many("HEAD", [os.path.join(root, e.path) for e in links])
    left_out = {}
    placeholders = []
    for link in links:
        target = targets[os.path.join(root, link.path)] or ""
        found = _committed_file(root, link.path, target)
        if isinstance(found, git.TreeEntry):
            files.append(dataclasses.replace(found, path=link.path))
            continue
        where = os.path.relpath(os.path.join(root, link.path))
        left_out[where] = f"a symbolic link to {target}, {found}: not read"
        placeholders.append(link.path)
    for entry in entries:
        os.makedirs(os.path.join(copy, os.path.dirname(entry.path)), exist_ok=True)
    git.save_blobs([(e.object_id, os.path.join(copy, e.path)) for e in files])
    # An empty file in a left-out link's place: the folder still lists it (its journal names
    # it), and nothing but the reason it is not read is reported about it.
    for path in placeholders:
        open(os.path.join(copy, path), "wb").close()
    return left_out


def _committed_file(root: str, link: str, target: str) -> git.TreeEntry | str:
    """HEAD's file a link points to, or why there is none."""
    resolved = os.path.normpath(os.path.join(os.path.dirname(link), target))
    if os.path.isabs(target) or resolved == ".." or resolved.startswith(".." + os.sep):
        return "outside the repository"
    for entry in git.tree_entries("HEAD", [os.path.join(root, resolved)]):
        if entry.path == resolved.replace(os.sep, "/") and entry.mode in FILE_MODES:
            return entry
    return "which is no file of HEAD"


@contextlib.contextmanager
def _working_in(folder: str, work_tree: str, git_dir: str) -> Iterator[None]:
    """Work in `folder`, with git reading the repository's history and taking `work_tree` for
    its working tree."""
    cwd = os.getcwd()
    variables = {"GIT_DIR": git_dir, "GIT_WORK_TREE": work_tree}
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(cwd)
        for name, value in saved.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value
