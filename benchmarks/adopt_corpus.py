"""Adopt migration-lint on each real migration folder of the corpus and make one clean change.

The scenario: a team with an existing migration history (drizzle-kit or Prisma Migrate) adds
migration-lint's pre-commit hooks and CI gate, then makes one ordinary, safe change. Nothing in the
history may get in the way of that change.

For each folder of the corpus (default: ../shared/corpus next to the repository, see its
README.md), in a fresh temporary git repository:

1. on `main`, commit the folder where the tool would live in a real project: drizzle's as
   `drizzle/` with a `drizzle.config.ts` (`out: "./drizzle"`) and its `src/db/schema.ts`; Prisma's
   as `prisma/migrations/` with `prisma/schema.prisma` and a `.migration-lint.toml` naming both;
2. on a `feature` branch, change the schema and add one migration creating a new table: the next
   name in the folder's own naming (drizzle: the next index, timestamp or unix prefix, with its
   journal entry appended as drizzle-kit writes it; Prisma: a later `<timestamp>_adopt_check/`);
3. stage it and run this checkout's three hooks through the real pre-commit framework
   (`pre-commit try-repo CHECKOUT`: every hook, on the staged files, as `git commit` would);
4. commit, and run `migration-lint ci --base main --output json` for the gate.

It prints a Markdown table of the hooks' and the gate's verdicts, then the findings behind each
failure. The exit status is 0 only when every folder passes every hook and the gate says `pass`,
1 otherwise, 2 when the corpus or a tool is missing.

    .venv/bin/python benchmarks/adopt_corpus.py [--corpus DIR] [--checkout DIR] [--only NAME]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from tools import (
    BIN,
    CORPUS,
    JOURNAL,
    REPO,
    Folder,
    add_migration_lint_argument,
    cell,
    corpus_folders,
    find_migration_lint,
    markdown_table,
    prisma_migrations,
)

NAME = "adopt_check"  # the new migration's name, and the table it creates
TABLE_SQL = {
    # What drizzle-kit 0.31 and Prisma Migrate generate for the schema change below.
    "drizzle": f'CREATE TABLE "{NAME}" (\n\t"id" bigint PRIMARY KEY NOT NULL\n);\n',
    "prisma": (
        f'-- CreateTable\nCREATE TABLE "{NAME}" (\n    "id" BIGINT NOT NULL,\n\n'
        f'    CONSTRAINT "{NAME}_pkey" PRIMARY KEY ("id")\n);\n'
    ),
}
DRIZZLE_SCHEMA = "src/db/schema.ts"
DRIZZLE_OUT = "drizzle"
DRIZZLE_SCHEMA_TS = """\
import { pgTable, serial, text } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
  id: serial("id").primaryKey(),
  email: text("email").notNull(),
});
"""
DRIZZLE_SCHEMA_CHANGE = f"""
export const adoptCheck = pgTable("{NAME}", {{
  id: bigint("id", {{ mode: "number" }}).primaryKey(),
}});
"""
PRISMA_SCHEMA = "prisma/schema.prisma"
PRISMA_OUT = "prisma/migrations"
PRISMA_SCHEMA_TEXT = """\
generator client {
  provider = "prisma-client-js"
}

datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

model User {
  id    Int    @id @default(autoincrement())
  email String @unique
}
"""
PRISMA_SCHEMA_CHANGE = f"""
model AdoptCheck {{
  id BigInt @id

  @@map("{NAME}")
}}
"""
# drizzle-kit's prefix modes, by the number of digits before the first `_`.
PREFIX_WIDTHS = {4: "index", 14: "timestamp", 10: "unix"}
TIMESTAMP = "%Y%m%d%H%M%S"
FINDING = re.compile(r"^(?P<path>\S+?):(?P<line>\d+):(?P<column>\d+): (?P<rule>\S+) (?P<msg>.*)$")
STATUS = re.compile(r"^(?P<name>.+?)\.+(?:\([^)]*\))?(?P<status>Passed|Failed|Skipped)$")
SHOWN_IN_DETAILS = 12  # output lines per failed hook, findings per failed gate


class ScenarioError(Exception):
    """The scenario could not be set up as intended: a bug of this script, not a verdict."""


@dataclass
class HookResult:
    hook: str
    status: str  # Passed or Failed (run_hooks refuses Skipped or a hook not reported)
    output: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "Passed"


@dataclass
class Outcome:
    folder: Folder
    layout: str
    migrations: int
    staged: list[str]
    hooks: list[HookResult]
    gate: str
    ci_findings: list[str] = field(default_factory=list)  # rule, severity, where: message
    ci_error: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(h.passed for h in self.hooks) and self.gate == "pass" and not self.ci_error


# --- Running things -------------------------------------------------------------------------------


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without what would point git, pre-commit or the gate elsewhere
    (a GIT_DIR of an enclosing hook, a PRE_COMMIT_FROM_REF, an approval)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GIT_", "PRE_COMMIT_"))
        and key
        not in ("MIGRATION_LINT_APPROVED", "GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
    }
    return {**env, **extra}


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, env=clean_env()
    )
    if result.returncode != 0:
        raise ScenarioError(f"git {' '.join(args)} failed in {repo}: {result.stderr.strip()}")
    return result.stdout


def new_repository(path: Path) -> None:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    for key, value in (
        ("user.email", "dev@example.com"),
        ("user.name", "Dev"),
        ("commit.gpgsign", "false"),
        ("core.autocrlf", "false"),
        ("core.excludesFile", os.devnull),  # a global ignore list must not hide corpus files
    ):
        git(path, "config", key, value)


def write(repo: Path, name: str, text: str) -> None:
    target = repo / name
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="") as file:
        file.write(text)


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message)
    left = git(repo, "status", "--porcelain", "--ignored")
    if left:
        raise ScenarioError(f"files left out of the commit {message!r}:\n{left}")


# --- The corpus -----------------------------------------------------------------------------------


def drizzle_tags(folder: Path) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.sql"))


def prefix_mode(tags: Sequence[str]) -> str:
    """drizzle-kit's prefix mode of a folder: from the width most of its names' numbers have."""
    widths = Counter(len(m[1]) if (m := re.match(r"(\d+)_", tag)) else 0 for tag in tags)
    width = widths.most_common(1)[0][0] if widths else 4
    return PREFIX_WIDTHS.get(width, "index" if width else "none")


def later_timestamp(prefixes: Sequence[str]) -> str:
    """A YYYYMMDDHHMMSS one second after the latest of `prefixes`."""
    latest = max(prefixes)
    try:
        moment = datetime.datetime.strptime(latest, TIMESTAMP) + datetime.timedelta(seconds=1)
    except ValueError:  # not a real date: the next number still sorts last
        return str(int(latest) + 1)
    return moment.strftime(TIMESTAMP)


def next_drizzle_tag(tags: Sequence[str], entries: Sequence[dict[str, Any]], mode: str) -> str:
    """The tag of a migration after every file and journal entry, in the folder's prefix mode."""
    names = [*tags, *(str(e["tag"]) for e in entries)]
    prefixes = [m[1] for name in names if (m := re.match(r"(\d+)_", name))]
    if mode == "none":
        return NAME
    if mode == "index":
        # drizzle-kit numbers from the journal's last idx; hand-written files may be further on.
        last = max([int(e["idx"]) for e in entries] + [int(p) for p in prefixes if len(p) <= 6])
        return f"{last + 1:04d}_{NAME}"
    if mode == "timestamp":
        return f"{later_timestamp([p for p in prefixes if len(p) == 14])}_{NAME}"
    return f"{max(int(p) for p in prefixes) + 1}_{NAME}"  # unix seconds


def append_journal_entry(text: str, tag: str) -> str:
    """The journal with an entry for `tag` after the last one, written as drizzle-kit writes it."""
    journal = json.loads(text)
    entries: list[dict[str, Any]] = journal["entries"]
    if json.dumps(journal, indent=2, ensure_ascii=False) != text.rstrip("\n"):
        raise ScenarioError("the journal is not formatted as drizzle-kit writes it (indent 2)")
    last = entries[-1]
    entries.append(
        {
            "idx": int(last["idx"]) + 1,
            "version": last["version"],
            "when": max(int(e["when"]) for e in entries) + 1000,
            "tag": tag,
            # drizzle-kit writes its config's `breakpoints` (default true): the folder's own.
            "breakpoints": last["breakpoints"],
        }
    )
    ending = text[len(text.rstrip("\n")) :]
    return json.dumps(journal, indent=2, ensure_ascii=False) + ending


# --- The scenario ---------------------------------------------------------------------------------


@dataclass
class Change:
    layout: str
    migrations: int
    expected: set[str]  # `git diff --cached --name-status` lines of the change


def adopt_drizzle(folder: Path, repo: Path) -> Change:
    tags = drizzle_tags(folder)
    mode = prefix_mode(tags)
    journal_text = (folder / JOURNAL).read_text(encoding="utf-8")
    entries = json.loads(journal_text)["entries"]
    if not entries:
        raise ScenarioError(f"{folder / JOURNAL} has no entries to append to")
    options = f'  migrations: {{ prefix: "{mode}" }},\n' if mode != "index" else ""
    if entries and entries[-1].get("breakpoints") is False:
        options += "  breakpoints: false,\n"
    write(
        repo,
        "drizzle.config.ts",
        'import { defineConfig } from "drizzle-kit";\n\nexport default defineConfig({\n'
        f'  dialect: "postgresql",\n  schema: "./{DRIZZLE_SCHEMA}",\n  out: "./{DRIZZLE_OUT}",\n'
        f"{options}}});\n",
    )
    write(repo, DRIZZLE_SCHEMA, DRIZZLE_SCHEMA_TS)
    shutil.copytree(folder, repo / DRIZZLE_OUT)
    commit_all(repo, "Existing schema and migrations")
    git(repo, "checkout", "-q", "-b", "feature")

    write(
        repo,
        DRIZZLE_SCHEMA,
        DRIZZLE_SCHEMA_TS.replace("serial, text", "bigint, serial, text") + DRIZZLE_SCHEMA_CHANGE,
    )
    tag = next_drizzle_tag(tags, entries, mode)
    migration = f"{DRIZZLE_OUT}/{tag}.sql"
    if (repo / migration).exists():
        raise ScenarioError(f"{migration} exists already")
    write(repo, migration, TABLE_SQL["drizzle"])
    journal = f"{DRIZZLE_OUT}/{JOURNAL.as_posix()}"
    write(repo, journal, append_journal_entry(journal_text, tag))
    expected = {f"M\t{DRIZZLE_SCHEMA}", f"A\t{migration}", f"M\t{journal}"}
    return Change(f"drizzle ({mode})", len(tags), expected)


def adopt_prisma(folder: Path, repo: Path) -> Change:
    names = prisma_migrations(folder)
    write(repo, PRISMA_SCHEMA, PRISMA_SCHEMA_TEXT)
    write(repo, ".migration-lint.toml", f'paths = ["{PRISMA_OUT}"]\nschema = ["{PRISMA_SCHEMA}"]\n')
    shutil.copytree(folder, repo / PRISMA_OUT)
    commit_all(repo, "Existing schema and migrations")
    git(repo, "checkout", "-q", "-b", "feature")

    write(repo, PRISMA_SCHEMA, PRISMA_SCHEMA_TEXT + PRISMA_SCHEMA_CHANGE)
    stamps = [m[1] for name in names if (m := re.match(r"(\d{14})_", name))]
    if not stamps:
        raise ScenarioError(f"no <timestamp>_<name> migration in {folder}")
    migration = f"{PRISMA_OUT}/{later_timestamp(stamps)}_{NAME}/migration.sql"
    write(repo, migration, TABLE_SQL["prisma"])
    return Change("prisma", len(names), {f"M\t{PRISMA_SCHEMA}", f"A\t{migration}"})


def hook_ids(checkout: Path) -> dict[str, str]:
    """Hook name -> id, from the checkout's .pre-commit-hooks.yaml (pre-commit prints names)."""
    with (checkout / ".pre-commit-hooks.yaml").open(encoding="utf-8") as file:
        hooks: list[dict[str, Any]] = yaml.safe_load(file)
    return {str(hook["name"]): str(hook["id"]) for hook in hooks}


def run_hooks(repo: Path, checkout: Path, ids: dict[str, str]) -> list[HookResult]:
    """Every hook of the checkout on the staged files; each hook's status and output.

    try-repo installs the hooks in a new temporary store on every call (it ignores
    PRE_COMMIT_HOME), so each folder pays for one install: a few seconds.
    """
    # --verbose: a passing hook's output too, which says how many files it checked.
    command = [str(BIN / "pre-commit"), "try-repo", str(checkout), "--color", "never", "--verbose"]
    result = subprocess.run(command, cwd=repo, capture_output=True, text=True, env=clean_env())
    output = result.stdout + result.stderr
    found: dict[str, HookResult] = {}
    current: HookResult | None = None
    for line in output.splitlines():
        match = STATUS.match(line)
        if match and match["name"].strip() in ids:
            current = HookResult(ids[match["name"].strip()], match["status"])
            found[current.hook] = current
        elif current is not None and not line.startswith(
            ("- hook id:", "- exit code:", "- duration:")
        ):
            current.output += line + "\n"
    hooks = [found.get(hook, HookResult(hook, "not run")) for hook in ids.values()]
    # Every hook has staged files to look at: one that did not run is this script's mistake.
    if any(h.status not in ("Passed", "Failed") for h in hooks):
        raise ScenarioError(
            f"pre-commit did not run every hook (exit {result.returncode}):\n{output}"
        )
    if (result.returncode == 0) != all(h.passed for h in hooks):
        raise ScenarioError(f"pre-commit's exit {result.returncode} disagrees with:\n{output}")
    for hook in hooks:
        hook.output = hook.output.strip("\n")
    return hooks


def run_gate(repo: Path, migration_lint: str) -> tuple[str, list[str], str]:
    """The gate of `migration-lint ci --base main`, its findings, and an error when it has none."""
    command = [migration_lint, "ci", "--base", "main", "--output", "json"]
    result = subprocess.run(command, cwd=repo, capture_output=True, text=True, env=clean_env())
    try:
        report = json.loads(result.stdout)
        gate = str(report["summary"]["gate"])
    except (ValueError, KeyError, TypeError):
        return "error", [], (result.stderr.strip() or result.stdout.strip())[-2000:]
    findings = [
        f"`{d['rule']}` ({d['severity']}) {d['path']}:{d['line']}: {d['message']}"
        for d in report["diagnostics"]
    ]
    expected = {"pass": 0, "needs-approval": 1, "blocked": 2}.get(gate)
    if result.returncode != expected:
        return gate, findings, f"exit {result.returncode} for gate {gate!r}"
    return gate, findings, ""


def adopt(folder: Folder, work: Path, checkout: Path, migration_lint: str) -> Outcome:
    start = time.monotonic()
    repo = work / folder.name.replace("/", "-")
    new_repository(repo)
    change = (adopt_drizzle if folder.kind == "drizzle" else adopt_prisma)(folder.source, repo)
    git(repo, "add", "-A")
    staged = git(repo, "diff", "--cached", "--name-status", "--no-renames").splitlines()
    if set(staged) != change.expected:
        raise ScenarioError(f"{folder.name}: staged {staged}, meant {sorted(change.expected)}")
    hooks = run_hooks(repo, checkout, hook_ids(checkout))
    git(repo, "commit", "-q", "--no-verify", "-m", f"Add the {NAME} table")
    gate, findings, error = run_gate(repo, migration_lint)
    return Outcome(
        folder,
        change.layout,
        change.migrations,
        [line.replace("\t", " ") for line in staged],
        hooks,
        gate,
        findings,
        error,
        time.monotonic() - start,
    )


# --- Output ---------------------------------------------------------------------------------------


def failures(outcome: Outcome) -> list[tuple[str, list[str]]]:
    """Each failed check (a hook, or the gate) with its findings: rule and message."""
    failed = []
    for hook in outcome.hooks:
        if not hook.passed:
            lines = hook.output.splitlines()
            findings = [f"`{m['rule']}` {m['msg']}" for m in map(FINDING.match, lines) if m]
            failed.append((hook.hook, findings or lines[:1]))
    if outcome.gate != "pass":
        failed.append(("ci", outcome.ci_findings or [outcome.ci_error]))
    return failed


def first_findings(outcome: Outcome) -> str:
    """A table cell: the first finding of each failed check."""
    shown = []
    for check, findings in failures(outcome):
        more = f" (+{len(findings) - 1} more)" if len(findings) > 1 else ""
        shown.append(cell(f"{check}: {findings[0] if findings else '?'}{more}"))
    return "<br>".join(shown)


def print_report(outcomes: Sequence[Outcome], hooks: Sequence[str]) -> None:
    header = ["folder", "layout", "migrations", *hooks, "ci gate", "first findings"]
    rows = []
    for o in outcomes:
        verdicts = [h.status.lower() for h in o.hooks]
        rows.append([o.folder.name, o.layout, o.migrations, *verdicts, o.gate, first_findings(o)])
    print(markdown_table(header, rows))
    passed = sum(o.passed for o in outcomes)
    print(f"\n{passed} of {len(outcomes)} folders pass every hook and the gate.")

    for o in outcomes:
        print(f"\n## {o.folder.name}: {'PASS' if o.passed else 'FAIL'} ({o.seconds:.1f} s)\n")
        print(f"- staged: {', '.join(o.staged)}")
        for hook in o.hooks:
            said = hook.output.splitlines()[-1:] if hook.passed else []
            print(f"- hook {hook.hook}: {hook.status.lower()}" + "".join(f": {s}" for s in said))
            if not hook.passed:
                lines = hook.output.splitlines()
                for line in lines[:SHOWN_IN_DETAILS]:
                    print(f"      {line}")
                if len(lines) > SHOWN_IN_DETAILS:
                    print(f"      ... ({len(lines) - SHOWN_IN_DETAILS} more lines)")
        print(f"- ci gate: {o.gate}" + (f" ({o.ci_error})" if o.ci_error else ""))
        if o.gate != "pass":
            for line in o.ci_findings[:SHOWN_IN_DETAILS]:
                print(f"      {line}")
            if len(o.ci_findings) > SHOWN_IN_DETAILS:
                print(f"      ... ({len(o.ci_findings) - SHOWN_IN_DETAILS} more findings)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=CORPUS,
        help="the corpus: drizzle/ and prisma/ folders of migration folders [../shared/corpus]",
    )
    parser.add_argument(
        "--checkout",
        type=Path,
        default=REPO,
        help="the migration-lint checkout whose hooks pre-commit runs [this repository]",
    )
    parser.add_argument("--only", metavar="NAME", help="one folder: sim, or drizzle/sim")
    parser.add_argument("--keep", action="store_true", help="keep the temporary repositories")
    add_migration_lint_argument(parser)
    args = parser.parse_args()
    corpus: Path = args.corpus.resolve()
    checkout: Path = args.checkout.resolve()
    if not corpus.is_dir():
        print(
            f"corpus not found: {corpus} (pass --corpus DIR; it is not in the repository)",
            file=sys.stderr,
        )
        return 2
    if not (checkout / ".pre-commit-hooks.yaml").is_file():
        parser.error(f"not a migration-lint checkout (no .pre-commit-hooks.yaml): {checkout}")
    migration_lint = find_migration_lint(parser, args)
    if shutil.which(str(BIN / "pre-commit")) is None:
        parser.error(f"pre-commit not found next to {sys.executable} (pip install -e '.[test]')")

    folders, skipped = corpus_folders(corpus)
    if args.only:
        folders = [f for f in folders if args.only in (f.name, f.source.name)]
        if not folders:
            parser.error(f"--only {args.only}: no such drizzle or Prisma folder in {corpus}")
    if not folders:
        print(f"no drizzle or Prisma migration folder in {corpus}", file=sys.stderr)
        return 2

    version = subprocess.run([migration_lint, "--version"], capture_output=True, text=True)
    dirty = git(checkout, "status", "--porcelain", "--untracked-files=no")
    print(f"# Adopting migration-lint on {corpus}\n")
    head = git(checkout, "rev-parse", "--short", "HEAD").strip()
    changes = " with its uncommitted changes" if dirty else ""
    print(f"- hooks: `pre-commit try-repo {checkout}` at {head}{changes}")
    print(f"- gate: {version.stdout.strip()}, `migration-lint ci --base main --output json`")
    print(f"- the change: a new table `{NAME}` in the schema file and in one new migration")
    for path in skipped:
        print(f"- skipped, neither a drizzle nor a Prisma migration folder: {path}")
    print(flush=True)

    work = Path(tempfile.mkdtemp(prefix="adopt-corpus-"))
    outcomes = []
    try:
        for folder in folders:
            print(f"{folder.name} ...", file=sys.stderr, flush=True)
            outcomes.append(adopt(folder, work, checkout, migration_lint))
    except ScenarioError as exc:
        print(f"the scenario could not be set up (a bug of this script): {exc}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"repositories kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print_report(outcomes, list(hook_ids(checkout).values()))
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
