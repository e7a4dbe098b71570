"""The long fuzz run: the property tests of tests/test_properties.py, again and again with new
random seeds and a large example budget, until the time is up or one fails.

    .venv/bin/python benchmarks/fuzz.py --minutes 10

Each round runs every property with the `fuzz` profile (5,000 examples each) and a fresh seed;
the first failing round stops the run with pytest's report (hypothesis prints the smallest
failing input) and exit code 1. docs/reliability.md records the last long run.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
PROPERTIES = CHECKOUT / "tests" / "test_properties.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to fuzz [10]")
    args = parser.parse_args()
    deadline = time.monotonic() + args.minutes * 60
    environment = {**os.environ, "MIGRATION_LINT_HYPOTHESIS_PROFILE": "fuzz"}
    rounds = 0
    started = time.monotonic()
    while time.monotonic() < deadline:
        seed = random.randrange(2**32)
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--hypothesis-seed={seed}",
            str(PROPERTIES),
        ]
        result = subprocess.run(
            command, cwd=CHECKOUT, env=environment, check=False, capture_output=True, text=True
        )
        rounds += 1
        summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
        print(f"round {rounds}, seed {seed}: {summary}", flush=True)
        if result.returncode != 0:
            print(result.stdout + result.stderr)
            return 1
    minutes = (time.monotonic() - started) / 60
    print(f"{rounds} rounds in {minutes:.1f} minutes, no failure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
