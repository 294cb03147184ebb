"""Issue 15, goal 4: `provision catalog export` at 10,000, 100,000 and 1,000,000 products
against the emulator with every rate limit lifted (a benchmark, not a test).

Per size: export seconds, microseconds per product (linear time keeps it flat), peak RSS of
the export process (target: under 80 MB at 1,000,000), and bytes the export wrote (CSV +
checkpoint, from the kernel's I/O accounting; an append-only checkpoint keeps their ratio to
the CSV flat). The emulator runs in its own process with a state file seeded beforehand
(seeding is not timed).

Run: python bench/catalog_scaling.py [--sizes 10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchkit import unlimited_environment

ROOT = Path(__file__).resolve().parents[1]
RSS_TARGET_MIB = 80
SERVER = """
import sys
import uvicorn
from centra_provision.emulator.app import Emulator
from centra_provision.emulator.serve import listening_socket
KINDS = ("REQUEST_COUNT", "MUTATION_COUNT", "QUERY_COMPLEXITY")
# every bucket lifted to the most a GraphQL Int (as rateLimits reports it) can hold
UNLIMITED = {f"{k}/{i}": 2_000_000_000 for k in KINDS for i in ("TEN_SECONDS", "ONE_HOUR")}
emulator = Emulator(sys.argv[1], int(sys.argv[2]), quotas=UNLIMITED)
sock = listening_socket(0)
print(f"http://127.0.0.1:{sock.getsockname()[1]}/graphql", emulator.admin_token, flush=True)
uvicorn.Server(uvicorn.Config(emulator, log_level="warning", lifespan="off")).run(sockets=[sock])
"""


def export(work: Path, products: int) -> tuple[float, int, int, int]:
    """(seconds, peak RSS MiB, bytes written, CSV bytes) of one export."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(work / f"shop-{products}.sqlite"), str(products)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert server.stdout is not None
    url, token = server.stdout.readline().split()
    time.sleep(0.5)  # uvicorn accepts shortly after the socket is announced
    out = work / f"out-{products}.csv"
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed below
    try:
        started = time.monotonic()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "centra_provision",
                "catalog",
                "export",
                "-e",
                "unlimited",
                "-o",
                str(out),
            ],
            cwd=work,
            env={**env, "CENTRA_QA_INT_TOKEN": token, "PROVISION_CENTRA_URL_UNLIMITED": url},
            stderr=log,  # a file, not a pipe: nobody reads progress lines while it runs
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - started
        log.seek(0)
        assert os.waitstatus_to_exitcode(status) == 0, log.read()[-2000:]
    finally:
        server.terminate()
        server.wait()
        log.close()
    return seconds, usage.ru_maxrss // 1024, usage.ru_oublock * 512, out.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print("| products | seconds | µs per product | peak RSS MiB | written / CSV bytes |")
    print("|---|---|---|---|---|")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "manifests", work / "manifests")
        unlimited_environment(work / "manifests")
        for n in sizes:
            seconds, rss, written, csv_bytes = export(work, n)
            results[n] = (seconds, rss)
            print(
                f"| {n:,} | {seconds:.1f} | {seconds / n * 1e6:.0f} | {rss} | "
                f"{written / max(csv_bytes, 1):.2f} |",
                flush=True,
            )
            for leftover in work.glob(f"*-{n}.*"):
                leftover.unlink()
    small, large = min(sizes), max(sizes)
    growth = (results[large][0] / results[small][0]) / (large / small)
    rss = results[large][1]
    print(
        f"time per product at {large:,} against {small:,}: {growth:.2f}x "
        f"(linear: about 1x; quadratic would be {large / small:.0f}x)"
    )
    print(
        f"peak RSS at {large:,}: {rss} MiB (target < {RSS_TARGET_MIB} MiB: "
        f"{'met' if rss < RSS_TARGET_MIB else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
