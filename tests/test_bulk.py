"""Large runs: worker processes parse a large folder, and give the same findings in the same order
as one process; findings written as they are found are the output written whole."""

from __future__ import annotations

import json
import multiprocessing.context
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from drizzle_repo import journal
from migration_lint import outputs, parallel, parse
from migration_lint.cli import Interrupted, main
from migration_lint.errors import ProcessLost
from migration_lint.formats import STREAMED
from migration_lint.linter import Report, Settings, lint_paths

# One of these a migration, in turn: findings of many rules, drizzle's DO blocks, statements a
# later migration depends on (renames, drops, foreign keys), text that is not ASCII, and
# migrations that cannot be read or parsed.
STATEMENTS = [
    'CREATE TABLE "t{n}" ("id" serial PRIMARY KEY, "name" varchar(20), "note" text);',
    'ALTER TABLE "t{p}" ADD COLUMN "c{n}" integer NOT NULL;',
    'CREATE INDEX "i{n}" ON "t{p}" ("name");',
    'ALTER TABLE "t{p}" ALTER COLUMN "name" SET DATA TYPE varchar(40);',
    'DO $$ BEGIN\n ALTER TABLE "t{n}" ADD CONSTRAINT "fk{n}" FOREIGN KEY ("id") REFERENCES '
    '"t{p}"("id");\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;',
    'ALTER TABLE "t{p}" RENAME COLUMN "note" TO "remark";',
    'ALTER TABLE "t{p}" DROP COLUMN "remark";',
    '-- café, naïve\nUPDATE "t{p}" SET "name" = \'ünïcode\';',
    'ALTER TABLE "t{p}" ADD COLUMN "broken" integer NOT NULL DEFAULT;',
    'DROP INDEX "i{p}";\nDROP TABLE "t{p}" CASCADE;',
    "SELECT 1;\n" * 12,
]
BREAKPOINT = "\n--> statement-breakpoint\n"


def write_folder(folder: Path, files: int) -> list[str]:
    """drizzle-kit-style migrations, a few statements each, and their tags."""
    folder.mkdir()
    tags = []
    for number in range(files):
        statements = [
            STATEMENTS[(number + step) % len(STATEMENTS)].format(n=number, p=max(number - 1, 0))
            for step in range(1 + number % 4)
        ]
        tag = f"{number:04d}_m"
        (folder / f"{tag}.sql").write_text(BREAKPOINT.join(statements) + "\n")
        tags.append(tag)
    return tags


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """100 drizzle migrations, the journal leaving one out; one file not UTF-8."""
    folder = tmp_path / "drizzle"
    tags = write_folder(folder, 100)
    (folder / "meta").mkdir()
    (folder / "meta" / "_journal.json").write_text(journal([t for t in tags if t != "0050_m"]))
    (folder / "0070_m.sql").write_bytes(b"SELECT '\xff';\n")
    return folder


def in_order(report: Report) -> list[tuple[object, ...]]:
    return [
        (d.path, d.line, d.column, d.end_line, d.end_column, d.rule, d.message, d.help)
        for d in report.diagnostics
    ]


@pytest.mark.parametrize(
    "paths",
    [
        pytest.param(lambda folder: [str(folder)], id="the-whole-folder"),
        pytest.param(lambda folder: [str(folder / "0099_m.sql")], id="the-newest-on-its-history"),
        pytest.param(
            lambda folder: [str(folder / "0020_m.sql"), str(folder / "0080_m.sql")],
            id="two-files-with-history-between",
        ),
    ],
)
def test_the_pool_finds_what_one_process_finds_in_the_same_order(folder: Path, paths) -> None:
    alone = lint_paths(paths(folder), Settings(processes=1))
    pooled = lint_paths(paths(folder), Settings(processes=3, pool_min_files=1))
    assert in_order(pooled) == in_order(alone)
    assert alone.diagnostics
    assert (pooled.files, pooled.statements, pooled.linted) == (
        alone.files,
        alone.statements,
        alone.linted,
    )


def test_a_run_with_worker_processes_leaves_the_switch_interval_as_it_was(folder: Path) -> None:
    """The pool shortens the interpreter's switch interval while its workers run: a program
    that lints in-process finds its own again (two pools closed in the order they opened
    too)."""
    before = sys.getswitchinterval()
    pool = parallel.ParsingPool(1)
    assert sys.getswitchinterval() < before
    pool.close()
    assert sys.getswitchinterval() == before
    first, second = parallel.ParsingPool(1), parallel.ParsingPool(1)
    first.close()
    second.close()
    assert sys.getswitchinterval() == before
    lint_paths([str(folder)], Settings(processes=2, pool_min_files=1))
    assert sys.getswitchinterval() == before


@pytest.mark.parametrize(
    "refusal",
    [
        pytest.param(PermissionError(13, "Permission denied"), id="semaphores-forbidden"),
        pytest.param(FileNotFoundError(2, "No such file or directory"), id="no-dev-shm"),
        pytest.param(BlockingIOError(11, "Resource temporarily unavailable"), id="fork-refused"),
        pytest.param(
            ImportError("This platform lacks a functioning sem_open implementation"),
            id="no-sem-open",
        ),
    ],
)
def test_where_worker_processes_cannot_start_one_process_finds_the_same(
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    refusal: Exception,
) -> None:
    alone = lint_paths([str(folder)], Settings(processes=1))

    def refused(*args: object, **kwargs: object) -> None:
        raise refusal

    monkeypatch.setattr(multiprocessing.context.BaseContext, "Pool", refused)
    pooled = lint_paths([str(folder)], Settings(processes=3, pool_min_files=1))
    assert in_order(pooled) == in_order(alone)
    assert capsys.readouterr().err == (
        f"migration-lint: warning: worker processes cannot start here ({refusal}): linting in "
        "one process\n"
    )


def test_a_migration_too_large_to_send_is_parsed_by_the_main_process(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The workers start after this (they are forked): they keep the operations of no more
    # than 5 statements, so the migrations of SELECT 1 x 12 come back to be parsed here.
    monkeypatch.setattr(parse, "KEPT_OPERATIONS", 5)
    alone = lint_paths([str(folder)], Settings(processes=1))
    pooled = lint_paths([str(folder)], Settings(processes=2, pool_min_files=1))
    assert in_order(pooled) == in_order(alone)


@pytest.mark.parametrize(
    ("streamed", "whole"),
    [
        pytest.param(["--format", "json"], ["--output", "json", "--output", "sarif:{out}"]),
        pytest.param(
            ["--statistics"],
            ["--statistics", "--output", "text", "--output", "markdown:{out}"],
            id="text",
        ),
    ],
)
def test_findings_written_as_found_are_the_output_written_whole(
    folder: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    streamed: list[str],
    whole: list[str],
) -> None:
    # With SARIF or Markdown asked for too, the run keeps every finding and writes each format
    # whole at the end; alone, JSON and text are written as the findings come.
    out = str(tmp_path / "other")
    assert main(["lint", *streamed, str(folder)]) == 2
    written = capsys.readouterr().out
    assert main(["lint", *[w.format(out=out) for w in whole], str(folder)]) == 2
    assert capsys.readouterr().out == written
    if streamed[0] == "--format":  # findings of many rules, counted right
        document = json.loads(written)
        assert document["summary"]["diagnostics"] == len(document["diagnostics"]) > 100
        assert len({d["rule"] for d in document["diagnostics"]}) > 8


@pytest.mark.parametrize(
    "formats",
    [
        pytest.param(["sarif", "text"], id="sarif-then-text"),
        pytest.param(["markdown", "json"], id="markdown-then-json"),
        pytest.param(["json", "sarif"], id="json-then-sarif"),
        pytest.param(["text", "json", "github"], id="text-json-github"),
    ],
)
def test_outputs_to_standard_output_come_in_the_order_asked_for(
    folder: Path, capsys: pytest.CaptureFixture[str], formats: list[str]
) -> None:
    # Each output as a run of its own writes it, one after the other: the text and JSON of this
    # folder are long enough to be written in pieces as the run goes when they come first.
    alone = []
    for name in formats:
        main(["lint", "--output", name, str(folder)])
        alone.append(capsys.readouterr().out)
    assert all(
        len(out) > 64 * 1024 for name, out in zip(formats, alone, strict=True) if name in STREAMED
    )
    main(["lint", *[arg for name in formats for arg in ("--output", name)], str(folder)])
    assert capsys.readouterr().out == "".join(alone)


def stopping(after_files: int, error: BaseException) -> Callable[..., Iterator[list[object]]]:
    """outputs.findings, raising `error` once more than `after_files` files are linted."""
    real = outputs.findings

    def findings(*args: Any) -> Iterator[list[object]]:
        report = args[2]
        for found in real(*args):
            if report.files > after_files:
                raise error
            yield found

    return findings


LOST = "a worker process that parses migrations ended without its results"


@pytest.mark.parametrize(
    ("error", "code", "why"),
    [
        pytest.param(ProcessLost(LOST), 3, LOST, id="a-worker-lost"),
        pytest.param(Interrupted(signal.SIGTERM), 143, "interrupted", id="sigterm"),
        pytest.param(RuntimeError("a bug"), 3, "internal error", id="an-internal-error"),
    ],
)
@pytest.mark.parametrize(
    "after_files",
    [
        pytest.param(80, id="after-part-was-written"),
        pytest.param(1, id="before-any-was-written"),
    ],
)
def test_json_on_standard_output_is_a_whole_document_or_nothing_when_a_run_stops(
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    error: BaseException,
    code: int,
    why: str,
    after_files: int,
) -> None:
    """Findings are written as they are found: a run that stops part-way ends the document it
    began, with why it stopped in place of the summary, and writes nothing if it began none."""
    assert main(["lint", "--format", "json", str(folder)]) == 2
    every = json.loads(capsys.readouterr().out)["diagnostics"]
    monkeypatch.setattr(outputs, "findings", stopping(after_files, error))
    assert main(["lint", "--format", "json", str(folder)]) == code
    written = capsys.readouterr().out
    if after_files == 1:
        assert written == ""
        return
    document = json.loads(written)
    assert (document["error"], "summary" in document) == (why, False)
    assert 0 < len(document["diagnostics"]) < len(every)
    assert document["diagnostics"] == every[: len(document["diagnostics"])]


def test_a_migration_of_thousands_of_findings_streams_with_its_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its findings are handed on in pieces, each through the baseline: the same output as a
    # run that keeps them all, the baselined ones left out once.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "migrations").mkdir()
    old = tmp_path / "migrations" / "0001_old.sql"
    old.write_text("".join(f'ALTER TABLE "t" DROP COLUMN "c{n}";\n' for n in range(1200)))
    assert main(["baseline", "migrations"]) == 0
    capsys.readouterr()
    old.write_text("".join(f'ALTER TABLE "t" DROP COLUMN "c{n}";\n' for n in range(2500)))
    assert main(["lint", "--format", "json", "migrations"]) == 1
    written = capsys.readouterr().out
    assert main(["lint", "--output", "json", "--output", "sarif:x.sarif", "migrations"]) == 1
    assert capsys.readouterr().out == written
    summary = json.loads(written)["summary"]
    assert (summary["diagnostics"], summary["baselined"]) == (1300, 1200)


# Set once the main process has parsed a batch itself (made before the workers fork).
_main_parsed: Any = None
_parse_batch = parallel._parse_batch
_parse_here = parallel._parsed_here


def _parsing_after_the_main_process(batch: bytes) -> bytes:
    """A worker's task that waits for the main process to parse a batch: a worker behind.
    (Only its first: a main process that never does waits no longer than that.)"""
    global _main_parsed
    if _main_parsed is not None:
        _main_parsed.wait(10)
        _main_parsed = None  # in this worker
    return _parse_batch(batch)


def _parsing_here(text: str | None, on_breakpoints: bool) -> parallel.Parsed | None:
    """Parsing in the main process, which raises on the text "boom"."""
    _main_parsed.set()
    if text == "boom":
        raise RecursionError("maximum recursion depth exceeded")
    return _parse_here(text, on_breakpoints)


@pytest.fixture
def workers_behind(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Batches of 4 files, and workers that start on them once the main process has parsed
    one itself; the Event that says it has."""
    monkeypatch.setattr(parallel, "_BATCH_FILES", 4)
    monkeypatch.setattr(sys.modules[__name__], "_main_parsed", multiprocessing.Event())
    monkeypatch.setattr(parallel, "_parse_batch", _parsing_after_the_main_process)
    monkeypatch.setattr(parallel, "_parsed_here", _parsing_here)
    return _main_parsed


@pytest.mark.parametrize(
    "paths",
    [
        pytest.param(lambda folder: [str(folder)], id="the-whole-folder"),
        pytest.param(lambda folder: [str(folder / "0099_m.sql")], id="the-newest-on-its-history"),
    ],
)
def test_batches_the_main_process_parses_while_the_workers_are_behind_keep_their_place(
    folder: Path, paths, request: pytest.FixtureRequest
) -> None:
    """The main process parses the batches after those the workers have, rather than wait for
    them: the findings are the same, in the same order."""
    alone = lint_paths(paths(folder), Settings(processes=1))
    main_parsed = request.getfixturevalue("workers_behind")  # after: one process would set it
    pooled = lint_paths(paths(folder), Settings(processes=2, pool_min_files=1))
    assert main_parsed.is_set()
    assert in_order(pooled) == in_order(alone)
    assert (pooled.files, pooled.statements, pooled.linted) == (
        alone.files,
        alone.statements,
        alone.linted,
    )


def test_an_error_parsing_here_comes_after_the_files_before_it(workers_behind: Any) -> None:
    """As in one process: the files before the one whose parsing raised come first, the
    workers' batches among them."""
    items = [(number, "boom" if number == 13 else f"SELECT {number};") for number in range(40)]

    def taken(pool: parallel.ParsingPool | None) -> list[int]:
        numbers = []
        with pytest.raises(RecursionError):
            for number, _ in parallel.parse_each(items, False, pool):
                numbers.append(number)
        return numbers

    alone = taken(None)
    workers_behind.clear()  # set by the run in one process
    pool = parallel.ParsingPool(1)
    try:
        assert taken(pool) == alone == list(range(13))
    finally:
        pool.close()
    assert workers_behind.is_set()


def _killed_while_parsing(batch: bytes) -> bytes:
    """A worker's task that ends its process, as the OOM killer would, with the batch taken."""
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("a killed process runs no further")


def test_a_worker_that_dies_ends_the_run_with_a_message_not_a_hang(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker killed on the way (the OOM killer, a signal) loses the batch it had: the run
    says so rather than waiting for it forever, and its workers are ended."""
    # The workers are forked after this: their tasks are the killing one.
    monkeypatch.setattr(parallel, "_parse_batch", _killed_while_parsing)
    before = {child.pid for child in multiprocessing.active_children()}
    pool = parallel.ParsingPool(1)
    items = [(number, "SELECT 1;") for number in range(100)]
    with pytest.raises(ProcessLost, match="worker process that parses migrations ended"):
        list(parallel.parse_each(items, False, pool))
    pool.close()
    assert not [c for c in multiprocessing.active_children() if c.pid not in before]


def test_an_unlisted_drizzle_file_after_a_migration_too_large_to_keep_is_linted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file the journal does not list is linted on a copy of the history, made after a
    migration whose operations were too many to keep: the copy leaves that migration out."""
    monkeypatch.setattr(parse, "KEPT_OPERATIONS", 5)
    (tmp_path / "meta").mkdir()
    (tmp_path / "meta/_journal.json").write_text(journal(["0000_big"]))
    (tmp_path / "0000_big.sql").write_text("CREATE TABLE t (a int);\n" + "SELECT 1;\n" * 10)
    (tmp_path / "0001_unlisted.sql").write_text("ALTER TABLE t DROP COLUMN a;")
    report = lint_paths([str(tmp_path)], Settings(processes=1))
    assert "drop-column" in [d.rule for d in report.diagnostics]


def test_findings_come_in_file_order_when_one_is_placed_before_an_earlier_statement(
    tmp_path: Path,
) -> None:
    """A finding of a DO block whose text is not found as written may be placed further down,
    before the findings of the statements after the block: a migration's findings are sorted."""
    (tmp_path / "0001_a.sql").write_text("CREATE TABLE t (a int, b text);")
    (tmp_path / "0002_b.sql").write_text(
        "DO 'BEGIN ALTER TABLE t DROP COLUMN a; UPDATE t SET b = ''x''; END';\n"
        "ALTER TABLE t ALTER COLUMN b SET NOT NULL;\n"
        "UPDATE t SET b = 'x';\n"
    )
    report = lint_paths([str(tmp_path / "0002_b.sql")], Settings(processes=1))
    places = [(d.line, d.column) for d in report.diagnostics]
    assert len(places) > 2
    assert places == sorted(places)
