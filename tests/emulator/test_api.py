"""The emulator's Integration API: auth, permissions, paging, mutations and userErrors."""

from __future__ import annotations

from typing import Any

from tests.support.emulator import EmulatorClient

PRICELIST_FIELDS = "id name status store { id } currency { code } assignedToCountries { code }"


def test_stores_and_permissions_used(api: EmulatorClient) -> None:
    body = api.gql("query S { stores { id name type } }").json()
    assert body["data"]["stores"] == [
        {"id": 1, "name": "Retail", "type": "DIRECT_TO_CONSUMER"},
        {"id": 2, "name": "Wholesale", "type": "WHOLESALE"},
    ]
    assert body["extensions"]["permissionsUsed"] == ["Store:read"]


def test_unknown_token_is_403(api: EmulatorClient) -> None:
    assert api.gql("{ stores { id } }", token="not-a-token").status_code == 403
    no_auth = api.request("POST", "/graphql", json={"query": "{ stores { id } }"})
    assert no_auth.status_code == 403


def test_cookie_auth(api: EmulatorClient) -> None:
    response = api.request(
        "POST",
        "/graphql",
        json={"query": "{ stores { id } }"},
        headers={"Cookie": f"graphql-access={api.token}"},
    )
    assert response.status_code == 200 and len(response.json()["data"]["stores"]) == 2


def test_expired_token_is_403(api: EmulatorClient) -> None:
    created = api.office(
        "POST",
        "/tokens",
        {"name": "old", "permissions": ["Store:read"], "expiresAt": "2020-01-01T00:00:00+00:00"},
    ).json()
    assert api.gql("{ stores { id } }", token=created["token"]).status_code == 403


def test_missing_permission_is_an_authorization_error(api: EmulatorClient) -> None:
    token = api.office(
        "POST", "/tokens", {"name": "stores only", "permissions": ["Store:read", "TaxGroup:read"]}
    ).json()
    body = api.gql(
        "{ stores { id } taxGroups { id name rules { id } } }", token=token["token"]
    ).json()
    assert body["data"]["stores"] == [{"id": 1}, {"id": 2}]
    assert body["data"]["taxGroups"] == []  # no groups yet: rules never resolved
    api.office("POST", "/tax-groups", {"name": "GE Local VAT", "status": "ACTIVE"})
    body = api.gql(
        "{ stores { id } taxGroups { id name rules { id } } }", token=token["token"]
    ).json()
    assert [e["extensions"]["category"] for e in body["errors"]] == ["authorization"]
    assert body["errors"][0]["path"] == ["taxGroups", 0, "rules"]
    assert body["data"] is None  # rules is [TaxRule!]!: the null propagates to the root
    assert body["extensions"]["permissionsUsed"] == ["Store:read", "TaxGroup:read", "TaxRule:read"]


def test_missing_permission_on_a_nullable_field_keeps_the_rest(api: EmulatorClient) -> None:
    token = api.office(
        "POST", "/tokens", {"name": "pricelists", "permissions": ["Pricelist:read"]}
    ).json()
    body = api.gql(
        "{ pricelists(limit: 1) { id name defaultShippingOption { id } } }", token=token["token"]
    ).json()
    assert body["data"] == {"pricelists": [{"id": 1, "name": "SEK", "defaultShippingOption": None}]}
    assert body["errors"][0]["extensions"] == {
        "category": "authorization",
        "permission": "ShippingOption:read",
    }


def test_paging_until_a_short_page(api: EmulatorClient) -> None:
    seen: list[int] = []
    page = 1
    while True:
        rows = api.data(
            "query P($page: Int!) { products(where: {status: [ACTIVE]}, "
            "sort: [updatedAt_DESC], limit: 7, page: $page) { id status } }",
            {"page": page},
        )["products"]
        seen += [r["id"] for r in rows]
        assert all(r["status"] == "ACTIVE" for r in rows)
        if len(rows) < 7:
            break
        page += 1
    active = api.emulator.state.db.execute(
        "SELECT COUNT(*) FROM product WHERE status = 'ACTIVE'"
    ).fetchone()[0]
    assert len(seen) == len(set(seen)) == active
    assert 0 < active < 60


def test_default_limit_is_20_and_sorting(api: EmulatorClient) -> None:
    countries = api.data("{ markets(sort: [id_DESC]) { id } countries { code } }")
    assert [m["id"] for m in countries["markets"]] == [3, 2, 1]
    assert len(countries["countries"]) == 249
    products = api.data("{ products { id } }")["products"]
    assert len(products) == 20


def test_create_pricelist_and_user_errors_change_nothing(api: EmulatorClient) -> None:
    mutation = (
        "mutation C($input: PricelistCreateInput!) { createPricelist(input: $input) "
        "{ userErrors { message path } pricelist { " + PRICELIST_FIELDS + " } } }"
    )
    before = len(api.data("{ pricelists { id } }")["pricelists"])
    bad = api.data(
        mutation,
        {
            "input": {
                "name": "EUR",
                "status": "ACTIVE",
                "currencyIsoCode": "XYZ",
                "store": {"id": 1},
            }
        },
    )
    assert bad["createPricelist"]["pricelist"] is None
    assert bad["createPricelist"]["userErrors"] == [
        {"message": "Currency not found: XYZ", "path": ["input", "currencyIsoCode"]}
    ]
    clash = api.data(
        mutation,
        {
            "input": {
                "name": "SE again",
                "status": "ACTIVE",
                "currencyIsoCode": "SEK",
                "store": {"id": 1},
                "addCountries": [{"code": "SE"}],
            }
        },
    )
    assert clash["createPricelist"]["userErrors"][0]["message"] == (
        "Country is already assigned to pricelist 'SEK'"
    )
    assert len(api.data("{ pricelists { id } }")["pricelists"]) == before
    good = api.data(
        mutation,
        {
            "input": {
                "name": "Wholesale SEK",
                "status": "INACTIVE",
                "currencyIsoCode": "SEK",
                "store": {"id": 2},
            }
        },
    )
    created = good["createPricelist"]["pricelist"]
    assert good["createPricelist"]["userErrors"] == []
    assert created == {
        "id": before + 1,
        "name": "Wholesale SEK",
        "status": "INACTIVE",
        "store": {"id": 2},
        "currency": {"code": "SEK"},
        "assignedToCountries": [],
    }


def test_update_and_delete_pricelist(api: EmulatorClient) -> None:
    upd = (
        "mutation U($id: Int!, $input: PricelistUpdateInput!) { updatePricelist(id: $id, "
        "input: $input) { userErrors { message } pricelist { id status "
        "assignedToCountries { code } } } }"
    )
    result = api.data(
        upd, {"id": 1, "input": {"status": "INACTIVE", "addCountries": [{"code": "NO"}]}}
    )
    assert result["updatePricelist"]["userErrors"] == [
        {"message": "Country is already assigned to pricelist 'Global-e SEK'"}
    ]
    result = api.data(upd, {"id": 1, "input": {"status": "INACTIVE"}})
    assert result["updatePricelist"]["pricelist"]["status"] == "INACTIVE"
    missing = api.data(upd, {"id": 999, "input": {"status": "ACTIVE"}})
    assert missing["updatePricelist"] == {
        "userErrors": [{"message": "Pricelist not found"}],
        "pricelist": None,
    }
    delete = "mutation D($id: Int!) { deletePricelist(id: $id) { userErrors { message } } }"
    assert api.data(delete, {"id": 3})["deletePricelist"]["userErrors"] == []
    assert api.data(delete, {"id": 3})["deletePricelist"]["userErrors"] == [
        {"message": "Pricelist not found"}
    ]
    assert [p["id"] for p in api.data("{ pricelists { id } }")["pricelists"]] == [1, 2]


def test_markets_create_and_update(api: EmulatorClient) -> None:
    create = (
        "mutation M($input: MarketCreateInput!) { createMarket(input: $input) "
        "{ userErrors { message path } market { id name store { id } "
        "assignedToCountries { code } } } }"
    )
    clash = api.data(
        create, {"input": {"name": "Nordics", "store": {"id": 1}, "addCountries": [{"code": "SE"}]}}
    )
    assert clash["createMarket"]["userErrors"][0]["message"] == (
        "Country is already assigned to market 'Sweden'"
    )
    unknown = api.data(create, {"input": {"name": "X", "store": {"id": 9}}})
    assert unknown["createMarket"]["userErrors"] == [
        {"message": "Store not found", "path": ["input", "store"]}
    ]
    created = api.data(create, {"input": {"name": "Outlet", "store": {"id": 2}}})
    assert created["createMarket"]["market"] == {
        "id": 4,
        "name": "Outlet",
        "store": {"id": 2},
        "assignedToCountries": [],
    }
    update = (
        "mutation U($id: Int!, $input: MarketUpdateInput!) { updateMarket(id: $id, "
        "input: $input) { userErrors { message } market { assignedToCountries { code } } "
        "} }"
    )
    moved = api.data(update, {"id": 2, "input": {"removeCountries": [{"code": "NO"}]}})
    assert "NO" not in [c["code"] for c in moved["updateMarket"]["market"]["assignedToCountries"]]
    moved = api.data(update, {"id": 1, "input": {"addCountries": [{"code": "NO"}]}})
    assert [c["code"] for c in moved["updateMarket"]["market"]["assignedToCountries"]] == [
        "NO",
        "SE",
    ]


def test_shipping_options(api: EmulatorClient) -> None:
    create = (
        "mutation S($input: ShippingOptionCreateInput!) { createShippingOption("
        "input: $input) { userErrors { message path } } }"
    )
    base: dict[str, Any] = {
        "name": "GE Express",
        "status": "ACTIVE",
        "currencyIsoCode": "SEK",
        "storeType": "DIRECT_TO_CONSUMER",
        "isPickupPoint": False,
        "addStores": [{"id": 1}],
        "addMarkets": [{"id": 2}],
    }
    assert api.data(create, {"input": base})["createShippingOption"]["userErrors"] == []
    dup = api.data(create, {"input": {**base, "name": "GE Express 2", "uri": "ge-express"}})
    assert dup["createShippingOption"]["userErrors"] == [
        {"message": "URI 'ge-express' is already in use", "path": ["input", "uri"]}
    ]
    found = api.data(
        '{ shippingOptions(where: {uri: {contains: "ge-express"}, storeId: [1], '
        "marketId: [2], status: [ACTIVE]}) { id name } }"
    )
    assert found["shippingOptions"] == [{"id": 3, "name": "GE Express"}]
    update = (
        "mutation U($id: Int!, $input: ShippingOptionUpdateInput!) { "
        "updateShippingOption(id: $id, input: $input) { userErrors { message } } }"
    )
    assert api.data(
        update, {"id": 3, "input": {"status": "INACTIVE", "removeMarkets": [{"id": 2}]}}
    ) == {"updateShippingOption": {"userErrors": []}}
    gone = api.data("{ shippingOptions(where: {marketId: [2], status: [ACTIVE]}) { id } }")
    assert gone["shippingOptions"] == [{"id": 1}, {"id": 2}]


def test_invalid_queries_are_graphql_errors(api: EmulatorClient) -> None:
    response = api.gql("{ stores { id secretField } }")
    assert response.status_code == 400
    assert "secretField" in response.json()["errors"][0]["message"]
    assert api.gql("{ stores { id ").status_code == 400


def test_rate_limits_query(api: EmulatorClient) -> None:
    limits = api.data("{ rateLimits { type intervalSeconds quota usedQuota remainingQuota } }")
    rows = {(r["type"], r["intervalSeconds"]): r for r in limits["rateLimits"]}
    assert len(limits["rateLimits"]) == 6  # RATE:95 "an array of 6 (currently) objects"
    assert rows[("REQUEST_COUNT", "ONE_HOUR")]["usedQuota"] == 1  # the query counts itself
    assert rows[("MUTATION_COUNT", "TEN_SECONDS")]["usedQuota"] == 0


def test_product_sizes_filtered_by_id(api: EmulatorClient) -> None:
    """`productSizes(where: {id: ...})` as Centra's FE example uses it (reference FE:118)."""
    query = "{ products(limit: 1) { variants { productSizes%s { id } } } }"
    variant = api.data(query % "")["products"][0]["variants"][0]
    ids = [s["id"] for s in variant["productSizes"]]
    assert len(ids) >= 2
    picked = api.data(query % f"(where: {{id: [{ids[1]}]}})")["products"][0]["variants"][0]
    assert picked["productSizes"] == [{"id": ids[1]}]
