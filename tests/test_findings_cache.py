"""The findings cache: a folder linted again gives the report a full run gives, reading back
the findings of the files before the first that changed, and linting from there on."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_plugins import GOOD_PLUGIN

from migration_lint import findings_cache, linter, source
from migration_lint.diagnostic import Severity
from migration_lint.linter import Report, Settings, lint_paths

FILES = 24  # more than findings_cache.MIN_FILES
ALLOWED = 5  # the migration that declares its breaking change intentional
BROKEN = 17  # the migration a developer left half-typed, in some of the tests


def migration(number: int) -> str:
    """A migration whose findings depend on the history: it drops and retypes the columns of
    the table the one before it made, and indexes it."""
    table, before = f"t{number}", f"t{number - 1}"
    create = f"CREATE TABLE {table} (id bigint PRIMARY KEY, name text, n integer);\n"
    if number == 0:
        return create
    allow = (
        "-- migration-lint: allow drop-column -- the name moved to profiles\n"
        f"-- rollback:\n-- ALTER TABLE {before} ADD COLUMN name text;\n"
        if number == ALLOWED
        else ""
    )
    return (
        create
        + allow
        + f"ALTER TABLE {before} DROP COLUMN name;\n"
        + f"CREATE INDEX {before}_n_idx ON {before} (n);\n"
        + f"ALTER TABLE {before} ALTER COLUMN n TYPE bigint;\n"
        + f"ALTER TABLE {before} ADD COLUMN flag boolean DEFAULT false;\n"
        + f"CREATE INDEX CONCURRENTLY {before}_id_idx ON {before} (id);\n"
    )


def name(number: int) -> str:
    return f"{number:04d}_step.sql"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    for number in range(FILES):
        (migrations / name(number)).write_text(migration(number))
    return migrations


@pytest.fixture(params=[False, True], ids=["files-just-written", "files-long-unchanged"])
def settled(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Whether the files' times are taken to be as old as a history's usually are: then the
    cache trusts a folder whose files all have the identities they had (source.file_identities)."""
    if request.param:
        monkeypatch.setattr(source, "SETTLED_NS", -3600 * 10**9)
    return bool(request.param)


def run(paths: list[str], cache: Path | None, **settings: Any) -> Report:
    """A whole report: the findings with every field, and the schema changes described."""
    chosen = Settings(cache_folder=str(cache) if cache else None, **settings)
    return lint_paths(paths, chosen, changes=True)


def summary(report: Report) -> tuple[Any, ...]:
    return (
        report.diagnostics,
        report.files,
        report.statements,
        report.linted,
        report.changes,
    )


def linted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the rules look at from now on."""
    seen: list[str] = []
    original = linter.migration_findings

    def recorded(found: Any, *arguments: Any) -> Any:
        seen.append(found.path)
        return original(found, *arguments)

    monkeypatch.setattr(linter, "migration_findings", recorded)
    return seen


def cache_files(cache: Path) -> list[str]:
    return sorted(p.suffix for p in (cache / "history").iterdir())


@pytest.fixture
def written_as_it_goes(monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry written to its file a piece at a time, as a long history's is."""
    monkeypatch.setattr(findings_cache, "_FLUSH_BYTES", 100)


def test_a_folder_linted_again_unchanged_is_read_back_whole(
    folder: Path,
    tmp_path: Path,
    settled: bool,
    monkeypatch: pytest.MonkeyPatch,
    written_as_it_goes: None,
) -> None:
    cache = tmp_path / "cache"
    expected = summary(run(["migrations"], None))
    assert summary(run(["migrations"], cache)) == expected
    allowed = [d for d in expected[0] if d.allowed]
    assert allowed and allowed[0].reason == "the name moved to profiles"  # every field is kept
    assert any(d.severity is Severity.BREAKING for d in expected[0])
    rules = linted(monkeypatch)
    parsed: list[object] = []
    monkeypatch.setattr(linter, "parse_each", lambda *a: parsed.append(a) or iter(()))
    assert summary(run(["migrations"], cache)) == expected
    assert rules == [] and parsed == []


def edit(folder: Path) -> None:
    (folder / name(10)).write_text(migration(10).replace("TYPE bigint", "TYPE numeric"))


def half_type(folder: Path) -> None:
    (folder / name(BROKEN)).write_text("ALTER TABLE t16 DROP COLU")


def edit_newest(folder: Path) -> None:
    (folder / name(FILES - 1)).write_text(migration(FILES - 1) + "DROP TABLE t0;\n")


def add(folder: Path) -> None:
    (folder / name(FILES)).write_text(migration(FILES))


def delete(folder: Path) -> None:
    (folder / name(10)).unlink()


def rename(folder: Path) -> None:
    (folder / name(10)).rename(folder / f"{10:04d}_renamed.sql")


@pytest.mark.parametrize(
    ("change", "first_linted"),
    [
        pytest.param(edit, 10, id="an-old-migration-edited"),
        pytest.param(half_type, BROKEN, id="a-migration-half-typed"),
        pytest.param(edit_newest, FILES - 1, id="the-newest-edited"),
        pytest.param(add, FILES, id="a-migration-added"),
        pytest.param(delete, 11, id="a-migration-deleted"),
        pytest.param(rename, 10, id="a-migration-renamed"),
    ],
)
def test_after_a_change_the_files_from_it_on_are_linted_again(
    folder: Path,
    tmp_path: Path,
    settled: bool,
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[Path], None],
    first_linted: int,
) -> None:
    cache = tmp_path / "cache"
    run(["migrations"], cache)
    change(folder)
    expected = summary(run(["migrations"], None))
    rules = linted(monkeypatch)
    assert summary(run(["migrations"], cache)) == expected
    files = sorted(os.listdir(folder))
    assert [os.path.basename(path) for path in rules] == [
        file for file in files if int(file[:4]) >= first_linted
    ]
    rules.clear()
    assert summary(run(["migrations"], cache)) == expected
    assert rules == []  # the next run reads all of it back


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({"select": frozenset({"drop-column"})}, id="other-rules"),
        pytest.param({"ignore": frozenset({"create-index-not-concurrently"})}, id="a-rule-off"),
        pytest.param({"pg_version": 10}, id="another-postgres"),
        pytest.param({"assume_in_transaction": True}, id="another-runner"),
    ],
)
def test_other_settings_are_not_given_the_findings_of_these(
    folder: Path, tmp_path: Path, settings: dict[str, Any]
) -> None:
    cache = tmp_path / "cache"
    run(["migrations"], cache)
    expected = summary(run(["migrations"], None, **settings))
    assert expected != summary(run(["migrations"], None))
    assert summary(run(["migrations"], cache, **settings)) == expected


def test_files_named_one_by_one_are_read_back_from_a_run_over_the_folder(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    run(["migrations"], cache)
    some = [f"migrations/{name(number)}" for number in range(2, FILES, 1) if number != 9]
    rules = linted(monkeypatch)
    expected = summary(run(some, None))
    rules.clear()
    assert summary(run(some, cache)) == expected
    assert rules == []


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="cut-short"),
        pytest.param(lambda data: data[:100] + bytes([data[100] ^ 1]) + data[101:], id="changed"),
        pytest.param(lambda data: b"not an entry", id="garbage"),
        pytest.param(lambda data: b"", id="empty"),
    ],
)
def test_a_damaged_entry_is_linted_again_and_written_anew(
    folder: Path, tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    cache = tmp_path / "cache"
    run(["migrations"], cache)
    (entry,) = (cache / "history").glob("*.findings")
    written = entry.read_bytes()
    entry.write_bytes(damage(written))
    assert summary(run(["migrations"], cache)) == summary(run(["migrations"], None))
    assert entry.read_bytes() == written


def test_an_entry_too_large_is_not_kept(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written_as_it_goes: None
) -> None:
    monkeypatch.setattr(findings_cache, "MAX_ENTRY_BYTES", 2000)
    cache = tmp_path / "cache"
    assert summary(run(["migrations"], cache)) == summary(run(["migrations"], None))
    assert ".findings" not in cache_files(cache) and ".tmp" not in cache_files(cache)


def test_a_run_stopped_part_way_keeps_nothing_of_its_findings(
    folder: Path, tmp_path: Path, written_as_it_goes: None
) -> None:
    cache = tmp_path / "cache"
    found = linter.findings(["migrations"], Settings(cache_folder=str(cache)), Report())
    assert next(found)
    assert next(found)
    assert ".tmp" in cache_files(cache)  # begun
    found.close()
    assert ".findings" not in cache_files(cache) and ".tmp" not in cache_files(cache)


def test_a_folder_read_back_whole_starts_no_worker_process(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    settings = {"processes": 2, "pool_min_files": 2}
    expected = summary(run(["migrations"], cache, **settings))
    started: list[int] = []
    original = linter.ParsingPool

    def pool(workers: int) -> Any:
        started.append(workers)
        return original(workers)

    monkeypatch.setattr(linter, "ParsingPool", pool)
    assert summary(run(["migrations"], cache, **settings)) == expected
    assert started == []
    edit(folder)
    expected = summary(run(["migrations"], None))
    started.clear()
    assert summary(run(["migrations"], cache, **settings)) == expected
    assert started == [1]  # the files from the edited one on: parsed beside the rules


def test_a_migration_that_cannot_be_read_is_reported_on_every_run(
    folder: Path, tmp_path: Path, settled: bool
) -> None:
    (folder / name(15)).write_bytes(b"SELECT \xff;\n")
    cache = tmp_path / "cache"
    expected = summary(run(["migrations"], None))
    assert [d.rule for d in expected[0] if d.path.endswith(name(15))] == ["input-error"]
    for _ in range(3):
        assert summary(run(["migrations"], cache)) == expected


def golang_migrate(folder: Path) -> Path:
    """A golang-migrate folder whose newest migration drops a column, declared intentional
    without a rollback plan: its down file is the plan."""
    for number in range(1, FILES + 1):
        up = migration(number).replace(f"t{number - 1}", f"t{number}")  # only its own table
        (folder / f"{number:06d}_step.up.sql").write_text(up if number < FILES else "")
        (folder / f"{number:06d}_step.down.sql").write_text(f"DROP TABLE t{number};\n")
    (folder / f"{FILES:06d}_step.up.sql").write_text(
        "-- migration-lint: allow drop-column -- nobody reads it\n"
        "ALTER TABLE t1 DROP COLUMN name;\n"
    )
    return folder / f"{FILES:06d}_step.down.sql"


def flyway(folder: Path) -> Path:
    """A Flyway folder whose newest migration validates a constraint in its transaction."""
    for number in range(1, FILES + 1):
        (folder / f"V{number}__step.sql").write_text(migration(number - 1))
    (folder / f"V{FILES}__step.sql").write_text(
        "ALTER TABLE t1 ADD CONSTRAINT positive CHECK (n > 0) NOT VALID;\n"
        "ALTER TABLE t1 VALIDATE CONSTRAINT positive;\n"
    )
    return folder / f"V{FILES}__step.sql.conf"


def golang_migrate_without_plan(folder: Path) -> Path:
    down = golang_migrate(folder)
    down.unlink()
    return down


def remove(beside: Path) -> None:
    beside.unlink()


def add_down_file(beside: Path) -> None:
    beside.write_text("ALTER TABLE t1 ADD COLUMN name text;\n")


def out_of_transaction(beside: Path) -> None:
    beside.write_text("executeInTransaction=false\n")


@pytest.mark.parametrize(
    ("layout", "change"),
    [
        pytest.param(golang_migrate, remove, id="golang-migrate-down-file-removed"),
        pytest.param(
            golang_migrate_without_plan, add_down_file, id="golang-migrate-down-file-added"
        ),
        pytest.param(flyway, out_of_transaction, id="flyway-script-configuration-added"),
    ],
)
def test_a_file_beside_a_migration_that_changes_its_findings_is_part_of_its_key(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settled: bool,
    layout: Callable[[Path], Path],
    change: Callable[[Path], None],
) -> None:
    monkeypatch.chdir(tmp_path)
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    beside = layout(migrations)
    cache = tmp_path / "cache"
    run(["migrations"], cache)
    before = summary(run(["migrations"], None))
    change(beside)
    expected = summary(run(["migrations"], None))
    assert expected != before
    assert summary(run(["migrations"], cache)) == expected


def test_a_migration_added_is_linted_on_the_schema_the_last_run_left(
    folder: Path, tmp_path: Path, settled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    run(["migrations"], cache)
    add(folder)
    expected = summary(run(["migrations"], None))
    parsed: list[str] = []
    original = linter.parse_each

    def counted(items: Any, *rest: Any) -> Any:
        def each() -> Any:
            for item, text in items:
                if text is not None:
                    parsed.append(text)
                yield item, text

        return original(each(), *rest)

    monkeypatch.setattr(linter, "parse_each", counted)
    assert summary(run(["migrations"], cache)) == expected
    assert parsed == [migration(FILES)]  # the history before it: not parsed again


# test_plugins' rule, its message taken from another module of its package.
PLUGIN = "from .words import MESSAGE\n" + GOOD_PLUGIN.replace(
    'f"Table {op.table.sql} has no comment."', "MESSAGE.format(op.table.sql)"
)


def install_plugin(where: Path) -> Path:
    """A plugin distribution whose rule's message is in another module of its package."""
    package = where / "my_rules"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(PLUGIN)
    (package / "words.py").write_text('MESSAGE = "Table {} has no comment."\n')
    dist = where / "my_rules-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: my-rules\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[migration_lint.rules]\nmine = my_rules\n")
    return package


def reword(package: Path) -> None:
    (package / "words.py").write_text('MESSAGE = "Table {} lacks a comment (catalogue v2)."\n')


def make_breaking(package: Path) -> None:
    init = package / "__init__.py"
    init.write_text(init.read_text().replace("Severity.WARNING", "Severity.BREAKING"))


@pytest.mark.parametrize(
    ("change", "options"),
    [
        pytest.param(reword, [], id="a-module-its-rule-imports-edited"),
        # An ignore directive may name a warning, not a breaking change: the rule is off, yet
        # its severity decides whether the directive is valid.
        pytest.param(
            make_breaking, ["--ignore", "table-needs-comment"], id="an-off-rule-made-breaking"
        ),
    ],
)
def test_a_plugin_changed_between_runs_is_not_given_its_old_findings(
    folder: Path, tmp_path: Path, change: Callable[[Path], None], options: list[str]
) -> None:
    package = install_plugin(tmp_path / "plugins")
    step = folder / name(5)
    step.write_text("-- migration-lint: ignore table-needs-comment -- later\n" + step.read_text())
    environment = {
        **os.environ,
        "PYTHONPATH": str(tmp_path / "plugins"),
        "MIGRATION_LINT_CACHE_DIR": str(tmp_path / "cache"),
    }

    def lint(*more: str) -> str:
        command = [sys.executable, "-m", "migration_lint.cli", "lint", "--format", "json"]
        done = subprocess.run(
            [*command, *options, *more, "migrations"],
            capture_output=True,
            text=True,
            env=environment,
            cwd=tmp_path,
        )
        return done.stdout

    lint()
    before = lint("--no-cache")
    change(package)
    expected = lint("--no-cache")
    assert expected != before
    assert lint() == expected


def test_a_copy_of_the_folder_elsewhere_is_read_back(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As `ci` lints a copy of the repository made in a new folder on every run."""
    cache = tmp_path / "cache"
    run(["migrations"], cache)
    copy = tmp_path / "elsewhere"
    shutil.copytree(folder, copy / "migrations")
    monkeypatch.chdir(copy)
    expected = summary(run(["migrations"], None))
    rules = linted(monkeypatch)
    assert summary(run(["migrations"], cache)) == expected
    assert rules == []
    assert len(list((cache / "history").glob("*.findings"))) == 1
