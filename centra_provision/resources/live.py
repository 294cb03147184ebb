"""What Centra shows, mapped from GraphQL results into plain values (pure: no I/O).

Every root list plan reads is a `LiveList`: the reference field, the type capability
discovery finds it by, the `.graphql` document holding it, and how its rows become entries
keyed by identity. The lists every plan needs (stores, warehouses) and the ones several kinds
share (markets, currencies) are defined here; a kind defines its own (tax groups, attribute
types, pricelists, shipping options) in its module. What a kind reads beyond lists (plugins
per store, the Order API probe, shipping-option membership checks) is kept here too, in the
attributes those readers fill.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

PLUGIN_KINDS = ("orderApi", "webhooks")

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class LiveList:
    """One root list of the ReadLive query: `field` is the reference name and the response
    key, `document` the .graphql file holding it (a query of its own, combined with the
    others into one request per page; paged when its field takes `page`), `parse` turns a page
    of rows into entries by key."""

    field: str
    type: str
    document: str
    parse: Callable[[Rows], dict[Any, Any]]

    @property
    def flag(self) -> str:
        """The `@include` variable that turns this list on or off for a page."""
        return "with" + self.field[0].upper() + self.field[1:]


@dataclass(frozen=True)
class LiveStore:
    id: int
    name: str
    type: str


def _stores(rows: Rows) -> dict[str, LiveStore]:
    return {s["name"]: LiveStore(s["id"], s["name"], s["type"]) for s in rows}


def _by_name_id(rows: Rows) -> dict[str, int]:
    return {w["name"]: w["id"] for w in rows}


def _markets(rows: Rows) -> dict[str, dict[str, Any]]:
    return {
        m["name"]: {
            "id": m["id"],
            "store": m["store"]["name"],
            "countries": sorted(c["code"] for c in m["assignedToCountries"]),
        }
        for m in rows
    }


def _currencies(rows: Rows) -> dict[str, dict[str, Any]]:
    return {c["code"]: {"id": c["id"], "isBase": c["isBase"]} for c in rows}


def _shipping_options(rows: Rows) -> dict[str, dict[str, Any]]:
    return {s["name"]: {"id": s["id"], "uri": s.get("uri")} for s in rows}


STORES = LiveList("stores", "Store", "read_stores", _stores)
WAREHOUSES = LiveList("warehouses", "Warehouse", "read_warehouses", _by_name_id)
MARKETS = LiveList("markets", "Market", "read_markets", _markets)
CURRENCIES = LiveList("currencies", "Currency", "read_currencies", _currencies)
# Shipping options: their own kind's, and a pricelist's default shipping option by id.
SHIPPING_OPTIONS = LiveList(
    "shippingOptions", "ShippingOption", "read_shipping_options", _shipping_options
)
# Read for every plan: the names the manifests use for stores and warehouses.
ALWAYS = (STORES, WAREHOUSES)
SHARED = (STORES, WAREHOUSES, MARKETS, SHIPPING_OPTIONS, CURRENCIES)


@dataclass
class LiveState:
    """Everything one read of Centra found. `lists` holds each LiveList's entries by its
    field; the rest is what the readers beyond lists found."""

    lists: dict[str, dict[Any, Any]] = field(default_factory=dict)
    # (store name, "orderApi" | "webhooks") -> [{"id", "name", "status"}]
    plugins: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    probes: dict[str, int] = field(default_factory=dict)  # Order API uri -> HTTP status
    probe_answers: dict[str, str] = field(default_factory=dict)  # uri -> the body's "status"
    # shipping option name -> {"status": bool, ..., "stores": {name: bool}}
    shipping_checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def entries(self, name: str) -> dict[Any, Any]:
        """The entries of one list by key (empty when it was not read)."""
        return self.lists.get(name, {})

    def was_read(self, name: str) -> bool:
        return name in self.lists

    def add_rows(self, read: LiveList, rows: Iterable[dict[str, Any]]) -> None:
        """Fold one page of one list into the state."""
        self.lists.setdefault(read.field, {}).update(read.parse(list(rows)))

    @property
    def stores(self) -> dict[str, LiveStore]:
        return self.entries("stores")

    @property
    def warehouses(self) -> dict[str, int]:
        return self.entries("warehouses")

    @property
    def markets(self) -> dict[str, dict[str, Any]]:
        return self.entries("markets")

    @property
    def currencies(self) -> dict[str, dict[str, Any]]:
        return self.entries("currencies")

    @property
    def base_currency(self) -> str | None:
        return next((c for c, v in self.currencies.items() if v["isBase"]), None)

    def add_plugins(self, store: str, kind: str, rows: list[dict[str, Any]]) -> None:
        self.plugins.setdefault((store, kind), []).extend(rows)

    def plugin(self, store: str, kind: str, name: str) -> dict[str, Any] | None:
        return next((p for p in self.plugins.get((store, kind), []) if p["name"] == name), None)


def fingerprint(entry: Any) -> str | None:
    """A stable digest of what Centra showed for one resource (saved plans compare these)."""
    if entry is None:
        return None
    text = json.dumps(entry, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:32]
