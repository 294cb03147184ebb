"""`provision catalog export`: same rows as the guide's script, stops on a short page, pages
concurrently in order, resumes without duplicates, and catches products changed mid-export."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from centra_provision.catalog.export import Exporter, ExportOptions, export_catalog
from centra_provision.centra.client import RetryPolicy
from centra_provision.cli import main
from centra_provision.emulator.app import Emulator
from centra_provision.errors import CentraUnavailable
from tests.support.centra import copy_manifests, served_as_qa_int
from tests.support.emulator import EmulatorClient
from tests.support.paths import REPO

GUIDE_SCRIPT = REPO / "tests" / "fixtures" / "guide_catalog_export.py"
FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    copy_manifests(tmp_path, monkeypatch)
    emulator = Emulator(":memory:", products=130, requests_per_10s=10_000)
    with served_as_qa_int(emulator, monkeypatch) as client:
        yield client


def read_rows(path: Path) -> list[tuple[str, ...]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [tuple(r) for r in csv.reader(fh)]


def options(api: EmulatorClient, out: str, **extra: Any) -> ExportOptions:
    return ExportOptions(output=out, url_override=f"{api.base_url}/graphql", retry=FAST, **extra)


def test_same_rows_as_the_guides_script(
    shop: EmulatorClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {
        **os.environ,
        "CENTRA_URL": f"{shop.base_url}/graphql",
        "CENTRA_TOKEN": shop.emulator.admin_token,
    }
    proc = subprocess.run(
        [sys.executable, str(GUIDE_SCRIPT)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    with pytest.raises(SystemExit) as info:
        main(["catalog", "export", "-e", "qa-int", "-o", "ours.csv"])
    _, err = capsys.readouterr()
    assert info.value.code == 0
    guide, ours = read_rows(tmp_path / "centra_catalog5.csv"), read_rows(tmp_path / "ours.csv")
    assert ours[0] == guide[0]
    assert Counter(ours[1:]) == Counter(guide[1:]) and len(ours) > 130
    products = {r[1][:7] for r in ours[1:]}
    assert err.startswith(f"Exported {len(ours) - 1} rows for {len(products)} products (")
    assert not (tmp_path / "ours.csv.checkpoint.json").exists()


def test_stdout_and_page_size(shop: EmulatorClient, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(
            ["catalog", "export", "-e", "qa-int", "-o", "-", "--page-size", "7", "--store-id", "2"]
        )
    out, err = capsys.readouterr()
    rows = list(csv.reader(out.splitlines()))
    assert rows[0][0] == "Product Unique Identifier" and len(rows) > 1
    assert "pages of 7" in err
    pages = int(err.split("(")[1].split(" pages")[0])
    active = shop.emulator.state.db.execute(
        "SELECT COUNT(*) FROM product WHERE status='ACTIVE'"
    ).fetchone()[0]
    assert pages == active // 7 + 1  # stops at the first short page


def test_interrupted_export_resumes_without_duplicates(
    shop: EmulatorClient, tmp_path: Path
) -> None:
    full = export_catalog(Path("manifests"), "qa-int", options(shop, "full.csv"))
    calls = {"n": 0}
    real_page = Exporter.page

    async def failing_page(self: Exporter, number: int) -> list[dict[str, Any]]:
        calls["n"] += 1
        if number >= 3:
            raise CentraUnavailable("connection lost (test)")
        return await real_page(self, number)

    Exporter.page = failing_page  # type: ignore[method-assign]
    try:
        with pytest.raises(CentraUnavailable):
            export_catalog(Path("manifests"), "qa-int", options(shop, "part.csv", concurrency=1))
    finally:
        Exporter.page = real_page  # type: ignore[method-assign]
    assert (tmp_path / "part.csv.checkpoint.json").exists()
    assert len(read_rows(tmp_path / "part.csv")) < len(read_rows(tmp_path / "full.csv"))
    resumed = export_catalog(Path("manifests"), "qa-int", options(shop, "part.csv", resume=True))
    assert read_rows(tmp_path / "part.csv") == read_rows(tmp_path / "full.csv")
    assert (resumed.rows, resumed.products) == (full.rows, full.products)


def test_resume_refuses_another_exports_checkpoint(shop: EmulatorClient) -> None:
    from centra_provision.catalog.checkpoint import CheckpointError

    Path("x.csv").write_text("")
    Path("x.csv.checkpoint.json").write_text('{"key": "something else"}')
    with pytest.raises(CheckpointError, match="belongs to another export"):
        export_catalog(Path("manifests"), "qa-int", options(shop, "x.csv", resume=True))


@pytest.mark.parametrize("id_sort", [True, False])
def test_products_changed_during_the_export_are_caught(
    shop: EmulatorClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, id_sort: bool
) -> None:
    """Paged by id (ProductSort id_ASC, FE:82), a product updated mid-export cannot move;
    for a Centra whose ProductSort has no id sort, the updatedAt catch-up pass finds it."""
    if not id_sort:
        monkeypatch.setattr("centra_provision.catalog.export.ID_SORTS", ())
    baseline = read_rows_after(shop, "before.csv")
    real_page = Exporter.page
    db = shop.emulator.state.db

    async def page_then_touch(self: Exporter, number: int) -> list[dict[str, Any]]:
        products = await real_page(self, number)
        if number == 2 and self.options.output == "during.csv":
            # The product at the bottom of the not-yet-read range jumps to the top.
            last = db.execute(
                "SELECT id FROM product WHERE status='ACTIVE' "
                "ORDER BY updated_at ASC, id ASC LIMIT 1"
            ).fetchone()[0]
            db.execute(
                "UPDATE product SET updated_at = '2099-01-01T00:00:00+00:00' WHERE id = ?", (last,)
            )
        return products

    Exporter.page = page_then_touch  # type: ignore[method-assign]
    try:
        result = export_catalog(
            Path("manifests"), "qa-int", options(shop, "during.csv", concurrency=1)
        )
    finally:
        Exporter.page = real_page  # type: ignore[method-assign]
    during = read_rows(tmp_path / "during.csv")
    assert Counter(during[1:]) == Counter(baseline[1:])  # nothing missing, nothing twice
    assert result.sort == ("id_ASC" if id_sort else "updatedAt_DESC")
    assert result.changed_during_export == (0 if id_sort else 1)


def read_rows_after(api: EmulatorClient, out: str) -> list[tuple[str, ...]]:
    export_catalog(Path("manifests"), "qa-int", options(api, out))
    return read_rows(Path(out))


@pytest.mark.parametrize(
    "knobs",
    [
        {"storm_requests": 3, "storm_retry_after": 0},
        {"drop_rate": 0.2, "seed": 2},
        {"error_rate": 0.2, "seed": 3},
    ],
    ids=["429", "dropped", "5xx"],
)
def test_retries_keep_the_csv_exact(knobs: dict[str, object], shop: EmulatorClient) -> None:
    clean = read_rows_after(shop, "clean.csv")
    shop.faults(**knobs)
    opts = ExportOptions(
        output="faulty.csv",
        url_override=f"{shop.base_url}/graphql",
        retry=RetryPolicy(attempts=10, base_delay=0.01, max_delay=0.02),
    )
    export_catalog(Path("manifests"), "qa-int", opts)
    assert read_rows(Path("faulty.csv")) == clean
