"""The rule registry: rules register with a decorator, keyed by the operations they inspect.

Built-in rules are the modules of the `migration_lint.rules` package. Third-party rules are
modules named in the `migration_lint.rules` entry-point group; they are loaded in three steps
(find, load, check), and a broken plugin is reported by name.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import sys
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import field
from typing import TYPE_CHECKING, Any

from .diagnostic import Severity
from .operations import Operation
from .records import FrozenRecord

if TYPE_CHECKING:
    from dataclasses import dataclass

    from .context import Context
else:  # the same, made faster for records (records.dataclass)
    from .records import dataclass

ENTRY_POINT_GROUP = "migration_lint.rules"
BUILTIN_PACKAGE = "migration_lint.rules"
_RULE_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

# A check yields (message, help) pairs for one operation.
Check = Callable[[Any, "Context"], Iterable[tuple[str, str]]]

# The built-in rules, in the order load_rules() loads them: each one's module, id, severity,
# whether it is on by default, and the operation types it inspects (by class name). A lint run
# imports only the modules of the rules that inspect the operations it meets (linter.RuleSet):
# importing all 45 took a tenth of a pre-commit run. tests/test_registry_index.py checks it
# against the modules.
BUILTIN_RULES: tuple[tuple[str, str, Severity, bool, tuple[str, ...]], ...] = (
    (
        "add_required_column",
        "add-required-column",
        Severity.BREAKING,
        True,
        ("AddColumn", "DropDefault"),
    ),
    (
        "add_unique_constraint",
        "add-unique-constraint",
        Severity.WARNING,
        True,
        ("AddConstraint", "AddColumn"),
    ),
    ("apply_failed", "apply-failed", Severity.ERROR, True, ()),
    ("change_column_type", "change-column-type", Severity.BREAKING, True, ("AlterColumnType",)),
    (
        "concurrently_in_transaction",
        "concurrently-in-transaction",
        Severity.ERROR,
        True,
        ("CreateIndex", "DropIndex", "Reindex", "DetachPartition"),
    ),
    (
        "constraint_not_valid",
        "constraint-not-valid",
        Severity.WARNING,
        True,
        ("AddConstraint", "AddColumn", "ValidateConstraint"),
    ),
    (
        "create_index_not_concurrently",
        "create-index-not-concurrently",
        Severity.WARNING,
        True,
        ("CreateIndex",),
    ),
    ("delete_all_rows", "delete-all-rows", Severity.BREAKING, True, ("Delete",)),
    ("drop_column", "drop-column", Severity.BREAKING, True, ("DropColumn",)),
    ("drop_database", "drop-database", Severity.BREAKING, True, ("DropDatabase",)),
    ("drop_default", "drop-default", Severity.BREAKING, True, ("DropDefault",)),
    ("drop_function", "drop-function", Severity.BREAKING, True, ("DropFunction",)),
    (
        "drop_index_not_concurrently",
        "drop-index-not-concurrently",
        Severity.WARNING,
        True,
        ("DropIndex",),
    ),
    ("drop_schema", "drop-schema", Severity.BREAKING, True, ("DropSchema",)),
    ("drop_table", "drop-table", Severity.BREAKING, True, ("DropTable",)),
    ("drop_view", "drop-view", Severity.BREAKING, True, ("DropView",)),
    ("dynamic_sql", "dynamic-sql", Severity.INFO, True, ("DynamicSql",)),
    ("edited_migration", "edited-migration", Severity.ERROR, True, ()),
    (
        "enum_value_in_transaction",
        "enum-value-in-transaction",
        Severity.ERROR,
        True,
        ("AddEnumValue",),
    ),
    (
        "exclusive_lock_held",
        "exclusive-lock-held",
        Severity.WARNING,
        True,
        (
            "AddColumn",
            "AddConstraint",
            "CreateIndex",
            "Delete",
            "RefreshMaterializedView",
            "Reindex",
            "Update",
            "ValidateConstraint",
        ),
    ),
    ("input_error", "input-error", Severity.ERROR, True, ()),
    ("invalid_suppression", "invalid-suppression", Severity.WARNING, True, ()),
    ("journal_mismatch", "journal-mismatch", Severity.ERROR, True, ()),
    ("migration_naming", "migration-naming", Severity.ERROR, True, ()),
    ("migration_sequence", "migration-sequence", Severity.ERROR, True, ()),
    ("missing_migration", "missing-migration", Severity.ERROR, True, ()),
    ("older_problems", "older-problems", Severity.INFO, True, ()),
    (
        "prefer_bigint",
        "prefer-bigint",
        Severity.INFO,
        False,
        ("CreateTable", "AddColumn", "AlterColumnType"),
    ),
    ("prefer_identity", "prefer-identity", Severity.INFO, False, ("CreateTable", "AddColumn")),
    (
        "prefer_text",
        "prefer-text",
        Severity.INFO,
        False,
        ("CreateTable", "AddColumn", "AlterColumnType"),
    ),
    (
        "prefer_timestamptz",
        "prefer-timestamptz",
        Severity.INFO,
        False,
        ("CreateTable", "AddColumn", "AlterColumnType"),
    ),
    ("reindex_not_concurrently", "reindex-not-concurrently", Severity.WARNING, True, ("Reindex",)),
    ("rename_column", "rename-column", Severity.BREAKING, True, ("RenameColumn",)),
    ("rename_table", "rename-table", Severity.BREAKING, True, ("RenameTable",)),
    (
        "require_lock_timeout",
        "require-lock-timeout",
        Severity.WARNING,
        False,
        (
            "AddColumn",
            "AddConstraint",
            "AlterColumnType",
            "CreateIndex",
            "DropColumn",
            "DropIndex",
            "DropTable",
            "RenameColumn",
            "RenameTable",
            "SetNotNull",
        ),
    ),
    ("rollback_failed", "rollback-failed", Severity.ERROR, True, ()),
    ("rollback_mismatch", "rollback-mismatch", Severity.ERROR, True, ()),
    ("set_not_null", "set-not-null", Severity.WARNING, True, ("SetNotNull",)),
    ("syntax_error", "syntax-error", Severity.ERROR, True, ()),
    ("table_rewrite_default", "table-rewrite-default", Severity.WARNING, True, ("AddColumn",)),
    ("truncate_table", "truncate-table", Severity.BREAKING, True, ("Truncate",)),
    ("undeclared_schema_difference", "undeclared-schema-difference", Severity.BREAKING, True, ()),
    ("update_all_rows", "update-all-rows", Severity.WARNING, True, ("Update",)),
    ("vacuum_full", "vacuum-full", Severity.WARNING, True, ("VacuumFull", "Cluster")),
    ("volatile_default", "volatile-default", Severity.WARNING, True, ("AddColumn",)),
)
_BUILTIN_IDS = {rule_id: place for place, (_, rule_id, *_) in enumerate(BUILTIN_RULES)}


@dataclass(frozen=True, eq=False, repr=False)
class Rule(FrozenRecord):
    """A rule: its metadata and its check."""

    id: str
    severity: Severity
    summary: str
    rationale: str
    bad: str  # SQL the rule reports
    good: str  # the safe way, which it does not report
    inspects: tuple[type[Operation], ...]
    check: Check | None  # None: the linter itself reports it (syntax and input errors)
    default: bool = True  # opt-in style rules are off until selected
    origin: str = "migration-lint"  # the plugin that provides it
    example_pg_version: int = 16  # the PostgreSQL version the bad and good examples assume
    # What it looks at: "sql" (its examples are SQL), "repository" (files and git changes;
    # its examples describe them) or "database" (what a server does with the SQL: verify).
    scope: str = "sql"
    # SQL that creates what the examples use (their tables, indexes, types), for the docs and
    # for the tests that apply the examples to a real server.
    example_schema: str = ""
    # The good example as a layout's runner needs it, where `good` would fail there (goose's
    # and dbmate's transaction opt-outs, or a statement drizzle's migrator cannot run), keyed by
    # layout name; a layout with the same runner as a key's uses its example too.
    good_by_runner: dict[str, str] = field(default_factory=dict, compare=False)


class PluginError(Exception):
    """A third-party rule plugin that cannot be used; the message names it."""


class Registry:
    def __init__(self) -> None:
        self.rules: dict[str, Rule] = {}

    def add(self, rule: Rule) -> None:
        # A built-in rule's id is taken whether or not its module was imported yet.
        taken = rule.id in _BUILTIN_IDS and rule.origin != BUILTIN_ORIGIN
        if rule.id in self.rules or taken:
            owner = BUILTIN_ORIGIN if taken else self.rules[rule.id].origin
            raise PluginError(
                f"rule id {rule.id!r} from {rule.origin} is already registered by {owner}"
            )
        self.rules[rule.id] = rule


REGISTRY = Registry()
BUILTIN_ORIGIN = "migration-lint"
_loading_origin = BUILTIN_ORIGIN


def rule(
    *,
    id: str,
    severity: Severity,
    summary: str,
    rationale: str,
    bad: str,
    good: str,
    inspects: tuple[type[Operation], ...],
    default: bool = True,
    example_pg_version: int = 16,
    example_schema: str = "",
    good_by_runner: dict[str, str] | None = None,
) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        REGISTRY.add(
            Rule(
                id,
                severity,
                summary,
                rationale,
                bad,
                good,
                inspects,
                check,
                default,
                _loading_origin,
                example_pg_version,
                example_schema=example_schema,
                good_by_runner=good_by_runner or {},
            )
        )
        return check

    return register


def describe(
    *,
    id: str,
    severity: Severity,
    summary: str,
    rationale: str,
    bad: str,
    good: str,
    scope: str = "sql",
    example_schema: str = "",
) -> None:
    """Register a finding that the linter reports itself, so it is listed and documented."""
    REGISTRY.add(
        Rule(
            id,
            severity,
            summary,
            rationale,
            bad,
            good,
            (),
            None,
            scope=scope,
            example_schema=example_schema,
        )
    )


def unknown_rule(rule_id: str, known: Iterable[str]) -> str:
    import difflib  # only for this message: every run that lints would import it otherwise

    close = difflib.get_close_matches(rule_id, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown rule {rule_id!r}{hint}; `migration-lint rules` lists them"


@dataclass(frozen=True, eq=False, repr=False)
class Plugin(FrozenRecord):
    """An entry of the `migration_lint.rules` group: `name = module` or `name = module:attr`."""

    name: str
    value: str

    def load(self) -> object:
        # What importlib.metadata's EntryPoint.load does: extras (`[...]`) name no code.
        module, _, attrs = self.value.partition("[")[0].partition(":")
        found: object = importlib.import_module(module.strip())
        for attr in filter(None, attrs.strip().split(".")):
            found = getattr(found, attr)
        return found


def find_plugins() -> list[Plugin]:
    """The group's entries of every distribution installed on sys.path, by name.

    Read from the `entry_points.txt` of each `*.dist-info` and `*.egg-info` folder, the first
    distribution of a name winning, as importlib.metadata reads them: importing importlib.metadata
    costs every run more than linting a small file does (it imports email, zipfile, csv...).
    """
    return sorted(
        (plugin for text in _entry_point_files() for plugin in _group_entries(text)),
        key=lambda plugin: plugin.name,
    )


def _entry_point_files() -> Iterator[str]:
    """The `entry_points.txt` of each distribution on sys.path, once per distribution name."""
    seen: set[str] = set()
    for folder in sys.path:
        try:
            children = sorted(os.listdir(folder or "."))
        except OSError:
            continue  # missing, or a zip archive: pip installs no distribution into either
        for child in children:
            stem, dot, suffix = child.rpartition(".")
            if not dot or suffix.lower() not in ("dist-info", "egg-info"):
                continue
            # `My.Rules-1.0.dist-info` and `my_rules-2.0.dist-info` are one distribution.
            name = re.sub(r"[-_.]+", "_", stem.partition("-")[0]).lower()
            if name in seen:
                continue
            seen.add(name)
            try:
                with open(os.path.join(folder or ".", child, "entry_points.txt"), "rb") as file:
                    text = file.read().decode("utf-8", "replace")
            except OSError:
                continue  # no entry points
            yield text


def _group_entries(text: str) -> Iterator[Plugin]:
    """The entries of the `migration_lint.rules` section of an entry_points.txt."""
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
        elif section == ENTRY_POINT_GROUP:
            name, _, value = line.partition("=")
            yield Plugin(name.strip(), value.strip())


def load_plugin(plugin: Plugin) -> list[Rule]:
    """Import a plugin and return the rules it registered."""
    global _loading_origin
    before = set(REGISTRY.rules)
    _loading_origin = f"plugin {plugin.name!r}"
    try:
        plugin.load()
    except PluginError as exc:
        raise PluginError(f"plugin {plugin.name!r} ({plugin.value}): {exc}") from exc
    except Exception as exc:
        raise PluginError(
            f"plugin {plugin.name!r} ({plugin.value}) failed to load: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        _loading_origin = BUILTIN_ORIGIN
    return [REGISTRY.rules[rule_id] for rule_id in REGISTRY.rules.keys() - before]


def check_rules(origin: str, rules: list[Rule]) -> None:
    """Validate rule metadata, so a broken plugin fails at load time and not mid-run."""
    if not rules:
        raise PluginError(f"{origin} registered no rules")
    for found in rules:
        problems = []
        if not _RULE_ID.match(found.id):
            problems.append("id must be lower-case words joined by '-'")
        if not isinstance(found.severity, Severity):
            problems.append(f"severity must be one of {', '.join(s.value for s in Severity)}")
        if not (found.summary and found.rationale and found.bad and found.good):
            problems.append("summary, rationale, bad and good examples are required")
        if (
            found.check is None
            or not found.inspects
            or not all(isinstance(t, type) and issubclass(t, Operation) for t in found.inspects)
        ):
            problems.append("needs a check and the operation classes it inspects")
        if problems:
            raise PluginError(f"{origin}: rule {found.id!r}: {'; '.join(problems)}")


_loaded = False
_plugins_loaded = False


def load_rules() -> dict[str, Rule]:
    """Every rule, built-in and from plugins, loaded once per process, in the order of their
    modules and then the plugins' (whatever a run imported before)."""
    global _loaded
    if not _loaded:
        package = importlib.import_module(BUILTIN_PACKAGE)
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{BUILTIN_PACKAGE}.{module.name}")
        load_plugins()
        ordered = sorted(
            REGISTRY.rules.values(), key=lambda rule: _BUILTIN_IDS.get(rule.id, len(_BUILTIN_IDS))
        )
        REGISTRY.rules.clear()
        REGISTRY.rules.update((rule.id, rule) for rule in ordered)
        _loaded = True
    return REGISTRY.rules


def load_plugins() -> None:
    """The third-party rules, loaded once per process."""
    global _plugins_loaded
    if not _plugins_loaded:
        for plugin in find_plugins():
            check_rules(f"plugin {plugin.name!r}", load_plugin(plugin))
        _plugins_loaded = True


def known_rules() -> dict[str, tuple[Severity, bool]]:
    """Each rule's severity and whether it is on by default, by id, in load_rules()'s order:
    the built-in ones' from BUILTIN_RULES, without importing their modules."""
    load_plugins()
    known = {rule_id: (severity, default) for _, rule_id, severity, default, _ in BUILTIN_RULES}
    known.update(
        (rule.id, (rule.severity, rule.default))
        for rule in REGISTRY.rules.values()
        if rule.id not in _BUILTIN_IDS
    )
    return known


def import_inspecting(kind: type[Operation], rule_ids: Collection[str]) -> None:
    """Import the modules of the built-in rules among `rule_ids` that inspect an operation
    type (those already imported are not imported again)."""
    for module, rule_id, _, _, inspects in BUILTIN_RULES:
        if kind.__name__ in inspects and rule_id in rule_ids:
            importlib.import_module(f"{BUILTIN_PACKAGE}.{module}")
