"""Every fault knob, in-process and over real HTTP, and Centra's rate limits. Refill and the
client's back-off run on a fake clock (asserted, not spent); injected latency stays real."""

from __future__ import annotations

import asyncio
import random
import time

import httpx
import pytest

from centra_provision.centra.client import CentraClient, RetryPolicy
from centra_provision.emulator.app import Emulator, InProcessTransport
from centra_provision.errors import CentraUnavailable
from tests.support.clock import FakeClock
from tests.support.emulator import EmulatorClient, served

CREATE = (
    "mutation C($input: PricelistCreateInput!) { createPricelist(input: $input) "
    "{ userErrors { message } pricelist { id } } }"
)


def test_rate_limit_429_with_retry_after() -> None:
    clock = FakeClock()
    emulator = Emulator(
        ":memory:", products=0, requests_per_10s=5, mutations_per_10s=2, clock=clock
    )
    with served(emulator) as url:
        api = EmulatorClient(emulator, url)
        codes = [api.gql("{ stores { id } }").status_code for _ in range(6)]
        assert codes == [200] * 5 + [429]
        refused = api.gql("{ stores { id } }")
        assert refused.status_code == 429
        # Centra's form: the timestamp to resume at (RATE:13), never before the moment the
        # emulator recorded, and exactly one token's refill (10 s / 5) after the refusal, on
        # a clock that stood still since the bucket was full.
        refused_at, resume_at = emulator.refusals[-1]
        assert refused_at == clock.time()
        assert resume_at - refused_at == pytest.approx(10 / 5)
        assert resume_at <= float(refused.headers["Retry-After"]) <= resume_at + 0.001
        assert api.stats()["status.429"] == 2
    emulator.state.close()


def test_mutation_bucket_is_separate() -> None:
    emulator = Emulator(
        ":memory:", products=0, requests_per_10s=50, mutations_per_10s=2, clock=FakeClock()
    )
    api = EmulatorClient(emulator, None)
    inputs = [
        {"name": f"P{i}", "status": "INACTIVE", "currencyIsoCode": "SEK", "store": {"id": 2}}
        for i in range(3)
    ]
    codes = [api.gql(CREATE, {"input": i}).status_code for i in inputs]
    assert codes == [200, 200, 429]
    assert api.gql("{ stores { id } }").status_code == 200
    rows = api.data("{ rateLimits { type intervalSeconds quota usedQuota remainingQuota } }")
    by = {(r["type"], r["intervalSeconds"]): r for r in rows["rateLimits"]}
    assert len(by) == 6 and all(
        r["quota"] == r["usedQuota"] + r["remainingQuota"] for r in by.values()
    )
    # Four requests drew on the bucket (two mutations, the stores read and the rateLimits
    # read itself; the refused mutation drew nothing), which refills continuously (5 a
    # second) and never past its quota; on a clock that stood still, nothing came back.
    assert by[("REQUEST_COUNT", "TEN_SECONDS")]["remainingQuota"] == 50 - 4
    assert by[("MUTATION_COUNT", "TEN_SECONDS")]["usedQuota"] == 2
    assert by[("MUTATION_COUNT", "ONE_HOUR")]["usedQuota"] == 2  # the refused one drew nothing


def test_latency_knob_delays(api: EmulatorClient) -> None:
    api.faults(latency_ms=200)
    started = time.monotonic()
    assert api.gql("{ stores { id } }").status_code == 200
    assert time.monotonic() - started >= 0.19  # injected lower bound, not a speed claim


def test_error_rate_knob(api: EmulatorClient) -> None:
    api.faults(error_rate=1.0)
    assert api.gql("{ stores { id } }").status_code == 503
    api.faults(error_rate=0.0)
    assert api.gql("{ stores { id } }").status_code == 200


def test_jittered_errors_are_seeded(api: EmulatorClient) -> None:
    api.faults(error_rate=0.5, seed=7)
    first = [api.gql("{ stores { id } }").status_code for _ in range(20)]
    api.faults(seed=7)
    second = [api.gql("{ stores { id } }").status_code for _ in range(20)]
    assert first == second and set(first) == {200, 503}


def test_429_storm_knob(api: EmulatorClient) -> None:
    api.faults(storm_requests=3, storm_retry_after=2)
    responses = [api.gql("{ stores { id } }") for _ in range(4)]
    assert [r.status_code for r in responses] == [429, 429, 429, 200]
    refused_at, resume_at = api.emulator.refusals[0]  # the emulator's clock, not ours
    assert resume_at - refused_at == 2
    assert resume_at <= float(responses[0].headers["Retry-After"]) <= resume_at + 0.001
    api.faults(storm_requests=1, retry_after_form="delta-seconds")
    assert api.gql("{ stores { id } }").headers["Retry-After"] == "2"


def test_dropped_connection_knob(api: EmulatorClient) -> None:
    """A dropped connection surfaces as whichever transport error the socket noticed first
    (reset by peer, incomplete body); the contract is that it is a transport failure and the
    client retries it and says the connection dropped, not which class httpx picked."""
    api.faults(drop_rate=1.0)
    with pytest.raises(httpx.TransportError):
        api.gql("{ stores { id } }")
    clock = FakeClock()
    retry = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.01)
    with pytest.raises(CentraUnavailable) as failure:
        asyncio.run(_read_stores(api, retry, clock))
    assert "connection dropped" in str(failure.value)
    assert "after 3 attempts" in str(failure.value)
    # It backed off between the attempts, with the policy's jitter (seed 1), on its clock.
    rng = random.Random(1)
    assert clock.sleeps == [retry.backoff(0, rng), retry.backoff(1, rng)]
    api.faults(drop_rate=0.0)
    assert asyncio.run(_read_stores(api, RetryPolicy(), clock)) == {
        "stores": [{"id": 1}, {"id": 2}]
    }
    assert api.stats()["dropped"] == 1 + 3
    assert len(clock.sleeps) == 2  # the read without faults never waited


async def _read_stores(
    api: EmulatorClient, retry: RetryPolicy, clock: FakeClock
) -> dict[str, object]:
    """Our own client, unmocked, against the emulator in-process or over real HTTP."""
    transport = None if api.over_http else InProcessTransport(api.emulator)
    url = f"{api.base_url}/graphql"
    if not api.over_http:
        url = "http://127.0.0.1/graphql"
    async with CentraClient(
        url, api.token, transport=transport, retry=retry, seed=1, clock=clock
    ) as client:
        return await client.execute("query Stores { stores { id } }", operation_name="Stores")


def test_fail_after_commit_knob(api: EmulatorClient) -> None:
    api.faults(fail_after_commit=1)
    response = api.gql(
        CREATE,
        {
            "input": {
                "name": "Committed",
                "status": "ACTIVE",
                "currencyIsoCode": "SEK",
                "store": {"id": 2},
            }
        },
    )
    assert response.status_code == 502
    names = [p["name"] for p in api.data("{ pricelists { name } }")["pricelists"]]
    assert "Committed" in names  # the mutation did commit
    assert api.gql("{ stores { id } }").status_code == 200


def test_unknown_fault_knob_is_refused(api: EmulatorClient) -> None:
    response = api.request("POST", "/__emulator/faults", json={"explode": True}, headers=api.admin)
    assert response.status_code == 400
    assert api.request("POST", "/__emulator/faults", json={}).status_code == 401


def test_stats_count_operations(api: EmulatorClient) -> None:
    api.gql("query ListStores { stores { id } }")
    api.gql("query ListStores { stores { id } }")
    api.gql("{ stores { id } }")
    stats = api.stats()
    assert (stats["requests"], stats["operation.ListStores"], stats["operation.anonymous"]) == (
        3,
        2,
        1,
    )
    api.request("DELETE", "/__emulator/stats")
    assert api.stats() == {}
