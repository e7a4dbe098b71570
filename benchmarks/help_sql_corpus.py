"""Check that every SQL fragment migration-lint shows on the corpus would run when pasted.

It lints every migration folder of the corpus (../shared/corpus next to the checkout; see its
README.md) with the default settings, as `migration-lint lint FOLDER` does, and checks every
finding's message and help with migration_lint.help_sql (what counts as SQL is defined there):
each SQL statement of a help and each name of a message must parse, and keep the folder's
type names as written. It prints every fragment that fails (expected: none) and a count per
folder. The exit status is 0 when none fails, 1 when one does, 2 when the corpus is missing
(skipped, with a message).

    python benchmarks/help_sql_corpus.py [CORPUS]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools import CORPUS, corpus_folders, markdown_table

from migration_lint.help_sql import names_in, problems
from migration_lint.linter import Settings, lint_paths


def check_folder(folder: Path) -> tuple[int, list[str]]:
    """How many findings the folder has, and each failing fragment, located."""
    known: set[str] = set()
    for path in folder.rglob("*.sql"):
        known |= names_in(path.read_text(encoding="utf-8", errors="replace"))
    report = lint_paths([str(folder)], Settings())
    failures = []
    for finding in report.diagnostics:
        for problem in problems(finding.message, finding.help, known):
            failures.append(f"{finding.path}:{finding.line}: {finding.rule}: {problem}")
    return len(report.diagnostics), failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=CORPUS, help="[%(default)s]")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(
            f"corpus not found: {args.corpus}; nothing checked (see benchmarks/README.md)",
            file=sys.stderr,
        )
        return 2
    folders, _ = corpus_folders(args.corpus)
    rows = []
    failed = 0
    for folder in folders:
        findings, failures = check_folder(folder.source)
        for failure in failures:
            print(failure)
        failed += len(failures)
        rows.append([folder.name, findings, len(failures)])
    print(markdown_table(["folder", "findings", "SQL fragments that fail"], rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
