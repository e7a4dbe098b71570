"""What git knows: the repository, the changes being committed, what is already committed."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass


class GitError(Exception):
    """git is missing, or this is not a repository."""


@dataclass(frozen=True)
class Change:
    status: str  # "A" added, "M" modified, "D" deleted, ...
    path: str  # relative to the working directory


def _git(*args: str) -> str:
    try:
        result = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}") from None
    if result.returncode != 0:
        raise GitError(f"git {args[0]} failed: {result.stderr.strip() or result.returncode}")
    return result.stdout


def repo_root() -> str:
    return _git("rev-parse", "--show-toplevel").strip()


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
