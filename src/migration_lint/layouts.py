"""Migration folder layouts: which files are migrations, their order, their names, where the down
migration lives, and which runner applies them (see runners.py for how each sends a migration).
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from . import runners
from .located import LocatedSql, between
from .records import FrozenRecord
from .runners import Runner
from .source import InputError, Source, read_head, read_text

if TYPE_CHECKING:
    from dataclasses import dataclass

    from .registry import Rule
else:  # the same, made faster for records (records.dataclass)
    from .records import dataclass

_DIGITS = re.compile(r"(\d+)")


def natural_key(path: str) -> list[str | int]:
    # Numbers compare as numbers, so 10_x.sql comes after 9_x.sql: every other part split out
    # is a run of digits.
    parts: list[str | int] = _DIGITS.split(path)
    parts[1::2] = map(int, parts[1::2])
    return parts


def sort_naturally(names: list[str]) -> None:
    """Sort names by their natural keys. Names that all begin with distinct numbers of one
    width, as migration tools number them, sort the same by their characters, in C (the natural
    keys of 2,000 names took 2.5 ms): the numbers decide, and compare as their digits do."""
    names.sort()
    width = len(names[0]) - len(names[0].lstrip("0123456789")) if names else 0
    numbers = "".join({name[:width] for name in names})
    following = "".join({name[width : width + 1] for name in names})
    # Each name begins with a number of its own, of `width` digits 0-9 that no digit follows.
    if not (
        width
        and len(numbers) == width * len(names)
        and numbers.isascii()
        and numbers.isdigit()
        and not any(map(str.isdecimal, following))
    ):
        names.sort(key=natural_key)


@dataclass(frozen=True, eq=False, repr=False)
class Section(FrozenRecord):
    """Where a file keeps its up and down migrations, as comment markers (dbmate, goose)."""

    up: re.Pattern[str]
    down: re.Pattern[str]


@dataclass(frozen=True, eq=False, repr=False)
class Layout(FrozenRecord):
    """How a migration tool lays out its migrations folder, and the runner that applies it."""

    name: str
    runner: Runner
    # A migration's file name, or its folder's name when each migration is a folder; the
    # `version` group is its place in the sequence.
    pattern: re.Pattern[str]
    convention: str  # the naming convention, in words
    folder_per_migration: bool = False
    # A sibling down file: <name><up_suffix> is undone by <name><down_suffix>.
    up_suffix: str = ".sql"
    down_suffix: str | None = None
    down_prefix: str | None = None  # Flyway's undo migrations: U<version>__<description>.sql
    repeatable_prefix: str | None = None  # Flyway's R__ migrations run after versioned ones
    section: Section | None = None
    # False: the runner tells migrations apart by their whole name, so several may share a
    # version (Prisma orders and records them by folder name).
    unique_versions: bool = True
    # The runner applies numbered versions in order whatever their spacing, so a gap is no
    # mistake (golang-migrate, Flyway).
    gaps_allowed: bool = False
    # The runner orders by the version's numbers, not the name: Flyway's V1 < V1_1 < V1.2 < V2,
    # which the names' characters do not say ("_" sorts after ".").
    version_order: bool = False

    def files(self, folder: str, listed: list[str] | None = None) -> list[str]:
        """The folder's up migrations, in the order the runner applies them (`listed`: the
        names in it, when they are at hand).

        Every entry named like one counts, whatever it is: reading it reports a directory, a
        FIFO or a symlink loop, rather than the migration being left out without a word.
        """
        listed = list_folder(folder) if listed is None else listed
        if self.folder_per_migration:
            names = [
                name
                for name in listed
                if os.path.lexists(os.path.join(folder, name, "migration.sql"))
                or _is_symlink_loop(os.path.join(folder, name))
            ]
        elif self.down_suffix or self.down_prefix:
            names = [name for name in listed if name.endswith(".sql") and not self.is_down(name)]
        else:  # no down migration among them: not asked of each
            names = [name for name in listed if name.endswith(".sql")]
        if not names:
            raise InputError(folder, "no SQL migration files in this directory")
        # Ordered by their names (order_key), known here: by their natural keys alone when the
        # runner's order adds nothing to them.
        if self.repeatable_prefix or self.version_order:
            names.sort(key=self._name_order_key)
        else:
            sort_naturally(names)
        if self.folder_per_migration:
            return [os.path.normpath(os.path.join(folder, n, "migration.sql")) for n in names]
        # A listed name has no separator and is neither "." nor "..": after the folder
        # normalised, it makes the path normalised (without normalising thousands of paths).
        normalised = os.path.normpath(folder)
        before = "" if normalised == "." else os.path.join(normalised, "")
        return [before + name for name in names]

    def select(self, folder: str, paths: Iterable[str]) -> list[str]:
        """The folder's up migrations among `paths` (e.g. a commit's files), in order."""
        found = []
        for path in paths:
            parts = os.path.relpath(path, folder).split(os.sep)
            if self.folder_per_migration:
                wanted = len(parts) == 2 and parts[1] == "migration.sql"
            else:
                wanted = (
                    len(parts) == 1 and parts[0].endswith(".sql") and not self.is_down(parts[0])
                )
            if wanted:
                found.append(os.path.normpath(path))
        return sorted(found, key=self.order_key)

    def migration_name(self, path: str) -> str:
        """The name the convention applies to: the file's, or its folder's."""
        if self.folder_per_migration and os.path.basename(path) == "migration.sql":
            return os.path.basename(os.path.dirname(path))
        return os.path.basename(path)

    def order_key(self, path: str) -> tuple[int, list[int], list[str | int]]:
        return self._name_order_key(self.migration_name(path))

    def _name_order_key(self, name: str) -> tuple[int, list[int], list[str | int]]:
        repeatable = bool(self.repeatable_prefix) and name.startswith(self.repeatable_prefix or "")
        version = self._name_version(name) if self.version_order else None
        numbers = [int(part) for part in re.split(r"[._]", version)] if version else []
        while len(numbers) > 1 and numbers[-1] == 0:
            numbers.pop()  # 1.0 is 1
        return (1 if repeatable else 0, numbers, natural_key(name))

    def version(self, path: str) -> str | None:
        return self._name_version(self.migration_name(path))

    def _name_version(self, name: str) -> str | None:
        match = self.pattern.match(name)
        return match["version"] if match and match["version"] else None

    def is_down(self, file_name: str) -> bool:
        if self.down_suffix and file_name.endswith(self.down_suffix):
            return True
        return bool(self.down_prefix) and re.match(f"{self.down_prefix}\\d", file_name) is not None

    def _down_section(self, text: str) -> tuple[int, int, int] | None:
        """Where the down section starts, where its SQL starts, and where it ends."""
        if self.section is None:
            return None
        down = self.section.down.search(text)
        if down is None:
            return None
        up = self.section.up.search(text, down.end())
        return down.start(), down.end(), up.start() if up else len(text)

    def up_text(self, text: str) -> str:
        """The text with any down section blanked out (lines and columns are kept)."""
        section = self._down_section(text)
        if section is None:
            return text
        start, _, end = section
        return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]

    def down_sql(self, path: str, text: str) -> str | None:
        """The down migration's SQL: a sibling file's or the file's own down section."""
        down = self.down_migration(path, text)
        return down.sql if down else None

    def down_migration(self, path: str, text: str) -> LocatedSql | None:
        """The down migration, located in the file that holds it (`text` is `path`'s)."""
        section = self._down_section(text)
        if section is not None:
            marker, start, end = section
            return between(Source(path, text), start, end, marker)
        down_path = self._down_path(path)
        if down_path is None:
            return None
        try:
            down_text = read_text(down_path)
        except InputError:
            return None  # none, or one that is not read (a FIFO, a symlink out)
        return between(Source(down_path, down_text), 0, len(down_text), 0)

    def _down_path(self, path: str) -> str | None:
        """Where a migration's sibling down file would be, if the layout has them."""
        if self.down_suffix and path.endswith(self.up_suffix):
            return path[: -len(self.up_suffix)] + self.down_suffix
        return None

    def side_files(self, path: str) -> list[str]:
        """The other files, there or not, that change how a migration is linted: its sibling
        down file, and the runner's settings for it."""
        found = [self._down_path(path)]
        if self.runner.settings_suffix:
            found.append(path + self.runner.settings_suffix)
        return [side for side in found if side is not None]


def list_folder(folder: str) -> list[str]:
    """The names in a folder; an InputError when it cannot be listed."""
    try:
        return os.listdir(folder)
    except OSError as exc:
        reason = "no such directory" if exc.errno == errno.ENOENT else exc.strerror or str(exc)
        raise InputError(folder, f"cannot list the folder: {reason}") from None


def _is_symlink_loop(path: str) -> bool:
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


# drizzle-kit's prefix modes: <prefix>_<name>.sql; generated names are <adjective>_<hero>.
DRIZZLE_PREFIXES = {
    "index": r"(?P<version>\d{4})_[a-z0-9][a-z0-9_-]*",
    "timestamp": r"(?P<version>\d{14})_[a-z0-9][a-z0-9_-]*",
    "supabase": r"(?P<version>\d{14})_[a-z0-9][a-z0-9_-]*",
    "unix": r"(?P<version>\d{10})_[a-z0-9][a-z0-9_-]*",
    "none": r"(?P<version>)[a-z0-9][a-z0-9_-]*",
}
_DRIZZLE_CONVENTIONS = {
    "index": "a 4-digit sequence number, `_`, and a lower-case description: "
    "0007_add_user_prefs.sql",
    "timestamp": "a 14-digit timestamp, `_`, and a lower-case description: "
    "20250107093000_add_user_prefs.sql",
    "supabase": "a 14-digit timestamp, `_`, and a lower-case description: "
    "20250107093000_add_user_prefs.sql",
    "unix": "a 10-digit Unix time, `_`, and a lower-case description: "
    "1736242200_add_user_prefs.sql",
    "none": "a lower-case description: add_user_prefs.sql",
}


def drizzle(prefix: str = "index") -> Layout:
    return Layout(
        "drizzle",
        runners.DRIZZLE,
        re.compile(DRIZZLE_PREFIXES[prefix] + r"\.sql$"),
        _DRIZZLE_CONVENTIONS[prefix],
    )


_TIMESTAMP_FOLDER = re.compile(r"(?P<version>\d{14})_[a-z0-9][a-z0-9_-]*$")
_GOOSE = Section(
    re.compile(r"^--\s*\+goose\s+Up\b.*$", re.MULTILINE | re.IGNORECASE),
    re.compile(r"^--\s*\+goose\s+Down\b.*$", re.MULTILINE | re.IGNORECASE),
)
_DBMATE = Section(
    re.compile(r"^--\s*migrate:up\b.*$", re.MULTILINE),
    re.compile(r"^--\s*migrate:down\b.*$", re.MULTILINE),
)

LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        drizzle(),
        Layout(
            "drizzle-folders",
            runners.DRIZZLE,
            _TIMESTAMP_FOLDER,
            "a folder per migration named by a 14-digit timestamp, `_`, and a lower-case "
            "description, holding migration.sql: 20250107093000_add_user_prefs/migration.sql",
            folder_per_migration=True,
        ),
        Layout(
            "prisma",
            runners.PRISMA,
            _TIMESTAMP_FOLDER,
            "a folder per migration named by a 14-digit timestamp, `_`, and a lower-case "
            "description, holding migration.sql: 20250107093000_add_user_prefs/migration.sql",
            folder_per_migration=True,
            unique_versions=False,
        ),
        Layout(
            "flyway",
            runners.FLYWAY,
            re.compile(r"(?:[VU](?P<version>\d+(?:[._]\d+)*)|R)__[A-Za-z0-9_ -]+\.sql$"),
            "V<version>__<description>.sql, R__<description>.sql for repeatable migrations, "
            "U<version>__<description>.sql for undo: V7__add_user_prefs.sql",
            down_prefix="U",
            repeatable_prefix="R__",
            gaps_allowed=True,
            version_order=True,
        ),
        Layout(
            "golang-migrate",
            runners.GOLANG_MIGRATE,
            # Its own pattern (source/parse.go): the title may hold any character, dots too.
            re.compile(r"(?P<version>\d+)_.*\.(?:up|down)\.sql$"),
            "<version>_<title>.up.sql with a matching .down.sql: 000007_add_user_prefs.up.sql",
            up_suffix=".up.sql",
            down_suffix=".down.sql",
            gaps_allowed=True,
        ),
        Layout(
            "dbmate",
            runners.DBMATE,
            re.compile(r"(?P<version>\d+)_[A-Za-z0-9_-]+\.sql$"),
            "<version>_<name>.sql with `-- migrate:up` and `-- migrate:down` sections: "
            "20250107093000_add_user_prefs.sql",
            section=_DBMATE,
        ),
        Layout(
            "goose",
            runners.GOOSE,
            re.compile(r"(?P<version>\d+)_[A-Za-z0-9_-]+\.sql$"),
            "<version>_<name>.sql with `-- +goose Up` and `-- +goose Down` sections: "
            "20250107093000_add_user_prefs.sql",
            section=_GOOSE,
        ),
        Layout(
            "supabase",
            runners.SUPABASE,
            re.compile(r"(?P<version>\d{14})_[A-Za-z0-9_-]+\.sql$"),
            "a 14-digit timestamp, `_`, and a description: 20250107093000_add_user_prefs.sql",
        ),
        Layout(
            "plain",
            runners.UNKNOWN,
            re.compile(r"(?P<version>\d+)[_-][A-Za-z0-9_-]+\.sql$"),
            "a number, `_` or `-`, and a description: 0007_add_user_prefs.sql",
        ),
    )
}


_FLYWAY_NAME = re.compile(r"\0[VR]\d*__")  # at the start of a name


def detect_layout(folder: str, listed: list[str] | None = None) -> Layout:
    """The layout of a migrations folder, from the files it holds (`listed`: the names in it,
    when they are at hand)."""
    try:
        entries = sorted(list_folder(folder) if listed is None else listed)
    except InputError:
        entries = []  # the linter reports the folder
    # lexists: a journal that is not a file still says drizzle, and its reading says what it is.
    if os.path.lexists(os.path.join(folder, "meta", "_journal.json")):
        return LAYOUTS["drizzle"]
    if "migration_lock.toml" in entries:
        return LAYOUTS["prisma"]
    # (Not asked of the .sql files of a flat folder: thousands of lookups for nothing.)
    folders = (e for e in entries if not e.endswith(".sql"))
    if any(os.path.lexists(os.path.join(folder, e, "migration.sql")) for e in folders):
        return LAYOUTS["drizzle-folders"]
    sql = [e for e in entries if e.endswith(".sql")]
    # The names as one string, each between NULs (which no name holds), to look through in C.
    between = "\0" + "\0".join(sql) + "\0"
    if ".up.sql\0" in between or ".down.sql\0" in between:
        return LAYOUTS["golang-migrate"]
    if _FLYWAY_NAME.search(between):
        return LAYOUTS["flyway"]
    head = _first_head(folder, sql)
    if _GOOSE.up.search(head):
        return LAYOUTS["goose"]
    if _DBMATE.up.search(head):
        return LAYOUTS["dbmate"]
    if os.path.normpath(os.path.abspath(folder)).endswith(os.path.join("supabase", "migrations")):
        return LAYOUTS["supabase"]
    return LAYOUTS["plain"]


def _first_head(folder: str, names: list[str]) -> str:
    """The start of the first of these files that is read (the linter reports the others)."""
    for name in names:
        try:
            return read_head(os.path.join(folder, name), 4096)
        except InputError:
            continue
    return ""


def good_example(rule: Rule, layout: Layout) -> str:
    """A rule's good example as the layout's runner needs it (see Rule.good_by_runner)."""
    for name, example in rule.good_by_runner.items():
        if name == layout.name or LAYOUTS[name].runner is layout.runner:
            return example
    return rule.good
