"""The emulator defects a GraphQL fuzzer found (issue 16), each pinned by behaviour: nested
lists like their root query, malformed requests as 4xx JSON, token expiry checked at
creation, huge documents refused off the event loop, store-type rules on every write path,
bounded list arguments with no internal text, and JSON-only bodies (no cross-site forms)."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import pytest

from centra_provision.emulator import graphql_api
from centra_provision.emulator.app import Emulator
from centra_provision.emulator.graphql_api import MAX_LIST_ITEMS, MAX_TOKENS
from tests.support.emulator import EmulatorClient

DISPLAY_VIEW = "id name tags updatedAt displayItems { id productVariant { id } }"


def errors_of(response: Any) -> list[str]:
    return [e["message"] for e in response.json().get("errors", [])]


def token_with(api: EmulatorClient, *permissions: str) -> str:
    created = api.office("POST", "/tokens", {"name": "narrow", "permissions": list(permissions)})
    assert created.status_code == 201, created.text
    return str(created.json()["token"])


# 1. nested lists ----------------------------------------------------------------------------
def test_market_displays_serve_the_full_display_view(api: EmulatorClient) -> None:
    markets = api.data(f"{{ markets {{ id displays {{ {DISPLAY_VIEW} }} }} }}")["markets"]
    root = api.data(f"{{ displays(where: {{storeId: [1]}}) {{ {DISPLAY_VIEW} }} }}")["displays"]
    assert root and markets[0]["displays"] == root
    assert all(d["tags"] == [] and d["updatedAt"] for d in root)


def test_market_displays_filter_and_page_like_the_root_query(api: EmulatorClient) -> None:
    def nested(args: str) -> list[int]:
        body = api.data(f"{{ market(id: 1) {{ displays({args}) {{ id }} }} }}")
        return [d["id"] for d in body["market"]["displays"]]

    def root(args: str) -> list[int]:
        return [d["id"] for d in api.data(f"{{ displays({args}) {{ id }} }}")["displays"]]

    store = "where: {storeId: [1]}"
    every = root(f"{store}, limit: 1000")
    assert nested("limit: 1000") == every and len(every) > 8
    assert nested(f"where: {{id: [{every[3]}]}}") == [every[3]]
    assert nested("where: {storeId: [2]}") == []  # the market's store only
    assert nested("where: {marketId: [3]}") == []  # market 3 is the wholesale store's
    assert nested("limit: 3, page: 2") == root(f"{store}, limit: 3, page: 2") == every[3:6]
    for limit in ("limit: 0", "limit: -5"):
        assert nested(limit) == root(f"{store}, {limit}") == []
    assert nested("sort: [id_DESC], limit: 2") == root(f"{store}, sort: [id_DESC], limit: 2")


def test_market_displays_need_display_read(api: EmulatorClient) -> None:
    token = token_with(api, "Market:read")
    body = api.gql("{ markets { id displays { id } } }", token=token).json()
    assert {e["extensions"]["permission"] for e in body["errors"]} == {"Display:read"}
    assert "Display:read" in body["extensions"]["permissionsUsed"]


# 2. malformed requests ----------------------------------------------------------------------
MALFORMED: list[Any] = [
    {"query": "{ stores { id } }", "operationName": {"a": 1}},
    {"query": "{ stores { id } }", "operationName": ["S"]},
    {"query": "{ stores { id } }", "operationName": 7},
    {"query": "{ stores { id } }", "variables": [1, 2]},
    {"query": "{ stores { id } }", "variables": "x"},
    {"query": ["{ stores { id } }"]},
    {"query": 5},
    {},
    ["{ stores { id } }"],
    "{ stores { id } }",
    None,
]


def test_malformed_requests_get_a_4xx_graphql_error(api: EmulatorClient) -> None:
    for payload in MALFORMED:
        response = api.request(
            "POST", "/graphql", json=payload, headers={"Authorization": f"Bearer {api.token}"}
        )
        assert 400 <= response.status_code < 500, payload
        assert response.headers["content-type"].startswith("application/json")
        assert errors_of(response) and all(isinstance(m, str) for m in errors_of(response))


def test_not_json_is_a_4xx_graphql_error(api: EmulatorClient) -> None:
    response = api.request(
        "POST",
        "/graphql",
        content=b'{"query": "{ stores',
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and errors_of(response) == ["Body must be JSON"]


# 3. token expiry ----------------------------------------------------------------------------
def test_token_expiry_is_validated_at_creation(api: EmulatorClient) -> None:
    for expires in ["2030-01-01T00:00:00", "tomorrow", 1893456000, ""]:
        created = api.office(
            "POST", "/tokens", {"name": "t", "permissions": ["Store:read"], "expiresAt": expires}
        )
        assert created.status_code == 400, expires
        assert "expiresAt" in created.json()["error"]
    assert all(t["name"] != "t" for t in api.office("GET", "/state").json()["tokens"])


def test_token_expiry_with_an_offset_is_kept(api: EmulatorClient) -> None:
    created = api.office(
        "POST",
        "/tokens",
        {"name": "t", "permissions": ["Store:read"], "expiresAt": "2099-01-01T02:00:00+02:00"},
    )
    assert created.status_code == 201
    assert api.gql("{ stores { id } }", token=created.json()["token"]).status_code == 200
    stored = [t for t in api.office("GET", "/state").json()["tokens"] if t["name"] == "t"]
    assert stored[0]["expiresAt"] == "2099-01-01T00:00:00+00:00"


def test_a_stored_unreadable_expiry_is_a_403_not_a_500(api: EmulatorClient) -> None:
    token = token_with(api, "Store:read")
    for row in api.emulator.state.all("token"):
        if row["permissions"] == ["Store:read"]:
            api.emulator.state.put("token", row["id"], {**row, "expiresAt": "tomorrow"})
    assert api.gql("{ stores { id } }", token=token).status_code == 403


# 4. huge documents --------------------------------------------------------------------------
def test_a_document_over_the_token_bound_is_refused_while_parsing(api: EmulatorClient) -> None:
    aliases = " ".join(f"a{i}: products {{ id }}" for i in range(MAX_TOKENS // 5))
    response = api.gql(f"{{ {aliases} }}")
    assert response.status_code == 400
    assert "Parsing aborted" in errors_of(response)[0]
    assert api.stats().get("operation.invalid") == 1


def test_parse_and_execute_run_off_the_event_loop(
    api: EmulatorClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event loop's thread never parses, validates, costs or executes a document."""
    threads: list[str] = []
    for name in ("parsed_request", "run"):
        real = getattr(graphql_api, name)

        def spy(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            threads.append(threading.current_thread().name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(f"centra_provision.emulator.app.{name}", spy)
    loop_thread: list[str] = []

    async def where_am_i(scope: Any, receive: Any, send: Any) -> None:
        loop_thread.append(threading.current_thread().name)
        await app(scope, receive, send)

    app = api.emulator.app
    monkeypatch.setattr(api.emulator, "app", where_am_i)
    assert api.gql("{ stores { id } }").status_code == 200
    assert len(threads) == 2 and loop_thread and loop_thread[0] not in threads


# 5. store-type rules on update ---------------------------------------------------------------
UPDATE_MARKET = (
    "mutation U($id: Int!, $input: MarketUpdateInput!) { updateMarket(id: $id, input: $input) "
    "{ userErrors { message path } market { id } } }"
)
UPDATE_PRICELIST = (
    "mutation U($id: Int!, $input: PricelistUpdateInput!) { updatePricelist(id: $id, "
    "input: $input) { userErrors { message path } pricelist { id } } }"
)
CREATE_PRICELIST = (
    "mutation C($input: PricelistCreateInput!) { createPricelist(input: $input) "
    "{ userErrors { message } pricelist { id } } }"
)


def test_update_market_refuses_countries_for_a_wholesale_store(api: EmulatorClient) -> None:
    wholesale = next(
        m
        for m in api.data("{ markets { id store { type } } }")["markets"]
        if m["store"]["type"] == "WHOLESALE"
    )
    result = api.data(
        UPDATE_MARKET, {"id": wholesale["id"], "input": {"addCountries": [{"code": "NO"}]}}
    )["updateMarket"]
    assert "direct-to-consumer" in result["userErrors"][0]["message"]
    after = api.data(f"{{ market(id: {wholesale['id']}) {{ assignedToCountries {{ code }} }} }}")
    assert after["market"]["assignedToCountries"] == []


def test_update_pricelist_refuses_countries_for_a_wholesale_store(api: EmulatorClient) -> None:
    created = api.data(
        CREATE_PRICELIST,
        {"input": {"name": "WS", "status": "ACTIVE", "currencyIsoCode": "SEK", "store": {"id": 2}}},
    )["createPricelist"]["pricelist"]
    result = api.data(
        UPDATE_PRICELIST, {"id": created["id"], "input": {"addCountries": [{"code": "NO"}]}}
    )["updatePricelist"]
    assert "direct-to-consumer" in result["userErrors"][0]["message"]
    pricelists = api.data("{ pricelists { id assignedToCountries { code } } }")["pricelists"]
    assert next(p for p in pricelists if p["id"] == created["id"])["assignedToCountries"] == []


# 6. bounded lists, no internal text ---------------------------------------------------------
def test_a_huge_id_filter_is_refused_by_name(api: EmulatorClient) -> None:
    ids = list(range(1, 260_001))
    response = api.gql("query D($ids: [Int!]) { displays(where: {id: $ids}) { id } }", {"ids": ids})
    message = errors_of(response)[0]
    assert f"where.id has 260000 values; at most {MAX_LIST_ITEMS}" in message
    assert "SQL" not in response.text
    fits = api.gql(
        "query D($ids: [Int!]) { displays(where: {id: $ids}) { id } }",
        {"ids": ids[:MAX_LIST_ITEMS]},
    )
    assert "errors" not in fits.json()


def test_internal_failures_never_show_their_text(
    api: EmulatorClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise sqlite3.OperationalError("too many SQL variables")

    monkeypatch.setattr(api.emulator.state, "displays", broken)
    response = api.gql("{ displays { id } }")
    assert response.status_code == 200
    assert errors_of(response) == ["Internal server error"]
    assert "SQL" not in response.text


# 7. JSON bodies only ------------------------------------------------------------------------
NOT_JSON = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]


def test_cookie_authenticated_non_json_body_is_refused(api: EmulatorClient) -> None:
    """What a cross-site form or fetch without preflight can send is not executed, even
    with the browser's graphql-access cookie attached."""
    mutation = (
        'mutation { createPricelist(input: {name: "CSRF", status: ACTIVE, '
        'currencyIsoCode: "SEK", store: {id: 2}}) { pricelist { id } } }'
    )
    for content_type in NOT_JSON:
        response = api.request(
            "POST",
            "/graphql",
            content=f'{{"query": {mutation!r}}}'.replace("'", '"').encode(),
            headers={"Cookie": f"graphql-access={api.token}", "Content-Type": content_type},
        )
        assert response.status_code == 415, content_type
        assert errors_of(response) == ["Content-Type must be application/json"]
    names = [p["name"] for p in api.data("{ pricelists { name } }")["pricelists"]]
    assert "CSRF" not in names


def test_cookie_with_json_works_as_centra_documents(api: EmulatorClient) -> None:
    response = api.request(
        "POST",
        "/graphql",
        json={"query": "{ stores { id } }"},
        headers={
            "Cookie": f"graphql-access={api.token}",
            "Content-Type": "application/json; charset=utf-8",
        },
    )
    assert response.status_code == 200 and response.json()["data"]["stores"]


def test_the_process_wide_caches_stay_bounded() -> None:
    """A long-running `emulator serve` answering many distinct documents keeps the shared
    caches of parsed documents and introspection answers at their bounds, newest kept."""
    bounded = graphql_api._Bounded(3)
    for i in range(5):
        bounded.keep(i, str(i))
    assert list(bounded.items()) == [(2, "2"), (3, "3"), (4, "4")]
    bounded.keep(2, "again")
    assert list(bounded) == [3, 4, 2]
    client = EmulatorClient(Emulator(":memory:", products=0, requests_per_10s=1000), None)
    for i in range(graphql_api._INTROSPECTIONS.size + 5):
        assert client.gql(f'{{ a{i}: __type(name: "Store") {{ name }} }}').status_code == 200
    assert len(graphql_api._INTROSPECTIONS) == graphql_api._INTROSPECTIONS.size
    assert isinstance(graphql_api._PARSED, graphql_api._Bounded)
    with pytest.raises(AttributeError):
        client.emulator.schema = client.emulator.schema  # type: ignore[misc]
