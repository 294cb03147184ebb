"""The emulator serves what Centra's documentation shows: sorts, renamed fields and the
documentation's own example operations, run as written."""

from __future__ import annotations

from emulator_harness import EmulatorClient


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
