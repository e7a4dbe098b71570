"""Where a project keeps its migrations and schema, from its config or its drizzle config."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .drizzle import DrizzleConfig, drizzle_layout, find_drizzle_configs
from .layouts import LAYOUTS, Layout, detect_layout


@dataclass(frozen=True)
class Project:
    folders: tuple[str, ...] = ()  # migration folders
    schema: tuple[str, ...] = ()  # schema files or globs; a change needs a migration
    layout: str | None = None  # None: detected per folder
    drizzle_prefix: str | None = None
    naming: re.Pattern[str] | None = None  # overrides the layout's naming convention
    # Detecting a layout lists the folder (and may read a file): once per folder and run.
    _layouts: dict[str, Layout] = field(default_factory=dict, compare=False, repr=False)

    def layout_for(self, folder: str) -> Layout:
        if folder not in self._layouts:
            self._layouts[folder] = self._layout(folder)
        return self._layouts[folder]

    def _layout(self, folder: str) -> Layout:
        # The configured layout is the migration folders'; any other folder is detected.
        forced = self.layout if folder in self.folders or not self.folders else None
        name = forced or detect_layout(folder).name
        if name == "drizzle":
            files = [e for e in sorted(os.listdir(folder)) if e.endswith(".sql")]
            return drizzle_layout(files, self.drizzle_prefix)
        return LAYOUTS[name]


def resolve_project(config: Config, cwd: Path) -> Project:
    """Explicit config wins; drizzle's configs fill in what it does not say."""
    found: list[DrizzleConfig] = find_drizzle_configs(cwd)
    outs = tuple(c.out for c in found if c.out)
    folders = config.paths or outs
    prefixes = {c.prefix for c in found if c.prefix}
    return Project(
        folders=tuple(folders),
        schema=config.schema or tuple(s for c in found for s in c.schema),
        layout=config.layout or ("drizzle" if outs and set(folders) <= set(outs) else None),
        drizzle_prefix=prefixes.pop() if len(prefixes) == 1 else None,
        naming=re.compile(config.naming) if config.naming else None,
    )
