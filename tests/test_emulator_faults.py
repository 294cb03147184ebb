"""Every fault knob, in-process and over real HTTP, and Centra's rate limits."""

from __future__ import annotations

import time

import httpx
import pytest
from emulator_harness import EmulatorClient, served

from centra_provision.emulator.app import Emulator

CREATE = (
    "mutation C($input: PricelistCreateInput!) { createPricelist(input: $input) "
    "{ userErrors { message } pricelist { id } } }"
)


def test_rate_limit_429_with_retry_after() -> None:
    emulator = Emulator(":memory:", products=0, requests_per_10s=5, mutations_per_10s=2)
    with served(emulator) as url:
        api = EmulatorClient(emulator, url)
        codes = [api.gql("{ stores { id } }").status_code for _ in range(6)]
        assert codes == [200] * 5 + [429]
        refused = api.gql("{ stores { id } }")
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 10
        assert api.stats()["status.429"] == 2


def test_mutation_bucket_is_separate() -> None:
    emulator = Emulator(":memory:", products=0, requests_per_10s=50, mutations_per_10s=2)
    api = EmulatorClient(emulator, None)
    inputs = [
        {"name": f"P{i}", "status": "INACTIVE", "currencyIsoCode": "SEK", "store": {"id": 2}}
        for i in range(3)
    ]
    codes = [api.gql(CREATE, {"input": i}).status_code for i in inputs]
    assert codes == [200, 200, 429]
    assert api.gql("{ stores { id } }").status_code == 200
    limits = api.data("{ rateLimits { type usedQuota remainingQuota } }")["rateLimits"]
    assert {r["type"]: r["remainingQuota"] for r in limits} == {
        "REQUEST_COUNT": 50 - 4,
        "MUTATION_COUNT": 0,
    }


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
    assert responses[0].headers["Retry-After"] == "2"


def test_dropped_connection_knob(api: EmulatorClient) -> None:
    api.faults(drop_rate=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        api.gql("{ stores { id } }")
    api.faults(drop_rate=0.0)
    assert api.gql("{ stores { id } }").status_code == 200
    assert api.stats()["dropped"] == 1


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
