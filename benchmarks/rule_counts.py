"""Count migration-lint's findings per rule on every folder of the corpus, and compare two versions.

It runs `migration-lint lint --format json FOLDER` (plain defaults: no config, no rule selection)
on every drizzle and Prisma folder of the corpus (../shared/corpus next to the checkout; see its
README.md) and prints a Markdown table of findings per rule (rows) and folder (columns). With
`--save FILE` it also writes the counts as JSON; with `--before FILE` (counts saved by an earlier
version) each cell reads `before → after` where they differ, so a change's effect on real
migrations shows rule by rule.

    python benchmarks/rule_counts.py --save /tmp/before.json      # on the old version
    python benchmarks/rule_counts.py --before /tmp/before.json    # on the new one
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tools import (
    CORPUS,
    add_migration_lint_argument,
    corpus_folders,
    find_migration_lint,
    markdown_table,
)

Counts = dict[str, dict[str, int]]  # folder -> rule -> findings


def count(migration_lint: str, corpus: Path) -> Counts:
    folders, _ = corpus_folders(corpus)
    counts: Counts = {}
    for folder in folders:
        result = subprocess.run(
            [migration_lint, "lint", "--format", "json", str(folder.source)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode not in (0, 1, 2) or not result.stdout:
            sys.exit(f"{folder.name}: migration-lint failed: {result.stderr.strip()}")
        report = json.loads(result.stdout)
        counts[folder.name] = dict(Counter(d["rule"] for d in report["diagnostics"]))
    return counts


def table(after: Counts, before: Counts | None) -> str:
    folders = list(after)
    rules = sorted(
        {rule for counts in [*after.values(), *(before or {}).values()] for rule in counts}
    )

    def shown(folder: str, rule: str) -> str:
        now = after.get(folder, {}).get(rule, 0)
        if before is None:
            return str(now)
        then = before.get(folder, {}).get(rule, 0)
        return str(now) if then == now else f"{then} → {now}"

    rows = [
        [f"`{rule}`", *(shown(folder, rule) for folder in folders), total_cell(after, before, rule)]
        for rule in rules
    ]
    return markdown_table(["rule", *folders, "total"], rows)


def total_cell(after: Counts, before: Counts | None, rule: str) -> str:
    now = sum(counts.get(rule, 0) for counts in after.values())
    if before is None:
        return str(now)
    then = sum(counts.get(rule, 0) for counts in before.values())
    return str(now) if then == now else f"{then} → {now}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=CORPUS, help="[%(default)s]")
    add_migration_lint_argument(parser)
    parser.add_argument("--save", type=Path, help="also write the counts to this JSON file")
    parser.add_argument("--before", type=Path, help="counts saved by an earlier version")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus} (see benchmarks/README.md)", file=sys.stderr)
        return 2
    migration_lint = find_migration_lint(parser, args)
    after = count(migration_lint, args.corpus)
    before = json.loads(args.before.read_text()) if args.before else None
    if args.save:
        args.save.write_text(json.dumps(after, indent=1, sort_keys=True) + "\n")
    print(table(after, before))
    return 0


if __name__ == "__main__":
    sys.exit(main())
