"""What the client's limiter tells a waiting caller, and that a 429's pause holds callers that
arrive after it (two mutants of `ClientRateLimiter` survived the suite without these)."""

from __future__ import annotations

import asyncio

import pytest

from centra_provision.centra.ratelimit import ClientRateLimiter
from centra_provision.errors import CentraUnavailable


class Stalled(Exception):
    """Raised by the wait callback: the test has seen what it needed, no need to sleep."""


def told(limiter: ClientRateLimiter, is_mutation: bool) -> tuple[float, str]:
    """The first wait the limiter announces for one more request, without waiting it out."""
    heard: list[tuple[float, str]] = []

    def on_wait(seconds: float, what: str) -> None:
        heard.append((seconds, what))
        raise Stalled

    limiter.on_wait = on_wait
    with pytest.raises(Stalled):
        asyncio.run(limiter.acquire(is_mutation))
    return heard[0]


def test_a_pause_holds_callers_that_come_after_the_429() -> None:
    limiter = ClientRateLimiter(requests=1_000, mutations=1_000)
    limiter.pause(30.0)  # Centra's Retry-After named a moment 30 s from now
    seconds, what = told(limiter, is_mutation=False)
    assert 25.0 < seconds <= 30.0
    assert what == "the moment Centra's Retry-After names"


def test_a_later_shorter_pause_does_not_shorten_an_earlier_one() -> None:
    limiter = ClientRateLimiter(requests=1_000, mutations=1_000)
    limiter.pause(30.0)
    limiter.pause(1.0)
    assert told(limiter, is_mutation=False)[0] > 25.0


@pytest.mark.parametrize(
    ("is_mutation", "words"),
    [(False, "Centra's request quota"), (True, "Centra's mutation quota")],
)
def test_a_used_up_share_names_the_bucket_it_waits_for(is_mutation: bool, words: str) -> None:
    # Half of 2 requests (or mutations) per 10 s: one now, the next after about 10 s.
    limiter = ClientRateLimiter(requests=2 if not is_mutation else 1_000, mutations=2)
    asyncio.run(limiter.acquire(is_mutation))
    seconds, what = told(limiter, is_mutation)
    assert what == words
    assert 5.0 < seconds <= 10.0


def test_a_pause_longer_than_the_run_may_wait_is_named_as_the_retry_after() -> None:
    """Not as a used-up share of a bucket that has plenty left."""
    limiter = ClientRateLimiter(requests=1_000, mutations=1_000, max_wait=60.0)
    limiter.pause(600.0)
    with pytest.raises(CentraUnavailable) as refused:
        asyncio.run(limiter.acquire(is_mutation=True))
    message = str(refused.value)
    assert message.startswith("Centra refused a request (429) and named a moment 600s away")
    assert "more than 60s" in message and "this run's share" not in message
