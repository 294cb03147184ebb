"""Pricelist: created, updated and deleted through Centra's API (createPricelist, and the
documented updatePricelist(id, input) and deletePricelist(id), PIM:2135-2218); Centra shows
every field but the comment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from centra_provision.errors import Diagnostic
from centra_provision.plans import Action
from centra_provision.resources import countries
from centra_provision.resources.base import (
    CheckContext,
    FieldState,
    Observation,
    ObserveContext,
    Resource,
    ResourceKind,
    check_store_refs,
)
from centra_provision.resources.live import LiveState
from centra_provision.resources.steps import StepContext


def identity(name: str, spec: Any) -> tuple[str, ...]:
    return (str(spec.get("store", "")), name)


def check_countries(res: Resource, _ctx: CheckContext) -> Iterable[Diagnostic]:
    value = res.spec.get("countries")
    base = ("countries", "allExcept") if isinstance(value, dict) else ("countries",)
    for i, code in enumerate(countries.listed_codes(value)):
        if not countries.is_valid(code):
            yield res.error((*base, i), f"'{code}' is not an ISO 3166-1 alpha-2 country code")


def desired_countries(res: Resource) -> list[str]:
    value = res.spec.get("countries")
    return sorted(countries.expand(value)) if value is not None else []


def observe(res: Resource, ctx: ObserveContext) -> Observation:
    entry = ctx.live.pricelists.get(res.identity)
    spec = res.spec
    fields = [
        FieldState("status", spec["status"], True, entry["status"] if entry else None),
        FieldState("currency", spec["currency"], True, entry["currency"] if entry else None),
        FieldState(
            "countries", desired_countries(res), True, entry["countries"] if entry else None
        ),
    ]
    if "defaultShippingOption" in spec:
        fields.append(
            FieldState(
                "defaultShippingOption",
                spec["defaultShippingOption"],
                True,
                entry["defaultShippingOption"] if entry else None,
            )
        )
    if "comment" in spec:
        fields.append(FieldState("comment", spec["comment"], False))
    return Observation(entry is not None, entry, tuple(fields))


def create_input(res: Resource, live: LiveState) -> dict[str, Any]:
    """PricelistCreateInput for this resource (names resolved to ids)."""
    spec = res.spec
    body: dict[str, Any] = {
        "name": res.name,
        "status": spec["status"],
        "currencyIsoCode": spec["currency"],
        "store": {"id": live.stores[spec["store"]].id},
    }
    if spec.get("countries") is not None:
        body["addCountries"] = [{"code": c} for c in desired_countries(res)]
    if spec.get("defaultShippingOption"):
        option = live.shipping_options.get(spec["defaultShippingOption"])
        if option is None:
            raise KeyError(f"shipping option '{spec['defaultShippingOption']}' does not exist")
        body["defaultShippingOption"] = {"id": option}
    if "comment" in spec:
        body["comment"] = spec["comment"]
    return body


def update_input(res: Resource, live: LiveState, changed: set[str]) -> dict[str, Any]:
    """PricelistUpdateInput with only what differs; countries as add/remove by code."""
    spec = res.spec
    store, name = res.identity
    entry = live.pricelists[(store, name)]
    body: dict[str, Any] = {}
    if "status" in changed:
        body["status"] = spec["status"]
    if "currency" in changed:
        body["currencyIsoCode"] = spec["currency"]
    if "comment" in changed and "comment" in spec:
        body["comment"] = spec["comment"]
    if "defaultShippingOption" in changed and spec.get("defaultShippingOption"):
        option = live.shipping_options.get(spec["defaultShippingOption"])
        if option is None:
            raise KeyError(f"shipping option '{spec['defaultShippingOption']}' does not exist")
        body["defaultShippingOption"] = {"id": option}
    if "countries" in changed:
        want, now = set(desired_countries(res)), set(entry["countries"])
        if want - now:
            body["addCountries"] = [{"code": c} for c in sorted(want - now)]
        if now - want:
            body["removeCountries"] = [{"code": c} for c in sorted(now - want)]
    return body


def guided_steps(res: Resource, action: str, paths: list[str], ctx: StepContext) -> list[str]:
    store, name = res.identity
    if action == Action.DELETE:
        return [f"Pricelists > {name} (store {store}): delete the pricelist."]
    lines = [
        f"Pricelists > {name} (store {store}) > Edit."
        if action != Action.CREATE
        else f"Pricelists > Create pricelist in store {store}. Name: {name}"
    ]
    for path in paths:
        if path == "countries":
            chosen = desired_countries(res)
            lines.append(f"Countries: {', '.join(chosen)} ({len(chosen)} countries)")
        else:
            lines.append(f"{path}: {res.spec.get(path)}")
    return [*lines, "Click Save."]


KIND = ResourceKind(
    name="Pricelist",
    identity=identity,
    checks=(check_store_refs("store"), check_countries),
    observe=observe,
    steps=guided_steps,
    order=5,
)
