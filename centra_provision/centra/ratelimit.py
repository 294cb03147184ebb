"""The client's side of Centra's rate limits, so a run never earns a 429 and never starves
the live store.

Centra limits each environment with six token buckets (requests, mutations, query
complexity, each over 10 s and 1 h; RATE:66-75) shared by every integration, Global-e's
order flow included ("One integration may exhaust the limit and temporarily rate-limit
others", centra.dev/integration-api/api-rate-limits). So the client mirrors the six buckets
and takes at most `share` of each: it reads `rateLimits` once (it needs no permission,
RATE:95), then its own bucket for each row holds `share * remainingQuota` tokens and refills
at `share * quota / interval` per second. Requests and mutations cost one token; the
complexity of a request is only known from its answer (`extensions.complexity`, RATE:12),
so a request draws what the same operation cost last time (the most any operation cost,
for one never seen) and the difference is settled when the answer arrives.

A wait longer than `max_wait` (the share of an hourly bucket is used up) is an error that
says which bucket and how long, not a silent hang. Time is read and waited through a `Clock`
(the real one unless a test gives a fake one), so those waits can be tested exactly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from centra_provision.clock import SYSTEM_CLOCK, Clock
from centra_provision.errors import CentraUnavailable

INTERVALS = {"TEN_SECONDS": 10.0, "ONE_HOUR": 3600.0}  # RATE:97
# Centra's default "Growth" plan (centra.dev/integration-api/api-rate-limits): what the
# client assumes until `rateLimits` has answered.
GROWTH = {
    ("REQUEST_COUNT", "TEN_SECONDS"): 60,
    ("REQUEST_COUNT", "ONE_HOUR"): 5_000,
    ("MUTATION_COUNT", "TEN_SECONDS"): 20,
    ("MUTATION_COUNT", "ONE_HOUR"): 1_800,
    ("QUERY_COMPLEXITY", "TEN_SECONDS"): 250_000,
    ("QUERY_COMPLEXITY", "ONE_HOUR"): 30_000_000,
}
DEFAULT_SHARE = 0.5


QUOTA_WORDS = {
    "REQUEST_COUNT": "request quota",
    "MUTATION_COUNT": "mutation quota",
    "QUERY_COMPLEXITY": "query-complexity quota",
}


def _quota_words(budget: Budget | None, paused: bool) -> str:
    """`Centra's request quota`, or the Retry-After of a 429, for progress displays."""
    if paused or budget is None:
        return "the moment Centra's Retry-After names"
    return f"Centra's {QUOTA_WORDS.get(budget.kind, budget.kind)}"


@dataclass
class Budget:
    """This run's share of one of Centra's buckets."""

    kind: str
    interval: str
    capacity: float
    rate: float  # tokens per second
    tokens: float
    stamp: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_for(self, amount: float) -> float:
        # A draw larger than the whole budget waits only until the budget is full.
        missing = min(amount, self.capacity) - self.tokens
        return 0.0 if missing <= 0 else missing / self.rate


def budgets(
    rows: Iterable[Mapping[str, Any]],
    share: float,
    now: float | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> dict[tuple[str, str], Budget]:
    """Budgets sized from `rateLimits` rows: `share` of what remains, refilling at `share`
    of the bucket's rate; they start `now` (by default the clock's present)."""
    now = clock.monotonic() if now is None else now
    out = {}
    for row in rows:
        kind, interval = str(row["type"]), str(row["intervalSeconds"])
        if interval not in INTERVALS or int(row["quota"]) < 1:
            continue  # a window we do not know the length of: cannot pace it
        quota, remaining = int(row["quota"]), max(0, int(row["remainingQuota"]))
        out[(kind, interval)] = Budget(
            kind,
            interval,
            capacity=share * quota,
            rate=share * quota / INTERVALS[interval],
            tokens=share * min(remaining, quota),
            stamp=now,
        )
    return out


def plan_rows(quotas: Mapping[tuple[str, str], int]) -> list[dict[str, Any]]:
    """`rateLimits`-shaped rows for a full, unused plan (the defaults before Centra answers)."""
    return [
        {"type": k, "intervalSeconds": i, "quota": q, "remainingQuota": q}
        for (k, i), q in quotas.items()
    ]


class ClientRateLimiter:
    """One per Centra environment per process; shared by every concurrent call."""

    def __init__(
        self,
        requests: int = 60,
        mutations: int = 20,
        interval: float = 10.0,
        share: float = DEFAULT_SHARE,
        max_wait: float = 120.0,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        """`clock` is where budgets refill and callers wait: a test's fake one makes a
        minute of pacing pass in no time."""
        quotas = dict(GROWTH)
        if interval == 10.0:
            quotas[("REQUEST_COUNT", "TEN_SECONDS")] = requests
            quotas[("MUTATION_COUNT", "TEN_SECONDS")] = mutations
        self.share = share
        self.max_wait = max_wait
        self.clock = clock
        self.budgets = budgets(plan_rows(quotas), share, clock=clock)
        self.costs: dict[str, float] = {}  # operation name -> its last complexity
        self.lock = asyncio.Lock()
        self.paused_until = 0.0
        self.configured = False
        # Told of every wait (seconds, what for), so a progress display can say why it stalls.
        self.on_wait: Callable[[float, str], None] | None = None

    def configure(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Size the budgets from Centra's own `rateLimits` answer."""
        found = budgets(rows, self.share, clock=self.clock)
        if found:
            self.budgets = found
            self.configured = True

    def pause(self, seconds: float) -> None:
        """Hold every caller for `seconds`: Centra refused us until then (a 429), and any
        request sent earlier "will trigger the rate limiting again" (RATE:13)."""
        self.paused_until = max(self.paused_until, self.clock.monotonic() + seconds)

    def estimate(self, operation: str | None) -> float:
        known = self.costs.get(operation or "")
        return known if known is not None else max(self.costs.values(), default=0.0)

    async def acquire(self, is_mutation: bool, operation: str | None = None) -> float:
        """Wait until this run's share allows one more request; returns the complexity it
        drew (to be settled with `settle` once the answer says what it cost)."""
        needs = {"REQUEST_COUNT": 1.0, "QUERY_COMPLEXITY": self.estimate(operation)}
        if is_mutation:
            needs["MUTATION_COUNT"] = 1.0
        async with self.lock:
            while True:
                now = self.clock.monotonic()
                drawn = [b for b in self.budgets.values() if b.kind in needs]
                for b in drawn:
                    b.refill(now)
                waits = [(b.wait_for(needs[b.kind]), b) for b in drawn]
                wait, slowest = max(waits, key=lambda w: w[0], default=(0.0, None))
                wait = max(wait, self.paused_until - now)
                if wait <= 0:
                    break
                paused = self.paused_until - now >= wait
                if wait > self.max_wait and slowest is not None:
                    raise CentraUnavailable(self._too_long(None if paused else slowest, wait))
                if self.on_wait is not None:
                    self.on_wait(wait, _quota_words(slowest, paused))
                await self.clock.sleep(wait)
            for b in drawn:
                b.tokens -= needs[b.kind]
        return needs["QUERY_COMPLEXITY"]

    def settle(self, operation: str | None, drawn: float, actual: float | None) -> None:
        """Correct the complexity drawn for a request to what Centra says it cost (None:
        it was refused or never answered, and Centra charged no complexity)."""
        if actual is None:
            actual = 0.0
        else:
            self.costs[operation or ""] = actual
        for b in self.budgets.values():
            if b.kind == "QUERY_COMPLEXITY":
                b.tokens -= actual - drawn

    def _too_long(self, budget: Budget | None, wait: float) -> str:
        """Names what the wait is for: a bucket of this run's share, or (None) the moment a
        429's Retry-After named."""
        if budget is None:
            return (
                f"Centra refused a request (429) and named a moment {wait:.0f}s away to retry "
                f"at (more than {self.max_wait:.0f}s). Centra's limits are shared with the "
                "live store; try again later"
            )
        return (
            f"this run's share ({self.share:g}) of Centra's {budget.kind} {budget.interval} "
            f"rate limit is used up: the next request would wait {wait:.0f}s (more than "
            f"{self.max_wait:.0f}s). Centra's limits are shared with the live store; try "
            "again later or raise --rate-share"
        )
