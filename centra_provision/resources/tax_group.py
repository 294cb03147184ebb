"""TaxGroup: a tax group with its rules ('GE Local VAT', guide 1.3)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from centra_provision.errors import Diagnostic
from centra_provision.plans import Action
from centra_provision.resources import countries
from centra_provision.resources.base import (
    BackOfficeContext,
    CheckContext,
    FieldState,
    ImportedDocument,
    Observation,
    ObserveContext,
    Resource,
    ResourceKind,
    by_name,
    check_store_refs,
    plain,
)
from centra_provision.resources.live import LiveList, LiveState, Rows
from centra_provision.resources.steps import StepContext, percent, yes_no

MAX_RATE_DECIMALS = 4


def _parse(rows: Rows) -> dict[str, dict[str, Any]]:
    return {
        g["name"]: {
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
        for g in rows
    }


TAX_GROUPS = LiveList("taxGroups", "TaxGroup", "read_tax_groups", _parse)


def check_rules(res: Resource, _ctx: CheckContext) -> Iterable[Diagnostic]:
    seen: set[str] = set()
    for i, rule in enumerate(res.spec.get("rules", [])):
        name = rule.get("name")
        if name in seen:
            yield res.error(("rules", i, "name"), f"duplicate tax rule '{name}'")
        seen.add(name)
        yield from _check_rate(res, i, rule.get("rate"))
        yield from _check_countries(res, i, rule.get("countries"))


def _check_rate(res: Resource, i: int, rate: object) -> Iterable[Diagnostic]:
    if not isinstance(rate, int | Decimal) or isinstance(rate, bool):
        return
    value = Decimal(rate)
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        yield res.error(("rules", i, "rate"), f"tax rate {rate} is outside 0-100 percent")
    elif -int(value.as_tuple().exponent) > MAX_RATE_DECIMALS:
        yield res.error(
            ("rules", i, "rate"),
            f"tax rate {rate} has more than {MAX_RATE_DECIMALS} decimals",
        )


def _check_countries(res: Resource, i: int, value: object) -> Iterable[Diagnostic]:
    base = (
        ("rules", i, "countries", "allExcept")
        if isinstance(value, dict)
        else ("rules", i, "countries")
    )
    for j, code in enumerate(countries.listed_codes(value)):
        if not countries.is_valid(code):
            yield res.error((*base, j), f"'{code}' is not an ISO 3166-1 alpha-2 country code")
    if value is not None and not countries.expand(value):
        yield res.error(("rules", i, "countries"), "the rule applies to no country")


OBSERVED_RULE_FIELDS = ("displayName", "code", "applyTaxToShipping", "applyTaxToHandling")
WRITE_ONLY_RULE_FIELDS = ("applyTaxPer", "includeTax", "includeShippingCostInOrderTotal")


def observe(res: Resource, ctx: ObserveContext) -> Observation:
    """The group's status and default stores, and each rule (matched by name) with its
    rate, codes, flags and countries are observed; how tax is applied and included is
    write-only. Rules Centra has that the manifest does not name are left alone."""
    entry = ctx.live.entries(TAX_GROUPS.field).get(res.name)
    fields = [
        FieldState("status", res.spec["status"], True, entry["status"] if entry else None),
        FieldState(
            "defaultInStores",
            sorted(res.spec.get("defaultInStores", [])),
            True,
            entry["defaultInStores"] if entry else None,
        ),
    ]
    live_rules = entry["rules"] if entry else {}
    for rule in res.spec["rules"]:
        live = live_rules.get(rule["name"])
        at = f"rules[{rule['name']}]"
        fields.append(
            FieldState(
                f"{at}.rate",
                Decimal(rule["rate"]),
                True,
                Decimal(str(live["rate"])) if live else None,
            )
        )
        fields.append(
            FieldState(
                f"{at}.countries",
                sorted(countries.expand(rule["countries"])),
                True,
                live["countries"] if live else None,
            )
        )
        for key in OBSERVED_RULE_FIELDS:
            fields.append(
                FieldState(f"{at}.{key}", rule.get(key), True, live.get(key) if live else None)
            )
        for key in WRITE_ONLY_RULE_FIELDS:
            if key in rule:
                fields.append(FieldState(f"{at}.{key}", rule[key], False))
    return Observation(entry is not None, entry, tuple(fields))


def guided_steps(res: Resource, action: str, paths: list[str], ctx: StepContext) -> list[str]:
    if action == Action.DELETE:
        return [f"System > Tax Groups > {res.name}: delete the tax group."]
    lines = [
        "System > Tax Groups > Create tax group."
        if action == Action.CREATE
        else f"System > Tax Groups > {res.name}."
    ]
    group_fields = [p for p in paths if not p.startswith("rules[")]
    if action == Action.CREATE or group_fields:
        stores = ", ".join(res.spec.get("defaultInStores", [])) or "(none)"
        lines += [
            f"Status: {str(res.spec['status']).capitalize()}",
            f"Name: {res.name}",
            f"Default in stores: {stores}",
            "Click Save.",
        ]
    for rule in res.spec["rules"]:
        prefix = f"rules[{rule['name']}]."
        if action == Action.CREATE or any(p.startswith(prefix) for p in paths):
            lines += _rule_steps(rule)
    return lines


def _rule_steps(rule: dict[str, Any]) -> list[str]:
    chosen = sorted(countries.expand(rule["countries"]))
    if isinstance(rule["countries"], dict):
        excluded = ", ".join(c.upper() for c in rule["countries"]["allExcept"]) or "nothing"
        geo = f"Select ALL and unselect {excluded} ({len(chosen)} countries selected)"
    else:
        geo = f"Select {', '.join(chosen)} ({len(chosen)} countries)"
    optional: list[tuple[str, Callable[[Any], str]]] = [
        ("includeTax", lambda v: f"Include tax: Select {v}"),
        ("applyTaxToShipping", lambda v: f"Apply tax to shipping fees: {yes_no(v)}"),
        ("applyTaxToHandling", lambda v: f"Apply tax to handling fees: {yes_no(v)}"),
    ]
    return [
        f"Add tax rule (or open the rule named {rule['name']}):",
        f"Name: {rule['name']}",
        f"Tax display name: {rule['displayName']}",
        f"Tax code: {rule['code']}",
        *([f"Apply tax per: Select {rule['applyTaxPer']}"] if "applyTaxPer" in rule else []),
        f"Geolocation: {geo}",
        *(text(rule[key]) for key, text in optional if key in rule),
        f"Tax rate: {percent(rule['rate'])}",
        *(
            [
                f"Include shipping cost to order total: "
                f"{yes_no(rule['includeShippingCostInOrderTotal'])}"
            ]
            if "includeShippingCostInOrderTotal" in rule
            else []
        ),
        "Click Save.",
    ]


def backoffice(res: Resource, action: Action, ctx: BackOfficeContext) -> None:
    """The group, then each rule: an existing rule (by name) is edited, a new one added."""

    def form() -> dict[str, Any]:
        stores = res.spec.get("defaultInStores", [])
        return {"name": res.name, "status": res.spec["status"], "defaultInStores": stores}

    saved = ctx.put("taxGroups", action, {"name": res.name}, form)
    if saved is None:
        return
    rules = {r["name"]: r for r in ctx.office.records("taxRules") if r["groupId"] == saved["id"]}
    for rule in res.spec["rules"]:
        body = {**plain(rule), "countries": sorted(countries.expand(rule["countries"]))}
        existing = rules.get(rule["name"])
        if existing:
            ctx.office.save("taxRules", body, existing["id"])
        else:
            ctx.office.save("taxRules", {**body, "groupId": saved["id"]})


def shown(entry: dict[str, Any]) -> dict[str, Any]:
    rules = {
        name: {k: v for k, v in rule.items() if k != "id"} for name, rule in entry["rules"].items()
    }
    return {"status": entry["status"], "defaultInStores": entry["defaultInStores"], "rules": rules}


def adopt(live: LiveState) -> list[ImportedDocument]:
    docs = []
    for name, g in sorted(live.entries(TAX_GROUPS.field).items()):
        rules = [
            {
                "name": r,
                "displayName": v["displayName"],
                "code": v["code"],
                "countries": countries.compact(v["countries"]),
                "rate": v["rate"],
                "applyTaxToShipping": v["applyTaxToShipping"],
                "applyTaxToHandling": v["applyTaxToHandling"],
            }
            for r, v in sorted(g["rules"].items())
        ]
        spec = {"status": g["status"], "defaultInStores": g["defaultInStores"], "rules": rules}
        placeholders = (
            "rules[*].applyTaxPer: Ship-to country",
            "rules[*].includeTax: <...>",
            "rules[*].includeShippingCostInOrderTotal: <true|false>",
        )
        docs.append(ImportedDocument("tax-groups.yaml", "TaxGroup", name, spec, placeholders))
    return docs


KIND = ResourceKind(
    name="TaxGroup",
    identity=by_name,
    checks=(check_store_refs("defaultInStores"), check_rules),
    observe=observe,
    steps=guided_steps,
    order=20,
    reads=(TAX_GROUPS,),
    backoffice=backoffice,
    shown=shown,
    adopt=adopt,
)
