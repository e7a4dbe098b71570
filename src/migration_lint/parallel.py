"""Parsing migrations in other processes, for large folders.

Linting replays a folder's history in order through one Context, so the rules run in the main
process, file after file. Parsing a file and turning it into operations needs nothing from the
others: worker processes do it (about half the work), a few batches ahead of the rules, and send
back each file's statements. The main process reads the files and keeps every decision that
depends on anything but the text, so the findings are the same as in one process, in the same
order. Only the parse results cross between processes, never the schema model.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

from .errors import ProcessLost
from .parse import Problem, Statements, parse
from .pg_frontend import operations_of

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult, Pool

Parsed = tuple[Statements, list[Problem]]
Item = TypeVar("Item")
# A task: the texts of several files, about this many characters (a process round trip costs
# about as much as parsing a small migration).
_BATCH_CHARS = 32 * 1024
_BATCH_FILES = 32
# Batches sent ahead per worker: enough to keep it busy, few enough that memory stays bounded.
_AHEAD_PER_WORKER = 3
# Batches parsed here at most while waiting for a worker's result (their results are kept until
# it comes).
_HERE_AHEAD = 3
# How often a wait for a result checks that the workers are alive, and how long ending them may
# take before they are killed.
_CHECK_SECONDS = 1.0
_CLOSE_SECONDS = 2.0
# The interpreter's switch interval while the workers run (sys.setswitchinterval). The pool's
# threads here send the workers their tasks and take their results: with the default 5 ms they
# wait that long for the interpreter each time the main thread is busy, and the workers wait
# with them (a 2,000-file folder is linted in about a tenth less time at 0.5 ms).
_SWITCH_SECONDS = 0.0005


def usable_processors() -> int:
    """The processors this process may run on (a container may allow fewer than the machine
    has)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class ParsingPool:
    """Worker processes that parse migrations; `close` ends them."""

    def __init__(self, workers: int) -> None:
        import multiprocessing

        self.workers = workers
        before = {child.pid for child in multiprocessing.active_children()}
        self._pool: Pool = multiprocessing.get_context().Pool(workers, _start_worker)
        # Its worker processes, started by now: the pool starts no others unless one ends.
        self._started = [c for c in multiprocessing.active_children() if c.pid not in before]
        self._before = before
        self._switch_seconds = sys.getswitchinterval()
        sys.setswitchinterval(_SWITCH_SECONDS)

    def close(self) -> None:
        """End the workers: nothing they hold is needed once the run has its results (or has
        stopped)."""
        import multiprocessing
        import threading

        if sys.getswitchinterval() == _SWITCH_SECONDS:  # as this pool set it (or another)
            sys.setswitchinterval(self._switch_seconds)
        # Pool.terminate waits for a lock of the task queue, which a worker killed while
        # waiting for a task (a SIGTERM to the whole process group) never releases: it is
        # given a few seconds, then the workers are killed, and the run ends all the same.
        stopping = threading.Thread(target=self._terminate, daemon=True)
        stopping.start()
        stopping.join(_CLOSE_SECONDS)
        if stopping.is_alive():
            left = [c for c in multiprocessing.active_children() if c.pid not in self._before]
            for child in left:
                child.kill()
            for child in left:
                child.join()

    def _terminate(self) -> None:
        self._pool.terminate()
        self._pool.join()

    def result(self, sent: AsyncResult[bytes]) -> bytes:
        """A batch's result; ProcessLost when a worker ended on the way (its batch, if it had
        one, would never come back)."""
        import multiprocessing

        while True:
            try:
                return sent.get(_CHECK_SECONDS)
            except multiprocessing.TimeoutError:
                if not all(worker.is_alive() for worker in self._started):
                    raise ProcessLost(
                        "a worker process that parses migrations ended without its results "
                        "(killed, or out of memory?)"
                    ) from None

    def submit(self, batch: list[tuple[str, bool]]) -> AsyncResult[bytes]:
        # Pickled here, as the results are in the worker (see _parse_batch).
        return self._pool.apply_async(_parse_batch, (pickle.dumps(batch, pickle.HIGHEST_PROTOCOL),))


def parse_each(
    items: Iterable[tuple[Item, str | None]], on_breakpoints: bool, pool: ParsingPool | None
) -> Iterator[tuple[Item, Parsed | None]]:
    """Each item with its text parsed (None: no text, nothing to parse), in order. With a pool,
    the items are taken a few batches ahead of what is yielded, and parsed in its workers; and
    here, while the next result has not come, rather than wait for it."""
    if pool is None:
        for item, text in items:
            yield item, _parsed_here(text, on_breakpoints)
        return
    # Each batch taken, in order: its items, their texts, and the worker's result, or the
    # results of those parsed here.
    pending: deque[tuple[list[tuple[Item, str | None]], AsyncResult[bytes] | _ParsedHere]]
    pending = deque()
    batches = _batches(items)
    sent = 0  # the batches pending in the workers
    for batch in batches:
        pending.append((batch, pool.submit(_texts(batch, on_breakpoints))))
        sent += 1
        while sent >= pool.workers * _AHEAD_PER_WORKER:
            head = pending[0][1]
            if isinstance(head, _ParsedHere) or head.ready() or len(pending) - sent >= _HERE_AHEAD:
                if not isinstance(head, _ParsedHere):
                    sent -= 1
                yield from _received(pool, *pending.popleft(), on_breakpoints)
                continue
            # The next result has not come: the batch after the last one sent is parsed here,
            # in time this process would spend waiting, and at less cost than in a worker (its
            # results are not sent across).
            more = next(batches, None)
            if more is None:
                break
            if any(len(text or "") > _BATCH_CHARS for _, text in more):
                # A large file goes to the workers all the same: parsed here, it would be kept
                # whole until its turn.
                pending.append((more, pool.submit(_texts(more, on_breakpoints))))
                sent += 1
            else:
                pending.append((more, _ParsedHere(more, on_breakpoints)))
    while pending:
        yield from _received(pool, *pending.popleft(), on_breakpoints)


class _ParsedHere:
    """A batch parsed in this process: its files' results, up to one whose parsing raised
    `error`, raised when its turn comes (as in one process, after the files before it)."""

    __slots__ = ("error", "results")

    def __init__(self, batch: list[tuple[Item, str | None]], on_breakpoints: bool) -> None:
        self.results: list[Parsed | None] = []
        self.error: Exception | None = None
        try:
            for _, text in batch:
                self.results.append(_parsed_here(text, on_breakpoints))
        except Exception as exc:
            self.error = exc


def _texts(batch: list[tuple[Item, str | None]], on_breakpoints: bool) -> list[tuple[str, bool]]:
    return [(text, on_breakpoints) for _, text in batch if text is not None]


def _parsed_here(text: str | None, on_breakpoints: bool) -> Parsed | None:
    return parse(text, on_breakpoints, operations_of) if text is not None else None


def _batches(
    items: Iterable[tuple[Item, str | None]],
) -> Iterator[list[tuple[Item, str | None]]]:
    batch: list[tuple[Item, str | None]] = []
    chars = 0
    for item, text in items:
        batch.append((item, text))
        chars += len(text or "")
        if chars >= _BATCH_CHARS or len(batch) >= _BATCH_FILES:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


def _received(
    pool: ParsingPool,
    batch: list[tuple[Item, str | None]],
    result: AsyncResult[bytes] | _ParsedHere,
    on_breakpoints: bool,
) -> Iterator[tuple[Item, Parsed | None]]:
    if isinstance(result, _ParsedHere):
        # (Its results end at a file whose parsing raised.)
        yield from zip((item for item, _ in batch), result.results, strict=False)
        if result.error is not None:
            raise result.error
        return
    received: list[Parsed | None] = pickle.loads(pool.result(result))
    parsed = iter(received)
    for item, text in batch:
        if text is None:
            yield item, None
            continue
        found = next(parsed)
        if found is None:  # too many statements to send their operations: parsed here
            yield item, _parsed_here(text, on_breakpoints)
            continue
        statements, problems = found
        statements.attach(text)
        yield item, (statements, problems)


def _start_worker() -> None:
    # The main process handles interrupts and ends the workers: a Ctrl-C that reaches the whole
    # process group must not make each of them print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    gc.set_threshold(100_000, 50, 100)  # as in the main process (linter.findings)


def _parse_batch(batch: bytes) -> bytes:
    results: list[Parsed | None] = []
    for text, on_breakpoints in pickle.loads(batch):
        statements, problems = parse(text, on_breakpoints, operations_of)
        results.append((statements, problems) if statements.keeps_operations else None)
    # Sent pickled: the pool's thread in the main process that receives results would
    # otherwise unpickle them, holding the interpreter while the main thread waits on each
    # file it reads (a second in all on 2,000 files); the main thread unpickles them instead.
    return pickle.dumps(results, pickle.HIGHEST_PROTOCOL)
