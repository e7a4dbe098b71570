"""The `lint` and `rules` commands as a user runs them: output, exit codes, config, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from migration_lint.cli import main

CLEAN = 'CREATE TABLE "users" ("id" bigint PRIMARY KEY);\n'
BREAKING = 'ALTER TABLE "users" DROP COLUMN "nickname";\n'


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    code, out, _ = run(["lint", "--format", "json", *argv], capsys)
    return code, json.loads(out)


@pytest.mark.parametrize(
    ("sql", "exit_code"),
    [
        pytest.param(CLEAN, 0, id="clean"),
        pytest.param(BREAKING, 1, id="breaking"),
        pytest.param(BREAKING + "SELEC 1;\n", 2, id="invalid-sql"),
    ],
)
def test_exit_code_follows_the_worst_finding(write, capsys, sql: str, exit_code: int) -> None:
    root = write({"m/0001_x.sql": sql})
    assert run(["lint", str(root / "m")], capsys)[0] == exit_code


def test_usage_errors_exit_3(capsys) -> None:
    code, _, err = run(["lint", "--no-such-option"], capsys)
    assert code == 3 and "No such option" in err
    assert run(["lint", "--format", "xml", "."], capsys)[0] == 3
    assert run(["frobnicate"], capsys)[0] == 3


def test_json_output_has_the_documented_shape(write, capsys) -> None:
    root = write({"m/0001_init.sql": CLEAN, "m/0002_drop.sql": "SELECT 1;\n" + BREAKING})
    code, report = run_json([str(root / "m")], capsys)
    assert code == 1
    (diagnostic,) = report["diagnostics"]
    assert {
        k: diagnostic[k]
        for k in ("rule", "severity", "path", "line", "column", "end_line", "end_column")
    } == {
        "rule": "drop-column",
        "severity": "breaking",
        "path": str(root / "m" / "0002_drop.sql"),
        "line": 2,
        "column": 1,
        "end_line": 2,
        "end_column": 43,  # end is exclusive
    }
    assert "nickname" in diagnostic["message"] and "DROP COLUMN" in diagnostic["help"]
    assert report["summary"]["files"] == 2 and report["summary"]["statements"] == 3
    assert report["summary"]["breaking"] == 1


def test_text_output_is_path_line_column_rule_message_then_help(write, capsys) -> None:
    root = write({"0001_drop.sql": BREAKING})
    _code, out, _ = run(["lint", str(root / "0001_drop.sql")], capsys)
    lines = out.splitlines()
    assert lines[0].startswith(f"{root / '0001_drop.sql'}:1:1: drop-column Dropping column")
    assert lines[1].startswith("    Drop a column in two releases")
    assert "\x1b[" not in out  # colour only on a terminal
    assert lines[-1] == "Found 1 breaking in 1 file (1 statement)."


def test_folder_is_linted_in_migration_order(write, capsys) -> None:
    root = write(
        {
            "m/10_ten.sql": "DROP TABLE ten;",
            "m/9_nine.sql": "DROP TABLE nine;",
            "m/notes.txt": "not SQL",
        }
    )
    _, report = run_json([str(root / "m")], capsys)
    assert [
        Path(d["path"]).parent.name + "/" + Path(d["path"]).name for d in report["diagnostics"]
    ] == [
        "m/9_nine.sql",
        "m/10_ten.sql",
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param(
            "0002_bin.sql", b"\x89PNG\r\n\x1a\n\x00\x00", "binary file, not SQL text", id="binary"
        ),
        pytest.param(
            "0002_latin1.sql",
            "SELECT 'café';".encode("latin-1"),
            "not valid UTF-8 (byte 0xe9 at line 1)",
            id="non-utf8",
        ),
        pytest.param("0002_empty.sql", b"", "empty file: no SQL statements", id="empty"),
        pytest.param(
            "0002_string.sql",
            b"SELECT 1;\nSELECT 'open;\n",
            "unterminated quoted string",
            id="unterminated-string",
        ),
        pytest.param(
            "0002_dollar.sql",
            b"DO $$ BEGIN\n  PERFORM 1;\n",
            "unterminated dollar-quoted string",
            id="unterminated-dollar",
        ),
    ],
)
def test_bad_file_is_one_error_line_and_the_others_are_still_linted(
    write, capsys, name: str, content: bytes, message: str
) -> None:
    root = write(
        {"m/0001_drop.sql": BREAKING, f"m/{name}": content, "m/0003_drop.sql": "DROP TABLE t;"}
    )
    code, out, _ = run(["lint", str(root / "m")], capsys)
    assert code == 2
    errors = [line for line in out.splitlines() if str(root / "m" / name) in line]
    assert len(errors) == 1 and message in errors[0]
    assert "drop-column" in out and "drop-table" in out


@pytest.mark.parametrize(
    ("target", "message"),
    [
        pytest.param("missing", "no such file or directory", id="missing-path"),
        pytest.param("empty_dir", "no SQL migration files in this directory", id="dir-without-sql"),
    ],
)
def test_bad_path_is_one_error_line_and_other_paths_are_still_linted(
    write, capsys, target: str, message: str
) -> None:
    root = write({"ok/0001_drop.sql": BREAKING, "empty_dir/README.md": "no SQL here"})
    code, out, _ = run(["lint", str(root / target), str(root / "ok")], capsys)
    assert code == 2
    assert f"{root / target}:1:1: input-error {message}" in out
    assert "drop-column" in out


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_unreadable_file_is_one_error_line(tmp_path, capsys) -> None:
    # /proc/self/mem is a file that even root cannot read from offset 0; being outside the
    # folder (no repository here), it is not even opened.
    (tmp_path / "0001_x.sql").symlink_to("/proc/self/mem")
    code, out, _ = run(["lint", str(tmp_path / "0001_x.sql")], capsys)
    assert code == 2
    assert out.splitlines()[0] == (
        f"{tmp_path / '0001_x.sql'}:1:1: input-error a symlink to /proc/self/mem, outside "
        f"{tmp_path}: not read [error]"
    )


def test_config_in_pyproject_names_the_folders_and_cli_flags_win(
    write, capsys, monkeypatch
) -> None:
    root = write(
        {
            "pyproject.toml": '[project]\nname = "app"\n\n[tool.migration-lint]\npaths = ["drizzle"]\n'
            'ignore = ["drop-column"]\n',
            "drizzle/0001_x.sql": BREAKING + "DROP TABLE t;\n",
            "src/db/.keep": "",
        }
    )
    monkeypatch.chdir(root / "src" / "db")  # found by walking up
    code, report = run_json([], capsys)
    assert code == 1
    assert [d["rule"] for d in report["diagnostics"]] == ["drop-table"]
    _, report = run_json(["--ignore", "drop-table"], capsys)
    assert [d["rule"] for d in report["diagnostics"]] == ["drop-column"]


def test_dot_config_file_and_explicit_config(write, capsys, monkeypatch) -> None:
    root = write(
        {
            ".migration-lint.toml": 'select = ["drop-table"]\n',
            "other.toml": 'select = ["drop-column"]\n',
            "m/0001_x.sql": BREAKING + "DROP TABLE t;\n",
        }
    )
    monkeypatch.chdir(root)
    assert [d["rule"] for d in run_json(["m"], capsys)[1]["diagnostics"]] == ["drop-table"]
    assert [
        d["rule"] for d in run_json(["--config", "other.toml", "m"], capsys)[1]["diagnostics"]
    ] == ["drop-column"]


@pytest.mark.parametrize(
    ("config", "argv", "message"),
    [
        pytest.param("colour = true\n", [], "unknown key 'colour'", id="unknown-key"),
        pytest.param(
            'select = ["drop-tabel"]\n',
            [],
            ".migration-lint.toml: 'select': unknown rule 'drop-tabel' (did you mean 'drop-table'?)",
            id="unknown-rule-in-config",
        ),
        pytest.param("", ["--ignore", "nope"], "unknown rule 'nope'", id="unknown-rule-on-cli"),
        pytest.param(
            "pg-version = 'sixteen'\n",
            [],
            "'pg-version' must be a PostgreSQL major version",
            id="wrong-type",
        ),
        pytest.param("select = [\n", [], "invalid TOML", id="bad-toml"),
        pytest.param(
            "pg-version = 99\n", [], "'pg-version' must be between 9 and 18", id="pg-version-range"
        ),
        pytest.param(
            "", ["--select", ""], "--select needs at least one rule id", id="empty-select"
        ),
        pytest.param("", ["--ignore", "syntax-error"], "cannot be ignored", id="ignore-error-rule"),
        pytest.param(
            "",
            ["--config", "missing.toml"],
            "missing.toml: config file not found",
            id="missing-config",
        ),
    ],
)
def test_bad_config_is_a_clear_usage_error(
    write, capsys, monkeypatch, config: str, argv: list[str], message: str
) -> None:
    root = write({".migration-lint.toml": config, "m/0001_x.sql": CLEAN})
    monkeypatch.chdir(root)
    code, out, err = run(["lint", *argv, "m"], capsys)
    assert code == 3 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_no_paths_anywhere_is_a_usage_error(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["lint"], capsys)
    assert code == 3 and "no PATH given" in err


def test_rules_lists_and_explains(capsys) -> None:
    code, out, _ = run(["rules"], capsys)
    assert code == 0
    assert any(line.split()[:2] == ["drop-column", "breaking"] for line in out.splitlines())
    code, out, _ = run(["rules", "rename-column"], capsys)
    assert code == 0 and "RENAME COLUMN" in out and "Instead:" in out
    assert run(["rules", "no-such-rule"], capsys)[0] == 3


def test_installed_console_script_runs(write) -> None:
    root = write({"m/0001_x.sql": BREAKING})
    script = Path(sys.executable).parent / "migration-lint"
    result = subprocess.run([str(script), "lint", str(root / "m")], capture_output=True, text=True)
    assert result.returncode == 1 and "drop-column" in result.stdout


def test_docs_rules_md_is_generated_from_the_rules(capsys) -> None:
    assert main(["rules", "--markdown"]) == 0
    generated = capsys.readouterr().out
    committed = (Path(__file__).parent.parent / "docs" / "rules.md").read_text()
    assert generated == committed, (
        "docs/rules.md is stale: migration-lint rules --markdown > docs/rules.md"
    )


def test_unterminated_string_error_is_one_line(write, capsys) -> None:
    body = "SELECT 1;\nSELECT 'never closed\n" + "SELECT 2;\n" * 50
    root = write({"0001_x.sql": body})
    code, out, _ = run(["lint", str(root / "0001_x.sql")], capsys)
    assert code == 2
    (error,) = [line for line in out.splitlines() if "syntax-error" in line]
    assert error.endswith(
        'invalid SQL: unterminated quoted string at or near "\'never closed..." [error]'
    )
    assert len(out.splitlines()) == 2  # the error and the summary


def test_byte_order_mark_does_not_shift_columns(write, capsys) -> None:
    root = write({"0001_x.sql": "\ufeffSELEC 1;".encode()})
    _, out, _ = run(["lint", str(root / "0001_x.sql")], capsys)
    assert ":1:1: syntax-error" in out
