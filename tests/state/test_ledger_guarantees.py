"""Two ledger guarantees no other test could tell from a plausible bug: fingerprints are
keyed (another key gives other fingerprints of the same value), and a save killed half-way
leaves the previous ledger whole (the process really dies, by SIGXFSZ, mid-write)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from centra_provision.state.ledger import Ledger
from tests.support.paths import REPO

KEY_A = "ledger-key-a-" + "a" * 40
KEY_B = "ledger-key-b-" + "b" * 40


@pytest.mark.parametrize("sensitive", [False, True])
def test_fingerprints_depend_on_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sensitive: bool
) -> None:
    """Same place, same environment, same value: only the key differs. Without the key, a
    leaked ledger must not let anyone confirm a guessed value."""
    location = tmp_path / "qa-int.ledger.json"

    def fingerprint(key: str, value: object) -> str:
        monkeypatch.setenv("PROVISION_LEDGER_KEY", key)
        return Ledger.load(location, "qa-int").fingerprint(value, sensitive)

    first = fingerprint(KEY_A, "hunter2-order-api-secret")
    assert fingerprint(KEY_A, "hunter2-order-api-secret") == first  # stable under one key
    assert fingerprint(KEY_B, "hunter2-order-api-secret") != first
    assert fingerprint(KEY_A, "another-secret-value-0001") != first
    assert "hunter2" not in first


CHILD = textwrap.dedent(
    """
    import resource, signal, sys
    from centra_provision.state.ledger import Ledger

    location, limit = sys.argv[1], int(sys.argv[2])
    ledger = Ledger.load(location, "qa-int")
    for i in range(4000):
        ledger.remember(f"Pricelist/big-{i}", "comment", "x" * 64, "apply")
    # From here on no file may grow past `limit` bytes: the write that crosses it gets
    # SIGXFSZ, which kills the process in the middle of writing the ledger.
    # (Python ignores SIGXFSZ by default; a real kill is what this test is about.)
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    ledger.save()
    print("saved")  # never reached
    """
)


def test_a_save_killed_half_way_leaves_the_previous_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROVISION_LEDGER_KEY", KEY_A)
    location = tmp_path / "qa-int.ledger.json"
    before = Ledger.load(location, "qa-int")
    before.remember("ShippingOption/standard", "name", "Standard", "apply")
    before.remember("OrderApiPlugin/ge", "secretKey", "order-secret-0001", "apply", True)
    before.save()
    size = location.stat().st_size
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(location), str(size + 4096)],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == -signal.SIGXFSZ, (proc.returncode, proc.stderr)
    after = Ledger.load(location, "qa-int")
    assert after.records == before.records
    assert after.matches(after.record("OrderApiPlugin/ge", "secretKey") or {}, "order-secret-0001")
    after.remember("Pricelist/next", "comment", "ok", "apply")
    after.save()  # and the ledger still takes writes
    assert Ledger.load(location, "qa-int").has("Pricelist/next")
