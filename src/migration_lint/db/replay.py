"""A migrations folder's schema: its migrations applied, as its runner would, to a new scratch
database (verify's machinery, untraced), and read back."""

from __future__ import annotations

import os
from collections.abc import Collection

from ..diagnostic import Diagnostic
from ..linter import Settings, plan_folders, runner_of
from ..source import InputError, Source, read_source
from . import catalog
from .apply import Applier, ApplyFailed, Migration
from .connect import session
from .server import ScratchHost
from .verify import run_order


def replay(
    folder: str, settings: Settings, host: ScratchHost, only: Collection[str] | None = None
) -> catalog.Catalog:
    """The schema the folder's migrations make (`only`: those of these paths, in the runner's
    order: the ones a database's bookkeeping says it applied); an InputError when one of them
    cannot be read or the server refuses a statement."""
    problems: list[Diagnostic] = []
    plans = plan_folders([folder], settings.project, problems)
    if problems:
        first = problems[0]
        raise InputError(first.path, first.message, first.line)
    (plan,) = plans
    files = run_order(plan.layout, plan.files, settings.project.max_file_bytes)
    if only is not None:
        wanted = {os.path.normpath(path) for path in only}
        files = [path for path in files if os.path.normpath(path) in wanted]
    sources = [read_source(path, settings.project.max_file_bytes) for path in files]
    label = os.path.basename(os.path.abspath(folder))
    with host.database(label) as database, session(database, read_only=False) as connection:
        applier = Applier(
            connection, runner_of(plan.layout, settings), connection.info.server_version // 10000
        )
        try:
            applier.apply([Migration(s.path, plan.layout.up_text(s.text), False) for s in sources])
        except ApplyFailed as exc:
            raise _refused(exc, sources) from None
        return catalog.without_bookkeeping(catalog.read(connection))


def _refused(failed: ApplyFailed, sources: list[Source]) -> InputError:
    failure = failed.failure
    source = next(s for s in sources if s.path == failure.path)
    line, column = source.position(failure.offset)
    code = f"{failure.sqlstate}: " if failure.sqlstate else ""
    return InputError(
        failure.path,
        f"{line}:{column}: PostgreSQL refused this statement when the folder was replayed: "
        f"{code}{failure.message} (migration-lint verify says more)",
        line,
    )
