"""Reading a paged list so that it cannot silently come back short.

Centra documents `limit`/`page` on a few lists only and no largest page size. A Centra that
caps pages at 20 answers a request for 100 with 20 rows, and a reader that stops at the
first short page would see the first 20 pricelists only (and plan a duplicate of the 21st).
So a short page ends a list only when this Centra is known to fill pages of that size (it
returned a full one earlier in this run; never from an earlier run, as a Centra may lower
its cap in between); otherwise
reading goes on until a page is empty or brings nothing new (a Centra that ignores `page`
answers the same rows again). Rows are de-duplicated by id: a list whose order Centra does
not fix may shift between pages.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class PageKnowledge:
    """What this Centra is known to do with page sizes, per list (a cap on one list proves
    nothing about another). `honoured[field]` is the largest page size that list has been
    seen to fill; `capped[field]` the most rows one of its pages held when more were asked
    for and more existed (a cap)."""

    honoured: dict[str, int] = field(default_factory=dict)
    capped: dict[str, int] = field(default_factory=dict)

    def ends(self, name: str, rows: int, asked: int) -> bool:
        """Whether a page of `rows` rows, `asked` for, is the last of list `name`: an empty
        page is; a full one proves the size honoured; a short one ends the list only when
        pages of that size are known to be filled."""
        if rows >= asked:
            self.honoured[name] = max(self.honoured.get(name, 0), asked)
        return rows == 0 or (rows < asked and asked <= self.honoured.get(name, 0))

    def saw_cap(self, name: str, rows: int) -> None:
        """A short page of list `name` was followed by more rows: a cap of `rows`."""
        self.capped[name] = max(self.capped.get(name, 0), rows)


@dataclass
class PagedList:
    """One list being read page by page: the ids seen so far, and whether it is done."""

    name: str
    asked: int
    seen: set[str] = field(default_factory=set)
    short_before: int | None = None  # the size of the last short page, if reading went on
    done: bool = False

    def take(self, rows: Iterable[Any], knowledge: PageKnowledge) -> list[Any]:
        """Fold in one page: the rows not seen before (by id). The list is done after an
        empty page, a page with nothing new, or a short page of an honoured size."""
        rows = list(rows)
        fresh = [row for row in rows if self._new(row)]
        if self.short_before is not None and fresh:
            knowledge.saw_cap(self.name, self.short_before)
        self.short_before = len(rows) if 0 < len(rows) < self.asked else None
        self.done = knowledge.ends(self.name, len(rows), self.asked) or not fresh
        return fresh

    def _new(self, row: Any) -> bool:
        key = identity(row)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


def identity(row: Any) -> str:
    """A row's identity: its id when it has one, else the whole row."""
    if isinstance(row, dict) and row.get("id") is not None:
        return f"id:{row['id']}"
    return "row:" + json.dumps(row, sort_keys=True, default=str)
