"""What git knows: the repository, the changes being committed, what is already committed."""

from __future__ import annotations

import functools
import os
import subprocess
from dataclasses import dataclass


class GitError(Exception):
    """git is missing, or this is not a repository."""


@dataclass(frozen=True)
class Change:
    status: str  # "A" added, "M" modified, "D" deleted, ...
    path: str  # relative to the working directory


def _git(*args: str, stdin: str | None = None) -> str:
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
    if not paths:
        return {}
    root = repo_root()
    names = [f"{ref}:{_from_cwd(root, path)}" for path in paths]
    if any("\n" in name for name in names):
        raise GitError("a path holds a line break")
    output = subprocess.run(
        ["git", "-C", root, "cat-file", "--batch"],
        input="\n".join(names).encode() + b"\n",
        capture_output=True,
        check=False,
    ).stdout
    texts: dict[str, str | None] = {}
    position = 0
    for path in paths:
        end = output.index(b"\n", position)
        header = output[position:end].split()
        position = end + 1
        if len(header) != 3 or header[1] != b"blob":
            texts[path] = None  # "<name> missing", or not a file
            continue
        size = int(header[2])
        texts[path] = output[position : position + size].decode("utf-8", errors="replace")
        position += size + 1
    return texts


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
