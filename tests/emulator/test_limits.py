"""The emulator's rate limits as Centra documents them (reference "Rate limiting" block):
six token buckets per plan, `rateLimits` with six rows, `extensions.complexity` on every
response, and a request too complex for a bucket refused before it runs. Buckets that must
refill run on a fake clock: the refill is asserted to the moment, not waited for."""

from __future__ import annotations

import pytest
from graphql import parse

from centra_provision.emulator.app import Emulator
from centra_provision.emulator.complexity import MUTATION_COST, complexity
from centra_provision.emulator.limits import PLANS
from tests.support.clock import FakeClock
from tests.support.emulator import EmulatorClient, served

RATE_LIMITS = "query { rateLimits { type intervalSeconds quota usedQuota remainingQuota } }"


def rows(api: EmulatorClient) -> dict[tuple[str, str], dict[str, int]]:
    body = api.data(RATE_LIMITS)["rateLimits"]
    return {(r["type"], r["intervalSeconds"]): r for r in body}


@pytest.mark.parametrize("plan", list(PLANS))
def test_each_plan_answers_six_rows(plan: str) -> None:
    emulator = Emulator(":memory:", products=0, plan=plan)
    found = rows(EmulatorClient(emulator, None))
    assert {k: r["quota"] for k, r in found.items()} == PLANS[plan]
    assert all(r["quota"] == r["usedQuota"] + r["remainingQuota"] for r in found.values())


def test_growth_is_the_default_plan() -> None:
    found = rows(EmulatorClient(Emulator(":memory:", products=0), None))
    assert found[("REQUEST_COUNT", "TEN_SECONDS")]["quota"] == 60
    assert found[("QUERY_COMPLEXITY", "ONE_HOUR")]["quota"] == 30_000_000


def test_a_quota_rate_limits_cannot_report_is_refused() -> None:
    """rateLimits answers quotas as GraphQL Ints: the largest one still answers, a larger
    one is refused when the emulator is configured, not later as a broken answer."""
    top = {"QUERY_COMPLEXITY/ONE_HOUR": 2**31 - 1}
    found = rows(EmulatorClient(Emulator(":memory:", products=0, quotas=top), None))
    assert found[("QUERY_COMPLEXITY", "ONE_HOUR")]["quota"] == 2**31 - 1
    with pytest.raises(ValueError, match="above 2147483647"):
        Emulator(":memory:", products=0, quotas={"QUERY_COMPLEXITY/ONE_HOUR": 2**31})


def test_every_response_reports_its_complexity(api: EmulatorClient) -> None:
    page = "query P($n: Int!) { products(limit: $n) { id name } }"
    body = api.gql(page, {"n": 10}).json()
    assert body["extensions"]["complexity"] == 1 + 10 * 2
    schema = api.emulator.schema
    assert complexity(schema, parse(page), None, {"n": 10}) == 21
    nested = "{ products(limit: 5) { id displays(limit: 3) { id name } } }"
    assert api.gql(nested).json()["extensions"]["complexity"] == 1 + 5 * (1 + 1 + 3 * 2)
    mutation = (
        'mutation { updatePricelist(id: 1, input: {name: "X"}) { userErrors { message path } } }'
    )
    cost = api.gql(mutation).json()["extensions"]["complexity"]
    assert cost == MUTATION_COST + 1 + (1 + 2)
    assert api.gql("{ __typename }").json()["extensions"]["complexity"] == 0


def test_too_complex_is_refused_before_it_runs() -> None:
    emulator = Emulator(":memory:", products=30, quotas={"QUERY_COMPLEXITY/TEN_SECONDS": 100})
    api = EmulatorClient(emulator, None)
    refused = api.gql("{ products(limit: 100) { id name } }")
    assert refused.status_code == 400
    assert "data" not in refused.json()
    assert (
        "complexity 201 exceeds the QUERY_COMPLEXITY TEN_SECONDS quota of 100"
        in (refused.json()["errors"][0]["message"])
    )
    assert rows(api)[("QUERY_COMPLEXITY", "ONE_HOUR")]["usedQuota"] <= 6 + 1  # only rateLimits


def test_complexity_bucket_refuses_until_refilled() -> None:
    clock = FakeClock()
    emulator = Emulator(
        ":memory:", products=45, quotas={"QUERY_COMPLEXITY/TEN_SECONDS": 100}, clock=clock
    )
    with served(emulator) as url:
        api = EmulatorClient(emulator, url)
        query = "{ products(limit: 45) { id name } }"  # 91: the second needs 8.2 s of refill
        assert api.gql(query).status_code == 200
        refused = api.gql(query)
        assert refused.status_code == 429
        # The emulator's own record of the refusal: 82 points missing, refilled at 10 points
        # per second, on a clock that only moves when told.
        refused_at, resume_at = emulator.refusals[-1]
        assert refused_at == clock.time()
        assert resume_at - refused_at == pytest.approx(82 / 10)
        assert resume_at <= float(refused.headers["Retry-After"]) <= resume_at + 0.001
        clock.advance(8.1)
        assert api.gql(query).status_code == 429  # not refilled yet
        clock.advance(0.1)
        assert api.gql(query).status_code == 200  # refilled, at the moment it named
    emulator.state.close()


def test_hourly_bucket_is_enforced() -> None:
    clock = FakeClock()
    emulator = Emulator(":memory:", products=0, quotas={"REQUEST_COUNT/ONE_HOUR": 3}, clock=clock)
    api = EmulatorClient(emulator, None)
    assert [api.gql("{ stores { id } }").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert emulator.refusals[-1][1] - emulator.refusals[-1][0] == 1200  # one token per 20 min
    clock.advance(1200)
    assert api.gql("{ stores { id } }").status_code == 200


def test_documented_rate_limits_example_runs(api: EmulatorClient) -> None:
    """RATE:84-92, the query exactly as documented; it needs no permission (RATE:95)."""
    token = api.office("POST", "/tokens", {"name": "nothing", "permissions": []}).json()["token"]
    body = api.gql(RATE_LIMITS, token=token).json()
    assert len(body["data"]["rateLimits"]) == 6 and body["extensions"]["permissionsUsed"] == []
