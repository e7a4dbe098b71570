"""The index of the built-in rules (registry.BUILTIN_RULES), by which a lint run imports only the
modules of the rules that inspect the operations it meets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from migration_lint import registry

# Each built-in module imported in turn in a fresh interpreter, with the rules it registers.
REGISTERED_BY_MODULE = """
import importlib, json, pkgutil
from migration_lint import registry
package = importlib.import_module(registry.BUILTIN_PACKAGE)
found = []
for module in pkgutil.iter_modules(package.__path__):
    before = set(registry.REGISTRY.rules)
    importlib.import_module(f"{registry.BUILTIN_PACKAGE}.{module.name}")
    found += [
        [module.name, r.id, r.severity.value, r.default, [t.__name__ for t in r.inspects]]
        for r in registry.REGISTRY.rules.values()
        if r.id not in before
    ]
print(json.dumps(found))
"""

# A lint run in a fresh interpreter: the rule modules it imported, its findings, and then the
# rules load_rules() lists.
LINT = """
import json, sys
from migration_lint import registry
from migration_lint.linter import Settings, lint_paths
report = lint_paths([sys.argv[1]], Settings())
imported = sorted(m.rpartition(".")[2] for m in sys.modules if m.startswith("migration_lint.rules."))
findings = [d.rule for d in report.diagnostics]
print(json.dumps([imported, findings, list(registry.load_rules())]))
"""


def run(script: str, *arguments: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-c", script, *arguments], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_the_index_is_what_the_modules_register() -> None:
    indexed = [
        [module, rule_id, severity.value, default, list(inspects)]
        for module, rule_id, severity, default, inspects in registry.BUILTIN_RULES
    ]
    assert run(REGISTERED_BY_MODULE) == indexed


def test_a_lint_run_imports_the_rules_of_the_operations_it_meets(tmp_path: Path) -> None:
    migration = tmp_path / "0001_index.sql"
    migration.write_text("CREATE INDEX users_email_idx ON users (email);\n")
    imported, findings, listed = run(LINT, str(migration))
    inspecting = {
        module
        for module, _, _, default, inspects in registry.BUILTIN_RULES
        if default and "CreateIndex" in inspects
    }
    assert set(imported) == inspecting
    assert "create-index-not-concurrently" in findings
    # Listed in the order of their modules, whichever the run imported first.
    builtin = [rule_id for _, rule_id, *_ in registry.BUILTIN_RULES]
    assert listed[: len(builtin)] == builtin
