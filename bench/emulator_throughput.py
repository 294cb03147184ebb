"""Emulator throughput and start-up, on this machine (a benchmark, not a test).

- start-up: wall time from launching `provision emulator serve --port 0` to the first
  answered `stores` query;
- requests/second for a simple `stores` query and for the guide's catalog query (a page
  of 30 products), over real HTTP with 8 concurrent clients, rate limits lifted.

Run: python bench/emulator_throughput.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import httpx
from benchkit import serve_emulator

STORES = "query Stores { stores { id name type } }"
CATALOG = (
    Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "guide_catalog_query.graphql"
).read_text()


def startup_seconds() -> float:
    started = time.monotonic()
    proc, url, token = serve_emulator()
    response = httpx.post(url, json={"query": STORES}, headers={"Authorization": f"Bearer {token}"})
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    proc.terminate()
    proc.wait(timeout=10)
    return elapsed


async def rate(
    url: str,
    token: str,
    query: str,
    variables: dict[str, object] | None,
    seconds: float,
    workers: int = 8,
) -> float:
    done = 0
    deadline = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}"}

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal done
        page = 1
        while time.monotonic() < deadline:
            body = {
                "query": query,
                "variables": {**(variables or {}), "page": page} if variables is not None else None,
            }
            response = await client.post(url, json=body, headers=headers)
            assert response.status_code == 200, response.text
            done += 1
            page = page % 60 + 1

    async with httpx.AsyncClient(timeout=30) as client:
        started = time.monotonic()
        await asyncio.gather(*(worker(client) for _ in range(workers)))
        return done / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"start-up to first answer: {startup_seconds():.2f} s")
    # The server runs in its own process, as users run it, so the client's work does not
    # share its interpreter. Enterprise quotas: Growth's 250k complexity per 10 s would
    # refuse the catalog pages (429) well before the server's own limit shows.
    proc, url, token = serve_emulator(
        *("--products", "2000", "--plan", "enterprise", "--requests-per-10s", "1000000000")
    )
    try:
        stores = asyncio.run(rate(url, token, STORES, None, args.seconds))
        catalog = asyncio.run(rate(url, token, CATALOG, {"status": "ACTIVE"}, args.seconds))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"stores query:            {stores:8.1f} requests/s")
    print(f"catalog query (page 30): {catalog:8.1f} requests/s ({catalog * 30:.0f} products/s)")


if __name__ == "__main__":
    main()
