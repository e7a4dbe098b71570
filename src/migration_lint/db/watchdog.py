"""Removes an embedded server whose command was killed without the chance to do it (SIGKILL,
a CI job's timeout): run as `python -I watchdog.py FOLDER`, as a script, with only the standard
library, so that it starts the same from any install.

Its standard input is a pipe that only the command holds open. The command writes one byte when
it has stopped the server and removed FOLDER itself; end of file without that byte means the
command died: then the watchdog stops the postmaster (SIGQUIT: an immediate shutdown, as
`pg_ctl -m immediate` does) and removes FOLDER.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time

DONE = b"."
# How long the postmaster may take to exit after SIGQUIT before it is killed (polls of 0.05s).
_POLLS = 400


def main(folder: str) -> None:
    try:
        if sys.stdin.buffer.read(1) == DONE:
            return  # the command cleaned up after itself
    except OSError:
        pass
    data = os.path.join(folder, "data")
    pid = _postmaster(data)
    if pid:
        _stop(pid)
    # A server process still exiting (pg_ctl's, or a child of the postmaster) may write a file
    # while the folder is removed, and remove it after: the folder stays behind, empty. So
    # remove it until it is gone.
    for _ in range(_POLLS):
        shutil.rmtree(folder, ignore_errors=True)
        if not os.path.lexists(folder):
            return
        time.sleep(0.05)


def _postmaster(data: str) -> int:
    """The pid of the postmaster running on `data`, or 0: the pid file's, if that process's
    working folder is `data` where /proc tells (a pid reused since is left alone)."""
    try:
        with open(os.path.join(data, "postmaster.pid"), encoding="utf-8") as pid_file:
            pid = int(pid_file.readline().strip())
    except (OSError, ValueError):
        return 0
    if pid <= 0:
        return 0
    if os.path.isdir("/proc"):
        try:
            if os.path.realpath(f"/proc/{pid}/cwd") != os.path.realpath(data):
                return 0
        except OSError:
            return 0
    return pid


def _stop(pid: int) -> None:
    for stop in (signal.SIGQUIT, signal.SIGKILL):
        try:
            os.kill(pid, stop)
        except OSError:
            return
        for _ in range(_POLLS):
            if not _alive(pid):
                return
            time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"  # a zombie has exited
    except (OSError, IndexError):
        return True


if __name__ == "__main__":
    main(sys.argv[1])
