"""Product paging by keyset: the same pages as LIMIT/OFFSET, at a cost that does not grow with
the page number (counted in SQLite virtual-machine steps, not in seconds)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from centra_provision.emulator.seed import seed
from centra_provision.emulator.store import CentraState


@pytest.fixture(scope="module")
def state() -> Iterator[CentraState]:
    shop = CentraState(":memory:")
    seed(shop, products=3000)
    yield shop
    shop.close()


def by_offset(
    state: CentraState, statuses: list[str] | None, descending: bool, limit: int, offset: int
) -> list[int]:
    """The plain OFFSET answer, straight from SQL, to compare against."""
    order = "DESC" if descending else "ASC"
    where = f" WHERE status IN ({','.join('?' * len(statuses))})" if statuses else ""
    rows = state.db.execute(
        f"SELECT id FROM product{where} ORDER BY updated_at {order}, id {order} LIMIT ? OFFSET ?",
        (*(statuses or []), limit, offset),
    )
    return [r["id"] for r in rows]


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return [r["id"] for r in rows]


@pytest.mark.parametrize(
    ("statuses", "descending", "limit"),
    [(["ACTIVE"], True, 7), (None, False, 30), (["ACTIVE", "INACTIVE"], True, 1)],
)
def test_pages_match_offset_paging_in_any_order(
    state: CentraState, statuses: list[str] | None, descending: bool, limit: int
) -> None:
    pages = [*list(range(40)), 45, 41, 44, 42, 43, 39, 0, 200, 46, 47]
    for page in pages:
        got = ids(state.products(statuses, descending, limit, page * limit))
        assert got == by_offset(state, statuses, descending, limit, page * limit), page


def test_a_write_between_pages_gives_the_shifted_page_offset_paging_gives(
    state: CentraState,
) -> None:
    """Centra's page-number paging shifts when a product jumps to the top of
    updatedAt_DESC; the export relies on seeing exactly that (it drops the duplicate)."""
    first = ids(state.products(["ACTIVE"], True, 10, 0))
    second = ids(state.products(["ACTIVE"], True, 10, 10))
    state.db.execute(
        "UPDATE product SET updated_at = '2099-01-01T00:00:00+00:00' WHERE id = ?", (second[-1],)
    )
    third = ids(state.products(["ACTIVE"], True, 10, 20))
    assert third == by_offset(state, ["ACTIVE"], True, 10, 20)
    assert third[0] == second[-1] or third[0] not in first + second


def vm_steps(state: CentraState, read: Any) -> int:
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    state.db.set_progress_handler(count, 100)
    try:
        read()
    finally:
        state.db.set_progress_handler(None, 100)
    return steps


def test_a_late_page_costs_what_the_first_page_costs(state: CentraState) -> None:
    limit = 10
    first = vm_steps(state, lambda: state.products(["ACTIVE"], True, limit, 0))
    for page in range(1, 250):
        state.products(["ACTIVE"], True, limit, page * limit)
    late = vm_steps(state, lambda: state.products(["ACTIVE"], True, limit, 250 * limit))
    state.set_meta("any write", "forgets every page end")
    cold = vm_steps(state, lambda: state.products(["ACTIVE"], True, limit, 250 * limit))
    assert late <= 2 * first, (first, late)
    assert cold > 4 * late, (cold, late)  # the OFFSET read it replaces: the measure can tell
