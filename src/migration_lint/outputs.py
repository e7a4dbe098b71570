"""Writing a command's outputs (`--format`, `--output FORMAT[:FILE]`) to standard output or files.

`lint` writes its findings as it finds them, in every format that can be written a finding at a
time (formats.STREAMED): a history of any length is linted in bounded memory, keeping counts of
its findings rather than the findings. A format that needs every finding before it starts
(SARIF lists the rules it uses first) makes the run keep them all. A run that stops part-way
ends what it began to write on standard output (JSON with why, in place of the summary), and
writes nothing it had not begun.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from typing import TextIO

import click

from .diagnostic import Diagnostic, kinds
from .errors import InputProblem, ProcessLost
from .formats import STREAMED, Display, FindingWriter, Output, render, writer
from .linter import Report, Settings, findings
from .output_files import output_file
from .result import RunResult

# Standard output is written in pieces of about this size while a run streams.
_PIECE_CHARS = 64 * 1024


def write_outputs(rendered: Iterable[tuple[Output, str]]) -> None:
    """Write each output's whole text where it goes."""
    for output, text in rendered:
        with _destination(output, streams=False) as destination:
            destination.close(text)


def lint_to_outputs(
    paths: Iterable[str], settings: Settings, outputs: list[Output], display: Display
) -> int:
    """Lint the paths and write the findings to every output, those that can as they are
    found; the exit code."""
    report = Report()
    keep = any(output.format not in STREAMED for output in outputs)
    baseline = None
    if settings.baseline and os.path.isfile(settings.baseline):
        from .baseline import Baseline

        baseline = Baseline(settings.baseline)
    with contextlib.ExitStack() as stack:
        # Only the first output to standard output can be written as the run goes, if its
        # format streams: the others follow it whole, in the order they were asked for.
        streaming = next((o for o in outputs if not o.file), None)
        if streaming is not None and streaming.format not in STREAMED:
            streaming = None
        targets = []
        for output in outputs:
            destination = stack.enter_context(_destination(output, output is streaming))
            targets.append(stack.enter_context(_Target(output, display, destination)))
        changes = any(output.format == "markdown" for output in outputs)
        for found in findings(paths, settings, report, changes):
            if baseline is not None:
                found = baseline.keep(found, report)
            if keep:
                report.diagnostics += found
            else:
                report.written.update(kinds(found))
            for target in targets:
                target.findings(found)
        if baseline is not None:
            report.stale_baseline += baseline.stale(report.linted)
        result = RunResult(report, "lint", settings.fail_on, report.linted, settings.project)
        for target in targets:
            target.end(result)
    return result.exit_code


class _Target:
    """One output of a run: its format's writer, if it streams, and where it goes."""

    def __init__(self, output: Output, display: Display, destination: _Destination) -> None:
        self.output = output
        self.display = display
        self.destination = destination
        self.writer: FindingWriter | None = None
        if output.format in STREAMED:
            self.writer = writer(output.format, display)
            destination.write(self.writer.begin())

    def findings(self, found: list[Diagnostic]) -> None:
        if self.writer is not None:
            self.destination.write(self.writer.findings(found))

    def end(self, result: RunResult) -> None:
        if self.writer is not None:
            self.destination.close(self.writer.end(result))
        else:
            self.destination.close(render(self.output.format, result, self.display))

    def __enter__(self) -> _Target:
        return self

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        # The run stopped: what it began to write on standard output is ended, the error in its
        # place (a program reading JSON gets a whole document); what it did not is left unwritten.
        if error is not None and self.writer is not None and self.destination.unfinished:
            self.destination.close(self.writer.stopped(_why(error)))


class _Destination:
    # Whether part of it is out where the user sees it, the rest not yet.
    unfinished = False

    def write(self, text: str) -> None:
        raise NotImplementedError

    def close(self, ending: str) -> None:
        """Finish it with its last text."""
        raise NotImplementedError

    def abandon(self, error: BaseException) -> None:
        """Leave it as it was: the run stopped."""


class _StandardOutput(_Destination):
    """Standard output, through click (which leaves out the styles when it is no terminal): in
    pieces as the run goes when it `streams`, else all at once when the run ends well."""

    def __init__(self, streams: bool) -> None:
        self._streams = streams
        self._pending: list[str] = []
        self._size = 0

    def write(self, text: str) -> None:
        self._pending.append(text)
        self._size += len(text)
        if self._streams and self._size >= _PIECE_CHARS:
            # Taken from what is pending, and the output known to be begun, before it is out:
            # an interrupt on the way never has a piece written twice.
            piece = "".join(self._pending)
            self._pending, self._size = [], 0
            self.unfinished = True
            click.echo(piece, nl=False)

    def close(self, ending: str) -> None:
        text = "".join(self._pending) + ending
        self.unfinished = False
        click.echo(text)


class _File(_Destination):
    """An --output file, replaced whole when the run ends well, left as it was otherwise (see
    output_files.output_file); a write that fails is the user's problem, not an internal error."""

    def __init__(self, output: Output) -> None:
        self.output = output
        self._opened = output_file(output.file)
        with self._cannot_write():
            self._file: TextIO = self._opened.__enter__()

    def write(self, text: str) -> None:
        with self._cannot_write():
            self._file.write(text)

    def close(self, ending: str) -> None:
        self.write(ending + "\n")
        with self._cannot_write():
            self._opened.__exit__(None, None, None)

    def abandon(self, error: BaseException) -> None:
        with self._cannot_write():
            self._opened.__exit__(type(error), error, error.__traceback__)

    @contextlib.contextmanager
    def _cannot_write(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            raise InputProblem(
                f"--output {self.output.format}:{self.output.file}: cannot write: "
                f"{exc.strerror or exc}"
            ) from None


def _why(error: BaseException) -> str:
    """Why a run stopped, for an output it leaves unfinished (standard error says more)."""
    if isinstance(error, (InputProblem, ProcessLost)):
        return str(error)
    return "internal error" if isinstance(error, Exception) else "interrupted"


@contextlib.contextmanager
def _destination(output: Output, streams: bool) -> Iterator[_Destination]:
    """Where an output goes; closed by its writer once it is whole, abandoned when the run
    stops before."""
    destination = _File(output) if output.file else _StandardOutput(streams)
    try:
        yield destination
    except BaseException as exc:
        destination.abandon(exc)
        raise
