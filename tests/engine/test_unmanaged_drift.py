"""The ledger's snapshot of what Centra showed, and drift outside the manifests: changes to
what the manifests do not declare, made by hand in the emulator's back office."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from centra_provision.emulator.app import Emulator
from centra_provision.manifest.desired import load_desired_state
from tests.support.centra import converge_qa_int, copy_manifests, served_as_qa_int
from tests.support.cli import run
from tests.support.emulator import EmulatorClient

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
    manifests = copy_manifests(tmp_path, monkeypatch)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    emulator = Emulator(":memory:", products=0)
    converge_qa_int(emulator, manifests, SECRET)
    with served_as_qa_int(emulator, monkeypatch, SECRET) as client:
        code, _, err = run(["attest", "-e", "qa-int", *ADDRESSES], capsys)
        assert code == 0, err
        yield client


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


def _add_element_by_hand(emulator: Emulator, name: str, key: str = "ge_legacy_code") -> None:
    office = emulator.backoffice
    current = next(a for a in office.state.all("attribute_type") if a["name"] == name)
    definition = dict(current["definition"])
    definition["elements"] = {
        **definition["elements"],
        key: {"type": "input", "desc": "Legacy code"},
    }
    office.save_attribute_type({"definition": definition}, name)


def test_element_added_by_hand_is_outside_the_manifests(
    attested: EmulatorClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["drift", "-e", "qa-int"], capsys)
    assert code == 0 and out.rstrip().endswith(
        "Drift: 0 of 7 resources differ from the manifests; 0 changed outside the manifests"
    )
    _add_element_by_hand(attested.emulator, "ge_voucher_details")
    code, out, _ = run(["drift", "-e", "qa-int"], capsys)
    assert code == 0  # reported, but not failing by default
    assert (
        "outside  AttributeType/ge_voucher_details: changed outside the manifests since "
        "attest at " in out
    )
    assert '           elements.ge_legacy_code.desc: (absent) -> "Legacy code"\n' in out
    assert out.rstrip().endswith(
        "0 of 7 resources differ from the manifests; 1 changed outside the manifests"
    )
    code, out, _ = run(["drift", "-e", "qa-int", "--fail-on", "unmanaged"], capsys)
    assert code == 2
    code, out, _ = run(["drift", "-e", "qa-int", "--format", "json"], capsys)
    body = json.loads(out)
    assert (code, body["drifted"], body["unmanaged"]) == (0, 0, 1)
    voucher = next(r for r in body["resources"] if r["address"].endswith("ge_voucher_details"))
    assert voucher["drifted"] is False
    [change] = voucher["unmanaged"]
    assert (change["path"], change["was"], change["now"]) == (
        "elements.ge_legacy_code.desc",
        None,
        "Legacy code",
    )
    assert change["since"].startswith("attest at ")


def test_rule_added_by_hand_only_the_snapshot_sees(
    attested: EmulatorClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The plan ignores rules the manifests do not name; the snapshot does not."""
    office = attested.emulator.backoffice
    group = office.state.all("tax_group")[0]
    office.save_tax_rule(
        {
            "name": "Manual NO",
            "displayName": "NO VAT",
            "code": "NO",
            "rate": 25,
            "countries": ["NO"],
        },
        group["id"],
    )
    code, out, _ = run(["plan", "-e", "qa-int", "--detailed-exitcode"], capsys)
    assert code == 0, out  # nothing the manifests declare changed
    code, out, _ = run(
        ["drift", "-e", "qa-int", "--format", "markdown", "--fail-on", "unmanaged"], capsys
    )
    assert code == 2
    assert "**0 of 7 resources differ from the manifests**" in out
    assert "| ⚠️ | `TaxGroup/GE Local VAT` | changed outside the manifests |" in out
    assert "| `TaxGroup/GE Local VAT` | `rules[Manual NO].countries` | (absent) | [NO] |" in out
    assert "| `TaxGroup/GE Local VAT` | `rules[Manual NO].rate` | (absent) | 25.0 |" in out


def test_junit_shows_both_groups(
    attested: EmulatorClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_element_by_hand(attested.emulator, "ge_order_details")
    hook = next(
        p for p in attested.emulator.backoffice.state.all("plugin") if p["type"] == "WEBHOOKS"
    )
    attested.emulator.backoffice.save_plugin({"status": "INACTIVE"}, hook["id"])
    for fail_on, failures, outside_failures in (("manifests", "1", "0"), ("unmanaged", "2", "1")):
        code, out, _ = run(
            ["drift", "-e", "qa-int", "--format", "junit", "--fail-on", fail_on], capsys
        )
        assert code == 2
        root = ET.fromstring(out.split("\n", 1)[1])
        assert root.get("failures") == failures and root.get("tests") == "8"
        drift, outside = root.findall("testsuite")
        assert drift.get("failures") == "1"
        assert outside.get("name") == "centra changes outside the manifests: qa-int"
        assert outside.get("failures") == outside_failures
        [case] = outside.findall("testcase")
        assert case.get("name") == "ge_order_details"
        text = ET.tostring(case, "unicode")
        assert 'elements.ge_legacy_code.desc: (absent) -&gt; "Legacy code"' in text


def test_import_snapshots_and_drift_on_imported_manifests(
    attested: EmulatorClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_element_by_hand(attested.emulator, "ge_voucher_details")
    code, _, err = run(["import", "-e", "qa-int", "--output", "imported"], capsys)
    assert code == 0, err
    snapshots = _ledger(tmp_path)["snapshots"]
    assert isinstance(snapshots, dict)
    voucher = snapshots["AttributeType/ge_voucher_details"]
    assert voucher["source"] == "import"
    assert "ge_legacy_code" in voucher["shown"]["elements"]
    assert snapshots["TaxGroup/GE Local VAT"]["source"] == "attest"  # unchanged: kept
    _add_element_by_hand(attested.emulator, "ge_voucher_details", "ge_second")
    code, out, _ = run(["drift", "-e", "qa-int", "--manifests", "imported"], capsys)
    assert code == 0
    assert "ge_voucher_details: changed outside the manifests since import at " in out
    assert 'elements.ge_second.desc: (absent) -> "Legacy code"' in out
    assert "ge_legacy_code" not in out  # declared by the imported manifests, in sync
