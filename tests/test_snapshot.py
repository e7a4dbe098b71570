"""`snapshot`: a schema as stable, sorted JSON that reads back as the same schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migration_lint.cli import main
from migration_lint.db import catalog, snapshot
from migration_lint.db.connect import session
from migration_lint.db.urls import Target

SCHEMA = """
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('ok', 'it''s bad');
CREATE TABLE app.users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name varchar(64) NOT NULL DEFAULT 'x',
    doubled bigint GENERATED ALWAYS AS (id * 2) STORED,
    mood app.mood
);
ALTER TABLE app.users ADD CONSTRAINT named CHECK (name <> '') NOT VALID;
CREATE TABLE app.events (id serial, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE UNIQUE INDEX users_name ON app.users (lower(name));
CREATE VIEW app.names AS SELECT name FROM app.users;
CREATE MATERIALIZED VIEW app.moods AS SELECT mood FROM app.users;
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER touched BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE SEQUENCE app.tickets START 100;
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def schema_db(scratch_db: str) -> str:
    with session(Target(scratch_db, "test"), read_only=False) as connection:
        connection.execute(SCHEMA.encode())
    return scratch_db


def test_a_snapshot_is_stable_and_sorted(schema_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMA_URL", schema_db)  # a keyword conninfo: the variable holds it
    assert main(["snapshot", "SCHEMA_URL", "-o", "one.json"]) == 0
    assert main(["snapshot", "SCHEMA_URL", "-o", "two.json"]) == 0
    text = Path("one.json").read_text()
    assert text == Path("two.json").read_text()
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert data["format"] == snapshot.FORMAT and data["version"] == snapshot.VERSION
    assert data["schemas"] == sorted(data["schemas"])
    assert data["enums"]["app.mood"] == ["ok", "it's bad"]  # in their order, not sorted
    assert data["tables"]["app.events"]["partitioning"] == "PARTITION BY RANGE (at)"
    assert data["constraints"]["named on app.users"]["definition"].endswith("NOT VALID")
    assert data["sequences"]["app.events_id_seq"]["owned_by"] == "app.events.id"


def test_a_snapshot_round_trips(schema_db: str) -> None:
    with session(Target(schema_db, "test"), read_only=True) as connection:
        read = catalog.read(connection)
    Path("s.json").write_text(snapshot.dumps(read))
    assert snapshot.load("s.json") == read
    assert snapshot.dumps(snapshot.load("s.json")) == Path("s.json").read_text()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("{", "invalid JSON", id="not-json"),
        pytest.param('{"format": "something else"}', "not a schema snapshot", id="other-json"),
        pytest.param(
            json.dumps({"format": snapshot.FORMAT, "version": 99}), "version 99", id="newer"
        ),
        pytest.param(
            json.dumps({"format": snapshot.FORMAT, "version": 1, "schemas": "public"}),
            "not a schema snapshot",
            id="wrong-shape",
        ),
    ],
)
def test_what_is_not_a_snapshot_is_an_error(
    capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    Path("bad.json").write_text(content)
    assert main(["compare", "bad.json", "bad.json"]) == 2
    assert message in capsys.readouterr().err


def test_snapshot_writes_over_a_snapshot_only(
    schema_db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEMA_URL", schema_db)
    Path("notes.json").write_text('{"mine": true}')
    assert main(["snapshot", "SCHEMA_URL", "-o", "notes.json"]) == 2
    assert "not a schema snapshot; pass --force" in capsys.readouterr().err
    assert Path("notes.json").read_text() == '{"mine": true}'
    assert main(["snapshot", "SCHEMA_URL", "-o", "s.json"]) == 0
    assert main(["snapshot", "SCHEMA_URL", "-o", "s.json"]) == 0  # over its own: fine
    assert main(["snapshot", "SCHEMA_URL", "-o", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["format"] == snapshot.FORMAT


def test_snapshot_makes_the_folder_it_is_written_to(
    schema_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEMA_URL", schema_db)
    assert main(["snapshot", "SCHEMA_URL", "-o", "schema/prod.json"]) == 0
    assert json.loads(Path("schema/prod.json").read_text())["format"] == snapshot.FORMAT
