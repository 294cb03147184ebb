"""What Centra shows, mapped from GraphQL results into plain values (pure: no I/O).

Only what Centra's API can show is here: a plugin's id, name and status (store and type are
known from the filter it was read with), attribute types' descriptions and element keys,
tax groups with their rules, stores and warehouses, and the Order API probe's answers.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

PLUGIN_KINDS = ("orderApi", "webhooks")


@dataclass(frozen=True)
class LiveStore:
    id: int
    name: str
    type: str


@dataclass
class LiveState:
    stores: dict[str, LiveStore] = field(default_factory=dict)
    warehouses: dict[str, int] = field(default_factory=dict)
    # (store name, "orderApi" | "webhooks") -> [{"id", "name", "status"}]
    plugins: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    attribute_types: dict[str, dict[str, Any]] = field(default_factory=dict)
    tax_groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    probes: dict[str, int] = field(default_factory=dict)  # Order API uri -> HTTP status
    probe_answers: dict[str, str] = field(default_factory=dict)  # uri -> the body's "status"
    markets: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> id, store, ...
    pricelists: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    shipping_options: dict[str, int] = field(default_factory=dict)  # name -> id
    shipping_uris: dict[str, str | None] = field(default_factory=dict)  # name -> uri
    currencies: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> id, isBase
    # shipping option name -> {"status": bool, ..., "stores": {name: bool}}
    shipping_checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def base_currency(self) -> str | None:
        return next((c for c, v in self.currencies.items() if v["isBase"]), None)

    def add_page(self, data: dict[str, Any]) -> None:
        """Fold one page of the ReadLive query into the state."""
        for s in data.get("stores") or []:
            self.stores[s["name"]] = LiveStore(s["id"], s["name"], s["type"])
        for w in data.get("warehouses") or []:
            self.warehouses[w["name"]] = w["id"]
        for a in data.get("attributeTypes") or []:
            self.attribute_types[a["name"]] = {
                "description": a["description"],
                "elements": {e["key"]: e["description"] for e in a["elements"]},
            }
        for g in data.get("taxGroups") or []:
            self.tax_groups[g["name"]] = {
                "id": g["id"],
                "status": g["status"],
                "defaultInStores": sorted(s["name"] for s in g["defaultInStores"]),
                "rules": {
                    r["name"]: {
                        "id": r["id"],
                        "displayName": r["displayName"],
                        "code": r["code"],
                        "rate": r["rate"],
                        "applyTaxToShipping": r["applyTaxToShipping"],
                        "applyTaxToHandling": r["applyTaxToHandling"],
                        "countries": sorted(c["code"] for c in r["countries"]),
                    }
                    for r in g["rules"]
                },
            }
        self.add_catalogue(data)

    def add_catalogue(self, data: dict[str, Any]) -> None:
        """Markets, pricelists, shipping options and currencies of one ReadLive page."""
        for m in data.get("markets") or []:
            self.markets[m["name"]] = {
                "id": m["id"],
                "store": m["store"]["name"],
                "countries": sorted(c["code"] for c in m["assignedToCountries"]),
            }
        for p in data.get("pricelists") or []:
            default = p.get("defaultShippingOption")
            self.pricelists[(p["store"]["name"], p["name"])] = {
                "id": p["id"],
                "status": p["status"],
                "currency": p["currency"]["code"],
                "countries": sorted(c["code"] for c in p["assignedToCountries"]),
                "defaultShippingOption": default["name"] if default else None,
            }
        for s in data.get("shippingOptions") or []:
            self.shipping_options[s["name"]] = s["id"]
            self.shipping_uris[s["name"]] = s.get("uri")
        for c in data.get("currencies") or []:
            self.currencies[c["code"]] = {"id": c["id"], "isBase": c["isBase"]}

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
