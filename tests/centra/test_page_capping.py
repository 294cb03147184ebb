"""A Centra that serves at most 20 rows per page, whatever `limit` asks for (Centra
documents no largest page size): reading must not stop at the first short page, or a plan
sees the first 20 pricelists only and plans a duplicate of one that exists."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from centra_provision.catalog.export import ExportOptions, export_catalog
from centra_provision.emulator.app import Emulator
from tests.support.centra import converge_qa_int, copy_manifests, served_as_qa_int
from tests.support.cli import run
from tests.support.emulator import EmulatorClient, served
from tests.support.page_cap import PageCap

SECRET = "page-cap-secret-0123456789abcdef"
CAP = 20
FILLERS = 30


def _fill(emulator: Emulator) -> None:
    """Thirty pricelists made before the manifests' own: sorted by id, those come after
    the first page of 20."""
    for i in range(FILLERS):
        emulator.state.insert(
            "pricelist",
            {
                "name": f"Filler {i:02}",
                "status": "INACTIVE",
                "storeId": 2,
                "currency": "EUR",
                "countries": [],
                "defaultShippingOption": None,
                "comment": None,
            },
        )


@pytest.fixture
def capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[EmulatorClient, PageCap]]:
    copy_manifests(tmp_path, monkeypatch, catalogue=True)
    emulator = Emulator(":memory:", products=45, requests_per_10s=10_000)
    _fill(emulator)
    front = PageCap(emulator, CAP)
    with served_as_qa_int(emulator, monkeypatch, SECRET, front=front) as client:
        yield client, front


def test_a_converged_environment_behind_a_page_cap_plans_no_changes(
    capped: tuple[EmulatorClient, PageCap], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api, front = capped
    converge_qa_int(api.emulator, tmp_path / "manifests", SECRET)
    code, out, err = run(["apply", "-e", "qa-int", "--auto-approve"], capsys)
    assert (code, err) == (0, ""), out
    created = [p for p in api.emulator.state.all("pricelist") if p["name"] == "Wholesale SEK"]
    assert len(created) == 1 and created[0]["id"] > CAP  # on the second page of 20
    code, out, err = run(["plan", "-e", "qa-int", "--detailed-exitcode"], capsys)
    assert (code, err) == (0, ""), out
    assert "No changes. Live Centra matches the manifests." in out
    assert front.capped > 0  # the cap was in force on the reads
    # A second apply creates nothing: the pricelist on page 2 was found.
    assert run(["apply", "-e", "qa-int", "--auto-approve"], capsys)[0] == 0
    names = [p["name"] for p in api.emulator.state.all("pricelist")]
    assert names.count("Wholesale SEK") == 1


def _rows(path: str) -> list[list[str]]:
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def test_the_catalog_export_behind_a_page_cap_writes_every_row(
    capped: tuple[EmulatorClient, PageCap],
) -> None:
    """Pages of 30 asked, 20 served: every product is still written once."""
    api, front = capped
    url = f"{api.base_url}/graphql"
    capped_result = export_catalog(
        Path("manifests"), "qa-int", ExportOptions(output="capped.csv", url_override=url)
    )
    assert front.capped > 0
    with served(api.emulator) as direct:
        direct_result = export_catalog(
            Path("manifests"),
            "qa-int",
            ExportOptions(output="direct.csv", url_override=f"{direct}/graphql"),
        )
    assert capped_result.products == direct_result.products > 2 * CAP
    assert _rows("capped.csv") == _rows("direct.csv")


def test_a_centra_that_ignores_page_is_read_once_per_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every page answered as the first: the second brings nothing new, which ends the
    list (instead of reading the same 20 rows for ever)."""
    copy_manifests(tmp_path, monkeypatch)
    emulator = Emulator(":memory:", products=0, requests_per_10s=10_000)
    front = PageCap(emulator, CAP, ignore_page=True)
    with served_as_qa_int(emulator, monkeypatch, SECRET, front=front) as api:
        code, out, err = run(["plan", "-e", "qa-int"], capsys)
        assert (code, err) == (0, ""), err
        assert "to create" in out
        assert api.stats()["operation.ReadLive"] == 2
