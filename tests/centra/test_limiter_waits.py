"""What the client's limiter tells a waiting caller, and that a 429's pause holds callers that
arrive after it (two mutants of `ClientRateLimiter` survived the suite without these). The
limiter runs on a fake clock: each wait is asserted to the second and taken in no time."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from centra_provision.centra.client import CentraClient
from centra_provision.centra.ratelimit import ClientRateLimiter
from centra_provision.clock import SYSTEM_CLOCK
from centra_provision.errors import CentraUnavailable
from tests.support.clock import FakeClock


def limiter_on(clock: FakeClock, **limits: Any) -> ClientRateLimiter:
    return ClientRateLimiter(**limits, clock=clock)


def told(limiter: ClientRateLimiter, is_mutation: bool) -> tuple[float, str]:
    """The one wait the limiter announces for one more request, which it then waits out."""
    heard: list[tuple[float, str]] = []
    limiter.on_wait = lambda seconds, what: heard.append((seconds, what))
    asyncio.run(limiter.acquire(is_mutation))
    (wait,) = heard
    return wait


def test_a_pause_holds_callers_that_come_after_the_429() -> None:
    clock = FakeClock()
    limiter = limiter_on(clock, requests=1_000, mutations=1_000)
    limiter.pause(30.0)  # Centra's Retry-After named a moment 30 s from now
    seconds, what = told(limiter, is_mutation=False)
    assert seconds == 30.0
    assert what == "the moment Centra's Retry-After names"
    assert clock.sleeps == [30.0]  # and the caller went on at that moment, not before


def test_a_later_shorter_pause_does_not_shorten_an_earlier_one() -> None:
    clock = FakeClock()
    limiter = limiter_on(clock, requests=1_000, mutations=1_000)
    limiter.pause(30.0)
    limiter.pause(1.0)
    assert told(limiter, is_mutation=False)[0] == 30.0
    assert clock.elapsed == 30.0


@pytest.mark.parametrize(
    ("is_mutation", "words"),
    [(False, "Centra's request quota"), (True, "Centra's mutation quota")],
)
def test_a_used_up_share_names_the_bucket_it_waits_for(is_mutation: bool, words: str) -> None:
    # Half of 2 requests (or mutations) per 10 s: one now, the next after 10 s.
    clock = FakeClock()
    limiter = limiter_on(clock, requests=2 if not is_mutation else 1_000, mutations=2)
    asyncio.run(limiter.acquire(is_mutation))
    seconds, what = told(limiter, is_mutation)
    assert what == words
    assert seconds == 10.0
    assert clock.elapsed == 10.0


def test_a_pause_longer_than_the_run_may_wait_is_named_as_the_retry_after() -> None:
    """Not as a used-up share of a bucket that has plenty left."""
    clock = FakeClock()
    limiter = limiter_on(clock, requests=1_000, mutations=1_000, max_wait=60.0)
    limiter.pause(600.0)
    with pytest.raises(CentraUnavailable) as refused:
        asyncio.run(limiter.acquire(is_mutation=True))
    message = str(refused.value)
    assert message.startswith("Centra refused a request (429) and named a moment 600s away")
    assert "more than 60s" in message and "this run's share" not in message
    assert clock.sleeps == []  # refused at once, not after waiting


def test_the_client_waits_on_its_limiters_clock_unless_told_another() -> None:
    """One clock for a 429's pause and the budgets: a client given a limiter on a fake
    clock retries on that clock too; without either, both are the real one."""
    clock = FakeClock()
    client = CentraClient("http://127.0.0.1/graphql", "t", limiter=limiter_on(clock))
    assert client.clock is clock
    other = FakeClock()
    assert CentraClient("http://127.0.0.1/graphql", "t", clock=other).limiter.clock is other
    plain = CentraClient("http://127.0.0.1/graphql", "t")
    assert plain.clock is SYSTEM_CLOCK and plain.limiter.clock is SYSTEM_CLOCK


@given(
    requests=st.integers(2, 30),
    share=st.sampled_from([0.1, 0.25, 0.5, 1.0]),
    callers=st.integers(1, 40),
    mutations=st.integers(0, 8),
)
@settings(max_examples=40)
def test_concurrent_callers_are_paced_to_the_share_together(
    requests: int, share: float, callers: int, mutations: int
) -> None:
    """Many callers at once (not one in flight at a time): each gets its turn exactly when
    the shared budget has a token for it, in the order they asked, and no ten-second
    window ever holds more than the share of the quota (requests and mutations alike)."""
    clock = FakeClock()
    limiter = limiter_on(clock, requests=requests, mutations=max(1, mutations), share=share)
    admitted: list[tuple[int, float, bool]] = []

    async def caller(i: int) -> None:
        is_mutation = i < mutations
        await limiter.acquire(is_mutation)
        admitted.append((i, clock.elapsed, is_mutation))

    async def everyone() -> None:
        await asyncio.gather(*(caller(i) for i in range(callers)))

    asyncio.run(everyone())
    assert [i for i, _, _ in admitted] == list(range(callers))  # first come, first served
    times = [t for _, t, _ in admitted]
    assert times == sorted(times)
    for kind, quota in (("requests", requests), ("mutations", max(1, mutations))):
        stamps = [t for _, t, m in admitted if kind == "requests" or m]
        capacity = share * quota
        for k, start in enumerate(stamps):
            in_window = sum(1 for t in stamps[k:] if t < start + 10.0 - 1e-9)
            # the budget it started with, what refilled during it, and one draw larger
            # than a whole (fractional) budget
            assert in_window <= 2 * capacity + 1 + 1e-6, (kind, start, in_window)
    capacity, rate = share * requests, share * requests / 10.0
    if mutations == 0 and capacity >= 1:  # only the request bucket paces: exact turns
        expected = [max(0.0, (k + 1 - capacity) / rate) for k in range(callers)]
        assert times == pytest.approx(expected, abs=1e-6)
