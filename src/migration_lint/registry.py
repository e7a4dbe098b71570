"""The rule registry: rules register with a decorator, keyed by the operations they inspect.

Built-in rules are the modules of the `migration_lint.rules` package. Third-party rules are
modules named in the `migration_lint.rules` entry-point group; they are loaded in three steps
(find, load, check), and a broken plugin is reported by name.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any

from .diagnostic import Severity
from .operations import Operation

if TYPE_CHECKING:
    from .context import Context

ENTRY_POINT_GROUP = "migration_lint.rules"
BUILTIN_PACKAGE = "migration_lint.rules"
_RULE_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

# A check yields (message, help) pairs for one operation.
Check = Callable[[Any, "Context"], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class Rule:
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
        if rule.id in self.rules:
            raise PluginError(
                f"rule id {rule.id!r} from {rule.origin} is already registered by "
                f"{self.rules[rule.id].origin}"
            )
        self.rules[rule.id] = rule


REGISTRY = Registry()
_loading_origin = "migration-lint"


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
    close = difflib.get_close_matches(rule_id, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown rule {rule_id!r}{hint}; `migration-lint rules` lists them"


def find_plugins() -> list[EntryPoint]:
    return sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


def load_plugin(entry_point: EntryPoint) -> list[Rule]:
    """Import a plugin and return the rules it registered."""
    global _loading_origin
    before = set(REGISTRY.rules)
    _loading_origin = f"plugin {entry_point.name!r}"
    try:
        entry_point.load()
    except PluginError as exc:
        raise PluginError(f"plugin {entry_point.name!r} ({entry_point.value}): {exc}") from exc
    except Exception as exc:
        raise PluginError(
            f"plugin {entry_point.name!r} ({entry_point.value}) failed to load: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    finally:
        _loading_origin = "migration-lint"
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


def load_rules() -> dict[str, Rule]:
    """Every rule, built-in and from plugins, loaded once per process."""
    global _loaded
    if not _loaded:
        package = importlib.import_module(BUILTIN_PACKAGE)
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{BUILTIN_PACKAGE}.{module.name}")
        for entry_point in find_plugins():
            check_rules(f"plugin {entry_point.name!r}", load_plugin(entry_point))
        _loaded = True
    return REGISTRY.rules
