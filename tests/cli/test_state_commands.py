"""`provision state list|show|rm`, `provision show PLANFILE` and `import --record`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from centra_provision.emulator.app import Emulator
from centra_provision.manifest.desired import load_desired_state
from tests.support.centra import configure
from tests.support.cli import run
from tests.support.emulator import served

SECRET = "CANARY-state-order-api-secret-0d4a"


@pytest.fixture
def workdir(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped manifests in the working directory, the Order API secret a canary."""
    monkeypatch.setenv("GE_ORDER_API_SECRET", SECRET)
    return workdir


def test_state_list_show_rm(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["state", "list", "-e", "local"], capsys)
    assert (code, out) == (
        0,
        "No ledger yet at .provision/local.ledger.json (environment local).\n",
    )
    assert run(["apply", "-e", "local", "--auto-approve"], capsys)[0] == 0
    code, out, _ = run(["state", "list", "-e", "local"], capsys)
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith(
        "Ledger: .provision/local.ledger.json (environment local, Centra "
        "embedded:.provision/local-centra.sqlite, version "
    )
    assert lines[-1] == "10 resources"  # and the seeded pricelist, snapshot only
    plugin = next(line for line in lines if line.startswith("OrderApiPlugin/GE Order API"))
    assert "+ snapshot" in plugin and "applied (backoffice)" in plugin
    assert "applied (api)" in next(line for line in lines if line.startswith("ShippingOption/"))
    code, out, _ = run(["state", "show", "-e", "local", "OrderApiPlugin/GE Order API"], capsys)
    assert code == 0
    secret_line = next(line for line in out.splitlines() if line.strip().startswith("secretKey"))
    assert "applied (backoffice)" in secret_line and " scrypt:" in secret_line
    assert "  what Centra showed (applied 20" in out and '{"status": "ACTIVE"}' in out
    assert SECRET not in out
    code, out, _ = run(["state", "list", "-e", "local", "--format", "json"], capsys)
    assert len(json.loads(out)["resources"]) == 10

    token = "IntegrationToken/Global-e integration"
    code, _, err = run(["state", "show", "-e", "local", "Nope/nothing"], capsys)
    assert code == 1 and err.startswith(
        "error: the ledger .provision/local.ledger.json holds nothing for Nope/nothing (it holds: "
    )
    code, out, _ = run(["state", "rm", "-e", "local", token], capsys)
    assert code == 0 and out.startswith(f"removed {token} from the ledger (")
    code, out, _ = run(["plan", "-e", "local", "--detailed-exitcode"], capsys)
    assert code == 2 and f"+ {token}" in out  # never applied, as far as the ledger knows
    assert run(["state", "rm", "-e", "local", token], capsys)[0] == 1


def test_show_renders_a_saved_plan_as_plan_printed_it(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for fmt in ("text", "markdown"):
        code, printed, _ = run(["plan", "-e", "local", "--out", "p.json", "--format", fmt], capsys)
        assert code == 0
        code, shown, _ = run(["show", "p.json", "--format", fmt], capsys)
        assert code == 0 and shown == printed
    code, shown, _ = run(["show", "p.json", "--format", "json"], capsys)
    assert shown == (workdir / "p.json").read_text()  # what plan --format json prints


def test_import_record(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator = Emulator(":memory:", products=0)
    configure(emulator, load_desired_state(workdir / "manifests", "qa-int"), SECRET)
    with served(emulator) as url:
        monkeypatch.setenv("PROVISION_CENTRA_URL_QA_INT", f"{url}/graphql")
        monkeypatch.setenv("CENTRA_QA_INT_TOKEN", emulator.admin_token)
        code, _, _ = run(["import", "-e", "qa-int", "--output", "imported", "--record"], capsys)
        assert code == 0
        code, out, _ = run(["state", "show", "-e", "qa-int", "TaxGroup/GE Local VAT"], capsys)
    emulator.state.close()
    assert code == 0
    assert "  status " in out and "imported" in out
    assert "what Centra showed (imported" in out
