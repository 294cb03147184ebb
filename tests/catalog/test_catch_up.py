"""The catch-up pass of an export paged by `updatedAt_DESC` (a Centra without an id sort):
products changed while the export ran jump to the top, so the pass reads from the top,
page after page, until it meets a product older than the start, writing the ones not yet
written and counting every changed one; it costs one request when nothing changed."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from centra_provision.catalog.export import Exporter, ExportOptions, ExportResult, export_catalog
from centra_provision.centra.client import RetryPolicy
from centra_provision.emulator.app import Emulator
from tests.support.centra import copy_manifests, served_as_qa_int
from tests.support.emulator import EmulatorClient

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)
PAGE = 5


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    copy_manifests(tmp_path, monkeypatch)
    monkeypatch.setattr("centra_provision.catalog.export.ID_SORTS", ())  # no id sort offered
    emulator = Emulator(":memory:", products=40, requests_per_10s=10_000)
    with served_as_qa_int(emulator, monkeypatch) as client:
        yield client


def export(api: EmulatorClient, out: str) -> ExportResult:
    options = ExportOptions(
        output=out,
        url_override=f"{api.base_url}/graphql",
        retry=FAST,
        page_size=PAGE,
        concurrency=1,
    )
    return export_catalog(Path("manifests"), "qa-int", options)


def rows(path: str) -> Counter[tuple[str, ...]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return Counter(tuple(r) for r in csv.reader(fh))


def by_recency(api: EmulatorClient) -> list[int]:
    query = "SELECT id FROM product WHERE status='ACTIVE' ORDER BY updated_at DESC, id DESC"
    return [row[0] for row in api.emulator.state.db.execute(query)]


def touched_during(
    monkeypatch: pytest.MonkeyPatch, api: EmulatorClient, ids: list[int], stamp: str | None
) -> None:
    """Once page 2 has been read, these products change (at `stamp`, or in the second the
    export started, as Centra shows it: whole seconds)."""
    real_page = Exporter.page

    async def page(self: Exporter, number: int) -> list[dict[str, Any]]:
        products = await real_page(self, number)
        if number == 2 and not self.result.changed_during_export and touched == []:
            started = datetime.fromisoformat(self.checkpoint.started).replace(microsecond=0)
            at = stamp or started.isoformat()
            api.emulator.state.db.executemany(
                "UPDATE product SET updated_at = ? WHERE id = ?", [(at, i) for i in ids]
            )
            touched.append(at)
        return products

    touched: list[str] = []
    monkeypatch.setattr(Exporter, "page", page)


def test_nothing_changed_costs_one_request(shop: EmulatorClient) -> None:
    export(shop, "warm.csv")  # the schema is discovered and cached once
    first = export(shop, "a.csv")
    assert (first.sort, first.changed_during_export, first.pages) == ("updatedAt_DESC", 0, 8)
    plain = first.requests - first.pages  # discovery, stores, and the catch-up's one page
    assert export(shop, "b.csv").requests == first.requests and plain >= 1
    assert rows("a.csv") == rows("warm.csv")


@pytest.mark.parametrize("changed_pages", [1, 2])
def test_changes_spanning_pages_are_all_caught(
    shop: EmulatorClient, monkeypatch: pytest.MonkeyPatch, changed_pages: int
) -> None:
    """Some changed products were written already (counted, not written twice), some had
    not been reached (written by the pass); more than a page of them makes the pass turn
    pages, and it stops at the first page holding an older product."""
    export(shop, "warm.csv")
    quiet = export(shop, "quiet.csv")
    order = by_recency(shop)
    changed = order[:3] + order[-4:] if changed_pages == 2 else order[:2] + order[-2:]
    touched_during(monkeypatch, shop, changed, "2099-01-01T00:00:00+00:00")
    result = export(shop, "during.csv")
    assert rows("during.csv") == rows("quiet.csv")  # nothing missing, nothing twice
    assert result.changed_during_export == len(changed)
    # the quiet export's pass read one page; this one turns a page per full page of changes
    assert result.requests == quiet.requests + changed_pages - 1


def test_a_change_in_the_second_the_export_started_is_caught(
    shop: EmulatorClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Centra's updatedAt has whole seconds: a product changed a moment after the start,
    in the same second, shows that second, and must not be taken for older."""
    export(shop, "warm.csv")
    export(shop, "quiet.csv")
    touched_during(monkeypatch, shop, by_recency(shop)[-1:], None)
    result = export(shop, "during.csv")
    assert rows("during.csv") == rows("quiet.csv")
    assert result.changed_during_export == 1
