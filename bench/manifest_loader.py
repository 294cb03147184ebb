"""Benchmark (issue 15, goal 2): the manifest loader scales with documents.

Prints the median wall time of `provision validate -e qa-int` on the shipped manifests and on
the same manifests plus 3,000 extra ShippingOption/Pricelist documents, their ratio (target
<= 2.5x), and the memory each extra document costs while loading (tracemalloc peak of
`load_desired_state`, difference divided by 3,000; target <= 5 KB).

    PYTHONPATH=$PWD python3 bench/manifest_loader.py [--runs 5] [--docs 3000]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

SHIPPING = """---
kind: ShippingOption
metadata:
  name: Bench shipping {i}
spec:
  status: ACTIVE
  currency: SEK
  storeType: DIRECT_TO_CONSUMER
  stores: [Retail]
  markets: [Global-e]
  uri: bench-shipping-{i}
  isPickupPoint: false
"""
PRICELIST = """---
kind: Pricelist
metadata:
  name: Bench pricelist {i}
spec:
  store: Retail
  status: ACTIVE
  currency: SEK
  countries: {{allExcept: "${{ownMarkets}}"}}
"""


def make_tree(dest: Path, extra: int) -> Path:
    root = dest / "manifests"
    shutil.copytree(REPO / "manifests", root)
    if extra:
        docs = [(SHIPPING if i % 2 else PRICELIST).format(i=i) for i in range(extra)]
        (root / "qa-int" / "bench-extra.yaml").write_text("".join(docs))
    return root


def validate_once(root: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "centra_provision", "validate", "-e", "qa-int"],
        cwd=root.parent,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"validate failed:\n{proc.stdout}{proc.stderr}")
    return elapsed


def validate_pair(shipped: Path, grown: Path, runs: int) -> tuple[float, float]:
    """Medians of interleaved runs: a shared machine's load drifts, and alternating puts
    both sides under the same drift."""
    base, big = [], []
    for _ in range(runs):
        base.append(validate_once(shipped))
        big.append(validate_once(grown))
    return statistics.median(base), statistics.median(big)


def peak_bytes(root: Path) -> int:
    from centra_provision.manifest.desired import load_desired_state

    load_desired_state(root, "qa-int")  # warm caches (schemas, imports) outside the trace
    tracemalloc.start()
    state = load_desired_state(root, "qa-int")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del state
    return peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--docs", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        shipped = make_tree(Path(tmp) / "shipped", 0)
        grown = make_tree(Path(tmp) / "grown", args.docs)
        base, big = validate_pair(shipped, grown, args.runs)
        per_doc = (peak_bytes(grown) - peak_bytes(shipped)) / args.docs
    ratio = big / base
    print(f"validate -e qa-int, shipped: {base * 1000:8.1f} ms (median of {args.runs})")
    print(f"validate -e qa-int, +{args.docs} docs: {big * 1000:8.1f} ms")
    print(f"ratio: {ratio:.2f}x (target <= 2.5x) {'OK' if ratio <= 2.5 else 'OVER'}")
    print(
        f"memory per document while loading: {per_doc / 1024:.1f} KB (target <= 5 KB) "
        f"{'OK' if per_doc <= 5 * 1024 else 'OVER'}"
    )


if __name__ == "__main__":
    main()
