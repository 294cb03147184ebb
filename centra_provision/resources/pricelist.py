"""Pricelist: created, updated and deleted through Centra's API (createPricelist, and the
documented updatePricelist(id, input) and deletePricelist(id), PIM:2135-2218); Centra shows
every field but the comment. Read with markets, shipping options and currencies (a create
names its default shipping option and currency by id)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from centra_provision.errors import Diagnostic
from centra_provision.plans import Action
from centra_provision.resources import countries
from centra_provision.resources.base import (
    ApiOperation,
    BackOfficeContext,
    CheckContext,
    FieldState,
    ImportedDocument,
    NoteContext,
    Observation,
    ObserveContext,
    Resource,
    ResourceKind,
    check_store_refs,
)
from centra_provision.resources.live import (
    CURRENCIES,
    MARKETS,
    SHIPPING_OPTIONS,
    LiveList,
    LiveState,
    Rows,
)
from centra_provision.resources.steps import StepContext


def _parse(rows: Rows) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for p in rows:
        default = p.get("defaultShippingOption")
        out[(p["store"]["name"], p["name"])] = {
            "id": p["id"],
            "status": p["status"],
            "currency": p["currency"]["code"],
            "countries": sorted(c["code"] for c in p["assignedToCountries"]),
            "defaultShippingOption": default["name"] if default else None,
        }
    return out


PRICELISTS = LiveList("pricelists", "Pricelist", "read_pricelists", _parse)


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
    entry = ctx.live.entries(PRICELISTS.field).get(res.identity)
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
        body["defaultShippingOption"] = {"id": _shipping_option_id(res, live)}
    if "comment" in spec:
        body["comment"] = spec["comment"]
    return body


def _shipping_option_id(res: Resource, live: LiveState) -> int:
    name = res.spec["defaultShippingOption"]
    option = live.entries(SHIPPING_OPTIONS.field).get(name)
    if option is None:
        raise KeyError(f"shipping option '{name}' does not exist")
    return int(option["id"])


def _entry(res: Resource, live: LiveState) -> dict[str, Any]:
    return live.entries(PRICELISTS.field)[res.identity]  # type: ignore[no-any-return]


def update_input(res: Resource, live: LiveState, changed: set[str]) -> dict[str, Any]:
    """PricelistUpdateInput with only what differs; countries as add/remove by code."""
    spec = res.spec
    entry = _entry(res, live)
    body: dict[str, Any] = {}
    if "status" in changed:
        body["status"] = spec["status"]
    if "currency" in changed:
        body["currencyIsoCode"] = spec["currency"]
    if "comment" in changed and "comment" in spec:
        body["comment"] = spec["comment"]
    if "defaultShippingOption" in changed and spec.get("defaultShippingOption"):
        body["defaultShippingOption"] = {"id": _shipping_option_id(res, live)}
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


def backoffice(res: Resource, action: Action, ctx: BackOfficeContext) -> None:
    store, name = res.identity

    def form() -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": name,
            "status": res.spec["status"],
            "store": store,
            "currency": res.spec["currency"],
            "countries": desired_countries(res),
        }
        return {
            **body,
            **{k: res.spec[k] for k in ("defaultShippingOption", "comment") if k in res.spec},
        }

    ctx.put("pricelists", action, {"name": name, "storeId": ctx.store_id(store)}, form)


def shown(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k != "id"}


def adopt(live: LiveState) -> list[ImportedDocument]:
    docs = []
    for (store, name), p in sorted(live.entries(PRICELISTS.field).items()):
        spec = {
            "store": store,
            "status": p["status"],
            "currency": p["currency"],
            "countries": countries.compact(p["countries"]),
        }
        if p["defaultShippingOption"]:
            spec["defaultShippingOption"] = p["defaultShippingOption"]
        docs.append(
            ImportedDocument("pricelists.yaml", "Pricelist", name, spec, ("comment: <...>",))
        )
    return docs


def market_coverage(ctx: NoteContext) -> list[str]:
    """Guide, "Calculating Prices": every country a Global-e market serves needs an active
    pricelist in the base currency (checked on live data, per store, for every plan that
    holds pricelists or shipping options)."""
    live = ctx.live
    base = live.base_currency
    own = {str(c).upper() for c in ctx.variables.get("ownMarkets", []) or []}
    notes = []
    for store in sorted({m["store"] for m in live.markets.values()}):
        served = {
            c for m in live.markets.values() if m["store"] == store for c in m["countries"]
        } - own
        covered = {
            c
            for (s, _), p in live.entries(PRICELISTS.field).items()
            if s == store and p["status"] == "ACTIVE" and p["currency"] == base
            for c in p["countries"]
        }
        missing = sorted(served - covered)
        if missing:
            shown = ", ".join(missing[:10]) + (
                f", … {len(missing)} in all" if len(missing) > 10 else ""
            )
            notes.append(
                f"warning: store {store}: {len(missing)} countries of Global-e markets "
                f"have no active pricelist in the base currency {base}: {shown}"
            )
    return notes


def _id(res: Resource, live: LiveState) -> int:
    return int(_entry(res, live)["id"])


API = {
    Action.CREATE: ApiOperation(
        "createPricelist",
        "PricelistCreateInput",
        "create_pricelist",
        lambda res, live, _changed: {"input": create_input(res, live)},
    ),
    Action.UPDATE: ApiOperation(  # PIM:2135-2150
        "updatePricelist",
        "PricelistUpdateInput",
        "update_pricelist",
        lambda res, live, changed: {
            "id": _id(res, live),
            "input": update_input(res, live, set(changed)),
        },
    ),
    # deletePricelist(id: 36) takes no input type: found by its payload (PIM:2204-2208)
    Action.DELETE: ApiOperation(
        "deletePricelist",
        "PricelistDeletePayload",
        "delete_pricelist",
        lambda res, live, _changed: {"id": _id(res, live)},
    ),
}


KIND = ResourceKind(
    name="Pricelist",
    identity=identity,
    checks=(check_store_refs("store"), check_countries),
    observe=observe,
    steps=guided_steps,
    order=5,
    reads=(MARKETS, PRICELISTS, SHIPPING_OPTIONS, CURRENCIES),
    api=API,
    backoffice=backoffice,
    shown=shown,
    adopt=adopt,
    plan_notes=market_coverage,
)
