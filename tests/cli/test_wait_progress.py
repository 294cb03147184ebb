"""`apply --wait` shows its progress (a line per change of state without a
terminal, a live table on one, through a pseudo-terminal), says plainly what it verified and
what it recorded on the operator's word, records each field's source, and on Ctrl-C
summarises what was recorded and what is pending."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from centra_provision.emulator.app import Emulator
from centra_provision.manifest.desired import DesiredState, load_desired_state
from tests.support.centra import configure, copy_manifests, served_as_qa_int
from tests.support.cli import run
from tests.support.emulator import EmulatorClient
from tests.support.pty import run_in_pty

SECRET = "CANARY-wait-secret-0c41"
WAIT = ["apply", "-e", "qa-int", "--auto-approve", "--wait", "60", "--poll-interval", "0.3"]
VERIFIED = {
    "AttributeType/ge_customer_coupon": "2 fields verified in live Centra; 3 write-only "
    "fields recorded on your word",
    "AttributeType/ge_order_details": "13 fields verified in live Centra; 14 write-only "
    "fields recorded on your word",
    "AttributeType/ge_voucher_details": "2 fields verified in live Centra; 3 write-only "
    "fields recorded on your word",
    "TaxGroup/GE Local VAT": "8 fields verified in live Centra; 3 write-only fields recorded "
    "on your word",
    "OrderApiPlugin/GE Order API": "3 fields verified in live Centra; 18 write-only fields "
    "recorded on your word",
    "WebhookPlugin/GE Integration Webhooks": "1 field verified in live Centra; 9 write-only "
    "fields recorded on your word",
}
TOKEN = "IntegrationToken/Global-e integration"


@pytest.fixture
def qa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    """QA-INT with nothing done yet: every step guided."""
    copy_manifests(tmp_path, monkeypatch)
    monkeypatch.delenv("PROVISION_CENTRA_URL", raising=False)
    with served_as_qa_int(Emulator(":memory:", products=0), monkeypatch, SECRET) as client:
        yield client


def _start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "centra_provision", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _do_by_hand(qa: EmulatorClient, kinds: tuple[str, ...] | None = None) -> None:
    """A person follows the runbook in Centra's back office (all of it, or some kinds)."""
    desired = load_desired_state(Path("manifests"), "qa-int")
    if kinds is not None:
        chosen = tuple(r for r in desired.resources if r.kind in kinds)
        desired = DesiredState(desired.environment, chosen)
    configure(qa.emulator, desired, SECRET)


def test_without_a_terminal_a_line_per_change_of_state(qa: EmulatorClient) -> None:
    proc = _start(WAIT)
    assert proc.stdout is not None
    lines = [proc.stdout.readline() for _ in range(7)]
    assert lines == [
        "waiting      AttributeType/ge_customer_coupon: matching 0 of the 2 fields Centra shows\n",
        "waiting      AttributeType/ge_order_details: matching 0 of the 13 fields Centra shows\n",
        "waiting      AttributeType/ge_voucher_details: matching 0 of the 2 fields Centra shows\n",
        "waiting      TaxGroup/GE Local VAT: matching 0 of the 8 fields Centra shows\n",
        "waiting      OrderApiPlugin/GE Order API: matching 0 of the 1 field Centra shows\n",
        "waiting      WebhookPlugin/GE Integration Webhooks: matching 0 of the 1 field Centra "
        "shows\n",
        f"needs attest {TOKEN}: Centra cannot show it; run `provision attest` once it is done\n",
    ]
    _do_by_hand(qa)
    rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 3  # the token still needs `provision attest`
    out = rest.splitlines()
    assert out[:6] == [f"{'verified':12} {a}: {words}" for a, words in VERIFIED.items()]
    assert out[6:12] == [f"done     {a} (create, guided): {w}" for a, w in VERIFIED.items()]
    assert out[12] == f"pending  {TOKEN} (create, guided)"
    assert "Apply: 6 done, 0 failed, 1 pending (guided), 0 skipped, 0 refused" in out
    assert (
        "Waited for the back office: 29 fields verified in live Centra; 50 write-only fields "
        "recorded on your word."
    ) in out
    assert out.count("1. Create IntegrationToken/Global-e integration") == 1
    assert not any(line.startswith("2. ") for line in out)  # only what is still to do
    ledger = json.loads(Path(".provision/qa-int.ledger.json").read_text())
    plugin = ledger["resources"]["OrderApiPlugin/GE Order API"]
    assert plugin["secretKey"]["source"] == "wait:observed"
    assert plugin["debugLogging"]["source"] == "wait:attested"
    assert SECRET not in rest


def test_terminal_shows_a_live_table(qa: EmulatorClient, tmp_path: Path) -> None:
    code, shown = run_in_pty(
        WAIT,
        tmp_path,
        dict(os.environ),
        [(lambda seen: "waiting" in seen, lambda _proc: _do_by_hand(qa))],
    )
    assert code == 3, shown
    lines = shown.splitlines()
    assert any(
        line.split()
        == [
            "┃",
            "resource",
            "┃",
            "Centra",
            "shows",
            "┃",
            "write-only",
            "┃",
            "state",
            "┃",
            "last",
            "check",
            "┃",
        ]
        for line in lines
    )
    assert any(
        line.startswith("│ TaxGroup/GE Local VAT ") and "│ 0/8 match " in line and "waiting" in line
        for line in lines
    )
    assert any(
        line.startswith("│ TaxGroup/GE Local VAT ")
        and "│ 8/8 match " in line
        and "verified" in line
        for line in lines
    )
    assert any(line.startswith(f"│ {TOKEN} ") and "needs attest" in line for line in lines)
    assert (
        "Waited for the back office: 29 fields verified in live Centra; 50 write-only fields "
        "recorded on your word."
    ) in lines


def test_ctrl_c_summarises_recorded_and_pending(
    qa: EmulatorClient, capsys: pytest.CaptureFixture[str]
) -> None:
    proc = _start(WAIT)
    assert proc.stdout is not None and proc.stderr is not None
    for _ in range(7):
        proc.stdout.readline()
    _do_by_hand(qa, ("AttributeType",))
    for _ in range(3):
        assert proc.stdout.readline().startswith("verified     AttributeType/")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    attest = "Centra cannot show it; run `provision attest` once it is done"
    assert err.splitlines() == [
        "Interrupted while waiting for the back office.",
        "Recorded in the ledger:",
        *(f"  {a}: {w}" for a, w in list(VERIFIED.items())[:3]),
        "Still pending:",
        "  TaxGroup/GE Local VAT: matching 0 of the 8 fields Centra shows",
        "  OrderApiPlugin/GE Order API: matching 0 of the 1 field Centra shows",
        "  WebhookPlugin/GE Integration Webhooks: matching 0 of the 1 field Centra shows",
        f"  {TOKEN}: {attest}",
        "Run `provision apply -e qa-int --auto-approve --wait 600` to go on waiting.",
    ]
    ledger = json.loads(Path(".provision/qa-int.ledger.json").read_text())
    assert sorted(ledger["resources"]) == [
        "AttributeType/ge_customer_coupon",
        "AttributeType/ge_order_details",
        "AttributeType/ge_voucher_details",
    ]
    # The lock went with the interrupted apply: the next one runs.
    assert run(["apply", "-e", "qa-int", "--auto-approve"], capsys)[0] == 3
