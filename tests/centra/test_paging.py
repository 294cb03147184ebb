"""When a page ends a list (centra/paging.py), as data: a Centra's rows, the cap it applies,
what it does with `page`, and what the reader must end up with."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from centra_provision.centra.paging import PagedList, PageKnowledge

ASKED = 100


@dataclass(frozen=True)
class Centra:
    """A list of `rows` rows served `cap` at a time (None: as asked), `page` honoured or
    ignored, and already known (or not) to fill pages of 100."""

    rows: int
    cap: int | None = None
    ignores_page: bool = False
    known: bool = False

    def page(self, number: int) -> list[dict[str, int]]:
        size = min(ASKED, self.cap or ASKED)
        start = 0 if self.ignores_page else (number - 1) * size
        return [{"id": i} for i in range(start, min(start + size, self.rows))]


CASES = {
    # name: (centra, pages read, cap learnt)
    "empty": (Centra(0), 1, None),
    "short, unknown: one page more to be sure": (Centra(5), 2, None),
    "short, known to fill 100: the end": (Centra(5, known=True), 1, None),
    "exactly one full page": (Centra(100), 2, None),
    "a full page then a short one: the end": (Centra(150), 2, None),
    "capped at 20": (Centra(45, cap=20), 4, 20),
    "capped at 20, a multiple of it": (Centra(40, cap=20), 3, 20),
    "capped, page ignored": (Centra(45, cap=20, ignores_page=True), 2, None),
    "page ignored: the repeat brings nothing new": (Centra(30, cap=20, ignores_page=True), 2, None),
    "page ignored, short list": (Centra(7, ignores_page=True), 2, None),
}


@pytest.mark.parametrize("name", list(CASES))
def test_every_row_once_in_the_fewest_pages(name: str) -> None:
    centra, pages, cap = CASES[name]
    knowledge = PageKnowledge({"x": ASKED} if centra.known else {})
    reading = PagedList("x", ASKED)
    got: list[dict[str, int]] = []
    number = 0
    while not reading.done:
        number += 1
        got += reading.take(centra.page(number), knowledge)
        assert number <= 10, "reading never ended"
    assert number == pages
    expected = min(centra.rows, centra.cap or ASKED) if centra.ignores_page else centra.rows
    assert [row["id"] for row in got] == list(range(expected))
    assert knowledge.capped.get("x") == cap


def test_a_full_page_is_remembered_per_list() -> None:
    knowledge = PageKnowledge()
    assert not knowledge.ends("pricelists", 100, 100)
    assert knowledge.honoured == {"pricelists": 100}
    assert knowledge.ends("pricelists", 3, 100)  # known now: a short page is the end
    assert not knowledge.ends("markets", 3, 100)  # another list proves nothing
