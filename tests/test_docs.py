"""The configuration files the docs tell people to copy are valid."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent


def yaml_blocks(doc: str) -> list[object]:
    text = (ROOT / doc).read_text()
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)]


def test_github_workflow_in_docs_is_a_valid_workflow(schemastore: Callable[[str], dict]) -> None:  # type: ignore[type-arg]
    github, gitlab = yaml_blocks("docs/ci.md")
    assert isinstance(github, dict) and isinstance(gitlab, dict)
    github["on"] = github.pop(True)  # YAML 1.1 reads the key `on` as true; GitHub does not
    jsonschema.Draft7Validator(schemastore("github-workflow.json")).validate(github)
    steps = github["jobs"]["migration-lint"]["steps"]
    assert any("migration-lint ci" in step.get("run", "") for step in steps)
    job = gitlab["migration-lint"]
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality.json"
    assert any("migration-lint ci" in line for line in job["script"])


def test_pre_commit_hooks_file_is_valid(schemastore: Callable[[str], dict]) -> None:  # type: ignore[type-arg]
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    jsonschema.Draft7Validator(schemastore("pre-commit-hooks.json")).validate(hooks)
    assert {hook["id"] for hook in hooks} == {
        "migration-lint",
        "migration-lint-require-migration",
        "migration-lint-naming",
    }


def test_pre_commit_config_in_docs_names_the_hooks(schemastore: Callable[[str], dict]) -> None:  # type: ignore[type-arg]
    (config,) = [b for b in yaml_blocks("docs/workflow.md") if isinstance(b, dict) and "repos" in b]
    jsonschema.Draft7Validator(schemastore("pre-commit-config.json")).validate(config)
    assert [hook["id"] for hook in config["repos"][0]["hooks"]] == [
        "migration-lint-require-migration",
        "migration-lint-naming",
        "migration-lint",
    ]
