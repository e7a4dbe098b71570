"""Peak memory and time of `migration-lint lint` on single large or hostile migrations.

Each case builds one migration of about 15 MB (under the 16 MiB size limit) or a small deeply
nested one, in a folder of its own, and lints it in a child process of its own: the child runs
`migration-lint lint --format json FILE` in-process (output discarded) and reports its peak
resident memory (`resource.getrusage`, which includes the interpreter and the imports) and the
seconds the lint took. Prints a Markdown table: case, size, exit code, peak MB, seconds.

    python benchmarks/memory.py [--size-mb 15] [--only CASE ...]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_lint import KINDS, SEED, Schema, create_table
from tools import markdown_table

BREAKPOINT = "--> statement-breakpoint\n"


def drizzle_statements(size: int) -> str:
    """drizzle-kit-style statements (the ones bench_lint.py writes) joined by breakpoints."""
    rng = random.Random(SEED)
    schema = Schema(rng)
    parts: list[str] = []
    total = 0
    while total < size:
        kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        for statement in create_table(schema) if not schema.tables else kind(schema):
            parts.append(statement.rstrip("\n") + "\n")
            total += len(parts[-1]) + len(BREAKPOINT)
    return BREAKPOINT.join(parts)


def repeated(line: Callable[[int], str], size: int, head: str = "", tail: str = "") -> str:
    parts = [head]
    total = len(head) + len(tail)
    number = 0
    while total < size:
        number += 1
        parts.append(line(number))
        total += len(parts[-1])
    parts.append(tail)
    return "".join(parts)


def insert_rows(size: int) -> str:
    return repeated(
        lambda n: f"({n}, 'name {n}', {n}.5, true, '2024-01-01'),\n",
        size,
        head='INSERT INTO "items" ("id", "name", "price", "active", "created") VALUES\n',
        tail="(0, 'last', 0.5, false, '2024-01-01');\n",
    )


def columns(number: int) -> str:
    return f'ALTER TABLE "t" ADD COLUMN "c{number}" integer;\n'


def nested(
    head: str, opening: str, middle: str, closing: str, tail: str, depth: int
) -> Callable[[int], str]:
    return lambda size: head + opening * depth + middle + closing * depth + tail + ";\n"


CASES: dict[str, Callable[[int], str]] = {
    "drizzle statements": drizzle_statements,
    "drizzle statements, syntax error at the end": lambda size: (
        drizzle_statements(size) + BREAKPOINT + "ALTER TABLE oops;\n"
    ),
    "unterminated string at the start": lambda size: repeated(
        columns, size, head="SELECT 'never closed;\n"
    ),
    "unterminated comment at the start": lambda size: repeated(
        columns, size, head="/* never closed\n"
    ),
    "unterminated dollar quote at the start": lambda size: repeated(
        columns, size, head="DO $$ BEGIN\n"
    ),
    "non-ASCII comments and names": lambda size: repeated(
        lambda n: f'-- café n°{n}\nALTER TABLE "tâche" ADD COLUMN "côté_{n}" text;\n', size
    ),
    "CR line endings": lambda size: repeated(lambda n: columns(n).replace("\n", "\r"), size),
    "one INSERT of literal rows": insert_rows,
    "short statements, one a line": lambda size: repeated(
        lambda n: f'UPDATE "t" SET "c" = {n} WHERE "id" = {n};\n', size
    ),
    "SELECT 1; a line": lambda size: repeated(lambda n: "SELECT 1;\n", size),
    "a finding on every line": lambda size: repeated(
        lambda n: f'ALTER TABLE "t" DROP COLUMN "c{n}";\n', size
    ),
    "one CREATE TABLE of 15 MB (more columns than PostgreSQL allows)": lambda size: repeated(
        lambda n: f'  "c{n}" integer,\n',
        size,
        head='CREATE TABLE "wide" (\n',
        tail='  "id" int);\n',
    ),
    "one SELECT of a 15 MB list of names": lambda size: repeated(
        lambda n: "a, ", size, head="SELECT ", tail="a;\n"
    ),
    "sub-selects nested 1,000 deep": nested(
        "SELECT * FROM ", "(SELECT * FROM ", "t", ") s", "", 1000
    ),
    "ARRAY nested 3,000 deep": nested("SELECT ARRAY", "[", "1", "]", "", 3000),
    "CHECK nested 500 deep": nested(
        'CREATE TABLE "t" ("c" int CHECK (', '"c" > 0 OR (', '"c" < 0', ")", "))", 500
    ),
    "DO blocks nested 3,000 deep": nested("DO $$ ", "BEGIN ", "NULL; ", "END; ", "$$", 3000),
    "a + chain of 10,000 terms": nested("SELECT ", "1 + ", "1", "", "", 10000),
}


def measure(path: str) -> None:
    """In the child: lint one file, then print the exit code, peak RSS and seconds as JSON."""
    from migration_lint.cli import main

    start = time.perf_counter()
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        code = main(["lint", "--format", "json", path])
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"code": code, "peak_mb": peak_kib / 1024, "seconds": seconds}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=15, help="size of the large cases [15]")
    parser.add_argument("--only", nargs="*", help="cases whose name contains one of these words")
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="the Python whose migration-lint to measure [this one]",
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child's side
    args = parser.parse_args()
    if args.measure:
        measure(args.measure)
        return 0
    size = int(args.size_mb * 1_000_000)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        for number, (name, build) in enumerate(CASES.items()):
            if args.only and not any(word in name for word in args.only):
                continue
            folder = Path(tmp, f"case{number}")
            folder.mkdir()
            path = folder / "0001_case.sql"
            path.write_text(build(size), encoding="utf-8")
            child = subprocess.run(
                [args.python, __file__, "--measure", str(path)],
                capture_output=True,
                text=True,
            )
            try:
                result = json.loads(child.stdout.strip().splitlines()[-1])
            except (IndexError, json.JSONDecodeError):
                last = (child.stderr.strip().splitlines() or ["no output"])[-1]
                rows.append([name, f"{path.stat().st_size / 1e6:.1f}", "crash", last, ""])
                continue
            rows.append(
                [
                    name,
                    f"{path.stat().st_size / 1e6:.1f}",
                    str(result["code"]),
                    f"{result['peak_mb']:.0f}",
                    f"{result['seconds']:.1f}",
                ]
            )
            path.unlink()
    print(markdown_table(["case", "MB", "exit", "peak MB", "seconds"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
