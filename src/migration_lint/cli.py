"""The command line: a thin click layer over the linter's pure functions."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from . import __version__, git
from .checks import change_problems, folder_problems, is_migration
from .config import FORMATS, MAX_PG_VERSION, MIN_PG_VERSION, Config, find_config, load_config
from .diagnostic import Severity, exit_code
from .discovery import migrations_folder
from .errors import ConfigError
from .linter import Report, Settings, input_error, lint_paths
from .project import Project, resolve_project
from .registry import PluginError, load_rules
from .source import InputError

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


_format_option = click.option(
    "--format", "output_format", type=click.Choice(FORMATS), help="Output format [text]."
)
_config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Config file [nearest .migration-lint.toml or pyproject.toml].",
)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@_format_option
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
    "--migrations-only",
    is_flag=True,
    help="Skip files outside the migration folders (for hooks, which pass every staged file).",
)
@_config_option
def lint(
    paths: tuple[str, ...],
    output_format: str | None,
    pg_version: int | None,
    assume_in_transaction: bool | None,
    select: str | None,
    ignore: str | None,
    migrations_only: bool,
    config_file: str | None,
) -> int:
    """Lint migration files and folders (a folder: its migrations in order).

    With no PATH, lints the `paths` named in the config.
    """
    config = _config(config_file)
    project = resolve_project(config, Path.cwd())
    if migrations_only:
        paths = tuple(p for p in paths if os.path.isdir(p) or is_migration(p, project))
        if not paths:
            return 0  # no migration among the files a hook passed
    paths = paths or project.folders
    if not paths:
        raise click.UsageError(
            "no PATH given, no `paths` in the config and no drizzle.config with `out`"
        )
    settings = Settings(
        pg_version=pg_version or config.pg_version or Settings.pg_version,
        assume_in_transaction=(
            assume_in_transaction
            if assume_in_transaction is not None
            else config.assume_in_transaction
        ),
        prisma_version=config.prisma_version,
        select=_rule_list("--select", select) if select is not None else config.select,
        ignore=_rule_list("--ignore", ignore) if ignore is not None else config.ignore,
        project=project,
    )
    return _emit(lint_paths(paths, settings), output_format or config.format)


def _emit(report: Report, output_format: str | None) -> int:
    from .output import as_json, as_text

    click.echo(as_json(report) if output_format == "json" else as_text(report))
    return exit_code(report.diagnostics)


@cli.command("check-naming")
@click.argument("paths", nargs=-1, type=click.Path())
@_format_option
@_config_option
def check_naming(paths: tuple[str, ...], output_format: str | None, config_file: str | None) -> int:
    """Check migration names, their sequence and drizzle's journal.

    PATHS are migration folders, or files in them (as pre-commit passes the staged files; only
    those files' names are checked). With none, checks the configured migration folders.
    """
    config = _config(config_file)
    project = resolve_project(config, Path.cwd())
    folders = _naming_targets(paths, project)
    if not folders and not paths:  # (with paths: no migration among the files pre-commit passed)
        raise click.UsageError(
            "no PATH given, no `paths` in the config and no drizzle.config with `out`"
        )
    try:
        committed: set[str] | None = git.committed_files(_pre_commit_refs()[0])
    except git.GitError:
        committed = None  # not a repository: nothing is committed to compare with
    report = Report()
    for folder, named in folders.items():
        layout = project.layout_for(folder)
        try:
            report.diagnostics += folder_problems(folder, layout, project, named, committed)
            report.files += len(layout.files(folder))
        except InputError as exc:
            report.diagnostics.append(input_error(exc))
    return _emit(report, output_format or config.format)


def _naming_targets(paths: tuple[str, ...], project: Project) -> dict[str, list[str] | None]:
    """Folder -> the files in it to check the names of (None: all of them)."""
    if not paths:
        return {folder: None for folder in project.folders}
    targets: dict[str, list[str] | None] = {}
    for given in paths:
        path = os.path.normpath(given)
        if os.path.isdir(path):
            targets[path] = None
            continue
        journal = os.path.basename(path) == "_journal.json"
        if not (path.endswith(".sql") or journal):
            continue
        folder = os.path.dirname(os.path.dirname(path)) if journal else migrations_folder(path)
        if project.folders and folder not in project.folders:
            continue  # SQL outside the migration folders
        named = targets.setdefault(folder, [])
        if named is not None and not journal and not path.endswith(".down.sql"):
            named.append(path)
    return targets


@cli.command("require-migration")
@click.argument("paths", nargs=-1, type=click.Path())
@_format_option
@_config_option
def require_migration(
    paths: tuple[str, ...], output_format: str | None, config_file: str | None
) -> int:
    """Fail when a schema file is staged without a migration, or a committed migration is
    edited or deleted.

    Reads the staged changes from git; PATHS (as pre-commit passes them) narrow them down.
    """
    config = _config(config_file)
    project = resolve_project(config, Path.cwd())
    if not project.schema and not project.folders:
        raise ConfigError(
            "no schema files or migration folders to watch: set `schema` and `paths` in "
            ".migration-lint.toml (or [tool.migration-lint]) at the repository root, or keep a "
            "drizzle.config with `schema` and `out` in the repository"
        )
    base, head = _pre_commit_refs()
    try:
        changes = git.changes_between(base, head) if head else git.staged_changes()
    except git.GitError as exc:
        raise ConfigError(str(exc)) from None
    if paths:
        # pre-commit passes only files that exist: deletions always count.
        wanted = {os.path.normpath(p) for p in paths}
        changes = [c for c in changes if c.path in wanted or c.status == "D"]
    report = Report(change_problems(changes, project), files=len(changes))
    return _emit(report, output_format or config.format)


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


@cli.command()
@click.option(
    "--base", help="The commit or branch to compare with [merge-base with the PR's base]."
)
@click.option(
    "--approved",
    is_flag=True,
    envvar="MIGRATION_LINT_APPROVED",
    help="A reviewer approved the declared breaking changes [$MIGRATION_LINT_APPROVED].",
)
@click.option(
    "--output",
    "outputs",
    multiple=True,
    metavar="FORMAT[:FILE]",
    help="text, json, sarif, github, gitlab or markdown, to a file or stdout; repeatable.",
)
@click.option("--pg-version", type=click.IntRange(MIN_PG_VERSION, MAX_PG_VERSION))
@_config_option
def ci(
    base: str | None,
    approved: bool,
    outputs: tuple[str, ...],
    pg_version: int | None,
    config_file: str | None,
) -> int:
    """The CI gate: lint what this branch changes since its base and decide pass (0),
    needs-approval (1) or blocked (2)."""
    from .ci import run_ci
    from .ci_formats import CI_FORMATS, render

    targets = []
    for output in outputs or ("text",):
        output_format, _, file = output.partition(":")
        if output_format not in CI_FORMATS:
            raise click.UsageError(
                f"--output {output!r}: the format must be one of {', '.join(CI_FORMATS)}"
            )
        targets.append((output_format, file))
    config = _config(config_file)
    settings = Settings(
        pg_version=pg_version or config.pg_version or Settings.pg_version,
        assume_in_transaction=config.assume_in_transaction,
        prisma_version=config.prisma_version,
        select=config.select,
        ignore=config.ignore,
        project=resolve_project(config, Path.cwd()),
    )
    result = run_ci(base, approved, settings)
    for output_format, file in targets:
        text = render(output_format, result)
        if not file:
            click.echo(text)
            continue
        try:
            Path(file).write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"--output {output_format}:{file}: {exc.strerror or exc}") from None
    return result.gate.exit_code


def _pre_commit_refs() -> tuple[str, str | None]:
    """pre-commit's `--from-ref`/`--to-ref` (a pre-push hook, or a run over a branch's
    commits); otherwise HEAD and the staged changes."""
    head = os.environ.get("PRE_COMMIT_TO_REF")
    return (os.environ.get("PRE_COMMIT_FROM_REF") or "HEAD", head or None)


def naming_hook() -> int:
    """The migration-lint-naming console script, for pre-commit."""
    return main(["check-naming", *sys.argv[1:]])


def require_migration_hook() -> int:
    """The migration-lint-require-migration console script, for pre-commit."""
    return main(["require-migration", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
