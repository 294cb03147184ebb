"""This run's share of each of Centra's six rate-limit buckets: sized from `rateLimits` rows
(share of what remains, refilling at share of the bucket's rate), drawn per request (one
request, one mutation, the complexity the operation cost last time), settled to what
Centra says a request cost, and an error naming the bucket when the wait would be too long.
Budgets are driven with explicit clock values; the limiter runs on a fake clock, so its waits
are announced through its `on_wait` hook, waited out and asserted exactly, and nothing
sleeps."""

from __future__ import annotations

import asyncio

import pytest

from centra_provision.centra.ratelimit import (
    GROWTH,
    Budget,
    ClientRateLimiter,
    budgets,
    plan_rows,
)
from centra_provision.errors import CentraUnavailable
from tests.support.clock import START_MONOTONIC, FakeClock


def row(kind: str, interval: str, quota: int, remaining: int) -> dict[str, object]:
    return {"type": kind, "intervalSeconds": interval, "quota": quota, "remainingQuota": remaining}


def test_a_budget_is_the_share_of_what_remains_refilling_at_the_share_of_the_rate() -> None:
    found = budgets(
        [row("REQUEST_COUNT", "TEN_SECONDS", 60, 40), row("QUERY_COMPLEXITY", "ONE_HOUR", 36, 36)],
        0.5,
        now=100.0,
    )
    assert found == {
        ("REQUEST_COUNT", "TEN_SECONDS"): Budget(
            "REQUEST_COUNT", "TEN_SECONDS", capacity=30.0, rate=3.0, tokens=20.0, stamp=100.0
        ),
        ("QUERY_COMPLEXITY", "ONE_HOUR"): Budget(
            "QUERY_COMPLEXITY", "ONE_HOUR", capacity=18.0, rate=0.005, tokens=18.0, stamp=100.0
        ),
    }


def test_remaining_is_clamped_to_zero_and_to_the_quota() -> None:
    found = budgets(
        [row("REQUEST_COUNT", "TEN_SECONDS", 10, -5), row("MUTATION_COUNT", "TEN_SECONDS", 10, 99)],
        1.0,
        now=0.0,
    )
    assert found[("REQUEST_COUNT", "TEN_SECONDS")].tokens == 0.0
    assert found[("MUTATION_COUNT", "TEN_SECONDS")].tokens == 10.0


def test_rows_that_cannot_be_paced_are_skipped() -> None:
    rows = [
        row("REQUEST_COUNT", "ONE_MINUTE", 10, 10),
        row("REQUEST_COUNT", "TEN_SECONDS", 0, 0),
        row("MUTATION_COUNT", "ONE_HOUR", 1, 1),
    ]
    assert list(budgets(rows, 0.5, now=0.0)) == [("MUTATION_COUNT", "ONE_HOUR")]


def test_values_are_read_as_text_and_numbers() -> None:
    found = budgets(
        [
            {
                "type": "REQUEST_COUNT",
                "intervalSeconds": "TEN_SECONDS",
                "quota": "8",
                "remainingQuota": "4",
            }
        ],
        0.25,
        now=1.0,
    )
    assert found[("REQUEST_COUNT", "TEN_SECONDS")].tokens == 1.0


def test_without_a_clock_the_budget_starts_now() -> None:
    import time

    before = time.monotonic()
    (budget,) = budgets([row("REQUEST_COUNT", "TEN_SECONDS", 10, 10)], 1.0).values()
    assert before <= budget.stamp <= time.monotonic()


def test_without_a_time_the_budget_starts_at_its_clocks_present() -> None:
    clock = FakeClock()
    clock.advance(42.0)
    (budget,) = budgets([row("REQUEST_COUNT", "TEN_SECONDS", 10, 10)], 1.0, clock=clock).values()
    assert budget.stamp == START_MONOTONIC + 42.0


def test_refill_adds_the_rate_for_the_time_passed_up_to_capacity() -> None:
    budget = Budget("REQUEST_COUNT", "TEN_SECONDS", capacity=10.0, rate=2.0, tokens=1.0, stamp=5.0)
    budget.refill(7.0)
    assert (budget.tokens, budget.stamp) == (5.0, 7.0)
    budget.refill(100.0)
    assert (budget.tokens, budget.stamp) == (10.0, 100.0)


def test_wait_for_is_the_time_to_earn_what_is_missing() -> None:
    budget = Budget("REQUEST_COUNT", "TEN_SECONDS", capacity=10.0, rate=2.0, tokens=3.0, stamp=0.0)
    assert budget.wait_for(3.0) == 0.0
    assert budget.wait_for(2.0) == 0.0
    assert budget.wait_for(4.0) == 0.5
    # More than the whole budget waits only until the budget is full.
    assert budget.wait_for(50.0) == 3.5


def test_plan_rows_are_a_full_unused_plan() -> None:
    assert plan_rows({("REQUEST_COUNT", "TEN_SECONDS"): 60}) == [
        {
            "type": "REQUEST_COUNT",
            "intervalSeconds": "TEN_SECONDS",
            "quota": 60,
            "remainingQuota": 60,
        }
    ]


def _capacities(limiter: ClientRateLimiter) -> dict[tuple[str, str], float]:
    return {key: b.capacity for key, b in limiter.budgets.items()}


def test_the_default_limiter_takes_half_of_the_growth_plan() -> None:
    limiter = ClientRateLimiter()
    assert _capacities(limiter) == {key: q / 2 for key, q in GROWTH.items()}
    assert (limiter.share, limiter.max_wait, limiter.configured) == (0.5, 120.0, False)
    assert limiter.paused_until == 0.0 and limiter.costs == {} and limiter.on_wait is None


def test_ten_second_request_and_mutation_quotas_come_from_the_environment() -> None:
    limiter = ClientRateLimiter(requests=8, mutations=4, share=0.25)
    caps = _capacities(limiter)
    assert caps[("REQUEST_COUNT", "TEN_SECONDS")] == 2.0
    assert caps[("MUTATION_COUNT", "TEN_SECONDS")] == 1.0
    assert caps[("REQUEST_COUNT", "ONE_HOUR")] == 5_000 * 0.25
    # Quotas over another interval cannot be mapped onto Centra's 10-second buckets.
    other = ClientRateLimiter(requests=8, mutations=4, interval=60.0)
    assert _capacities(other) == {key: q / 2 for key, q in GROWTH.items()}


def test_configure_replaces_the_budgets_only_with_rows_it_can_use() -> None:
    limiter = ClientRateLimiter(share=0.5)
    limiter.configure([row("REQUEST_COUNT", "ONE_MINUTE", 10, 10)])
    assert limiter.configured is False and len(limiter.budgets) == 6
    limiter.configure([row("REQUEST_COUNT", "TEN_SECONDS", 100, 100)])
    assert limiter.configured is True
    assert _capacities(limiter) == {("REQUEST_COUNT", "TEN_SECONDS"): 50.0}


def test_an_operation_is_estimated_at_its_last_cost_else_the_most_any_cost() -> None:
    limiter = ClientRateLimiter()
    assert limiter.estimate("ReadLive") == 0.0
    limiter.settle("ReadLive", 0.0, 40.0)
    limiter.settle("Small", 0.0, 3.0)
    limiter.settle(None, 0.0, 7.0)
    assert limiter.estimate("ReadLive") == 40.0
    assert limiter.estimate("Small") == 3.0
    assert limiter.estimate("Never") == 40.0
    assert limiter.estimate(None) == 7.0


def _complexity(limiter: ClientRateLimiter) -> list[float]:
    return [b.tokens for b in limiter.budgets.values() if b.kind == "QUERY_COMPLEXITY"]


def test_settle_corrects_the_draw_to_the_cost_and_remembers_it() -> None:
    limiter = ClientRateLimiter()
    limiter.budgets = budgets(
        [
            row("QUERY_COMPLEXITY", "ONE_HOUR", 3600, 3600),
            row("REQUEST_COUNT", "ONE_HOUR", 3600, 3600),
        ],
        1.0,
        now=10**9,
    )
    limiter.settle("Op", 10.0, 25.0)
    assert _complexity(limiter) == [3600.0 - 15.0]
    assert limiter.budgets[("REQUEST_COUNT", "ONE_HOUR")].tokens == 3600.0
    # Refused or unanswered: nothing was charged, the draw comes back, the cost is kept.
    limiter.settle("Op", 5.0, None)
    assert _complexity(limiter) == [3600.0 - 10.0]
    assert limiter.costs == {"Op": 25.0}


def _drawn(is_mutation: bool, operation: str | None) -> tuple[float, dict[str, float]]:
    limiter = ClientRateLimiter(requests=1_000, mutations=1_000, share=1.0)
    limiter.costs = {"Known": 30.0, "Other": 50.0}
    before = {key[0] + "/" + key[1]: b.tokens for key, b in limiter.budgets.items()}
    cost = asyncio.run(limiter.acquire(is_mutation, operation))
    after = {key[0] + "/" + key[1]: b.tokens for key, b in limiter.budgets.items()}
    return cost, {k: round(before[k] - after[k], 6) for k in before if before[k] != after[k]}


def test_a_query_draws_one_request_and_its_estimated_complexity() -> None:
    assert _drawn(False, "Known") == (
        30.0,
        {
            "REQUEST_COUNT/TEN_SECONDS": 1.0,
            "REQUEST_COUNT/ONE_HOUR": 1.0,
            "QUERY_COMPLEXITY/TEN_SECONDS": 30.0,
            "QUERY_COMPLEXITY/ONE_HOUR": 30.0,
        },
    )


def test_a_mutation_also_draws_one_mutation() -> None:
    cost, drawn = _drawn(True, None)
    assert cost == 50.0
    assert drawn == {
        "REQUEST_COUNT/TEN_SECONDS": 1.0,
        "REQUEST_COUNT/ONE_HOUR": 1.0,
        "MUTATION_COUNT/TEN_SECONDS": 1.0,
        "MUTATION_COUNT/ONE_HOUR": 1.0,
        "QUERY_COMPLEXITY/TEN_SECONDS": 50.0,
        "QUERY_COMPLEXITY/ONE_HOUR": 50.0,
    }


def test_a_wait_beyond_max_wait_names_the_bucket() -> None:
    clock = FakeClock()
    limiter = ClientRateLimiter(share=0.25, max_wait=60.0, clock=clock)
    limiter.budgets = budgets([row("MUTATION_COUNT", "ONE_HOUR", 4, 0)], 0.25, clock=clock)
    with pytest.raises(CentraUnavailable) as info:
        asyncio.run(limiter.acquire(True, "StoreCreate"))
    assert str(info.value) == (
        "this run's share (0.25) of Centra's MUTATION_COUNT ONE_HOUR rate limit is used up: "
        "the next request would wait 3600s (more than 60s). Centra's limits are shared with "
        "the live store; try again later or raise --rate-share"
    )
    # A query needs no mutation: the same limiter lets it through at once.
    assert asyncio.run(limiter.acquire(False)) == 0.0
    assert clock.sleeps == []


def test_a_wait_within_max_wait_is_announced_with_its_bucket() -> None:
    clock = FakeClock()
    limiter = ClientRateLimiter(share=1.0, max_wait=60.0, clock=clock)
    limiter.budgets = budgets([row("QUERY_COMPLEXITY", "TEN_SECONDS", 100, 50)], 1.0, clock=clock)
    limiter.costs = {"Big": 80.0}
    heard: list[tuple[float, str]] = []
    limiter.on_wait = lambda seconds, what: heard.append((seconds, what))
    assert asyncio.run(limiter.acquire(False, "Big")) == 80.0
    # 30 points missing at 10 a second: announced, then waited out, to the moment.
    assert heard == [(3.0, "Centra's query-complexity quota")]
    assert clock.sleeps == [3.0]


def test_a_pause_shorter_than_a_budget_wait_names_the_budget() -> None:
    clock = FakeClock()
    limiter = ClientRateLimiter(share=1.0, max_wait=60.0, clock=clock)
    limiter.budgets = budgets([row("REQUEST_COUNT", "TEN_SECONDS", 1, 0)], 1.0, clock=clock)
    limiter.pause(1.0)
    heard: list[tuple[float, str]] = []
    limiter.on_wait = lambda seconds, what: heard.append((seconds, what))
    asyncio.run(limiter.acquire(False))
    assert heard == [(10.0, "Centra's request quota")]  # the budget's 10 s, not the pause's 1
    assert clock.elapsed == 10.0
