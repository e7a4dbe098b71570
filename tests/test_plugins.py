"""Third-party rules from the `migration_lint.rules` entry-point group."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import lint_sql
from migration_lint import registry
from migration_lint.cli import main

GOOD_PLUGIN = """
from migration_lint.diagnostic import Severity
from migration_lint.operations import CreateTable
from migration_lint.registry import rule


@rule(
    id="table-needs-comment", severity=Severity.WARNING, inspects=(CreateTable,),
    summary="Tables need a comment.", rationale="Our data catalogue reads them.",
    bad="CREATE TABLE t (id int);", good="COMMENT ON TABLE t IS 'x';",
)
def table_needs_comment(op, ctx):
    yield f"Table {op.table.sql} has no comment.", f"COMMENT ON TABLE {op.table.sql} IS '...';"
"""

BAD_METADATA_PLUGIN = GOOD_PLUGIN.replace('id="table-needs-comment"', 'id="Table Needs Comment"')


@pytest.fixture
def install_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Install a plugin distribution on sys.path, with a fresh registry for the test."""
    # monkeypatch puts the registry and the imported rule modules back after the test.
    monkeypatch.setattr(registry, "_loaded", False)
    monkeypatch.setattr(registry, "_plugins_loaded", False)
    monkeypatch.setattr(registry.REGISTRY, "rules", {})
    for name in [m for m in sys.modules if m.startswith("migration_lint.rules.")]:
        monkeypatch.delitem(sys.modules, name)

    def install(
        module_source: str, entry_point: str = "my_rules", metadata: str = "my_rules-1.0.dist-info"
    ) -> None:
        (tmp_path / "my_rules.py").write_text(module_source)
        dist = tmp_path / metadata
        dist.mkdir()
        (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: my-rules\nVersion: 1.0\n")
        (dist / "entry_points.txt").write_text(
            "[console_scripts]\nmine = my_rules:main\n\n"
            f"# the rules\n[migration_lint.rules]\n  mine = {entry_point}\n"
        )
        monkeypatch.syspath_prepend(str(tmp_path))
        monkeypatch.delitem(sys.modules, "my_rules", raising=False)

    return install


@pytest.mark.parametrize(
    ("entry_point", "metadata"),
    [
        pytest.param("my_rules", "my_rules-1.0.dist-info", id="wheel"),
        # `pip install -e` of an old setup.py project, or `setup.py develop`.
        pytest.param("my_rules", "my_rules.egg-info", id="egg-info"),
        pytest.param("my_rules:table_needs_comment [extra]", "My.Rules-1.0.dist-info", id="attr"),
    ],
)
def test_plugin_rule_runs_beside_the_built_in_ones(
    install_plugin, entry_point: str, metadata: str
) -> None:
    install_plugin(GOOD_PLUGIN, entry_point, metadata)
    findings = lint_sql("CREATE TABLE t (id int);\nDROP TABLE u;", select=None)
    assert [d.rule for d in findings] == ["table-needs-comment", "drop-table"]
    assert registry.REGISTRY.rules["table-needs-comment"].origin == "plugin 'mine'"


def test_a_plugin_installed_twice_on_sys_path_is_loaded_once(
    install_plugin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As importlib.metadata reads them: the first distribution of a name on sys.path wins.
    install_plugin(GOOD_PLUGIN)
    older = tmp_path / "user-site" / "my_rules-0.9.dist-info"
    older.mkdir(parents=True)
    (older / "entry_points.txt").write_text("[migration_lint.rules]\nmine = my_rules\n")
    monkeypatch.setattr(sys, "path", [*sys.path, str(older.parent)])
    findings = lint_sql("CREATE TABLE t (id int);", select=None)
    assert [d.rule for d in findings] == ["table-needs-comment"]


@pytest.mark.parametrize(
    ("source", "entry_point", "message"),
    [
        pytest.param(
            "import not_installed_dependency\n",
            "my_rules",
            "plugin 'mine' (my_rules) failed to load: ModuleNotFoundError",
            id="import-error",
        ),
        pytest.param(
            GOOD_PLUGIN,
            "my_rules:missing",
            "plugin 'mine' (my_rules:missing) failed to load: AttributeError",
            id="bad-object",
        ),
        pytest.param("x = 1\n", "my_rules", "plugin 'mine' registered no rules", id="no-rules"),
        pytest.param(
            BAD_METADATA_PLUGIN,
            "my_rules",
            "plugin 'mine': rule 'Table Needs Comment': id must be lower-case",
            id="bad-metadata",
        ),
        pytest.param(
            GOOD_PLUGIN.replace("table-needs-comment", "drop-table"),
            "my_rules",
            "rule id 'drop-table' from plugin 'mine' is already registered by migration-lint",
            id="duplicate-id",
        ),
    ],
)
def test_broken_plugin_is_named_and_the_run_stops(
    install_plugin, capsys, tmp_path: Path, source: str, entry_point: str, message: str
) -> None:
    install_plugin(source, entry_point)
    (tmp_path / "0001_x.sql").write_text("SELECT 1;")
    assert main(["lint", str(tmp_path / "0001_x.sql")]) == 3
    assert message in capsys.readouterr().err
