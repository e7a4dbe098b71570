"""Migration folder layouts: which files are migrations, their order, their names, where the down
migration lives, and whether the runner wraps a migration in a transaction.

A runner that sends a multi-statement file as one query runs it in one implicit transaction, so
CONCURRENTLY fails there too: that is why most layouts below default to a transaction.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from .source import InputError

_DIGITS = re.compile(r"(\d+)")


def natural_key(path: str) -> list[str | int]:
    # Numbers compare as numbers, so 10_x.sql comes after 9_x.sql.
    return [int(part) if part.isdigit() else part for part in _DIGITS.split(path)]


@dataclass(frozen=True)
class Section:
    """Where a file keeps its up and down migrations, as comment markers (dbmate, goose)."""

    up: re.Pattern[str]
    down: re.Pattern[str]
    no_transaction: re.Pattern[str]


@dataclass(frozen=True)
class Layout:
    name: str
    runner: str  # how its runner applies migrations, a clause for advice
    in_transaction: bool  # whether the runner wraps each migration in a transaction
    # A migration's file name, or its folder's name when each migration is a folder; the
    # `version` group is its place in the sequence.
    pattern: re.Pattern[str]
    convention: str  # the naming convention, in words
    folder_per_migration: bool = False
    down_suffix: str | None = None  # a sibling file: <name><down_suffix>
    section: Section | None = None
    sequential: bool = False  # versions are 0, 1, 2, ... with no gaps

    def files(self, folder: str) -> list[str]:
        """The folder's up migrations, in the order the runner applies them."""
        found = []
        for entry in os.scandir(folder):
            if self.folder_per_migration:
                migration = os.path.join(entry.path, "migration.sql")
                if entry.is_dir() and os.path.isfile(migration):
                    found.append(os.path.normpath(migration))
            elif entry.is_file() and entry.name.endswith(".sql") and not self.is_down(entry.name):
                found.append(os.path.normpath(entry.path))
        if not found:
            raise InputError(folder, "no SQL migration files in this directory")
        return sorted(found, key=self.order_key)

    def migration_name(self, path: str) -> str:
        """The name the convention applies to: the file's, or its folder's."""
        if self.folder_per_migration and os.path.basename(path) == "migration.sql":
            return os.path.basename(os.path.dirname(path))
        return os.path.basename(path)

    def order_key(self, path: str) -> tuple[int, list[str | int]]:
        name = self.migration_name(path)
        # Flyway runs repeatable migrations after every versioned one.
        return (1 if self.name == "flyway" and name.startswith("R__") else 0, natural_key(name))

    def version(self, path: str) -> str | None:
        match = self.pattern.match(self.migration_name(path))
        return match["version"] if match and match["version"] else None

    def is_down(self, file_name: str) -> bool:
        if self.down_suffix and file_name.endswith(self.down_suffix):
            return True
        return self.name == "flyway" and file_name.startswith("U")

    def up_text(self, text: str) -> str:
        """The text with any down section blanked out (lines and columns are kept)."""
        if self.section is None:
            return text
        down = self.section.down.search(text)
        if down is None:
            return text
        up = self.section.up.search(text, down.end())
        end = up.start() if up else len(text)
        blank = re.sub(r"[^\n]", " ", text[down.start() : end])
        return text[: down.start()] + blank + text[end:]

    def down_sql(self, path: str, text: str) -> str | None:
        """The down migration's SQL: a sibling file's or the file's own down section."""
        if self.section is not None:
            down = self.section.down.search(text)
            if down is None:
                return None
            up = self.section.up.search(text, down.end())
            return text[down.end() : up.start() if up else len(text)].strip() or None
        if self.down_suffix and path.endswith(".up.sql"):
            sibling = path[: -len(".up.sql")] + self.down_suffix
            if os.path.isfile(sibling):
                with open(sibling, encoding="utf-8", errors="replace") as file:
                    return file.read().strip() or None
        return None

    def runs_in_transaction(self, text: str) -> bool:
        if self.section and self.section.no_transaction.search(text):
            return False
        return self.in_transaction


def _pattern(regex: str) -> re.Pattern[str]:
    return re.compile(regex)


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
_DRIZZLE_RUNNER = "drizzle-kit migrate runs every pending migration in one transaction"


def drizzle(prefix: str = "index") -> Layout:
    return Layout(
        "drizzle",
        _DRIZZLE_RUNNER,
        True,
        _pattern(DRIZZLE_PREFIXES[prefix] + r"\.sql$"),
        _DRIZZLE_CONVENTIONS[prefix],
        sequential=prefix == "index",
    )


_TIMESTAMP_FOLDER = _pattern(r"(?P<version>\d{14})_[a-z0-9][a-z0-9_-]*$")
_GOOSE = Section(
    re.compile(r"^--\s*\+goose\s+Up\b.*$", re.MULTILINE | re.IGNORECASE),
    re.compile(r"^--\s*\+goose\s+Down\b.*$", re.MULTILINE | re.IGNORECASE),
    re.compile(r"^--\s*\+goose\s+NO\s+TRANSACTION\b", re.MULTILINE | re.IGNORECASE),
)
_DBMATE = Section(
    re.compile(r"^--\s*migrate:up\b.*$", re.MULTILINE),
    re.compile(r"^--\s*migrate:down\b.*$", re.MULTILINE),
    re.compile(r"^--\s*migrate:up\b.*\btransaction:false\b", re.MULTILINE),
)

LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        drizzle(),
        Layout(
            "drizzle-folders",
            _DRIZZLE_RUNNER,
            True,
            _TIMESTAMP_FOLDER,
            "a folder per migration named by a 14-digit timestamp, `_`, and a lower-case "
            "description, holding migration.sql: 20250107093000_add_user_prefs/migration.sql",
            folder_per_migration=True,
        ),
        Layout(
            "prisma",
            "prisma migrate deploy runs each migration.sql as one implicit transaction",
            True,
            _TIMESTAMP_FOLDER,
            "a folder per migration named by a 14-digit timestamp, `_`, and a lower-case "
            "description, holding migration.sql: 20250107093000_add_user_prefs/migration.sql",
            folder_per_migration=True,
        ),
        Layout(
            "flyway",
            "Flyway runs each migration in its own transaction",
            True,
            _pattern(r"(?:[VU](?P<version>\d+(?:[._]\d+)*)|R)__[A-Za-z0-9_ -]+\.sql$"),
            "V<version>__<description>.sql, R__<description>.sql for repeatable migrations, "
            "U<version>__<description>.sql for undo: V7__add_user_prefs.sql",
        ),
        Layout(
            "golang-migrate",
            "golang-migrate runs each file as one implicit transaction",
            True,
            _pattern(r"(?P<version>\d+)_[A-Za-z0-9_-]+\.(?:up|down)\.sql$"),
            "<version>_<title>.up.sql with a matching .down.sql: 000007_add_user_prefs.up.sql",
            down_suffix=".down.sql",
        ),
        Layout(
            "dbmate",
            "dbmate runs each migration in a transaction unless it says "
            "`-- migrate:up transaction:false`",
            True,
            _pattern(r"(?P<version>\d+)_[A-Za-z0-9_-]+\.sql$"),
            "<version>_<name>.sql with `-- migrate:up` and `-- migrate:down` sections: "
            "20250107093000_add_user_prefs.sql",
            section=_DBMATE,
        ),
        Layout(
            "goose",
            "goose runs each migration in a transaction unless it says `-- +goose NO TRANSACTION`",
            True,
            _pattern(r"(?P<version>\d+)_[A-Za-z0-9_-]+\.sql$"),
            "<version>_<name>.sql with `-- +goose Up` and `-- +goose Down` sections: "
            "20250107093000_add_user_prefs.sql",
            section=_GOOSE,
        ),
        Layout(
            "supabase",
            "supabase db push runs each migration in a transaction",
            True,
            _pattern(r"(?P<version>\d{14})_[A-Za-z0-9_-]+\.sql$"),
            "a 14-digit timestamp, `_`, and a description: 20250107093000_add_user_prefs.sql",
        ),
        Layout(
            "plain",
            "the migration runner wraps each migration in a transaction",
            False,
            _pattern(r"(?P<version>\d+)[_-][A-Za-z0-9_-]+\.sql$"),
            "a number, `_` or `-`, and a description: 0007_add_user_prefs.sql",
        ),
    )
}


def detect_layout(folder: str) -> Layout:
    """The layout of a migrations folder, from the files it holds."""
    entries = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    if os.path.isfile(os.path.join(folder, "meta", "_journal.json")):
        return LAYOUTS["drizzle"]
    if "migration_lock.toml" in entries:
        return LAYOUTS["prisma"]
    if any(os.path.isfile(os.path.join(folder, e, "migration.sql")) for e in entries):
        return LAYOUTS["drizzle-folders"]
    sql = [e for e in entries if e.endswith(".sql")]
    if any(e.endswith((".up.sql", ".down.sql")) for e in sql):
        return LAYOUTS["golang-migrate"]
    if any(re.match(r"[VR]\d*__", e) for e in sql):
        return LAYOUTS["flyway"]
    for name in sql[:1]:
        with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as file:
            head = file.read(4096)
        if _GOOSE.up.search(head):
            return LAYOUTS["goose"]
        if _DBMATE.up.search(head):
            return LAYOUTS["dbmate"]
    if os.path.normpath(os.path.abspath(folder)).endswith(os.path.join("supabase", "migrations")):
        return LAYOUTS["supabase"]
    return LAYOUTS["plain"]
