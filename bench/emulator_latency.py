"""Issue 15, goal 3: the served emulator does not stall, and product pages cost the same
at any depth (a benchmark, not a test).

- kept-alive latency: `provision emulator serve` in its own process; one kept-alive
  connection sends `stores` the way curl does (headers and body in two TCP segments) and
  the median per request is printed against the 5 ms target;
- page cost: a 100,000-product emulator state read page by page (30 per page, the
  export's sort), printing the median time of pages 2,991-3,000 over pages 1-10 against
  a target of 1.5x (constant cost per page).

Run: python bench/emulator_latency.py [--requests 200] [--products 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from benchkit import serve_emulator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from centra_provision.emulator.seed import seed
from centra_provision.emulator.store import CentraState

STORES = json.dumps({"query": "query Stores { stores { id name type } }"}).encode()
TARGET_MS = 5.0
PAGE_TARGET = 1.5


def read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    assert head.startswith(b"HTTP/1.1 200"), head
    return body


def keepalive_ms(url: str, token: str, requests: int) -> float:
    """Median ms per request on one kept-alive connection, headers and body sent apart."""
    parts = urlsplit(url)
    deadline = time.monotonic() + 30
    while True:  # the URL is printed before uvicorn starts accepting
        try:
            sock = socket.create_connection((parts.hostname, parts.port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as curl does
            break
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    head = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(STORES)}\r\n\r\n"
    ).encode()
    times = []
    try:
        for _ in range(requests):
            started = time.perf_counter()
            sock.sendall(head)
            sock.sendall(STORES)
            read_response(sock)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        sock.close()
    return statistics.median(times[1:])


def page_ratio(products: int, limit: int = 30) -> tuple[float, float, int]:
    state = CentraState(":memory:")
    seed(state, products)
    pages = products // limit
    times = []
    for page in range(pages):
        started = time.perf_counter()
        state.products(["ACTIVE", "INACTIVE"], True, limit, page * limit)
        times.append(time.perf_counter() - started)
    state.close()
    first = statistics.median(times[:10])
    last = statistics.median(times[-10:])
    return first * 1000, last * 1000, pages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--products", type=int, default=100_000)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    proc, url, token = serve_emulator("--products", "0", "--requests-per-10s", "1000000000")
    try:
        median = keepalive_ms(url, token, args.requests)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(
        f"kept-alive `stores`, curl-like segments: {median:.2f} ms/request median "
        f"(target < {TARGET_MS:.0f} ms: {'met' if median < TARGET_MS else 'MISSED'})"
    )
    first, last, pages = page_ratio(args.products)
    ratio = last / first
    print(
        f"product pages of 30 over {args.products} products: pages 1-10 {first:.2f} ms, "
        f"pages {pages - 9}-{pages} {last:.2f} ms: ratio {ratio:.2f}x "
        f"(target <= {PAGE_TARGET}x: {'met' if ratio <= PAGE_TARGET else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
