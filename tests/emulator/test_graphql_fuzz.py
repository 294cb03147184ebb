"""Property-based GraphQL fuzz of the emulator (hypothesis-graphql, the generator Schemathesis'
GraphQL mode is built on): schema-valid queries and mutations, schema-invalid documents, and
malformed GraphQL-over-HTTP requests. Every answer must be JSON, never a 5xx, never a
non-null violation and never an internal error.

The suite runs a bounded, derandomized sample (the `ci` profile); a long random run:
`HYPOTHESIS_PROFILE=long FUZZ_EXAMPLES=5000 python3 -m pytest tests/emulator/test_graphql_fuzz.py`.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from graphql import StringValueNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries

from centra_provision.emulator.app import Emulator, InProcessTransport
from centra_provision.emulator.graphql_api import sdl

UNLIMITED = {
    f"{kind}/{interval}": 2_000_000_000  # the most a GraphQL Int (rateLimits) can say
    for kind in ("REQUEST_COUNT", "MUTATION_COUNT", "QUERY_COMPLEXITY")
    for interval in ("TEN_SECONDS", "ONE_HOUR")
}
SCALARS = {
    "DateTimeTz": st.sampled_from(["2026-01-01T00:00:00+00:00", "", "yesterday"]).map(
        lambda v: StringValueNode(value=v)
    )
}
CASES: Counter[str] = Counter()  # how many cases each property ran (printed at the end)


class Fuzzed:
    """One emulator reached in-process through one long-lived client (fast, and the same
    ASGI app `emulator serve` runs)."""

    def __init__(self) -> None:
        self.emulator = Emulator(":memory:", products=6, quotas=UNLIMITED)
        self.loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(
            transport=InProcessTransport(self.emulator), base_url="http://emulator.invalid"
        )
        self.headers = {"Authorization": f"Bearer {self.emulator.admin_token}"}

    def post(self, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        request = self.client.post("/graphql", headers=headers, timeout=60, **kwargs)
        return self.loop.run_until_complete(request)

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()
        self.emulator.state.close()


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[Fuzzed]:
    target = Fuzzed()
    yield target
    target.close()
    print(f"\nfuzz cases: {dict(CASES)}, {sum(CASES.values())} in all, 0 failures")


def check(response: httpx.Response, allowed: range = range(200, 500)) -> dict[str, Any]:
    """The contract every answer keeps, whatever was asked."""
    assert response.status_code in allowed, (response.status_code, response.text[:500])
    assert response.status_code < 500, response.text[:500]
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = json.loads(response.content)
    assert isinstance(body, dict) and ("data" in body or "errors" in body), body
    for error in body.get("errors") or []:
        message = str(error.get("message", ""))
        assert "Cannot return null for non-nullable field" not in message, error
        assert message != "Internal server error", error
        assert "Traceback" not in message and "sqlite" not in message.lower(), error
    return body


def answered(response: httpx.Response) -> None:
    """A schema-valid document is executed (200 with data), or refused as Centra refuses
    one: too complex for a whole bucket (400, category complexity) or over what is left of
    one (429 with Retry-After); nested lists with huge limits make both easy to generate."""
    body = check(response, range(200, 500))
    if response.status_code == 200:
        assert body.get("data") is not None, body
    elif response.status_code == 429:
        assert response.headers.get("Retry-After"), response.headers
    else:
        assert response.status_code == 400, body
        assert body["errors"][0]["extensions"]["category"] == "complexity", body


SCHEMA = sdl()
FAST = settings(suppress_health_check=list(HealthCheck))


@FAST
@given(query=queries(SCHEMA, custom_scalars=SCALARS))
def test_any_valid_query(fuzzed: Fuzzed, query: str) -> None:
    CASES["valid queries"] += 1
    answered(fuzzed.post(json={"query": query}))


@FAST
@given(mutation=mutations(SCHEMA, custom_scalars=SCALARS))
def test_any_valid_mutation(fuzzed: Fuzzed, mutation: str) -> None:
    CASES["valid mutations"] += 1
    answered(fuzzed.post(json={"query": mutation}))


@FAST
@given(
    document=queries(SCHEMA, custom_scalars=SCALARS, mode=Mode.NEGATIVE)
    | mutations(SCHEMA, custom_scalars=SCALARS, mode=Mode.NEGATIVE)
)
def test_any_invalid_document(fuzzed: Fuzzed, document: str) -> None:
    CASES["invalid documents"] += 1
    check(fuzzed.post(json={"query": document}))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
PAYLOADS = (
    st.fixed_dictionaries(
        {},
        optional={
            "query": st.sampled_from(["{ stores { id } }", "query A { stores { id } }", ""]) | JSON,
            "operationName": st.sampled_from(["A", "B"]) | JSON,
            "variables": JSON,
            "extensions": JSON,
        },
    )
    | JSON
)


@FAST
@given(
    payload=PAYLOADS,
    content_type=st.sampled_from(["application/json", "text/plain", "application/graphql+json"]),
)
def test_any_request_body(fuzzed: Fuzzed, payload: Any, content_type: str) -> None:
    CASES["request bodies"] += 1
    check(fuzzed.post(content=json.dumps(payload), headers={"Content-Type": content_type}))


@FAST
@given(raw=st.binary(max_size=200))
def test_any_bytes(fuzzed: Fuzzed, raw: bytes) -> None:
    CASES["raw bodies"] += 1
    check(fuzzed.post(content=raw, headers={"Content-Type": "application/json"}))
