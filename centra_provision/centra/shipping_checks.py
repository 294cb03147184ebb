"""What Centra shows of a shipping option beyond its id, name and uri: nothing directly, but
`shippingOptions(where: ...)` returns an option only when it matches the filter. So one
request asks, per option, an aliased filtered query per field and per store and market: an
answer with rows is a match. `plan` checks each desired value; `import` tries every
candidate value, so the one that answers is the value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode

from centra_provision.centra import operations
from centra_provision.centra.client import CentraClient
from centra_provision.centra.discovery import Capabilities
from centra_provision.resources import Resource
from centra_provision.resources.live import SHIPPING_OPTIONS, LiveState

CHECKS, IN_STORE, IN_MARKET = (
    "shipping_option_checks",
    "shipping_option_in_store",
    "shipping_option_in_market",
)


@dataclass
class Batch:
    """Copies of template operations in one request: each copy's aliases and variables carry
    its key (`o12s1_inStore`, `$storeId_o12s1`); each response key maps to what it means."""

    docs: list[DocumentNode] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    meanings: dict[str, Any] = field(default_factory=dict)

    def add(
        self,
        template: str,
        key: str,
        values: dict[str, Any],
        meaning: Any,
        only: str | None = None,
    ) -> None:
        doc = operations.instance(operations.load(template), key)
        if only is not None:  # one field of the template: the others' variables go too
            doc = operations.keep_roots(doc, {f"{key}_{only}"})
        self.docs.append(doc)
        self.variables.update({f"{name}_{key}": value for name, value in values.items()})
        self.meanings.update(dict.fromkeys(operations.response_keys(doc), meaning))

    async def run(
        self, client: CentraClient, caps: Capabilities, name: str
    ) -> list[tuple[Any, str, Any]]:
        """(meaning, response key, rows) of every alias, in one request."""
        doc = caps.prepare(operations.combine(name, self.docs))
        data = await client.execute(operations.text(doc), self.variables, operation_name=name)
        return [(self.meanings[key], key, rows) for key, rows in data.items()]


def _memberships(batch: Batch, live: LiveState, oid: int, key: str, name: str) -> None:
    """An alias per store and per market: is the option in it?"""
    for store in live.stores.values():
        values = {"id": [oid], "storeId": [store.id]}
        batch.add(IN_STORE, f"{key}s{store.id}", values, (name, "stores", store.name))
    for market_name, market in live.markets.items():
        values = {"id": [oid], "marketId": [market["id"]]}
        batch.add(IN_MARKET, f"{key}m{market['id']}", values, (name, "markets", market_name))


def _found(live: LiveState, name: str) -> dict[str, Any]:
    return live.shipping_checks.setdefault(name, {"stores": {}, "markets": {}})


async def check_shipping_options(
    client: CentraClient, caps: Capabilities, live: LiveState, options: list[Resource]
) -> None:
    """One request: per desired option, whether each desired field matches, and which stores
    and markets it is in."""
    batch = Batch()
    for res in options:
        oid = live.entries(SHIPPING_OPTIONS.field)[res.name]["id"]
        currency = live.currencies.get(str(res.spec["currency"]), {}).get("id", -1)
        values = {
            "id": [oid],
            "status": [res.spec["status"]],
            "currencyId": [currency],
            "storeType": res.spec["storeType"],
        }
        batch.add(CHECKS, f"o{oid}", values, (res.name, None, None))
        _memberships(batch, live, oid, f"o{oid}", res.name)
    for (name, group, member), response_key, rows in await batch.run(
        client, caps, "ShippingOptionChecks"
    ):
        if group is None:
            _found(live, name)[response_key.split("_", 1)[1]] = bool(rows)
        else:
            _found(live, name)[group][member] = bool(rows)


def _candidates(live: LiveState) -> list[tuple[str, Any, dict[str, Any]]]:
    """(field, value, filter variables) for every value an option's fields can take."""
    return [
        *(("status", s, {"status": [s]}) for s in ("ACTIVE", "INACTIVE")),
        *(("storeType", t, {"storeType": t}) for t in ("DIRECT_TO_CONSUMER", "WHOLESALE")),
        *(("currency", code, {"currencyId": [c["id"]]}) for code, c in live.currencies.items()),
    ]


async def probe_shipping_options(client: CentraClient, caps: Capabilities, live: LiveState) -> None:
    """Without desired values (`import`), try each candidate: the alias that answers with
    rows names the value; and which stores and markets each option is in."""
    batch = Batch()
    for name, option in live.entries(SHIPPING_OPTIONS.field).items():
        oid = option["id"]
        for i, (field_name, value, values) in enumerate(_candidates(live)):
            batch.add(
                CHECKS,
                f"o{oid}c{i}",
                {"id": [oid], **values},
                (name, field_name, value),
                field_name,
            )
        _memberships(batch, live, oid, f"o{oid}", name)
    for (name, field_name, value), _key, rows in await batch.run(
        client, caps, "ShippingOptionProbe"
    ):
        if field_name in ("stores", "markets"):
            _found(live, name)[field_name][value] = bool(rows)
        elif rows:
            _found(live, name)[f"value:{field_name}"] = value
