"""The guide's catalog script vs `provision catalog export` (a benchmark, not a test).

Emulator over real HTTP in its own process, 50 ms latency, Centra's default rate limit
(60 requests / 10 s), page size 30 for both. The guide's script (unchanged except URL, token
and a stop on an empty page) sleeps a second per page, so it is sampled for --guide-seconds
and its steady rate reported. Ours exports the whole catalog. Peak RSS of ours is measured at
20,000 and 100,000 products (the 100,000 run lifts the rate limit: memory does not depend on
it, and it keeps the benchmark short).

Run: python bench/catalog_export.py [--products 20000] [--guide-seconds 60]
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchkit import serve_emulator, unlimited_environment

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "tests" / "fixtures" / "guide_catalog_export.py"
# Products per second at Centra's Growth plan (60 requests / 10 s), 30 per page, taking the
# default --rate-share of 0.5 of it (the rest stays for the live store).
BOUND = 60 / 10 * 30 * 0.5


def serve(
    products: int, state: Path, requests_per_10s: int, plan: str = "growth"
) -> tuple[subprocess.Popen[str], str, str]:
    return serve_emulator(
        *("--products", str(products), "--state", str(state), "--latency-ms", "50"),
        *("--requests-per-10s", str(requests_per_10s), "--plan", plan),
    )


def count_products(csv_path: Path) -> tuple[int, int]:
    with csv_path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    return len(rows), len({r[1].split("V")[0] for r in rows})


def run_ours(
    workdir: Path, url: str, token: str, environment: str = "qa-int"
) -> tuple[float, int, int, int]:
    override = "PROVISION_CENTRA_URL_" + environment.upper().replace("-", "_")
    env = {**os.environ, "CENTRA_QA_INT_TOKEN": token, override: url}
    started = time.monotonic()
    command = [
        sys.executable,
        "-m",
        "centra_provision",
        "catalog",
        "export",
        "-e",
        environment,
        "-o",
        "ours.csv",
    ]
    proc = subprocess.Popen(command, cwd=workdir, env=env, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.monotonic() - started
    assert os.waitstatus_to_exitcode(status) == 0, proc.stderr.read() if proc.stderr else ""
    rows, products = count_products(workdir / "ours.csv")
    return elapsed, rows, products, usage.ru_maxrss // 1024


def run_guide(workdir: Path, url: str, token: str, seconds: float) -> tuple[float, int]:
    env = {**os.environ, "CENTRA_URL": url, "CENTRA_TOKEN": token}
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, str(GUIDE)], cwd=workdir, env=env, stdout=subprocess.DEVNULL
    )
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        proc.wait()
    elapsed = time.monotonic() - started
    _, products = count_products(workdir / "centra_catalog5.csv")
    return elapsed, products


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--large", type=int, default=100000)
    parser.add_argument("--guide-seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "manifests", work / "manifests")
        unlimited_environment(work / "manifests")
        proc, url, token = serve(args.products, work / "shop.sqlite", 60)
        try:
            guide_s, guide_products = run_guide(work, url, token, args.guide_seconds)
            time.sleep(10.5)  # the server's 10 s window empties between the two clients
            ours_s, rows, products, rss = run_ours(work, url, token)
        finally:
            proc.terminate()
            proc.wait()
        guide_rate, ours_rate = guide_products / guide_s, products / ours_s
        print(f"{args.products} products, 50 ms latency, 60 requests / 10 s, page size 30")
        print("| client | products | seconds | products/s | of the rate-limit bound |")
        print("|---|---|---|---|---|")
        print(
            f"| guide's script (sampled) | {guide_products} | {guide_s:.1f} | "
            f"{guide_rate:.1f} | {guide_rate / BOUND:.0%} |"
        )
        print(
            f"| provision catalog export | {products} ({rows} rows) | {ours_s:.1f} | "
            f"{ours_rate:.1f} | {ours_rate / BOUND:.0%} |"
        )
        print(f"ratio: {ours_rate / guide_rate:.1f}x the guide's script", flush=True)
        large, lurl, ltoken = serve(args.large, work / "large.sqlite", 10**9, "enterprise")
        try:
            big_s, big_rows, big_products, big_rss = run_ours(work, lurl, ltoken, "unlimited")
        finally:
            large.terminate()
            large.wait()
    print(
        f"peak RSS of ours: {rss} MiB at {args.products} products; {big_rss} MiB at "
        f"{args.large} products ({big_products} exported, {big_rows} rows, {big_s:.0f} s "
        "with the rate limit lifted)"
    )


if __name__ == "__main__":
    main()
