"""How fast can a leaked ledger plus plan file be brute-forced? (a benchmark, not a test)

Someone holding the ledger key (PROVISION_LEDGER_KEY) and a plan file can test guesses of a
secret against its fingerprint. Plain HMAC-SHA256 (the format before shared ledgers) allows
on the order of a million guesses per second per core; the ledger now fingerprints secrets
with scrypt over HMAC. Without the key, a guess first needs the key itself, which is
stretched with the same scrypt. Prints guesses per second for both and their ratio.

Run: python bench/ledger_fingerprints.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import tempfile
import time
from pathlib import Path

from centra_provision.state.ledger import Ledger


def rate(guess: object, seconds: float) -> float:
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        guess(f"candidate-{n}")  # type: ignore[operator]
        n += 1
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    seconds = parser.parse_args().seconds
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger.load(Path(tmp) / "bench.ledger.json", "bench", "https://x/graphql")
        key = b"k" * 32
        hmac_rate = rate(lambda v: hmac.new(key, v.encode(), hashlib.sha256).digest(), seconds)
        slow_rate = rate(lambda v: Ledger.fingerprint(ledger, v, True), seconds)
    print(f"HMAC-SHA256 fingerprint:       {hmac_rate:12,.0f} guesses/s (one core)")
    print(f"scrypt-over-HMAC fingerprint:  {slow_rate:12,.1f} guesses/s (one core)")
    print(f"ratio: {hmac_rate / slow_rate:,.0f}x slower to brute-force")


if __name__ == "__main__":
    main()
