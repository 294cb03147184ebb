"""What `apply --wait` knows about each guided resource after each look at live Centra,
in numbers a display can show and words that do not overclaim: fields Centra shows are
*verified*; write-only fields are *recorded on your word* (Centra cannot show them), and a
resource Centra cannot show at all needs `provision attest`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from centra_provision.plans import Action, FieldStatus, ResourceChange

WAITING, VERIFIED, ATTEST = "waiting", "verified", "attest"


@dataclass(frozen=True)
class WaitRow:
    address: str
    state: str  # waiting | verified | attest
    matching: int  # fields Centra shows that match the manifests now
    observed: int  # fields Centra shows
    write_only: int  # fields Centra cannot show
    checked: str  # local time of the last look, HH:MM:SS

    def describe(self) -> str:
        """One line of words for logs and summaries."""
        if self.state == VERIFIED:
            return verified_words(self.observed, self.write_only)
        if self.state == ATTEST:
            return "Centra cannot show it; run `provision attest` once it is done"
        return f"matching {self.matching} of the {plural(self.observed, 'field')} Centra shows"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def verified_words(observed: int, write_only: int) -> str:
    """The honest sentence: "3 fields verified in live Centra; 17 write-only fields
    recorded on your word"."""
    text = f"{plural(observed, 'field')} verified in live Centra"
    if write_only:
        text += f"; {plural(write_only, 'write-only field')} recorded on your word"
    return text


def wait_row(address: str, change: ResourceChange | None, state: str) -> WaitRow:
    fields = change.fields if change is not None else ()
    observed = [f for f in fields if f.observed]
    if state != VERIFIED and not observed:
        state = ATTEST
    matching = sum(
        f.status == FieldStatus.UNCHANGED
        for f in observed
        if change is None or change.action != Action.CREATE
    )
    return WaitRow(
        address,
        state,
        len(observed) if state == VERIFIED else matching,
        len(observed),
        sum(not f.observed for f in fields),
        datetime.now().strftime("%H:%M:%S"),
    )


class WaitWatcher(Protocol):
    """A display of --wait: told the rows after every look at Centra."""

    def update(self, rows: list[WaitRow]) -> None: ...
