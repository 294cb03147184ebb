"""Centra's rate limits as documented: token buckets for requests, mutations and query
complexity, each over 10 seconds and 1 hour, shared by every caller of one environment.

RATE:66-75: three kinds x two windows = six buckets; 1 request = 1 token for requests and
mutations, 1 complexity point = 1 token; a bucket starts full and refills at a constant rate
(RATE:170-176), here quota / interval tokens per second. A request is admitted only when
every bucket it draws from holds enough tokens, and then draws from all of them at once;
otherwise it is refused with 429 and the moment when it would be admitted. The plans are
the table on https://centra.dev/integration-api/api-rate-limits ("Growth" is the default).
Buckets refill on a `TimeSource` (the `time` module unless a test gives its own), so a test
can let minutes of refill pass without waiting for them.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any, Protocol

# How a 429 states when to resume. Centra sends "the timestamp of when you can resume your
# requests" (RATE:13, RATE:77), so `epoch` is the default; the others are what RFC 9110
# allows or what other servers send, for testing clients against every form.
RETRY_AFTER_FORMS = ("epoch", "epoch-whole", "epoch-ms", "delta-seconds", "http-date")


class TimeSource(Protocol):
    """Where the emulator reads time: the `time` module, or a test's fake clock shared with
    the client under test (the emulator imports nothing of the client's, so it names what it
    needs here)."""

    def monotonic(self) -> float: ...

    def time(self) -> float: ...


def retry_after_header(form: str, delay: float, now: float | None = None) -> str:
    """The Retry-After value naming the moment `delay` seconds after `now` (wall clock),
    never earlier than that moment (whole-second forms round up)."""
    moment = (time.time() if now is None else now) + max(0.0, delay)
    if form == "epoch":
        return f"{math.ceil(moment * 1000) / 1000:.3f}"
    if form == "epoch-whole":
        return str(math.ceil(moment))
    if form == "epoch-ms":
        return str(math.ceil(moment * 1000))
    if form == "delta-seconds":
        return str(math.ceil(max(0.0, delay)))
    if form == "http-date":
        return formatdate(math.ceil(moment), usegmt=True)
    raise ValueError(f"unknown Retry-After form {form!r} (one of {', '.join(RETRY_AFTER_FORMS)})")


INTERVALS = {"TEN_SECONDS": 10.0, "ONE_HOUR": 3600.0}
KINDS = ("REQUEST_COUNT", "QUERY_COMPLEXITY", "MUTATION_COUNT")  # RATE:96, in RATE:113's order

# plan -> (kind, interval) -> quota
PLANS: dict[str, dict[tuple[str, str], int]] = {
    name: {
        ("REQUEST_COUNT", "TEN_SECONDS"): r10,
        ("REQUEST_COUNT", "ONE_HOUR"): r1h,
        ("QUERY_COMPLEXITY", "TEN_SECONDS"): c10,
        ("QUERY_COMPLEXITY", "ONE_HOUR"): c1h,
        ("MUTATION_COUNT", "TEN_SECONDS"): m10,
        ("MUTATION_COUNT", "ONE_HOUR"): m1h,
    }
    for name, (r10, r1h, m10, m1h, c10, c1h) in {
        "growth": (60, 5_000, 20, 1_800, 250_000, 30_000_000),
        "enhanced": (150, 20_000, 50, 4_500, 900_000, 90_000_000),
        "high-volume": (450, 40_000, 150, 7_000, 1_800_000, 180_000_000),
        "enterprise": (1_500, 85_000, 500, 25_000, 4_000_000, 400_000_000),
    }.items()
}


@dataclass
class Bucket:
    """One token bucket; `lowest` is the fewest tokens it held after any draw (for tests
    that check a client left enough for everyone else)."""

    kind: str
    interval: str
    quota: int
    tokens: float
    stamp: float
    lowest: float

    @property
    def seconds(self) -> float:
        return INTERVALS[self.interval]

    def refill(self, now: float) -> None:
        rate = self.quota / self.seconds
        self.tokens = min(float(self.quota), self.tokens + (now - self.stamp) * rate)
        self.stamp = now

    def wait_for(self, amount: int) -> float:
        """Seconds until `amount` tokens are there (0 if they are)."""
        missing = amount - self.tokens
        return 0.0 if missing <= 0 else missing * self.seconds / self.quota

    def row(self) -> dict[str, Any]:
        remaining = max(0, math.floor(self.tokens))
        return {
            "type": self.kind,
            "intervalSeconds": self.interval,
            "quota": self.quota,
            "usedQuota": self.quota - remaining,
            "remainingQuota": remaining,
        }


GRAPHQL_INT_MAX = 2**31 - 1


def quotas_for(
    plan: str = "growth", overrides: Mapping[str, int] | None = None
) -> dict[tuple[str, str], int]:
    """A plan's quotas, with `overrides` keyed "KIND/INTERVAL" (e.g. REQUEST_COUNT/ONE_HOUR)."""
    if plan not in PLANS:
        raise ValueError(f"unknown plan {plan!r} (one of {', '.join(PLANS)})")
    quotas = dict(PLANS[plan])
    for key, value in (overrides or {}).items():
        kind, _, interval = key.partition("/")
        if (kind, interval) not in quotas or not isinstance(value, int) or value < 1:
            raise ValueError(f"bad rate-limit override {key}={value!r}")
        if value > GRAPHQL_INT_MAX:
            # rateLimits reports quotas as GraphQL Ints; a larger one could not be answered.
            raise ValueError(f"rate-limit override {key}={value} is above {GRAPHQL_INT_MAX}")
        quotas[(kind, interval)] = value
    return quotas


class RateLimiter:
    """The six buckets of one Centra environment."""

    def __init__(
        self,
        plan: str = "growth",
        overrides: Mapping[str, int] | None = None,
        clock: TimeSource = time,
    ) -> None:
        self.clock = clock
        now = clock.monotonic()
        self.plan = plan
        self.buckets = {
            key: Bucket(key[0], key[1], quota, float(quota), now, float(quota))
            for key, quota in quotas_for(plan, overrides).items()
        }
        self.lock = threading.Lock()

    def bucket(self, kind: str, interval: str) -> Bucket:
        return self.buckets[(kind, interval)]

    def too_complex(self, complexity: int) -> Bucket | None:
        """The complexity bucket a single request of this complexity can never fit in."""
        for interval in INTERVALS:
            bucket = self.buckets[("QUERY_COMPLEXITY", interval)]
            if complexity > bucket.quota:
                return bucket
        return None

    def acquire(self, is_mutation: bool, complexity: int = 0) -> float:
        """Admit one request (drawing its tokens) and return 0, or return the seconds until
        it would be admitted (drawing nothing)."""
        needs = {"REQUEST_COUNT": 1, "QUERY_COMPLEXITY": complexity}
        if is_mutation:
            needs["MUTATION_COUNT"] = 1
        now = self.clock.monotonic()
        with self.lock:
            drawn = [b for b in self.buckets.values() if b.kind in needs]
            for b in drawn:
                b.refill(now)
            wait = max(b.wait_for(needs[b.kind]) for b in drawn)
            if wait > 0:
                return wait
            for b in drawn:
                b.tokens -= needs[b.kind]
                b.lowest = min(b.lowest, b.tokens)
            return 0.0

    def report(self) -> list[dict[str, Any]]:
        """The six rows of `rateLimits` (RATE:84-100), in the documented example's order."""
        now = self.clock.monotonic()
        with self.lock:
            rows = []
            for kind in KINDS:
                for interval in INTERVALS:
                    bucket = self.buckets[(kind, interval)]
                    bucket.refill(now)
                    rows.append(bucket.row())
            return rows
