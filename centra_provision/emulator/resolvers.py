"""Query resolvers: state rows to the shapes the Integration API serves, with where/sort/paging.

List queries page with `limit`/`page` (default 20 and 1, as on the reference's nested
lists); a short or empty page is the end.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from centra_provision.emulator.store import CentraState

DEFAULT_LIMIT = 20
Row = dict[str, Any]


def paginate(
    rows: list[Row], sort: list[str] | None, limit: int | None, page_no: int | None
) -> list[Row]:
    if sort and sort[0].endswith("_DESC"):
        rows = sorted(rows, key=lambda r: r["id"], reverse=True)
    limit = DEFAULT_LIMIT if limit is None else max(limit, 0)
    start = (max(page_no or 1, 1) - 1) * limit
    return rows[start : start + limit]


def _match(value: str | None, match: Row | None) -> bool:
    """StringMatch: `contains` is a case-insensitive substring, `equals` the exact value
    (reference: StringMatch, ERP:3031, PIM:3298, IDCONV:109); both must hold when both given."""
    if not match:
        return True
    needle, exact = match.get("contains"), match.get("equals")
    if needle is not None and (value is None or needle.lower() not in value.lower()):
        return False
    return exact is None or value == exact


def _in(value: Any, allowed: list[Any] | None) -> bool:
    return allowed is None or value in allowed


def _upc(size_id: int) -> str | None:
    """A UPC-A (12 digits, US GS1 prefix 0-84, valid check digit) for every fourth size;
    the others have none, as a European merchant's sizes mostly would not."""
    if size_id % 4:
        return None
    body = f"{84_000_000_000 + size_id:011d}"[-11:]
    odd = sum(int(d) for d in body[0::2])
    even = sum(int(d) for d in body[1::2])
    return body + str((10 - (odd * 3 + even) % 10) % 10)


def stamp(value: str | None, _format: str | None = None) -> str | None:
    return value


class Views:
    """Turns stored objects into API objects. Nested objects resolve lazily from state."""

    def __init__(self, state: CentraState) -> None:
        self.state = state

    def store(self, sid: int) -> Row | None:
        row = self.state.get("store", sid)
        return {"id": row["id"], "name": row["name"], "type": row["type"]} if row else None

    def country(self, cid: int) -> Row | None:
        row = self.state.get("country", cid)
        return self.country_view(row) if row else None

    def country_view(self, row: Row) -> Row:
        """A country with its states (DTC:286-288 `countries { ... states { name } }`)."""
        return {**row, "states": lambda info: self.states_of(row["id"])}

    def states_of(self, country_id: int) -> list[Row]:
        return [
            {"id": s["id"], "name": s["name"], "code": s.get("code")}
            for s in self.state.all("country_state")
            if s["countryId"] == country_id
        ]

    def countries_by_id(self) -> dict[int, Row]:
        return {c["id"]: self.country_view(c) for c in self.state.all("country")}

    def warehouse(self, row: Row) -> Row:
        """Every documented Warehouse field (ERP:786-846); older states lack the details."""
        state_id = row.get("stateId")
        found = self.state.get("country_state", state_id) if state_id else None
        return {
            "id": row["id"],
            "name": row["name"],
            "status": row["status"],
            "stockOwnership": row.get("stockOwnership", "THIRD_PARTY"),
            "allocationPolicy": row.get("allocationPolicy", "CHECK_FIRST"),
            "stockMaster": row.get("stockMaster", "EXTERNAL"),
            "isHiddenFromStockView": bool(row.get("isHiddenFromStockView", False)),
            "isConsignation": bool(row.get("isConsignation", False)),
            "threshold": row.get("threshold"),
            "brickAndMortar": None,
            "country": lambda info: self.country(row.get("countryId") or 0),
            "state": (
                {"id": found["id"], "name": found["name"], "code": found.get("code")}
                if found
                else None
            ),
            "zipCode": row.get("zipCode"),
        }

    def currency(self, row: Row) -> Row:
        return {
            "id": row["id"],
            "name": row["name"],
            "code": row["code"],
            "currentBaseRate": row["rate"],
            "denominator": 1,
            "isoNumber": None,
            "prefix": None,
            "suffix": " " + row["code"],
            "updatedAt": lambda info, format=None: "2026-01-01T00:00:00+00:00",
            "decimalPoint": ".",
            "decimalDigits": 2,
            "thousandsSeparator": " ",
            "isBase": row["isBase"],
            "externalId": None,
        }

    def currency_by_code(self, code: str) -> Row | None:
        for row in self.state.all("currency"):
            if row["code"] == code:
                return self.currency(row)
        return None

    def country_list(self, ids: list[int]) -> Callable[..., list[Row]]:
        def resolve(
            info: Any,
            where: Row | None = None,
            sort: list[str] | None = None,
            limit: int | None = None,
            page: int | None = None,
        ) -> list[Row]:
            countries = self.countries_by_id()
            rows = [countries[i] for i in sorted(ids) if i in countries]
            if where and where.get("id"):
                rows = [r for r in rows if r["id"] in where["id"]]
            if sort and sort[0] == "name_ASC":  # the reference's default order
                rows, sort = sorted(rows, key=lambda r: str(r["name"])), None
            if limit is None and page is None:
                return rows if not (sort and sort[0].endswith("_DESC")) else rows[::-1]
            return paginate(rows, sort, limit, page)

        return resolve

    def market(self, row: Row) -> Row:
        return {
            "id": row["id"],
            "name": row["name"],
            "comment": row.get("comment"),
            "allocationRule": lambda info: self.allocation_rule(row.get("allocationRuleId")),
            "assignedToCountries": self.country_list(row["countries"]),
            "campaigns": lambda info, where=None, sort=None, limit=20, page=1: paginate(
                [
                    {"id": c["id"], "name": c["name"]}
                    for c in self.state.all("campaign")
                    if row["id"] in c.get("marketIds", []) and _in(c["id"], (where or {}).get("id"))
                ],
                sort or ["id_DESC"],
                limit,
                page,
            ),
            "store": lambda info: self.store(row["storeId"]),
            # the market's displays are the store's: the root query's view, filter and
            # paging with the store fixed (permission Display:read, as at the root)
            "displays": lambda info, where=None, sort=None, limit=20, page=1: self.displays(
                where, sort, limit, page, within_store=row["storeId"]
            ),
        }

    def allocation_rule(self, rule_id: int | None) -> Row | None:
        row = self.state.get("allocation_rule", rule_id) if rule_id else None
        return {"id": row["id"], "name": row["name"]} if row else None

    def displays(
        self,
        where: Row | None,
        sort: list[str] | None,
        limit: int | None,
        page_no: int | None,
        within_store: int | None = None,
    ) -> list[Row]:
        """`displays` at the root and under a market: one filter, one page rule, one view."""
        w = where or {}
        limit = DEFAULT_LIMIT if limit is None else max(limit, 0)
        offset = (max(page_no or 1, 1) - 1) * limit
        store_ids = list(w.get("storeId") or [])
        for mid in w.get("marketId") or []:
            market = self.state.get("market", mid)
            store_ids += [market["storeId"]] if market else [-1]
        constrained = w.get("storeId") is not None or w.get("marketId") is not None
        if within_store is not None:
            store_ids = [within_store] if not constrained or within_store in store_ids else [-1]
        rows = self.state.displays(
            w.get("id"),
            store_ids or None,
            bool(sort and sort[0] == "id_DESC"),
            limit,
            offset,
            statuses=w.get("status"),
        )
        return [self.display(d) for d in rows]

    def shipping_option(self, row: Row) -> Row:
        return {"id": row["id"], "name": row["name"], "uri": row.get("uri")}

    def pricelist(self, row: Row) -> Row:
        shipping = row.get("defaultShippingOption")
        return {
            "id": row["id"],
            "name": row["name"],
            "status": row["status"],
            "assignedToCountries": self.country_list(row["countries"]),
            "currency": lambda info: self.currency_by_code(row["currency"]),
            "defaultShippingOption": lambda info: (
                self.shipping_option(self.state.get("shipping_option", shipping) or {})
                if shipping and self.state.get("shipping_option", shipping)
                else None
            ),
            "store": lambda info: self.store(row["storeId"]),
        }

    def tax_group(self, row: Row) -> Row:
        group: Row = {"id": row["id"], "name": row["name"], "status": row["status"]}
        group["defaultInStores"] = lambda info: [
            s for s in (self.store(i) for i in row.get("defaultInStores", [])) if s
        ]
        group["rules"] = lambda info: [
            self.tax_rule(r, group) for r in self.state.all("tax_rule") if r["groupId"] == row["id"]
        ]
        return group

    def tax_rule(self, row: Row, group: Row) -> Row:
        countries = self.countries_by_id()
        return {
            "id": row["id"],
            "name": row["name"],
            "displayName": row["displayName"],
            "code": row["code"],
            "rate": float(row["rate"]),
            "applyTaxToShipping": row["applyTaxToShipping"],
            "applyTaxToHandling": row["applyTaxToHandling"],
            "applyFrom": lambda info, format=None: row["createdAt"],
            "applyTo": lambda info, format=None: None,
            "zipCode": None,
            "city": None,
            "countries": [countries[i] for i in row["countries"] if i in countries],
            "taxGroup": group,
        }

    def attribute_type(self, row: Row) -> Row:
        definition = row["definition"]
        return {
            "name": row["name"],
            "description": definition.get("desc", ""),
            "isMapped": False,
            "isMulti": False,
            "elements": [
                {
                    "key": key,
                    "description": el.get("desc", ""),
                    "isMulti": False,
                    "paramsJSON": "{}",
                }
                for key, el in definition.get("elements", {}).items()
            ],
        }

    def product(self, row: Row) -> Row:
        variants = {v["id"]: self.variant(v) for v in row["variants"]}
        displays = [self.display(d, variants) for d in row["displays"]]
        country = row.get("country_id")

        def display_list(
            info: Any,
            where: Row | None = None,
            sort: list[str] | None = None,
            limit: int | None = None,
            page: int | None = None,
        ) -> list[Row]:
            found = [d for d in displays if _display_matches(d, where)]
            return found if limit is None else paginate(found, sort, limit, page)

        return {
            "id": row["id"],
            "name": row["name"],
            "status": row["status"],
            "productNumber": row["product_number"],
            "harmonizedCommodityCode": None,
            "harmonizedCommodityCodeDescription": None,
            "internalComment": None,
            "isBundle": False,
            "isSerializableProduct": False,
            "createdAt": lambda info, format=None: row["created_at"],
            "updatedAt": lambda info, format=None: row["updated_at"],
            "variants": list(variants.values()),
            "countryOfOrigin": (lambda info: self.country(country)) if country else None,
            "displays": display_list,
        }

    def variant(self, v: Row) -> Row:
        sizes = [
            {
                "id": s["id"],
                "description": s["description"],
                "sizeNumber": s["size_number"],
                "GTIN": s["gtin"],
                "EAN": s["gtin"],  # GTIN was renamed EAN (AUTH:422)
                "UPC": _upc(s["id"]),
                "SKU": s["sku"],
            }
            for s in v["sizes"]
        ]

        def product_sizes(info: object, where: Row | None = None) -> list[Row]:
            """`productSizes(where: {id: [...]})` as in Centra's FE example (FE:118)."""
            ids = (where or {}).get("id")
            return sizes if ids is None else [s for s in sizes if s["id"] in ids]

        return {
            "id": v["id"],
            "name": v["name"],
            "status": v["status"],
            "variantNumber": v["variant_number"],
            "internalName": None,
            "updatedAt": lambda info, format=None: "2026-01-01T00:00:00+00:00",
            "productSizes": product_sizes,
        }

    def display(self, d: Row, variants: dict[int, Row] | None = None) -> Row:
        items = [
            {
                "id": it["id"],
                "productVariant": (variants or {}).get(it["variant"]["id"])
                or self.variant(it["variant"]),
                "display": lambda info: view,
            }
            for it in d["items"]
            if it["variant"]
        ]
        store_id = d["store_id"]
        view: Row = {
            "id": d["id"],
            "name": d["name"],
            "status": d["status"],
            "uri": d["uri"],
            "minimumOrderQuantity": None,
            "orderQuantityDenominator": None,
            "description": d["description"],
            "shortDescription": None,
            "metaTitle": None,
            "metaDescription": None,
            "metaKeywords": None,
            "comment": None,
            "tags": [],
            "updatedAt": lambda info, format=None: d["updated_at"],
            "displayItems": items,
            "markets": lambda info: [
                self.market(m) for m in self.state.all("market") if m["storeId"] == store_id
            ],
            "product": lambda info: self.product_by_id(d["product_id"]),
            "productVariants": lambda info: [it["productVariant"] for it in items],
            "store": lambda info: self.store(store_id),
            "taxGroup": lambda info: next(
                (
                    self.tax_group(g)
                    for g in self.state.all("tax_group")
                    if store_id in g.get("defaultInStores", [])
                ),
                None,
            ),
            "_storeId": store_id,
        }
        return view

    def product_by_id(self, product_id: int) -> Row | None:
        rows = self.state.products(None, False, 1, 0, ids=[product_id])
        return self.product(rows[0]) if rows else None


def _display_matches(d: Row, where: Row | None) -> bool:
    if not where:
        return True
    return (
        _in(d["id"], where.get("id"))
        and _in(d["_storeId"], where.get("storeId"))
        and _in(d["status"], where.get("status"))
    )


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# How each `where` key of a reference filter applies to a stored row: "in" (the row's value
# is one of the listed), "match" (StringMatch), "any" (the row's list shares a value), "eq".
Filter = dict[str, tuple[str, Callable[[Row], Any]]]


def _field(name: str) -> Callable[[Row], Any]:
    return lambda row: row.get(name)


def _filters(**spec: tuple[str, str | Callable[[Row], Any]]) -> Filter:
    return {key: (how, get if callable(get) else _field(get)) for key, (how, get) in spec.items()}


def matches(row: Row, where: Row | None, spec: Filter) -> bool:
    for key, (how, get) in spec.items():
        want = (where or {}).get(key)
        if want is None:
            continue
        value = get(row)
        if (how == "in" and value not in want) or (how == "match" and not _match(value, want)):
            return False
        if (how == "any" and not set(value or []) & set(want)) or (how == "eq" and value != want):
            return False
    return True


STORE = _filters(id=("in", "id"), type=("eq", "type"))
PLUGIN = _filters(
    id=("in", "id"),
    status=("in", "status"),
    storeId=("in", "storeId"),
    type=("in", "type"),
    name=("match", "name"),
    uri=("match", lambda p: p.get("settings", {}).get("uri")),
)
ATTRIBUTE_TYPE = _filters(
    name=("match", "name"),
    description=("match", "description"),
    isMapped=("eq", "isMapped"),
    isMulti=("eq", "isMulti"),
)
TAX_GROUP = _filters(
    id=("in", "id"),
    status=("in", "status"),
    name=("match", "name"),
    defaultInStoreId=("any", "defaultInStores"),
)
MARKET = _filters(
    id=("in", "id"),
    storeId=("in", "storeId"),
    name=("match", "name"),
    assignedCountryId=("any", "countries"),
)
PRICELIST = _filters(
    id=("in", "id"),
    status=("in", "status"),
    storeId=("in", "storeId"),
    name=("match", "name"),
    currencyId=("in", "currencyId"),
    assignedToCountryId=("any", "countries"),
)
WAREHOUSE = _filters(id=("in", "id"), name=("match", "name"))
SHIPPING_OPTION = _filters(
    id=("in", "id"),
    status=("in", "status"),
    name=("match", "name"),
    uri=("match", "uri"),
    currencyId=("in", "currencyId"),
    storeType=("eq", "storeType"),
    storeId=("any", "stores"),
    marketId=("any", "markets"),
)


class QueryResolvers:
    """Root query fields: filter stored rows by the reference's `where`, sort, page."""

    def __init__(self, state: CentraState) -> None:
        self.state = state
        self.views = Views(state)

    def _rows(self, kind: str, where: Row | None, spec: Filter) -> list[Row]:
        rows = self.state.all(kind)
        if kind in ("pricelist", "shipping_option"):
            ids = {c["code"]: c["id"] for c in self.state.all("currency")}
            rows = [{**r, "currencyId": ids.get(r["currency"])} for r in rows]
        return [r for r in rows if matches(r, where, spec)]

    def lister(self, kind: str, spec: Filter, view: Callable[[Row], Row]) -> Callable[..., Any]:
        """A resolver for a paged list query over one kind of stored row."""

        def resolve(
            _root: Any,
            _info: Any,
            where: Row | None = None,
            sort: Any = None,
            limit: int | None = None,
            page_no: int | None = None,
        ) -> list[Row]:
            rows = [view(r) for r in self._rows(kind, where, spec)]
            return paginate(rows, sort, limit, page_no)

        return resolve

    def list_queries(self) -> dict[str, Callable[..., Any]]:
        """The paged list queries, by their reference name."""
        v = self.views
        return {
            "stores": self.lister(
                "store", STORE, lambda r: {"id": r["id"], "name": r["name"], "type": r["type"]}
            ),
            "storePlugins": self.lister(
                "plugin",
                PLUGIN,
                lambda p: {"id": p["id"], "status": p["status"], "name": p["name"]},
            ),
            "taxGroups": self.lister("tax_group", TAX_GROUP, v.tax_group),
            "markets": self.lister("market", MARKET, v.market),
            "pricelists": self.lister("pricelist", PRICELIST, v.pricelist),
            "warehouses": self.lister("warehouse", WAREHOUSE, v.warehouse),
            "shippingOptions": self.lister("shipping_option", SHIPPING_OPTION, v.shipping_option),
        }

    def attribute_types(self, _root: Any, _info: Any, where: Row | None = None) -> list[Row]:
        rows = [self.views.attribute_type(a) for a in self.state.all("attribute_type")]
        return [r for r in rows if matches(r, where, ATTRIBUTE_TYPE)]

    def market(self, _root: Any, _info: Any, id: int) -> Row | None:
        row = self.state.get("market", id)
        return self.views.market(row) if row else None

    def countries(
        self, _root: Any, _info: Any, where: Row | None = None, sort: list[str] | None = None
    ) -> list[Row]:
        rows = [self.views.country_view(r) for r in self.state.all("country")]
        if where and where.get("id"):
            rows = [r for r in rows if r["id"] in where["id"]]
        return rows[::-1] if sort and sort[0].endswith("_DESC") else rows

    def currencies(
        self, _root: Any, _info: Any, where: Row | None = None, sort: list[str] | None = None
    ) -> list[Row]:
        rows = [self.views.currency(c) for c in self.state.all("currency")]
        if where and where.get("isBase") is not None:
            rows = [r for r in rows if r["isBase"] == where["isBase"]]
        return rows[::-1] if sort and sort[0].endswith("_DESC") else rows

    def products(
        self,
        _root: Any,
        _info: Any,
        where: Row | None = None,
        sort: list[str] | None = None,
        limit: int | None = None,
        page_no: int | None = None,
    ) -> list[Row]:
        limit = DEFAULT_LIMIT if limit is None else max(limit, 0)
        offset = (max(page_no or 1, 1) - 1) * limit
        first = sort[0] if sort else "updatedAt_DESC"
        rows = self.state.products(
            (where or {}).get("status"),
            first.endswith("_DESC"),
            limit,
            offset,
            by_id=first.startswith("id_"),
            name=(where or {}).get("name"),
        )
        return [self.views.product(r) for r in rows]

    def display_items(self, _root: Any, _info: Any, where: Row | None = None) -> list[Row]:
        """`displayItems(where: {id: ...})` (FE:111): items with their display and variant;
        without a filter, the items of the first page of displays."""
        ids = (where or {}).get("id")
        display_ids = self.state.displays_of_items(ids) if ids is not None else None
        if display_ids == []:
            return []
        rows = self.state.displays(display_ids, None, False, len(display_ids or []) or 20, 0)
        items = [it for d in rows for it in self.views.display(d)["displayItems"]]
        return [it for it in items if ids is None or it["id"] in ids]

    def counters(self, _root: Any, _info: Any) -> Row:
        """`counters { products(where: ...) }` (PIM:2531-2533, response PIM:2662-2663)."""

        def products(info: Any, where: Row | None = None) -> int:
            w = where or {}
            return self.state.count_products(w.get("status"), w.get("name"))

        return {"products": products}

    def product(self, _root: Any, _info: Any, id: int) -> Row | None:
        rows = self.state.products(None, False, 1, 0, ids=[id])
        return self.views.product(rows[0]) if rows else None

    def displays(
        self,
        _root: Any,
        _info: Any,
        where: Row | None = None,
        sort: list[str] | None = None,
        limit: int | None = None,
        page_no: int | None = None,
    ) -> list[Row]:
        return self.views.displays(where, sort, limit, page_no)
