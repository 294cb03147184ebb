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
    FieldState,
    Observation,
    ObserveContext,
    Resource,
    ResourceKind,
    by_name,
    check_store_refs,
)
from centra_provision.resources.live import LiveState
from centra_provision.resources.steps import StepContext, render_value

CHECKED = ("status", "uri", "currency", "storeType")


def observe(res: Resource, ctx: ObserveContext) -> Observation:
    option_id = ctx.live.shipping_options.get(res.name)
    checks = ctx.live.shipping_checks.get(res.name, {})
    spec = res.spec
    fields = []
    for path in CHECKED:
        if path not in spec:
            continue
        if path == "uri":  # read, not filtered: compared exactly
            live_uri = ctx.live.shipping_uris.get(res.name) if option_id is not None else None
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
                path, sorted(spec.get(path, [])), True, live_set if option_id is not None else None
            )
        )
    for path in ("isPickupPoint", "comment"):
        if path in spec:
            fields.append(FieldState(path, spec[path], False))
    entry = (
        {"id": option_id, "uri": ctx.live.shipping_uris.get(res.name), "checks": checks}
        if option_id is not None
        else None
    )
    return Observation(option_id is not None, entry, tuple(fields))


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


KIND = ResourceKind(
    name="ShippingOption",
    identity=by_name,
    checks=(check_store_refs("stores"),),
    observe=observe,
    steps=guided_steps,
    order=4,
)
