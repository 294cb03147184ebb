"""The ledger's snapshot of what Centra showed, and drift outside the manifests: changes to
what the manifests do not declare, made by hand in the emulator's back office."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from centra_setup import configure, record_write_only
from clikit import run
from emulator_harness import EmulatorClient, served

from centra_provision.emulator.app import Emulator
from centra_provision.engine.ledger import Ledger
from centra_provision.manifest.desired import load_desired_state

REPO = Path(__file__).resolve().parents[1]
SECRET = "CANARY-unmanaged-drift-secret-5e1d"
ADDRESSES = [
    "AttributeType/ge_order_details",
    "AttributeType/ge_customer_coupon",
    "AttributeType/ge_voucher_details",
    "TaxGroup/GE Local VAT",
    "OrderApiPlugin/GE Order API",
    "WebhookPlugin/GE Integration Webhooks",
]


@pytest.fixture
def attested(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[EmulatorClient]:
    """QA-INT converged by hand, then attested: the ledger holds a snapshot of each."""
    shutil.copytree(REPO / "manifests", tmp_path / "manifests")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    emulator = Emulator(":memory:", products=0)
    desired = load_desired_state(tmp_path / "manifests", "qa-int")
    configure(emulator, desired, SECRET)
    record_write_only(Ledger.load(desired.environment.ledger, "qa-int"), desired, SECRET)
    with served(emulator) as url:
        monkeypatch.setenv("PROVISION_CENTRA_URL_QA_INT", f"{url}/graphql")
        monkeypatch.setenv("CENTRA_QA_INT_TOKEN", emulator.admin_token)
        monkeypatch.setenv("GE_ORDER_API_SECRET", SECRET)
        code, _, err = run(["attest", "-e", "qa-int", *ADDRESSES], capsys)
        assert code == 0, err
        yield EmulatorClient(emulator, url)
    emulator.state.close()


def _ledger(tmp_path: Path) -> dict[str, object]:
    desired = load_desired_state(tmp_path / "manifests", "qa-int")
    return json.loads(desired.environment.ledger.read_text())  # type: ignore[no-any-return]


def test_attest_snapshots_what_centra_shows_in_manifest_terms_and_no_secret(
    attested: EmulatorClient, tmp_path: Path
) -> None:
    ledger = _ledger(tmp_path)
    snapshots = ledger["snapshots"]
    assert isinstance(snapshots, dict)
    assert sorted(snapshots) == sorted(ADDRESSES)
    order = snapshots["AttributeType/ge_order_details"]
    assert order["source"] == "attest"
    assert order["shown"]["elements"]["ge_order_id"] == {"desc": "Global-E Order Id"}
    vat = snapshots["TaxGroup/GE Local VAT"]["shown"]
    rule = vat["rules"]["GE Local VAT"]
    assert rule["rate"] == 25 and "DE" in rule["countries"] and "id" not in rule
    assert snapshots["OrderApiPlugin/GE Order API"]["shown"] == {"status": "ACTIVE"}
    assert SECRET not in json.dumps(ledger)
