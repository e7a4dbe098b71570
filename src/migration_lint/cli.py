"""The command line: a thin click layer over the linter's pure functions."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from . import __version__
from .config import FORMATS, MAX_PG_VERSION, MIN_PG_VERSION, Config, find_config, load_config
from .diagnostic import Severity, exit_code
from .linter import ConfigError, Settings, lint_paths
from .registry import PluginError, load_rules

USAGE_ERROR = 3


def _rule_list(option: str, value: str) -> frozenset[str]:
    rules = frozenset(part.strip() for part in value.split(",") if part.strip())
    if not rules:
        raise ConfigError(f"{option} needs at least one rule id")
    return rules


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="migration-lint")
def cli() -> None:
    """Keeps PostgreSQL schema migrations safe.

    Exit codes: 0 nothing fails, 1 breaking changes, 2 errors (invalid SQL, unreadable or
    inconsistent migrations), 3 usage or internal error.
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(FORMATS), help="Output format [text].")
@click.option(
    "--pg-version",
    type=click.IntRange(MIN_PG_VERSION, MAX_PG_VERSION),
    help="Target PostgreSQL major version [16].",
)
@click.option(
    "--assume-in-transaction/--no-assume-in-transaction",
    default=None,
    help="Whether the migration runner wraps each migration in a transaction.",
)
@click.option("--select", help="Only these rules (comma-separated ids), opt-in rules included.")
@click.option("--ignore", help="Skip these rules (comma-separated ids).")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Config file [nearest .migration-lint.toml or pyproject.toml].",
)
def lint(
    paths: tuple[str, ...],
    output_format: str | None,
    pg_version: int | None,
    assume_in_transaction: bool | None,
    select: str | None,
    ignore: str | None,
    config_file: str | None,
) -> int:
    """Lint migration files and folders (a folder: its migrations in order).

    With no PATH, lints the `paths` named in the config.
    """
    config = _config(config_file)
    paths = paths or config.paths
    if not paths:
        raise click.UsageError("no PATH given and no `paths` in the config")
    settings = Settings(
        pg_version=pg_version or config.pg_version or Settings.pg_version,
        assume_in_transaction=(
            assume_in_transaction
            if assume_in_transaction is not None
            else bool(config.assume_in_transaction)
        ),
        select=_rule_list("--select", select) if select is not None else config.select,
        ignore=_rule_list("--ignore", ignore) if ignore is not None else config.ignore,
    )
    report = lint_paths(paths, settings)
    from .output import as_json, as_text

    if (output_format or config.format or "text") == "json":
        click.echo(as_json(report))
    else:
        click.echo(as_text(report))
    return exit_code(report.diagnostics)


@cli.command()
@click.argument("rule_id", required=False)
@click.option("--markdown", is_flag=True, help="Print every rule's documentation as Markdown.")
def rules(rule_id: str | None, markdown: bool) -> int:
    """List the rules, or explain one."""
    available = load_rules()
    if markdown:
        from .docs import rules_markdown

        click.echo(rules_markdown(available.values()), nl=False)
        return 0
    if rule_id is None:
        width = max(len(r) for r in available)
        for found in sorted(
            available.values(), key=lambda r: (list(Severity).index(r.severity), r.id)
        ):
            off = "" if found.default else "  (opt-in)"
            click.echo(f"{found.id:<{width}}  {found.severity.value:<8}  {found.summary}{off}")
        return 0
    if rule_id not in available:
        raise click.UsageError(f"unknown rule {rule_id!r}; `migration-lint rules` lists them")
    found = available[rule_id]
    click.echo(f"{found.id} ({found.severity.value}{'' if found.default else ', opt-in'})\n")
    click.echo(f"{found.summary}\n\n{found.rationale}\n")
    click.echo("Reported:\n" + _indent(found.bad) + "\n\nInstead:\n" + _indent(found.good))
    return 0


def _indent(sql: str) -> str:
    return "\n".join("    " + line for line in sql.splitlines())


def _config(config_file: str | None) -> Config:
    if config_file is None:
        found = find_config(Path.cwd())
        return load_config(found, load_rules()) if found else Config()
    if not Path(config_file).is_file():
        raise ConfigError(f"{config_file}: config file not found")
    return load_config(Path(config_file), load_rules())


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (click's own usage errors become 3)."""
    try:
        result = cli.main(args=argv, prog_name="migration-lint", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return USAGE_ERROR
    except click.Abort:
        click.echo("Aborted.", err=True)
        return USAGE_ERROR
    except (ConfigError, PluginError) as exc:
        click.echo(f"migration-lint: error: {exc}", err=True)
        return USAGE_ERROR
    except Exception:
        click.echo(
            "migration-lint: internal error, please report it with this trace:\n"
            + traceback.format_exc(),
            err=True,
        )
        return USAGE_ERROR
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
