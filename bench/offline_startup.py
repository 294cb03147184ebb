"""Start-up cost of an offline command (a benchmark, not a test; issue 15, goal 1):
`provision validate -e qa-int` against `provision --help`, target at most 4x, and which
network-side modules each offline command loads (none is the goal; tests/cli/test_offline_imports.py
asserts it).

Each command runs as a fresh interpreter, the two interleaved, --repeat times; wall time,
median.

Run: python bench/offline_startup.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 4.0
FORBIDDEN = (
    "centra_provision.centra",
    "centra_provision.executors",
    "graphql",
    "httpx",
    "starlette",
)
OFFLINE = {
    "validate": ["validate", "-e", "qa-int"],
    "schema": ["schema"],
    "envs": ["envs"],
    "diff-env": ["diff-env", "qa-int", "prod"],
    "storefront": ["storefront", "-e", "qa-int"],
}
PROBE = """
import sys
from centra_provision.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
forbidden = {forbidden!r}
print("\\n" + __import__("json").dumps(sorted(
    m for m in sys.modules if any(m == f or m.startswith(f + ".") for f in forbidden))))
"""


def loaded(args: list[str]) -> list[str]:
    """The forbidden modules in sys.modules after `provision ARGS` (fresh interpreter)."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(forbidden=FORBIDDEN), *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return list(json.loads(out.strip().splitlines()[-1]))


def wall(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "centra_provision", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    helps, validates = [], []
    for _ in range(args.repeat):
        helps.append(wall(["--help"]))
        validates.append(wall(OFFLINE["validate"]))
    h, v = statistics.median(helps), statistics.median(validates)
    print(f"provision --help:           {h * 1000:.0f} ms (median of {args.repeat})")
    print(f"provision validate -e qa-int: {v * 1000:.0f} ms (median of {args.repeat})")
    verdict = "OK" if v / h <= TARGET else "ABOVE TARGET"
    print(f"validate/--help: {v / h:.2f}x (target <= {TARGET}x): {verdict}")
    for name, argv in OFFLINE.items():
        found = loaded(argv)
        print(f"{name:11} loads: {', '.join(found) if found else 'none of ' + '/'.join(FORBIDDEN)}")


if __name__ == "__main__":
    main()
