"""The history cache: the schema a folder's earlier migrations leave, kept between runs, gives
the findings a full replay gives, whatever happens to the files and to the cache folder."""

from __future__ import annotations

import copy
import dataclasses
import json
import multiprocessing
import os
import pickle
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from migration_lint import history_cache, linter, source
from migration_lint.cli import main
from migration_lint.context import Context, TableModel
from migration_lint.linter import Settings, lint_paths, replay_source
from migration_lint.operations import Name
from migration_lint.source import read_source

INIT = """\
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, status text);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), total numeric);
CREATE INDEX orders_user_idx ON orders (user_id);
CREATE TYPE mood AS ENUM ('happy', 'sad');
"""
MORE = """\
ALTER TABLE users ADD COLUMN mood mood;
CREATE VIEW active_users AS SELECT id, email FROM users;
CREATE FUNCTION answer() RETURNS int LANGUAGE sql AS $$ SELECT 42 $$;
CREATE TABLE events (id bigint, at timestamptz) PARTITION BY RANGE (at);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE audit_log ADD COLUMN note text;
"""
# Each finding depends on the history: the old type, the view's and the function's definitions
# for the rollback plan, the index and foreign key dropped with the column, the partitions.
NEWEST = """\
ALTER TABLE users DROP COLUMN email;
ALTER TABLE users ALTER COLUMN status TYPE integer USING status::integer;
DROP VIEW active_users;
DROP FUNCTION answer();
ALTER TABLE orders DROP COLUMN user_id;
CREATE INDEX events_at_idx ON events (at);
ALTER TABLE users ALTER COLUMN mood TYPE text;
"""
LINTED = "m/0003_newest.sql"

Finding = tuple[str, int, str, str, str]


def findings(cache: Path | None, path: str = LINTED) -> list[Finding]:
    report = lint_paths([path], Settings(cache_folder=str(cache) if cache else None))
    return [(d.path, d.line, d.rule, d.message, d.help) for d in report.diagnostics]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of three migrations in the working directory; the newest is linted."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "0001_init.sql").write_text(INIT)
    (folder / "0002_more.sql").write_text(MORE)
    (folder / "0003_newest.sql").write_text(NEWEST)
    return tmp_path


@pytest.fixture(params=[False, True], ids=["files-just-written", "files-long-unchanged"])
def settled(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Whether the files' times are taken to be as old as a history's usually are: then a file
    whose identity the cache knows is not read again (source.file_identities)."""
    if request.param:
        monkeypatch.setattr(source, "SETTLED_NS", -3600 * 10**9)
    return bool(request.param)


def calls(
    monkeypatch: pytest.MonkeyPatch, owner: object, name: str, taken: Callable[..., Any]
) -> list[Any]:
    """What `taken` takes of the arguments of each call of owner.name from now on (a call
    goes on as before)."""
    seen: list[Any] = []
    original = getattr(owner, name)

    def recorded(*arguments: Any) -> Any:
        seen.append(taken(*arguments))
        return original(*arguments)

    monkeypatch.setattr(owner, name, recorded)
    return seen


def entries(cache: Path) -> list[Path]:
    return sorted((cache / history_cache.ENTRIES).iterdir())


def models(cache: Path) -> list[Path]:
    """The entries that hold a model (the others, the identities of a folder's files)."""
    return [entry for entry in entries(cache) if not entry.suffix]


def edit_old_migration(folder: Path) -> None:
    (folder / "0001_init.sql").write_text(INIT.replace("status text", "status varchar(20)"))


def rename_migration(folder: Path) -> None:
    (folder / "0002_more.sql").rename(folder / "0002_renamed.sql")


def delete_migration(folder: Path) -> None:
    (folder / "0002_more.sql").unlink()


def insert_migration(folder: Path) -> None:
    (folder / "0002_z_inserted.sql").write_text("DROP VIEW active_users;")


def swap_migrations(folder: Path) -> None:
    (folder / "0001_init.sql").rename(folder / "0009_init.sql")
    (folder / "0002_more.sql").rename(folder / "0001_more.sql")
    (folder / "0009_init.sql").rename(folder / "0002_init.sql")


@pytest.mark.parametrize(
    ("change", "changes_findings"),
    [
        pytest.param(edit_old_migration, True, id="an-old-migration-edited"),
        pytest.param(rename_migration, False, id="a-migration-renamed"),
        pytest.param(delete_migration, True, id="a-migration-deleted"),
        pytest.param(insert_migration, True, id="a-migration-inserted-before-the-last"),
        pytest.param(swap_migrations, True, id="two-migrations-swapped"),
    ],
)
def test_after_a_history_file_changes_the_cache_gives_the_findings_of_a_replay(
    project: Path, settled: bool, change: Callable[[Path], None], changes_findings: bool
) -> None:
    cache = project / "cache"
    before = findings(None)
    assert findings(cache) == before  # written
    assert findings(cache) == before  # read
    change(project / "m")
    after = findings(None)
    assert (after != before) == changes_findings
    assert findings(cache) == after
    assert findings(cache) == after


def test_a_history_the_cache_lacks_is_parsed_in_worker_processes_with_the_same_findings(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first run (or one after an old migration changed) replays a long history: it is
    parsed in worker processes, and finds what one process finds without the cache."""
    pools = calls(monkeypatch, linter, "ParsingPool", lambda workers: workers)
    cache = project / "cache"

    def pooled() -> list[Finding]:
        settings = Settings(cache_folder=str(cache), processes=2, pool_min_files=2)
        report = lint_paths([LINTED], settings)
        return [(d.path, d.line, d.rule, d.message, d.help) for d in report.diagnostics]

    expected = findings(None)
    assert pools == []
    assert pooled() == expected
    assert pools == [1]  # the two files of history, parsed by a worker
    assert pooled() == expected
    assert pools == [1]  # read from the cache: nothing to parse
    edit_old_migration(project / "m")
    assert pooled() == findings(None) != expected
    assert pools == [1, 1]


def test_an_edited_old_migration_shows_in_the_finding(project: Path) -> None:
    cache = project / "cache"
    assert any("from text to integer" in f[3] for f in findings(cache))
    edit_old_migration(project / "m")
    assert any("from varchar(20) to integer" in f[3] for f in findings(cache))


def test_a_new_migration_replays_only_itself_after_the_history_it_extends(
    project: Path, settled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = project / "cache"
    findings(cache)  # the history of 0003 (0001 and 0002) is cached
    (project / "m/0004_next.sql").write_text("ALTER TABLE users DROP COLUMN mood;")
    replayed = calls(monkeypatch, Context, "replay", lambda context, source, _: source.path)
    with_cache = findings(cache, "m/0004_next.sql")
    assert replayed == ["m/0003_newest.sql"]
    replayed.clear()
    assert with_cache == findings(None, "m/0004_next.sql")
    assert len(replayed) == 3
    replayed.clear()
    assert findings(cache, "m/0004_next.sql") == with_cache
    assert replayed == []


def test_history_files_long_unchanged_are_not_read_again(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source, "SETTLED_NS", -3600 * 10**9)
    cache = project / "cache"
    expected = findings(cache)
    read = calls(monkeypatch, linter, "_history_source", lambda file, *_: file)
    assert findings(cache) == expected
    assert read == []
    (project / "m/0004_next.sql").write_text("ALTER TABLE users DROP COLUMN mood;")
    assert findings(cache, "m/0004_next.sql") == findings(None, "m/0004_next.sql")
    read.clear()
    findings(cache, "m/0004_next.sql")
    assert read == []


def test_a_history_seen_whole_before_loads_its_model_without_each_files_identity(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source, "SETTLED_NS", -3600 * 10**9)
    cache = project / "cache"
    expected = findings(cache)
    loaded = calls(monkeypatch, history_cache.HistoryCache, "_load_known", lambda _, name: name)
    assert findings(cache) == expected
    assert loaded == []
    for model in models(cache):  # gone: each file's identity is looked up, and it replayed
        model.unlink()
    assert findings(cache) == expected
    assert len(loaded) == 1
    loaded.clear()
    assert findings(cache) == expected
    assert loaded == []


def test_a_file_changed_within_its_time_resolution_is_read_again(project: Path) -> None:
    """Files' times tick coarsely: a file changed in the same tick as it was last read, to the
    same size, keeps its identity, so one changed lately is always read."""
    cache = project / "cache"
    before = findings(cache)
    init = project / "m/0001_init.sql"
    times = init.stat()
    init.write_text(INIT.replace("status text", "status int4"))
    os.utime(init, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert (init.stat().st_size, init.stat().st_ino) == (times.st_size, times.st_ino)
    after = findings(None)
    assert after != before
    assert findings(cache) == after


def test_file_identities(tmp_path: Path) -> None:
    path = str(tmp_path / "0001_a.sql")
    Path(path).write_text("SELECT 1;")
    now = time.time_ns()
    places = source.Places()
    assert source.file_identities([path], places, now) == [None]  # just written
    later = now + 2 * source.SETTLED_NS
    [identity] = source.file_identities([path], places, later)
    assert identity is not None
    Path(path).write_text("SELECT 22;")
    [edited] = source.file_identities([path], places, later + source.SETTLED_NS)
    assert edited not in (None, identity)
    (tmp_path / "link.sql").symlink_to(path)
    link, missing = str(tmp_path / "link.sql"), str(tmp_path / "missing.sql")
    assert source.file_identities([link, path, missing, path], places, later * 2) == [
        None,
        edited,
        None,
        edited,
    ]


def test_a_file_reached_through_a_symlinked_folder_out_of_the_repository_has_no_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "repo/.git").mkdir(parents=True)
    (tmp_path / "repo/m").mkdir()
    (tmp_path / "outside").mkdir()
    for folder in ("repo/m", "outside"):
        (tmp_path / folder / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "repo/out").symlink_to(tmp_path / "outside")
    monkeypatch.chdir(tmp_path / "repo")
    later = time.time_ns() + 2 * source.SETTLED_NS
    files = ["m/0001_a.sql", "out/0001_a.sql", "m/0001_a.sql", "out/0001_a.sql"]
    found = source.file_identities(files, source.Places(), later)
    assert [identity is None for identity in found] == [False, True, False, True]


def test_the_cached_model_is_the_replayed_one(project: Path) -> None:
    """Whatever a history leaves for the next migration is in the cached model: a context
    restored from it is the replayed one, once both start a migration."""
    (project / "m/0003_newest.sql").write_text(
        NEWEST + "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM (1) TO (2);"
    )
    replayed = Context(16)
    for name in sorted(os.listdir("m")):
        replay_source(read_source(f"m/{name}"), replayed)
    restored = Context(16)
    saved = history_cache._deferring(replayed.schema_model())  # as the cache saves it
    restored.restore(history_cache._decode(history_cache._encode(saved)))
    replayed.start_migration()
    restored.start_migration()
    assert vars(restored).keys() == vars(replayed).keys()
    assert {k: v for k, v in vars(restored).items() if k != "_indexes_by_table"} == {
        k: v for k, v in vars(replayed).items() if k != "_indexes_by_table"
    }
    orders = Name("orders")
    assert restored.indexes_on(orders, "user_id") == replayed.indexes_on(orders, "user_id")


def _lint_in_process(cache: str) -> list[Finding]:
    return findings(Path(cache))


def test_processes_that_share_the_cache_at_once_get_the_findings_of_a_replay(
    project: Path,
) -> None:
    cache = project / "cache"
    expected = findings(None)
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.map(_lint_in_process, [str(cache)] * 8, chunksize=1)
    assert results == [expected] * 8
    # One model, and the files' identities if they were old enough; no temporary file left.
    assert sorted(p.suffix for p in entries(cache)) in ([""], ["", ".files"])
    assert findings(cache) == expected


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: data[: len(data) // 2], id="cut-short"),
        pytest.param(lambda data: data[:-1] + bytes([data[-1] ^ 1]), id="a-byte-changed"),
        pytest.param(lambda data: b"\x80\x05garbage", id="not-an-entry"),
        pytest.param(
            lambda data: (
                history_cache._HEADER
                + history_cache._check(pickle.dumps({"tables": 1}))
                + pickle.dumps({"tables": 1})
            ),
            id="not-a-schema-model",
        ),
    ],
)
def test_a_damaged_entry_is_replayed_and_written_again(
    project: Path, damage: Callable[[bytes], bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    cache = project / "cache"
    expected = findings(cache)
    [entry] = models(cache)
    entry.write_bytes(damage(entry.read_bytes()))
    assert findings(cache) == expected
    assert capsys.readouterr().err == ""
    assert history_cache._decode(entry.read_bytes())  # whole again
    assert findings(cache) == expected


class _Planted:
    """Pickled, makes a file when loaded: what an entry written by someone else could do."""

    def __reduce__(self) -> tuple[object, ...]:
        return (open, ("planted", "w"))


def test_an_entry_never_makes_what_a_schema_model_does_not_hold(project: Path) -> None:
    cache = project / "cache"
    expected = findings(cache)
    [entry] = models(cache)
    payload = pickle.dumps({"tables": _Planted()})
    entry.write_bytes(history_cache._HEADER + history_cache._check(payload) + payload)
    assert findings(cache) == expected
    assert not (project / "planted").exists()


def test_a_cache_folder_others_can_write_to_is_not_used(project: Path) -> None:
    cache = project / "cache"
    expected = findings(cache)
    (cache / history_cache.ENTRIES).chmod(0o777)
    [entry] = models(cache)
    entry.write_bytes(b"")
    assert findings(cache) == expected
    assert entry.read_bytes() == b""  # neither read nor written again


@pytest.mark.parametrize(
    "unwritable",
    [
        pytest.param("a-file/cache", id="under-a-file"),
        pytest.param("a-file", id="a-file"),
    ],
)
def test_a_cache_folder_that_cannot_be_written_leaves_the_findings_as_they_are(
    project: Path, unwritable: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "a-file").write_text("not a folder")
    expected = findings(None)
    assert findings(project / unwritable) == expected
    assert findings(project / unwritable) == expected
    assert capsys.readouterr().err == ""
    assert (project / "a-file").read_text() == "not a folder"


def test_the_least_recently_used_entries_go_past_the_size_limit(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = project / "cache"
    findings(cache)
    written = models(cache)
    monkeypatch.setattr(history_cache, "MAX_BYTES", written[0].stat().st_size * 3)
    for number in range(4, 9):
        (project / f"m/{number:04d}_next.sql").write_text(f"CREATE TABLE t{number} (id int);")
        findings(cache, f"m/{number:04d}_next.sql")
        assert sum(p.stat().st_size for p in entries(cache)) <= history_cache.MAX_BYTES
        kept = models(cache)
        written += [entry for entry in kept if entry not in written]
    assert len(written) == 6
    assert 2 <= len(kept) < 6
    assert sorted(kept) == sorted(written[-len(kept) :])


def test_lint_keeps_the_cache_outside_the_repository(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = project.parent / "home"
    monkeypatch.delenv("MIGRATION_LINT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "xdg"))
    monkeypatch.setenv("HOME", str(home))
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    assert main(["lint", LINTED]) == 1
    cached = capsys.readouterr().out
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before
    assert len(models(home / "xdg/migration-lint")) == 1
    assert (home / "xdg/migration-lint/CACHEDIR.TAG").read_text().startswith("Signature: ")
    shutil.rmtree(home / "xdg")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert main(["lint", LINTED]) == 1
    assert capsys.readouterr().out == cached
    assert len(models(home / ".cache/migration-lint")) == 1


@pytest.mark.parametrize(
    ("arguments", "environment"),
    [
        pytest.param(["--no-cache"], {}, id="no-cache-flag"),
        pytest.param([], {"MIGRATION_LINT_NO_CACHE": "1"}, id="no-cache-variable"),
    ],
)
def test_no_cache_writes_no_cache(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    environment: dict[str, str],
) -> None:
    monkeypatch.setenv("MIGRATION_LINT_CACHE_DIR", str(project / "cache"))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert main(["lint", *arguments, LINTED]) == 1
    assert not (project / "cache").exists()
    replayed = capsys.readouterr().out
    monkeypatch.delenv("MIGRATION_LINT_NO_CACHE", raising=False)
    assert main(["lint", LINTED]) == 1
    assert len(models(project / "cache")) == 1
    assert capsys.readouterr().out == replayed


def write_journal(folder: Path, tags: list[str]) -> None:
    entries = [
        {"idx": i, "version": "7", "when": 1700000000000 + i, "tag": tag, "breakpoints": True}
        for i, tag in enumerate(tags)
    ]
    (folder / "meta").mkdir(exist_ok=True)
    (folder / "meta/_journal.json").write_text(
        json.dumps({"version": "7", "dialect": "postgresql", "entries": entries})
    )


def test_a_migration_the_journal_comes_to_list_joins_the_history(
    tmp_path: Path, settled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drizzle runs only the migrations its journal lists: a file that is unchanged but
    newly listed changes the history."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "drizzle"
    folder.mkdir()
    (folder / "0000_init.sql").write_text('CREATE TABLE "users" ("id" bigint, "status" text);')
    (folder / "0001_retype.sql").write_text(
        'ALTER TABLE "users" ALTER COLUMN "status" SET DATA TYPE varchar(20);'
    )
    (folder / "0002_next.sql").write_text(
        'ALTER TABLE "users" ALTER COLUMN "status" SET DATA TYPE integer;'
    )
    write_journal(folder, ["0000_init", "0002_next"])
    cache = tmp_path / "cache"
    for linted in ("drizzle/0001_retype.sql", "drizzle/0002_next.sql"):
        assert findings(cache, linted) == findings(None, linted)
        assert findings(cache, linted) == findings(None, linted)
    assert "from text to integer" in findings(cache, "drizzle/0002_next.sql")[0][3]
    write_journal(folder, ["0000_init", "0001_retype", "0002_next"])
    assert "from varchar(20) to integer" in findings(cache, "drizzle/0002_next.sql")[0][3]
    assert findings(cache, "drizzle/0002_next.sql") == findings(None, "drizzle/0002_next.sql")


@pytest.mark.parametrize(
    "newest",
    [
        pytest.param(NEWEST, id="reads-first"),
        pytest.param(
            "CREATE INDEX users_status_idx ON users (status);\n"
            "ALTER TABLE users DROP COLUMN status;\n"
            "ALTER TABLE orders DROP COLUMN user_id;",
            id="an-index-made-then-the-indexes-read",
        ),
        pytest.param(
            "CREATE TYPE size AS ENUM ('s', 'm');\n"
            "ALTER TABLE users ADD COLUMN size size;\n"
            "ALTER TABLE users ALTER COLUMN mood TYPE text;\n"
            "DROP TYPE size CASCADE;",
            id="an-enum-made-then-the-enums-read",
        ),
        pytest.param(
            "CREATE VIEW emails AS SELECT email FROM users;\n"
            "CREATE FUNCTION other() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n"
            "CREATE TRIGGER users_again BEFORE UPDATE ON users EXECUTE FUNCTION touch();\n"
            "DROP TABLE users CASCADE;\nDROP FUNCTION answer();",
            id="definitions-made-then-read",
        ),
        pytest.param(
            "CREATE TABLE items (id bigint, order_id bigint REFERENCES orders (id));\n"
            "ALTER TABLE orders RENAME COLUMN id TO order_id;\nDROP TABLE orders CASCADE;",
            id="a-reference-made-then-the-references-read",
        ),
        pytest.param(
            "ALTER TABLE orders RENAME TO purchases;\n"
            "CREATE TABLE orders (id bigint PRIMARY KEY);\n"
            "ALTER TABLE users DROP COLUMN id CASCADE;",
            id="a-table-renamed-then-the-tables-read",
        ),
        pytest.param(
            "DROP TABLE orders;\nALTER TABLE users DROP COLUMN id CASCADE;",
            id="a-table-dropped-then-the-tables-read",
        ),
        pytest.param("CREATE INDEX users_status_idx ON users (status);", id="written-only"),
    ],
)
def test_the_parts_of_a_cached_model_read_when_first_asked_for_give_the_findings_of_a_replay(
    project: Path, newest: str
) -> None:
    # Each part is loaded when first read: what the migration writes to it before is kept.
    (project / "m" / "0003_newest.sql").write_text(newest)
    cache = project / "cache"
    expected = findings(None)
    assert findings(cache) == expected  # written
    assert findings(cache) == expected  # read
    (project / "m" / "0004_next.sql").write_text("SELECT 1;")
    # Saved again after a migration that wrote to parts never read.
    assert findings(cache, "m/0004_next.sql") == findings(None, "m/0004_next.sql")
    assert findings(cache) == expected


def test_a_deferred_part_of_the_model_is_a_dict_read_when_first_asked_for() -> None:
    part = history_cache.Deferred(history_cache._pickle({"a": 1, "b": 2}))
    part["c"] = 3  # written before it is read: kept aside
    part["a"] = 4
    twin = copy.deepcopy(part)
    twin["d"] = 5
    assert part == {"a": 4, "b": 2, "c": 3}
    assert list(part.items()) == [("a", 4), ("b", 2), ("c", 3)]
    assert twin == {"a": 4, "b": 2, "c": 3, "d": 5}
    assert part.pop("b") == 2 and "b" not in part and part.get("b") is None
    untouched = history_cache.Deferred(history_cache._pickle({"a": 1}))
    assert history_cache._unpickle(untouched.pickled()) == {"a": 1}
    assert history_cache._unpickle(part.pickled()) == {"a": 4, "c": 3}


def test_the_tables_of_a_cached_model_are_each_read_when_first_asked_for() -> None:
    users, orders, items = ("public", "users"), ("public", "orders"), ("public", "items")
    model = Context(16)
    model.tables[users] = TableModel(partitioned=True)
    model.tables[orders] = TableModel(partial=True)
    loaded = history_cache._unpickle(history_cache._pickle(model.tables))
    assert isinstance(loaded, history_cache.Tables)
    assert all(isinstance(table, bytes) for table in dict.values(loaded))  # none read yet
    assert loaded.get(orders) == TableModel(partial=True)
    assert isinstance(dict.__getitem__(loaded, users), bytes)  # only the one asked for
    assert loaded.get(items) is None and items not in loaded
    twin = copy.deepcopy(loaded)
    assert loaded.pop(users) == TableModel(partitioned=True)
    loaded[items] = TableModel()
    assert list(loaded) == [orders, items]
    assert loaded.position(items) > loaded.position(orders)
    assert loaded == {orders: TableModel(partial=True), items: TableModel()}
    assert list(twin.values()) == [TableModel(partitioned=True), TableModel(partial=True)]
    untouched = history_cache._unpickle(history_cache._pickle(model.tables))
    assert history_cache._unpickle(history_cache._pickle(untouched)) == model.tables


@pytest.mark.parametrize("kind", history_cache.RECORDS, ids=lambda kind: kind.__name__)
def test_a_record_of_the_model_is_pickled_as_the_call_that_makes_it(kind: type) -> None:
    # The call passes every field, in order, to the dataclass's own __init__.
    assert all(field.init for field in dataclasses.fields(kind))
    assert not hasattr(kind, "__post_init__")
    record = kind(*(f"value of {field.name}" for field in dataclasses.fields(kind)))
    assert history_cache._unpickle(history_cache._pickle(record)) == record
