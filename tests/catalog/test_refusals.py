"""`catalog export` refuses what it cannot do before it writes anything, in one line: a page
size out of 1..1000, an output that is a folder, `--resume` to stdout, a store left unnamed
(no --store, no defaultStore); and rows_of writes the guide's rows, "N/A" for no country."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from centra_provision.catalog.export import (
    ExportOptions,
    UnknownStoreError,
    export_catalog,
    rows_of,
)
from centra_provision.centra.client import RetryPolicy
from centra_provision.emulator.app import Emulator
from centra_provision.errors import UsageError
from tests.support.centra import copy_manifests, served_as_qa_int
from tests.support.emulator import EmulatorClient

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    copy_manifests(tmp_path, monkeypatch)
    # Room for pages of 1,000 products (each costs much of Centra's complexity budget):
    # these tests are about bounds, and waits for the budget are tested elsewhere.
    roomy = {"QUERY_COMPLEXITY/TEN_SECONDS": 2**30, "QUERY_COMPLEXITY/ONE_HOUR": 2**30}
    emulator = Emulator(":memory:", products=12, requests_per_10s=10_000, quotas=roomy)
    with served_as_qa_int(emulator, monkeypatch) as client:
        yield client


def export(api: EmulatorClient, **fields: Any) -> int:
    options = ExportOptions(url_override=f"{api.base_url}/graphql", retry=FAST, **fields)
    return export_catalog(Path("manifests"), "qa-int", options).rows


@pytest.mark.parametrize("size", [0, 1001])
def test_a_page_size_out_of_range_is_refused_before_any_request(
    shop: EmulatorClient, size: int
) -> None:
    with pytest.raises(UsageError) as info:
        export(shop, output="x.csv", page_size=size)
    assert str(info.value) == "--page-size must be from 1 to 1000"
    assert not Path("x.csv").exists() and shop.stats().get("requests", 0) == 0


@pytest.mark.parametrize("size", [1, 1000])
def test_the_page_size_bounds_are_accepted(shop: EmulatorClient, size: int) -> None:
    assert export(shop, output=f"{size}.csv", page_size=size) > 0
    export(shop, output="reference.csv")
    assert Path(f"{size}.csv").read_text() == Path("reference.csv").read_text()


def test_an_output_that_is_a_folder_is_refused(shop: EmulatorClient) -> None:
    Path("out").mkdir()
    with pytest.raises(UsageError) as info:
        export(shop, output="out")
    assert str(info.value) == "cannot write out: it is a folder"


def test_resume_needs_a_file(shop: EmulatorClient) -> None:
    with pytest.raises(UsageError) as info:
        export(shop, output="-", resume=True)
    assert str(info.value) == "--resume needs a file output (-o FILE)"


def test_export_to_stdout_writes_the_csv_there(
    shop: EmulatorClient, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = export(shop, output="-")
    out = capsys.readouterr().out
    export(shop, output="file.csv")
    assert out.replace("\r\n", "\n") == Path("file.csv").read_text().replace("\r\n", "\n")
    assert len(list(csv.reader(io.StringIO(out)))) == rows + 1
    assert not list(Path().glob("*.checkpoint.json"))


@pytest.mark.parametrize("default", ["", "[Retail]", "null"])
def test_a_store_must_be_named(shop: EmulatorClient, default: str) -> None:
    environment = Path("manifests/qa-int/environment.yaml")
    text = environment.read_text()
    text = text.replace("  includes: [base]\n", "")  # nothing else uses the variable
    environment.write_text(text.replace("defaultStore: Retail", f"defaultStore: {default}"))
    with pytest.raises(UnknownStoreError) as info:
        export(shop, output="x.csv")
    assert str(info.value) == (
        "no store named: pass --store NAME or set the variable defaultStore (known: "
        "Retail (id 1), Wholesale (id 2))"
    )
    assert not Path("x.csv").exists()
    if not default:  # naming the store is enough
        assert export(shop, output="y.csv", store="Wholesale") > 0


def test_rows_of_a_product() -> None:
    size = {"productSizes": [{"id": 11, "SKU": "A-S"}, {"id": 12, "SKU": "A-M"}]}
    product = {
        "countryOfOrigin": {"code": "SE"},
        "displays": [
            {"name": "Shirt", "description": "Blue", "displayItems": [{"productVariant": size}]},
            {"name": "Empty", "description": "", "displayItems": None},
            {"name": "Bare", "description": "", "displayItems": [{"productVariant": None}]},
        ],
    }
    assert rows_of(product) == [
        [11, "A-S", "Shirt", "Blue", "SE"],
        [12, "A-M", "Shirt", "Blue", "SE"],
    ]
    for country in (None, {}, {"code": None}, {"code": ""}):
        assert rows_of({**product, "countryOfOrigin": country})[0][4] == "N/A"
    assert rows_of({"displays": None}) == [] == rows_of({})
