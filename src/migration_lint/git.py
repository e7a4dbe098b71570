"""What git knows: the repository, the changes being committed, what is already committed."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING

from .records import FrozenRecord

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same, made faster for records (records.dataclass)
    from .records import dataclass


class GitError(Exception):
    """git is missing, or this is not a repository."""


@dataclass(frozen=True, eq=False, repr=False)
class Change(FrozenRecord):
    """A file a commit or the staged changes add, modify or delete."""

    status: str  # "A" added, "M" modified, "D" deleted, ...
    path: str  # relative to the working directory


def _git(*args: str, stdin: str | None = None) -> str:
    # Imported when git runs: linting files imports this module but seldom runs git.
    import subprocess

    try:
        result = subprocess.run(
            ["git", *args], capture_output=True, text=True, check=False, input=stdin
        )
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}") from None
    if result.returncode != 0:
        raise GitError(f"git {args[0]} failed: {result.stderr.strip() or result.returncode}")
    return result.stdout


def repo_root() -> str:
    return _root_of(os.getcwd())


@functools.cache
def _root_of(cwd: str) -> str:
    # Asked for every path a check reads from a commit: one git process per working directory.
    return _git("-C", cwd, "rev-parse", "--show-toplevel").strip()


def is_inside(path: str) -> bool:
    """Whether a path lies in this repository's work tree."""
    root = repo_root()
    return os.path.commonpath([root, os.path.abspath(path)]) == root


def is_repository() -> bool:
    try:
        repo_root()
    except GitError:
        return False
    return True


def _from_cwd(root: str, path: str) -> str:
    """A working-directory path as git's pathspecs from the top of the repository want it."""
    return os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")


def _from_root(root: str, path: str) -> str:
    return os.path.normpath(os.path.relpath(os.path.join(root, path)))


def staged_changes() -> list[Change]:
    """The changes `git commit` would record, renames as a delete and an add."""
    return _changes("--cached")


def changes_between(base: str, head: str = "HEAD") -> list[Change]:
    """What `head` changes compared with `base`, renames as a delete and an add."""
    return _changes(base, head)


def _changes(*revisions: str) -> list[Change]:
    root = repo_root()
    fields = _git("diff", *revisions, "--name-status", "--no-renames", "-z").split("\0")
    return [
        Change(status[0], _from_root(root, path))
        for status, path in zip(fields[::2], fields[1::2], strict=False)
        if status
    ]


def merge_base(ref: str) -> str:
    return _git("merge-base", "HEAD", ref).strip()


def ref_exists(ref: str) -> bool:
    try:
        _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except GitError:
        return False
    return True


def committed_files(ref: str = "HEAD") -> set[str]:
    """Every file in a commit (none before the first commit)."""
    root = repo_root()
    try:
        listing = _git("ls-tree", "-r", "--name-only", "-z", ref)
    except GitError:
        return set()  # no commit yet
    return {_from_root(root, path) for path in listing.split("\0") if path}


@dataclass(frozen=True, eq=False, repr=False)
class TreeEntry(FrozenRecord):
    """A file of a commit's tree."""

    mode: str  # 100644 or 100755: a file; 120000: a symbolic link; 160000: a submodule
    object_id: str
    path: str  # from the top of the repository, with "/"


def tree_entries(ref: str, paths: Iterable[str]) -> list[TreeEntry]:
    """The files below `paths` (or those files themselves) in a commit."""
    root = repo_root()
    specs = [_from_cwd(root, path) for path in paths]
    if not specs:
        return []
    listing = _git("--literal-pathspecs", "-C", root, "ls-tree", "-r", "-z", ref, "--", *specs)
    entries = []
    for line in listing.split("\0"):
        if line:
            info, path = line.split("\t", 1)
            mode, _, object_id = info.split()
            entries.append(TreeEntry(mode, object_id, path))
    return entries


def head_commit() -> str | None:
    """HEAD's commit; None before the first commit."""
    try:
        return _git("rev-parse", "--verify", "--quiet", "HEAD^{commit}").strip()
    except GitError:
        return None


def current_branch() -> str | None:
    """The branch checked out; None for a detached HEAD."""
    try:
        return _git("symbolic-ref", "--quiet", "--short", "HEAD").strip() or None
    except GitError:
        return None


def uncommitted_changes() -> list[str]:
    """Files whose state in the working tree or the index is not HEAD's (untracked ones too),
    relative to the working directory."""
    root = repo_root()
    # Without --no-optional-locks, status refreshes the index and writes it back.
    listing = _git("--no-optional-locks", "-C", root, "status", "--porcelain", "-z", "--no-renames")
    return [_from_root(root, entry[3:]) for entry in listing.split("\0") if entry]


def absolute_git_dir() -> str:
    return _git("rev-parse", "--absolute-git-dir").strip()


def remotes() -> list[str]:
    return _git("remote").split()


def files_at(ref: str, folder: str) -> list[str]:
    """The files below a folder in a commit, relative to the working directory."""
    root = repo_root()
    try:
        listing = _git(
            "-C", root, "ls-tree", "-r", "--name-only", "-z", ref, "--", _from_cwd(root, folder)
        )
    except GitError:
        return []  # no commit yet
    return [_from_root(root, path) for path in listing.split("\0") if path]


def show(ref: str, path: str) -> str | None:
    """A file's text in a commit; None where the commit lacks it."""
    return show_many(ref, [path])[path]


def show_many(ref: str, paths: list[str]) -> dict[str, str | None]:
    """Files' texts in a commit, in one git process; None for those it lacks."""
    root = repo_root()
    names = [f"{ref}:{_from_cwd(root, path)}" for path in paths]
    return {
        path: None if chunks is None else b"".join(chunks).decode("utf-8", errors="replace")
        for path, chunks in zip(paths, _objects(names), strict=True)
    }


def save_blobs(blobs: list[tuple[str, str]]) -> None:
    """Write each blob (object id, file to write) to its file, a chunk at a time."""
    for (_, destination), chunks in zip(blobs, _objects([b for b, _ in blobs]), strict=True):
        with open(destination, "wb") as file:
            for chunk in chunks or ():
                file.write(chunk)


def _objects(names: list[str]) -> Iterator[Iterator[bytes] | None]:
    """Each named blob's content in chunks (None where git lacks it or it is no blob), from one
    `git cat-file --batch`; what a caller leaves unread is skipped."""
    if not names:
        return
    if any("\n" in name for name in names):
        raise GitError("a path holds a line break")
    import subprocess  # as in _git

    try:
        process = subprocess.Popen(
            ["git", "-C", repo_root(), "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}") from None
    with process:
        assert process.stdin is not None and process.stdout is not None
        # One name at a time, each answer read before the next name: neither pipe fills up.
        for name in names:
            process.stdin.write(name.encode() + b"\n")
            process.stdin.flush()
            # "<object> <type> <size>", or "<name> missing" (a name may hold spaces).
            header = process.stdout.readline().rstrip(b"\n").rsplit(b" ", 2)
            if len(header) != 3 or not header[2].isdigit():
                yield None
                continue
            content = _chunks(process.stdout, int(header[2]))
            yield content if header[1] == b"blob" else None
            for _ in content:
                pass  # what the caller left unread (all of a tree)
            process.stdout.read(1)  # the line break after the content
        process.stdin.close()


def _chunks(stream: IO[bytes], size: int) -> Iterator[bytes]:
    while size > 0:
        chunk = stream.read(min(size, 1 << 20))
        if not chunk:
            raise GitError("git cat-file ended early")
        size -= len(chunk)
        yield chunk


def origin_head() -> str | None:
    """The remote's default branch (origin/HEAD), as `origin/<branch>`."""
    try:
        ref = _git("symbolic-ref", "--quiet", "refs/remotes/origin/HEAD").strip()
    except GitError:
        return None
    return ref.removeprefix("refs/remotes/") or None


def trailer_commits(base: str, key: str) -> list[tuple[str, str]]:
    """(commit, value) for each commit after `base` whose message has the trailer `key`."""
    fields = _git(
        "log", f"--format=%H%x00%(trailers:key={key},valueonly,separator=%x20)%x00", f"{base}..HEAD"
    ).split("\0")
    return [
        (commit.strip(), value.strip())
        for commit, value in zip(fields[::2], fields[1::2], strict=False)
        if value.strip()
    ]


def commit_changes(commit: str) -> list[str]:
    """The files a commit changes, relative to the working directory."""
    root = repo_root()
    # A merge commit's changes are what it brings to its first parent.
    listing = _git(
        "-C",
        root,
        "diff-tree",
        "--no-commit-id",
        "--name-only",
        "-r",
        "-z",
        "--root",
        "-m",
        "--first-parent",
        commit,
    )
    return [_from_root(root, path) for path in listing.split("\0") if path]


def tracked_files(patterns: list[str]) -> list[str]:
    """Files git tracks that match the pathspec patterns, relative to the working directory."""
    root = repo_root()
    listing = _git("-C", root, "ls-files", "-z", "--", *patterns)
    return [_from_root(root, path) for path in listing.split("\0") if path]


def is_shallow() -> bool:
    try:
        return _git("rev-parse", "--is-shallow-repository").strip() == "true"
    except GitError:
        return False


def is_tracked(path: str) -> bool:
    """Whether the repository the file is in (if any) tracks it."""
    folder, name = os.path.split(os.path.abspath(path))
    try:
        # Literal: a name holding `*` must not match other files.
        _git("--literal-pathspecs", "-C", folder, "ls-files", "--error-unmatch", "--", name)
    except GitError:
        return False
    return True
