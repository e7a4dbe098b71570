"""Where a project keeps its migrations and schema, from its config or its drizzle config."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .drizzle import DrizzleConfig, drizzle_layout, find_drizzle_config
from .layouts import LAYOUTS, Layout, detect_layout


@dataclass(frozen=True)
class Project:
    folders: tuple[str, ...] = ()  # migration folders
    schema: tuple[str, ...] = ()  # schema files or globs; a change needs a migration
    layout: str | None = None  # None: detected per folder
    drizzle_prefix: str | None = None
    naming: re.Pattern[str] | None = None  # overrides the layout's naming convention

    def layout_for(self, folder: str) -> Layout:
        name = self.layout or detect_layout(folder).name
        if name == "drizzle":
            files = [e for e in sorted(os.listdir(folder)) if e.endswith(".sql")]
            return drizzle_layout(files, self.drizzle_prefix)
        return LAYOUTS[name]


def resolve_project(config: Config, cwd: Path) -> Project:
    """Explicit config wins; drizzle's config fills in what it does not say."""
    found: DrizzleConfig | None = find_drizzle_config(cwd)
    folders = config.paths or ((found.out,) if found and found.out else ())
    return Project(
        folders=tuple(folders),
        schema=config.schema or (found.schema if found else ()),
        layout=config.layout or ("drizzle" if found and found.out in folders else None),
        drizzle_prefix=found.prefix if found else None,
        naming=re.compile(config.naming) if config.naming else None,
    )
