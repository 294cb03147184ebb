"""ShippingOption: the guide's shipping methods, whose URI is the Global-e shipping code.

Centra's reference shows a shipping option's id, name and uri (`shippingOption { name uri id }`,
DTC:45-50); the uri is read and compared exactly (a live `ge-express-2` is not a desired
`ge-express`). Every other field is observed through ShippingOptionFilter (an aliased query
per field returns the option only if that field matches), and stores and markets by
membership checks. Created and updated
through createShippingOption / updateShippingOption. Price groups are not managed: the
reference does not give ShippingPriceRangeInput's field names.
"""

from __future__ import annotations

from typing import Any

from centra_provision.plans import Action
from centra_provision.resources.base import (
    ApiOperation,
    BackOfficeContext,
    FieldState,
    ImportedDocument,
    Observation,
    ObserveContext,
    Resource,
    ResourceKind,
    StepFailed,
    by_name,
    check_store_refs,
)
from centra_provision.resources.live import CURRENCIES, MARKETS, SHIPPING_OPTIONS, LiveState
from centra_provision.resources.pricelist import PRICELISTS, market_coverage
from centra_provision.resources.steps import StepContext, render_value

CHECKED = ("status", "uri", "currency", "storeType")


def option_id(live: LiveState, name: str) -> int | None:
    """The id of the shipping option named `name`, when Centra has one."""
    found = live.entries(SHIPPING_OPTIONS.field).get(name)
    return int(found["id"]) if found is not None else None


def option_uri(live: LiveState, name: str) -> str | None:
    found = live.entries(SHIPPING_OPTIONS.field).get(name)
    return found.get("uri") if found is not None else None


def observe(res: Resource, ctx: ObserveContext) -> Observation:
    found_id = option_id(ctx.live, res.name)
    checks = ctx.live.shipping_checks.get(res.name, {})
    spec = res.spec
    fields = []
    for path in CHECKED:
        if path not in spec:
            continue
        if path == "uri":  # read, not filtered: compared exactly
            live_uri = option_uri(ctx.live, res.name) if found_id is not None else None
            fields.append(FieldState(path, spec[path], True, live_uri))
            continue
        seen = checks.get(path)
        live = spec[path] if seen else ("(differs)" if seen is False else None)
        fields.append(FieldState(path, spec[path], True, live))
    for path in ("stores", "markets"):
        membership: dict[str, bool] = checks.get(path, {})
        live_set = sorted(name for name, inside in membership.items() if inside)
        fields.append(
            FieldState(
                path, sorted(spec.get(path, [])), True, live_set if found_id is not None else None
            )
        )
    for path in ("isPickupPoint", "comment"):
        if path in spec:
            fields.append(FieldState(path, spec[path], False))
    entry = (
        {"id": found_id, "uri": option_uri(ctx.live, res.name), "checks": checks}
        if found_id is not None
        else None
    )
    return Observation(found_id is not None, entry, tuple(fields))


def _refs(names: list[str], ids: dict[str, int]) -> list[dict[str, int]]:
    return [{"id": ids[n]} for n in names]


def _ids(live: LiveState) -> tuple[dict[str, int], dict[str, int]]:
    return (
        {n: s.id for n, s in live.stores.items()},
        {n: m["id"] for n, m in live.markets.items()},
    )


def create_input(res: Resource, live: LiveState) -> dict[str, Any]:
    """ShippingOptionCreateInput (names resolved to ids)."""
    spec = res.spec
    stores, markets = _ids(live)
    body: dict[str, Any] = {
        "name": res.name,
        "status": spec["status"],
        "currencyIsoCode": spec["currency"],
        "storeType": spec["storeType"],
        "uri": spec["uri"],
        "isPickupPoint": bool(spec.get("isPickupPoint", False)),
        "addStores": _refs(spec.get("stores", []), stores),
        "addMarkets": _refs(spec.get("markets", []), markets),
    }
    if "comment" in spec:
        body["comment"] = spec["comment"]
    return body


def update_input(res: Resource, live: LiveState, changed: set[str]) -> dict[str, Any]:
    """ShippingOptionUpdateInput with only what differs; memberships as add/remove."""
    spec = res.spec
    stores, markets = _ids(live)
    body: dict[str, Any] = {}
    simple = {
        "status": "status",
        "uri": "uri",
        "currency": "currencyIsoCode",
        "isPickupPoint": "isPickupPoint",
        "comment": "comment",
    }
    for path, key in simple.items():
        if path in changed and path in spec:
            body[key] = spec[path]
    checks = live.shipping_checks.get(res.name, {})
    for path, ids, key in (("stores", stores, "Stores"), ("markets", markets, "Markets")):
        if path not in changed:
            continue
        now = {n for n, inside in checks.get(path, {}).items() if inside}
        want = set(spec.get(path, []))
        if want - now:
            body[f"add{key}"] = _refs(sorted(want - now), ids)
        if now - want:
            body[f"remove{key}"] = _refs(sorted(now - want), ids)
    return body


def guided_steps(res: Resource, action: str, paths: list[str], ctx: StepContext) -> list[str]:
    if action == Action.DELETE:
        return [
            f"Shipping > {res.name}: delete the shipping option (Centra's API has no "
            "delete for shipping options)."
        ]
    head = (
        f"Shipping > Create shipping option. Name: {res.name}"
        if action == Action.CREATE
        else f"Shipping > {res.name} > Edit."
    )
    lines = [head, *(f"{p}: {render_value(res.spec.get(p))}" for p in paths)]
    return [*lines, "Click Save."]


def backoffice(res: Resource, action: Action, ctx: BackOfficeContext) -> None:
    """The emulator's back office only deletes shipping options: the API makes the rest."""
    if action != Action.DELETE:
        raise StepFailed(f"{res.address}: shipping options are changed through the API")
    for option in ctx.office.records("shippingOptions"):
        if option["name"] == res.name:
            ctx.office.delete("shippingOptions", option["id"])


def shown(entry: dict[str, Any]) -> dict[str, Any]:
    checks = entry.get("checks") or {}
    return {
        path: sorted(name for name, inside in checks.get(path, {}).items() if inside)
        for path in ("stores", "markets")
    }


def adopt(live: LiveState) -> list[ImportedDocument]:
    """What the filters told about each option (`value:<field>`: the candidate that matched)."""
    docs = []
    for name in sorted(live.entries(SHIPPING_OPTIONS.field)):
        found = live.shipping_checks.get(name, {})
        spec = {
            "status": found.get("value:status"),
            "uri": option_uri(live, name),
            "currency": found.get("value:currency"),
            "storeType": found.get("value:storeType"),
            "stores": sorted(s for s, inside in found.get("stores", {}).items() if inside),
            "markets": sorted(m for m, inside in found.get("markets", {}).items() if inside),
        }
        docs.append(
            ImportedDocument(
                "shipping-options.yaml",
                "ShippingOption",
                name,
                {k: v for k, v in spec.items() if v is not None},
                ("isPickupPoint: <true|false>", "comment: <...>"),
            )
        )
    return docs


def _id(res: Resource, live: LiveState) -> int:
    found = option_id(live, res.name)
    if found is None:
        raise KeyError(f"shipping option '{res.name}' does not exist")
    return found


API = {
    Action.CREATE: ApiOperation(
        "createShippingOption",
        "ShippingOptionCreateInput",
        "create_shipping_option",
        lambda res, live, _changed: {"input": create_input(res, live)},
    ),
    Action.UPDATE: ApiOperation(
        "updateShippingOption",
        "ShippingOptionUpdateInput",
        "update_shipping_option",
        lambda res, live, changed: {
            "id": _id(res, live),
            "input": update_input(res, live, set(changed)),
        },
    ),
}


KIND = ResourceKind(
    name="ShippingOption",
    identity=by_name,
    checks=(check_store_refs("stores"),),
    observe=observe,
    steps=guided_steps,
    order=4,
    reads=(MARKETS, PRICELISTS, SHIPPING_OPTIONS, CURRENCIES),
    extra_reads=frozenset({"shippingChecks"}),
    api=API,
    backoffice=backoffice,
    shown=shown,
    adopt=adopt,
    plan_notes=market_coverage,
)
