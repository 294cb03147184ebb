"""The emulator serves what Centra's documentation shows: sorts, renamed fields and the
documentation's own example operations, run as written."""

from __future__ import annotations

import json

from tests.support.emulator import EmulatorClient
from tests.support.paths import FIXTURES


def test_products_sort_by_id_both_ways(api: EmulatorClient) -> None:
    """ProductSort id_DESC (FE:82 `products (where: {status: ACTIVE}, sort: id_DESC, page: 1)`)."""
    query = "query P($s: [ProductSort!], $p: Int) { products(sort: $s, limit: 7, page: $p) { id } }"
    ascending = [
        p["id"] for n in (1, 2, 3) for p in api.data(query, {"s": ["id_ASC"], "p": n})["products"]
    ]
    assert ascending == sorted(ascending) and len(set(ascending)) == 21
    descending = [p["id"] for p in api.data(query, {"s": ["id_DESC"], "p": 1})["products"]]
    assert descending == sorted(descending, reverse=True) and descending[0] > ascending[-1]
    documented = "{ products (where: {status: ACTIVE}, sort: id_DESC, page: 1) { id } }"
    assert api.data(documented)["products"][0]["id"] == max(
        p["id"]
        for p in api.data("{ products(limit: 100, where: {status: ACTIVE}) { id } }")["products"]
    )


def test_product_sizes_serve_ean_and_upc(api: EmulatorClient) -> None:
    """AUTH:422: GTIN was renamed EAN and UPC was added."""
    body = api.data("{ products(limit: 5) { variants { productSizes { id GTIN EAN UPC } } } }")
    sizes = [s for p in body["products"] for v in p["variants"] for s in v["productSizes"]]
    assert sizes and all(s["EAN"] == s["GTIN"] and len(s["EAN"]) == 13 for s in sizes)
    upcs = [s["UPC"] for s in sizes if s["UPC"] is not None]
    assert upcs and all(len(u) == 12 and u.isdigit() for u in upcs)
    for upc in upcs:  # a valid UPC-A check digit
        digits = [int(d) for d in upc]
        assert (3 * sum(digits[0:11:2]) + sum(digits[1:11:2]) + digits[11]) % 10 == 0


DOCS = json.loads((FIXTURES / "centra_doc_examples.json").read_text())


def _free_documented_countries(api: EmulatorClient) -> None:
    """The examples assign countries 122 and 125 to a market and SE to a pricelist; in the
    seeded merchant those are taken, so free them first (the examples stay as written)."""
    codes = {c["id"]: c["code"] for c in api.data("{ countries { id code } }")["countries"]}
    for market in api.data("{ markets { id assignedToCountries { id } } }")["markets"]:
        held = [{"id": c["id"]} for c in market["assignedToCountries"] if c["id"] in (122, 125)]
        if held:
            api.data(
                "mutation M($id: Int!, $c: [CountryInput!]) { updateMarket(id: $id, input: "
                "{removeCountries: $c}) { userErrors { message } } }",
                {"id": market["id"], "c": held},
            )
    for pricelist in api.data("{ pricelists { id assignedToCountries { code } } }")["pricelists"]:
        if {"code": "SE"} in pricelist["assignedToCountries"]:
            api.data(
                "mutation P($id: Int!) { updatePricelist(id: $id, input: {removeCountries: "
                '[{code: "SE"}]}) { userErrors { message } } }',
                {"id": pricelist["id"]},
            )
    assert codes[122] and codes[125]


def test_centras_documented_examples_validate_and_run(api: EmulatorClient) -> None:
    """Every example of the docs for stores, markets, pricelists, warehouses, countries, rate
    limits and the market and pricelist mutations, as written (only the ids of the market and
    pricelist the examples themselves create are the emulator's: 29 and 36 in the docs)."""
    _free_documented_countries(api)
    created: dict[str, int] = {}
    for example in DOCS["examples"]:
        text = example["query"] + ("\n" + DOCS["marketFields"] if example["needsFragment"] else "")
        text = text.replace("(id: 29", f"(id: {created.get('market', 29)}")
        text = text.replace("(id: 36", f"(id: {created.get('pricelist', 36)}")
        response = api.gql(text)
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, (example["cite"], body)
        assert isinstance(body["extensions"]["complexity"], int), example["cite"]
        for key, payload in body["data"].items():
            if isinstance(payload, dict) and "userErrors" in payload:
                assert payload["userErrors"] == [], (example["cite"], payload)
            if key == "createMarket":
                created["market"] = payload["market"]["id"]
            if key == "createPricelist":
                created["pricelist"] = payload["pricelist"]["id"]
    market = api.data(f"{{ market(id: {created['market']}) {{ assignedToCountries {{ id }} }} }}")
    assert market["market"]["assignedToCountries"] == [{"id": 122}]  # PIM:263 add 122, drop 125
    assert created["pricelist"] not in [
        p["id"] for p in api.data("{ pricelists { id } }")["pricelists"]
    ]


def test_documented_fields_are_served_with_seeded_data(api: EmulatorClient) -> None:
    body = api.data(
        "{ markets { name campaigns { id name } allocationRule { id name } } "
        "warehouses { name stockOwnership allocationPolicy stockMaster isHiddenFromStockView "
        "isConsignation threshold brickAndMortar { id } country { code } state { id name } "
        "zipCode } countries(where: {id: [233]}) { code continent states { name code } } "
        "counters { products(where: {status: [ACTIVE]}) } }"
    )
    markets = {m["name"]: m for m in body["markets"]}
    assert markets["Sweden"]["campaigns"] == [{"id": 1, "name": "Spring sale"}]
    assert markets["Sweden"]["allocationRule"]["name"] == "Ship from Retail Warehouse"
    assert markets["Wholesale"]["allocationRule"] is None  # PIM:140 shows null too
    wholesale = next(w for w in body["warehouses"] if w["name"] == "Wholesale Warehouse")
    assert (
        wholesale["state"] == {"id": 2, "name": "Nevada"} and wholesale["country"]["code"] == "US"
    )
    (us,) = body["countries"]
    assert us["continent"] == "North America" and {"name": "Nevada", "code": "NV"} in us["states"]
    active = api.data("{ products(limit: 100, where: {status: [ACTIVE]}) { id } }")["products"]
    assert body["counters"]["products"] == len(active)


def test_filters_and_display_links(api: EmulatorClient) -> None:
    named = api.data('{ products(where: {name: {contains: "product 1"}}, limit: 100) { name } }')
    assert named["products"] and all("Product 1" in p["name"] for p in named["products"])
    exact = api.data('{ products(where: {name: {equals: "Product 12"}}) { name } }')["products"]
    assert exact == [{"name": "Product 12"}]
    assert api.data("{ displays(where: {status: [INACTIVE]}) { id } }")["displays"] == []
    display = api.data(
        "{ displays(limit: 1) { id displayItems { id } markets { name } product { id } "
        "productVariants { id } store { name } taxGroup { name } } }"
    )["displays"][0]
    item_id = display["displayItems"][0]["id"]
    documented = (  # FE:111-120, with GTIN read as EAN (AUTH:422)
        f"{{ displayItems(where: {{id: {item_id}}}) {{ display {{ name uri }} "
        "productVariant { id productSizes { description EAN } } } }"
    )
    (item,) = api.data(documented)["displayItems"]
    assert item["display"]["uri"] and item["productVariant"]["productSizes"]
    assert display["store"]["name"] == "Retail" and display["product"]["id"] > 0
    assert {m["name"] for m in display["markets"]} == {"Sweden", "Global-e"}


def test_assigned_countries_default_to_name_order(api: EmulatorClient) -> None:
    """Market/Pricelist.assignedToCountries default to `sort: [name_ASC]` (reference)."""
    body = api.data(
        '{ markets(where: {name: {equals: "Global-e"}}) { assignedToCountries { name } } }'
    )
    names = [c["name"] for c in body["markets"][0]["assignedToCountries"]]
    assert len(names) > 200 and names == sorted(names)
