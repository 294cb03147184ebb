"""How many requests a plan costs as a merchant grows (a benchmark, not a test).

For merchants of 1, 10 and 50 stores, each store with an Order API plugin and a webhook
plugin, plus the three attribute types, the tax group and the token: the emulator over real
HTTP with 50 ms injected latency; we count requests from /__emulator/stats and time the
plan, then read the same data one request per resource as the baseline.

Run: python bench/plan_requests.py [--stores 1 10 50] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from centra_provision.centra.client import CentraClient
from centra_provision.emulator.app import Emulator
from centra_provision.engine.planner import plan_environment
from centra_provision.engine.session import RunOptions
from tests.support.emulator import EmulatorClient, served

SECRET = "bench-order-api-secret"


def merchant_manifests(root: Path, stores: int) -> None:
    shutil.copytree(ROOT / "manifests" / "base", root / "base")
    (root / "base" / "order-api-plugin.yaml").unlink()
    (root / "base" / "webhook-plugin.yaml").unlink()
    env = yaml.safe_load((ROOT / "manifests" / "qa-int" / "environment.yaml").read_text())
    env["metadata"]["name"] = "bench"
    env["spec"]["stores"] = [
        {"name": f"Store {i}", "type": "DIRECT_TO_CONSUMER"} for i in range(1, stores + 1)
    ]
    env["spec"]["variables"]["defaultStore"] = "Store 1"
    docs = [env]
    plugin = yaml.safe_load((ROOT / "manifests" / "base" / "order-api-plugin.yaml").read_text())
    hook = yaml.safe_load((ROOT / "manifests" / "base" / "webhook-plugin.yaml").read_text())
    for i in range(1, stores + 1):
        docs.append(
            {
                **plugin,
                "metadata": {"name": f"GE Order API {i}"},
                "spec": {
                    **plugin["spec"],
                    "store": f"Store {i}",
                    "uri": f"ge-order-api-{i}",
                    "pluginName": "GE Order API",
                },
            }
        )
        docs.append(
            {
                **hook,
                "metadata": {"name": f"GE Integration Webhooks {i}"},
                "spec": {
                    **hook["spec"],
                    "store": f"Store {i}",
                    "pluginName": "GE Integration Webhooks",
                },
            }
        )
    (root / "bench").mkdir()
    (root / "bench" / "all.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))


def seed_stores(emulator: Emulator, stores: int) -> None:
    for i in range(1, stores + 1):
        emulator.state.insert("store", {"name": f"Store {i}", "type": "DIRECT_TO_CONSUMER"})


async def baseline(url: str, token: str, stores: int, store_ids: list[int]) -> int:
    """The same reads, one request per resource (what a naive client does)."""
    client = CentraClient(url, token)
    docs = ["query { stores { id name type } }", "query { warehouses { id name } }"]
    docs += [
        'query { taxGroups(where: {name: {contains: "GE Local VAT"}}) { id name '
        "status rules { id name rate countries { code } } } }"
    ]
    docs += [
        f'query {{ attributeTypes(where: {{name: {{contains: "{n}"}}}}) {{ name '
        "description elements { key description } } }"
        for n in ("ge_order_details", "ge_customer_coupon", "ge_voucher_details")
    ]
    for sid in store_ids:
        for kind in ("API", "WEBHOOKS"):
            docs.append(
                f"query {{ storePlugins(where: {{storeId: [{sid}], type: [{kind}]}}) "
                "{ id name status } }"
            )
    async with client:
        for doc in docs:
            await client.execute(doc)
    return client.count.sent


def run(stores: int, latency_ms: float) -> dict[str, float]:
    emulator = Emulator(":memory:", products=0, requests_per_10s=60, mutations_per_10s=20)
    seed_stores(emulator, stores)
    store_ids = [s["id"] for s in emulator.state.all("store") if s["name"].startswith("Store ")]
    with tempfile.TemporaryDirectory() as tmp, served(emulator) as base:
        api = EmulatorClient(emulator, base)
        manifests = Path(tmp) / "manifests"
        merchant_manifests(manifests, stores)
        os.environ.update(CENTRA_QA_INT_TOKEN=emulator.admin_token, GE_ORDER_API_SECRET=SECRET)
        api.faults(latency_ms=latency_ms)
        api.request("DELETE", "/__emulator/stats")
        started = time.monotonic()
        plan = plan_environment(manifests, "bench", RunOptions(url_override=f"{base}/graphql"))
        ours = time.monotonic() - started
        graphql = api.stats()["requests"]
        api.request("DELETE", "/__emulator/stats")
        time.sleep(10.5)  # let the server's 10 s window empty before the baseline
        started = time.monotonic()
        naive = asyncio.run(baseline(f"{base}/graphql", emulator.admin_token, stores, store_ids))
        naive_time = time.monotonic() - started
    emulator.state.close()
    return {
        "stores": stores,
        "resources": len(plan.changes),
        "requests": graphql,
        "probes": plan.other_requests,
        "seconds": ours,
        "baseline": naive,
        "baseline_seconds": naive_time,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    print(f"emulator over HTTP, {args.latency_ms:.0f} ms latency, rate limit 60 requests/10 s")
    print(
        "| stores | resources | GraphQL requests | Order API probes (concurrent) | plan s "
        "| baseline requests | baseline s | request ratio |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for n in args.stores:
        r = run(n, args.latency_ms)
        print(
            f"| {n} | {r['resources']} | {r['requests']} | {r['probes']} | "
            f"{r['seconds']:.2f} | {r['baseline']} | {r['baseline_seconds']:.2f} | "
            f"{r['baseline'] / r['requests']:.1f}x |"
        )


if __name__ == "__main__":
    main()
