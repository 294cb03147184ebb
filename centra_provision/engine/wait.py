"""What `apply --wait` knows about each guided resource after each look at live Centra,
in numbers a display can show and words that do not overclaim: fields Centra shows are
*verified*; write-only fields are *recorded on your word* (Centra cannot show them), and a
resource Centra cannot show at all needs `provision attest`. Polling reads time and sleeps
through a `Clock`, so a test can let a ten-minute --wait pass in no time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from centra_provision.clock import SYSTEM_CLOCK, Clock
from centra_provision.engine.planner import plan_live
from centra_provision.engine.record import record_applied
from centra_provision.engine.session import EnvironmentSession
from centra_provision.plans import (
    Action,
    ExecutorKind,
    FieldStatus,
    Outcome,
    ResourceChange,
    StepOutcome,
)
from centra_provision.resources.live import LiveState
from centra_provision.state.journal import Journal

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


def wait_row(
    address: str, change: ResourceChange | None, state: str, at: float | None = None
) -> WaitRow:
    """A row as it stands after a look at `at` (wall-clock epoch seconds; now if None)."""
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
        datetime.fromtimestamp(SYSTEM_CLOCK.time() if at is None else at).strftime("%H:%M:%S"),
    )


class WaitWatcher(Protocol):
    """A display of --wait: told the rows after every look at Centra."""

    def update(self, rows: list[WaitRow]) -> None: ...


def _converged(change: ResourceChange) -> bool:
    """Done by hand as far as Centra can tell: it exists and every field it shows matches."""
    observed = [f for f in change.fields if f.observed]
    return (
        bool(observed)
        and change.action != Action.CREATE
        and all(f.status == FieldStatus.UNCHANGED for f in observed)
    )


@dataclass
class GuidedWait:
    """One `--wait`: the guided outcomes it may turn to done, and what it verified so far."""

    session: EnvironmentSession
    outcomes: list[StepOutcome]
    journal: Journal
    verified: dict[str, WaitRow]
    clock: Clock = SYSTEM_CLOCK  # when each look happened, for its rows

    def look(self, changes: dict[str, ResourceChange], live: LiveState) -> list[WaitRow]:
        """One look at live Centra: record every guided resource that converged; a row for
        each guided resource, as it stands."""
        rows = []
        for i, outcome in enumerate(self.outcomes):
            if outcome.executor != ExecutorKind.GUIDED:
                continue
            change = changes.get(outcome.address)
            if outcome.outcome == Outcome.PENDING and change is not None:
                rows.append(self._pending(i, change, live))
            elif outcome.outcome in (Outcome.PENDING, Outcome.DONE) and (
                outcome.address in self.verified
            ):
                rows.append(self.verified[outcome.address])
        return rows

    def _pending(self, i: int, change: ResourceChange, live: LiveState) -> WaitRow:
        outcome = self.outcomes[i]
        if not _converged(change):
            return wait_row(outcome.address, change, WAITING, self.clock.time())
        res = next(r for r in self.session.resources if r.address == outcome.address)
        record_applied(self.session, change, res, "wait", live)
        self.session.ledger.save()
        self.journal.write(
            address=outcome.address,
            action=outcome.action,
            executor=ExecutorKind.GUIDED,
            phase="verified",
        )
        row = wait_row(outcome.address, change, VERIFIED, self.clock.time())
        self.verified[outcome.address] = row
        self.outcomes[i] = StepOutcome(
            outcome.address,
            outcome.action,
            ExecutorKind.GUIDED,
            Outcome.DONE,
            row.describe(),
            verified=row.observed,
            attested=row.write_only,
        )
        return row

    def still_waiting(self, changes: dict[str, ResourceChange]) -> bool:
        """Whether any pending resource can still be seen done (Centra shows some field)."""
        return any(
            o.outcome == Outcome.PENDING
            for o in self.outcomes
            if o.address in changes and any(f.observed for f in changes[o.address].fields)
        )


async def wait_for_guided(
    session: EnvironmentSession,
    outcomes: list[StepOutcome],
    journal: Journal,
    seconds: float,
    poll_seconds: float,
    watcher: WaitWatcher | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> None:
    """Poll live Centra until every observed field of the guided changes converged; record
    those resources in the ledger as they do. Resources Centra cannot show at all (tokens)
    stay pending: only `provision attest` may vouch for them. The watcher, if any, hears
    how every guided resource stands after each look. The deadline and the pauses between
    looks are on `clock`."""
    deadline = clock.monotonic() + seconds
    wait = GuidedWait(session, outcomes, journal, {}, clock)
    while True:
        plan, live = await plan_live(session)
        changes = {c.address: c for c in plan.changes}
        rows = wait.look(changes, live)
        if watcher is not None:
            watcher.update(rows)
        if not wait.still_waiting(changes) or clock.monotonic() >= deadline:
            return
        await clock.sleep(min(poll_seconds, max(0.0, deadline - clock.monotonic())))
