"""CPU of the text renderer against the JSON renderer for a 200-store merchant's plan (a
benchmark, not a test; issue 15, goal 5: text at most 1.2x JSON).

The plan is made by the real engine: 200 stores, each with an Order API and a webhook plugin,
plus the base's attribute types, tax group and token, against a Centra that has the stores and
nothing else (a first apply: every field of every resource is printed). Output goes to
/dev/null; CPU time (time.process_time) per render, median of --repeat runs.

Run: python bench/render_plan.py [--stores 200] [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from plan_requests import merchant_manifests

from centra_provision.engine.diff import resource_change
from centra_provision.manifest.desired import check_context, load_desired_state
from centra_provision.plans import Plan
from centra_provision.render import renderer_for
from centra_provision.resources import KINDS
from centra_provision.resources.base import ObserveContext
from centra_provision.resources.live import LiveState, LiveStore
from centra_provision.state.ledger import Ledger

TARGET = 1.2


def merchant_plan(stores: int) -> Plan:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "manifests"
        merchant_manifests(root, stores)
        os.environ.setdefault("GE_ORDER_API_SECRET", "bench-secret")
        desired = load_desired_state(root, "bench")
        ledger = Ledger.load(Path(tmp) / "ledger.json", "bench")
    live = LiveState()
    for i, name in enumerate(sorted(desired.environment.store_names), 1):
        live.stores[name] = LiveStore(i, name, "DIRECT_TO_CONSUMER")
    ctx = ObserveContext(live, {}, check_context(desired.environment))
    changes = tuple(
        resource_change(r, KINDS[r.kind].observe(r, ctx), ledger, "guided")
        for r in sorted(desired.resources, key=lambda r: (KINDS[r.kind].order, r.name))
    )
    return Plan("bench", "https://bench.example/graphql", desired.digest, "now", changes)


def cpu(render: Callable[[], str], repeat: int) -> float:
    """Rendering and writing the text out, as the CLI does (to /dev/null)."""
    times = []
    with open(os.devnull, "w") as sink:
        for _ in range(repeat):
            started = time.process_time()
            sink.write(render())
            times.append(time.process_time() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    plan = merchant_plan(args.stores)
    lines = sum(2 + len(c.fields) for c in plan.changes)
    text = cpu(lambda: renderer_for("text").plan(plan), args.repeat)
    data = cpu(lambda: renderer_for("json").plan(plan), args.repeat)
    ratio = text / data
    print(f"plan of {args.stores} stores: {len(plan.changes)} resources, ~{lines} lines of text")
    print(f"text renderer CPU: {text * 1000:.1f} ms (median of {args.repeat})")
    print(f"JSON renderer CPU: {data * 1000:.1f} ms (median of {args.repeat})")
    verdict = "OK" if ratio <= TARGET else "ABOVE TARGET"
    print(f"text/JSON: {ratio:.2f}x (target <= {TARGET}x): {verdict}")


if __name__ == "__main__":
    main()
