"""Centra's documented mutations by API over real HTTP: updatePricelist and deletePricelist
with the reference's payloads (PIM:2135-2218), and userWarnings selected by every mutation,
printed beside the change and journaled (AUTH:438)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from centra_provision.centra import operations
from centra_provision.emulator.app import Emulator
from centra_provision.engine.apply import ApplyOptions, apply_plan
from centra_provision.engine.planner import plan_environment
from centra_provision.engine.session import RunOptions
from centra_provision.executors.api import render_path
from tests.support.centra import served_as_qa_int
from tests.support.cli import run
from tests.support.emulator import EmulatorClient
from tests.support.paths import REPO

PRICELISTS = ("Pricelist/Wholesale SEK", "Pricelist/Global-e SEK")
CATALOGUE = Path("manifests/qa-int/catalogue.yaml")


@pytest.fixture
def qa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    shutil.copytree(REPO / "manifests", tmp_path / "manifests")
    shutil.copy(REPO / "manifests" / "local" / "catalogue.yaml", tmp_path / CATALOGUE)
    monkeypatch.chdir(tmp_path)
    emulator = Emulator(":memory:", products=0)
    with served_as_qa_int(emulator, monkeypatch) as client:
        yield client


def apply_pricelists(api: EmulatorClient) -> None:
    options = ApplyOptions(
        auto_approve=True, targets=PRICELISTS, url_override=f"{api.base_url}/graphql"
    )
    apply_plan(Path("manifests"), "qa-int", options, lambda _p: True)


def pricelist(api: EmulatorClient, name: str) -> dict[str, object] | None:
    return next((p for p in api.emulator.state.all("pricelist") if p["name"] == name), None)


def test_every_mutation_selects_user_warnings() -> None:
    for name in (
        "create_pricelist",
        "update_pricelist",
        "delete_pricelist",
        "create_shipping_option",
        "update_shipping_option",
    ):
        text = operations.text(operations.load(name))
        assert "userWarnings {\n      message\n      path\n    }" in text, name


def test_pricelist_update_by_api_prints_and_journals_warnings(
    qa: EmulatorClient, capsys: pytest.CaptureFixture[str]
) -> None:
    apply_pricelists(qa)
    CATALOGUE.write_text(
        CATALOGUE.read_text().replace(
            "  store: Retail\n  status: ACTIVE", "  store: Retail\n  status: INACTIVE"
        )
    )
    plan = plan_environment(
        Path("manifests"),
        "qa-int",
        RunOptions(url_override=f"{qa.base_url}/graphql", targets=PRICELISTS),
    )
    (change,) = plan.pending
    assert (change.address, change.action, change.executor) == (
        "Pricelist/Global-e SEK",
        "update",
        "api",
    )
    code, out, _ = run(
        ["apply", "-e", "qa-int", "--auto-approve", *(f"--target={t}" for t in PRICELISTS)],
        capsys,
    )
    assert code == 0, out
    assert "done     Pricelist/Global-e SEK (update, api)" in out
    assert "warning from Centra: Pricelist is inactive: its 248 countries get no prices" in out
    assert "(input.status)" in out
    assert qa.stats()["operation.UpdatePricelist"] == 1
    assert pricelist(qa, "Global-e SEK")["status"] == "INACTIVE"  # type: ignore[index]
    journal = Path(".provision/qa-int.ledger.journal.jsonl").read_text().splitlines()
    ends = [json.loads(line) for line in journal if '"phase": "end"' in line]
    (update,) = [e for e in ends if e["address"] == "Pricelist/Global-e SEK"]
    assert update["warnings"] == [
        "Pricelist is inactive: its 248 countries get no prices from it (input.status)"
    ]


def test_pricelist_delete_by_api(qa: EmulatorClient) -> None:
    apply_pricelists(qa)
    assert pricelist(qa, "Wholesale SEK") is not None
    CATALOGUE.write_text(
        CATALOGUE.read_text().replace(
            "kind: Pricelist\nmetadata:\n  name: Wholesale SEK\n",
            "kind: Pricelist\nstate: absent\nmetadata:\n  name: Wholesale SEK\n",
        )
    )
    apply_pricelists(qa)
    assert pricelist(qa, "Wholesale SEK") is None
    assert qa.stats()["operation.DeletePricelist"] == 1
    again = plan_environment(
        Path("manifests"),
        "qa-int",
        RunOptions(url_override=f"{qa.base_url}/graphql", targets=PRICELISTS),
    )
    assert not again.has_changes


def test_warning_paths_hold_list_positions(qa: EmulatorClient) -> None:
    body = qa.data(
        'mutation { updatePricelist(id: 1, input: {removeCountries: [{code: "ZW"}]}) '
        "{ userErrors { message path } userWarnings { message path } } }"
    )
    (warning,) = body["updatePricelist"]["userWarnings"]
    assert render_path(warning["path"]) == "input.removeCountries[0]"
    assert render_path(["input", "addCountries", 3, "code"]) == "input.addCountries[3].code"
    assert render_path(None) == ""
