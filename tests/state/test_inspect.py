"""`provision state list|show|rm` on ledgers with every kind of record: how each field came to
be (in words, or the raw source when the tool does not know it), when a resource was last
touched, snapshot-only resources, and the errors for an address the ledger does not hold or a
ledger another run holds locked. Ledgers are written through the Ledger's own API, as another
version of the tool or another runner would have left them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from centra_provision.engine.session import load_ledger
from centra_provision.manifest.desired import load_desired_state
from centra_provision.state.ledger import Ledger
from centra_provision.state.lock import state_lock
from tests.support.centra import copy_manifests
from tests.support.cli import run

T1, T2, T3 = "2026-01-02T03:04:05+00:00", "2026-02-01T00:00:00+00:00", "2026-03-01T12:00:00+00:00"
LEDGER = ".provision/local.ledger.json"


def _record(
    source: str | None, at: str | None, fingerprint: str | None = "hmac:f"
) -> dict[str, str]:
    out = {} if fingerprint is None else {"fingerprint": fingerprint}
    if source is not None:
        out["source"] = source
    if at is not None:
        out["at"] = at
    return out


def _fill(ledger: Ledger) -> None:
    ledger.records["AttributeType/ge_order_details"] = {
        "readonly": _record("attest", T3, "hmac:aa"),
        "group": _record("wait:attested", T1, "hmac:bb"),
    }
    ledger.records["OrderApiPlugin/GE Order API"] = {
        "secretKey": _record("backoffice", T2),
        "uri": _record("hand-edit", T1),  # a source this version does not know
        "debugLogging": _record(None, None, None),
    }
    ledger.records["IntegrationToken/Global-e integration"] = {"expiry": _record(None, None)}
    ledger.snapshots["AttributeType/ge_order_details"] = {
        "shown": {"desc": "Global-E Information"},
        "source": "wait:observed",
        "at": T2,
    }
    ledger.snapshots["Pricelist/SEK"] = {"shown": {"status": "ACTIVE"}, "source": "apply", "at": T1}
    ledger.snapshots["TaxGroup/GE Local VAT"] = {"shown": {"status": "ACTIVE"}, "source": "gone"}


@pytest.fixture
def workdir(workdir: Path) -> Path:
    """The shipped manifests, and a local ledger holding every kind of record."""
    ledger = load_ledger(load_desired_state(workdir / "manifests", "local").environment)
    ledger.mutate(_fill)
    ledger.save()
    return workdir


def _ledger_text(workdir: Path) -> str:
    return (workdir / LEDGER).read_text()


def test_list_says_how_and_when_each_resource_was_recorded(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["state", "list", "-e", "local"], capsys)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith(f"Ledger: {LEDGER} (environment local, Centra embedded:")
    assert lines[0].endswith(", version 1, updated " + lines[0].rsplit("updated ", 1)[1])
    rows = [[cell.strip() for cell in line.split("  ") if cell.strip()] for line in lines[1:-1]]
    assert rows == [
        [
            "AttributeType/ge_order_details",
            "2 fields + snapshot",
            "attested, attested (wait: Centra cannot show it), observed in Centra (wait)",
            T3,
        ],
        ["IntegrationToken/Global-e integration", "1 field", "?"],
        ["OrderApiPlugin/GE Order API", "3 fields", "?, applied (backoffice), hand-edit", T2],
        ["Pricelist/SEK", "0 fields + snapshot", "applied", T1],
        ["TaxGroup/GE Local VAT", "0 fields + snapshot", "?"],
    ]
    assert lines[-1] == "5 resources"


def test_show_lists_each_field_with_its_fingerprint_source_and_time(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        ["state", "show", "-e", "local", "OrderApiPlugin/GE Order API", "--format", "json"],
        capsys,
    )
    assert code == 0
    assert json.loads(out) == {
        "formatVersion": 1,
        "address": "OrderApiPlugin/GE Order API",
        "fields": [  # by path
            {"path": "debugLogging", "how": "?", "at": "", "fingerprint": ""},
            {"path": "secretKey", "how": "applied (backoffice)", "at": T2, "fingerprint": "hmac:f"},
            {"path": "uri", "how": "hand-edit", "at": T1, "fingerprint": "hmac:f"},
        ],
        "snapshot": None,
    }
    code, out, _ = run(["state", "show", "-e", "local", "AttributeType/ge_order_details"], capsys)
    assert code == 0
    assert out.splitlines() == [
        f"AttributeType/ge_order_details  ({LEDGER}, version 1)",
        f"  group     attested (wait: Centra cannot show it)  {T1}  hmac:bb",
        f"  readonly  attested              {T3}  hmac:aa",
        f"  what Centra showed (observed in Centra (wait) {T2}): "
        '{"desc": "Global-E Information"}',
    ]
    code, out, _ = run(["state", "list", "-e", "local", "--format", "json"], capsys)
    body = json.loads(out)
    assert [r["address"] for r in body["resources"]] == [
        "AttributeType/ge_order_details",
        "IntegrationToken/Global-e integration",
        "OrderApiPlugin/GE Order API",
        "Pricelist/SEK",
        "TaxGroup/GE Local VAT",
    ]
    assert body["resources"][3] == {
        "address": "Pricelist/SEK",
        "fields": [],
        "snapshot": {"shown": {"status": "ACTIVE"}, "source": "apply", "at": T1},
    }
    assert (body["environment"], body["serial"]) == ("local", 1)
    assert body["location"] == LEDGER and body["centra_url"].startswith("embedded:")


def test_an_address_the_ledger_lacks_is_named_with_what_it_holds(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _ledger_text(workdir)
    held = (
        "AttributeType/ge_order_details, IntegrationToken/Global-e integration, "
        "OrderApiPlugin/GE Order API, Pricelist/SEK, TaxGroup/GE Local VAT"
    )
    for command in ("show", "rm"):
        code, out, err = run(["state", command, "-e", "local", "Pricelist/NOK"], capsys)
        assert (code, out) == (1, "")
        assert (
            err
            == f"error: the ledger {LEDGER} holds nothing for Pricelist/NOK (it holds: {held})\n"
        )
    assert _ledger_text(workdir) == before


def test_rm_forgets_fields_and_snapshot_and_nothing_else(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["state", "rm", "-e", "local", "AttributeType/ge_order_details"], capsys)
    assert (code, out) == (0, "removed AttributeType/ge_order_details from the ledger (2 fields)\n")
    code, out, _ = run(["state", "list", "-e", "local"], capsys)
    lines = out.splitlines()
    assert ", version 2, updated " in lines[0]
    assert [line.split("  ")[0] for line in lines[1:-1]] == [
        "IntegrationToken/Global-e integration",
        "OrderApiPlugin/GE Order API",
        "Pricelist/SEK",
        "TaxGroup/GE Local VAT",
    ]
    code, out, _ = run(["state", "rm", "-e", "local", "Pricelist/SEK"], capsys)
    assert (code, out) == (0, "removed Pricelist/SEK from the ledger (0 fields)\n")
    body: dict[str, Any] = json.loads(_ledger_text(workdir))
    assert sorted(body["snapshots"]) == ["TaxGroup/GE Local VAT"]
    assert sorted(body["resources"]) == [
        "IntegrationToken/Global-e integration",
        "OrderApiPlugin/GE Order API",
    ]


def test_rm_waits_for_nobody_while_another_run_holds_the_lock(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _ledger_text(workdir)
    with state_lock(LEDGER, "local", "apply") as lock_id:
        code, out, err = run(["state", "rm", "-e", "local", "Pricelist/SEK"], capsys)
    assert (code, out) == (1, "")
    assert err.startswith(f"error: local is locked by another run: id {lock_id} (apply, pid ")
    assert err.endswith(f"run `provision force-unlock -e local {lock_id}`\n")
    assert _ledger_text(workdir) == before


def test_an_empty_ledger_holds_nothing_yet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_manifests(tmp_path, monkeypatch)
    for command in ("show", "rm"):
        code, _, err = run(["state", command, "-e", "local", "Pricelist/SEK"], capsys)
        assert (code, err) == (
            1,
            f"error: the ledger {LEDGER} holds nothing for Pricelist/SEK (it holds: nothing yet)\n",
        )
    code, out, _ = run(["state", "list", "-e", "local", "--format", "json"], capsys)
    body = json.loads(out)
    assert (body["resources"], body["ledger_id"], body["serial"]) == ([], None, 0)
    assert not (tmp_path / LEDGER).exists()
