"""OrderApiPlugin: Centra's Order API plugin ('GE Order API', guide 1.1).

Centra's API shows its name, status, type and store; every setting is write-only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from centra_provision.errors import Diagnostic
from centra_provision.plans import Action
from centra_provision.resources.base import (
    BackOfficeContext,
    CheckContext,
    FieldState,
    NoteContext,
    Observation,
    ObserveContext,
    Resource,
    ResourceKind,
    StepFailed,
    by_store_and_plugin_name,
    check_store_refs,
    flatten,
)
from centra_provision.resources.plugins import adopt_plugins, save_plugin
from centra_provision.resources.steps import StepContext, render_value, select_all

# RFC 3986 unreserved characters: safe as one path segment with no escaping.
_SEGMENT = re.compile(r"^[A-Za-z0-9._~-]+$")


def check_uri(res: Resource, _ctx: CheckContext) -> Iterable[Diagnostic]:
    uri = res.spec.get("uri")
    if isinstance(uri, str) and (not _SEGMENT.match(uri) or uri in (".", "..")):
        yield res.error(
            ("uri",),
            f"uri '{uri}' is not a valid path segment (use letters, digits, '-', '_', '.', '~')",
        )


def check_warehouse(res: Resource, ctx: CheckContext) -> Iterable[Diagnostic]:
    warehouse = res.spec.get("primaryWarehouse")
    if ctx.warehouses is not None and warehouse is not None and warehouse not in ctx.warehouses:
        known = ", ".join(sorted(ctx.warehouses)) or "none"
        yield res.error(
            ("primaryWarehouse",),
            f"unknown warehouse '{warehouse}' (environment declares: {known})",
        )


def observe(res: Resource, ctx: ObserveContext) -> Observation:
    """Centra shows the plugin's name and status (found by store and type). The URI and the
    secret are observed through the Order API itself when the secret is at hand: 200 means
    both match, 401 (undocumented) that the URI matches and the secret does not, and the
    documented `403 {"status": "Not Allowed"}` that the URI matches and the plugin does not
    allow the orders endpoint (so Allowed endpoints differs when it should). Everything else
    is write-only."""
    store, name = res.identity
    entry = ctx.live.plugin(store, PLUGIN_TYPE, name)
    secret = ctx.secrets.get((res.address, "secretKey"))
    spec = dict(res.spec)
    uri = spec.pop("uri", None)
    spec.pop("secretKey", None)
    spec.pop("store", None)
    spec.pop("pluginName", None)
    status = spec.pop("status", None)
    probe = ctx.live.probes.get(uri) if entry and entry["status"] == "ACTIVE" else None
    fields = [FieldState("status", status, True, entry["status"] if entry else None)]
    uri_seen = probe in (200, 401, 403)
    if uri is not None:
        fields.append(FieldState("uri", uri, uri_seen, uri if uri_seen else None, kept=True))
    if "secretKey" in res.spec:
        value = getattr(secret, "value", None)
        live_secret = value if probe == 200 else "(differs)" if probe == 401 else None
        problem = getattr(secret, "problem", "secret not resolved") if value is None else None
        fields.append(
            FieldState(
                "secretKey",
                value,
                probe in (200, 401),
                live_secret,
                sensitive=True,
                unavailable=problem,
            )
        )
    allowed = spec.get("allowedEndpoints")
    if probe == 403 and allowed is not None and allows_orders(allowed):
        spec.pop("allowedEndpoints")
        fields.append(FieldState("allowedEndpoints", allowed, True, NOT_ALLOWED))
    fields += [FieldState(p, v, False) for p, v in flatten(spec)]
    live = {"id": entry["id"], "status": entry["status"], "probe": probe} if entry else None
    return Observation(entry is not None, live, tuple(fields))


NOT_ALLOWED = "(the orders endpoint is not allowed)"


def allows_orders(allowed: Any) -> bool:
    """Whether "Allow access to the following endpoints" covers `GET orders`: "all" (the
    guide's "Select ALL"), or a list naming it `orders`, `GET orders` or `GET /orders`."""
    if allowed == "all":
        return True
    entries = allowed if isinstance(allowed, list) else []
    for entry in entries:
        words = str(entry).split()
        if words and words[0].upper() == "GET":
            words = words[1:]
        if len(words) == 1 and words[0].strip("/").lower() == "orders":
            return True
    return False


def probe_note(res: Resource, ctx: NoteContext) -> list[str]:
    """What the Order API probe's answer means, in words; the two answers Centra does not
    document (401, 404) say so."""
    uri = res.spec.get("uri")
    code = ctx.live.probes.get(str(uri)) if uri is not None else None
    if code is None or code == 200:
        return []
    meaning = PROBE_MEANINGS.get(code, f"answered HTTP {code}, which Centra does not document")
    if code == 403 and ctx.live.probe_answers.get(str(uri)) != "Not Allowed":
        meaning = 'answered 403 without the documented {"status": "Not Allowed"} body'
    return [f"{res.address}: the Order API at /api/{uri}/orders {meaning}"]


PROBE_MEANINGS = {
    403: (
        'answered 403 {"status": "Not Allowed"}: the plugin does not allow the orders '
        "endpoint (Allowed endpoints setting); its secret could not be checked"
    ),
    401: (
        "answered 401, read as a wrong secret for a URI that exists (Centra does not "
        "document this answer)"
    ),
    404: (
        "answered 404, read as no active Order API plugin at this URI (Centra does not "
        "document this answer)"
    ),
}


LABELS = {
    "status": "Status",
    "uri": "URI",
    "secretKey": "Secret API key",
    "markets": "Markets",
    "debugLogging": "Debug logging",
    "primaryWarehouse": "Primary warehouse",
    "stockUpdates": "Update stock updates",
    "limitShipmentsByWarehouse": "Limit shipments by warehouse",
    "orderStatuses": "Get Orders with Status",
    "returnWaitingForPayment": 'Return "waiting for payment"',
    "returnOnHold": 'Return "on hold" orders',
    "ordersStartingWith": "Get orders starting with",
    "returnInternalComment": "Get orders and shipments returns internal comment",
    "returnOther": "Get orders and shipments returns Other",
    "productsReturnCostPrice": "Get products returns cost price",
    "returnUnconfirmedAllocations": "Return unconfirmed allocations",
    "productsTaxForCountry": "Get products returns tax for the country",
    "bundlesInShipments": "Bundles in shipments",
    "bundlesInOrders": "Bundles in orders",
    "shipmentWithMissingItems": "Updating shipment with missing items",
    "allowedEndpoints": "Allow access to the following endpoints",
}


def setting_line(path: str, value: Any, ctx: StepContext) -> str:
    """One setting as the guide words it."""
    label = LABELS.get(path, path)
    if path == "secretKey":
        return (
            f"{label}: {ctx.secret_sources.get(path, 'the secret')} (print it with "
            f"`provision secret show -e {ctx.environment} secretKey`)"
        )
    if path == "status":
        return f"{label}: {str(value).capitalize()}"
    if path in ("markets", "orderStatuses", "allowedEndpoints"):
        return f"{label}: {select_all(value)}"
    return f"{label}: {render_value(value)}"


def guided_steps(res: Resource, action: str, paths: list[str], ctx: StepContext) -> list[str]:
    store, name = res.identity
    where = f"Stores management > Stores > {store} > View > Plugins"
    if action == Action.DELETE:
        return [f"{where} > {name}: delete the plugin."]
    head = (
        f"{where} > Add plugin method > GE Order API. Plugin name: {name}; Plugin: Order API."
        if action == Action.CREATE
        else f"{where} > {name} > Edit."
    )
    return [head, *(setting_line(p, _value(res, p), ctx) for p in paths), "Click Save."]


def _value(res: Resource, path: str) -> Any:
    return res.spec.get(path)


def backoffice(res: Resource, action: Action, ctx: BackOfficeContext) -> None:
    """The plugin form, its secret API key typed in from the resolved secret."""
    secret = ctx.secrets.get((res.address, "secretKey"))
    if action != Action.DELETE and not getattr(secret, "value", None):
        raise StepFailed(
            f"{res.address}: the secret API key is unavailable "
            f"({getattr(secret, 'problem', 'not resolved')})"
        )
    settings = {
        k: v for k, v in res.spec.items() if k not in ("store", "status", "pluginName", "secretKey")
    }
    settings["secretKey"] = getattr(secret, "value", None)
    save_plugin(res, action, ctx, "order_api", settings)


PLUGIN_TYPE = "orderApi"
PLACEHOLDERS = (
    "uri: <URI>",
    "secretKey: {fromEnv: <ENV VAR>}",
    "markets: all",
    "debugLogging: <true|false>",
    "primaryWarehouse: <warehouse>",
    "stockUpdates: <Physical|...>",
    "limitShipmentsByWarehouse: <true|false>",
    "orderStatuses: all",
    "returnWaitingForPayment: <true|false>",
    "returnOnHold: <true|false>",
    "ordersStartingWith: <Oldest|Newest>",
    "returnInternalComment: <true|false>",
    "returnOther: <true|false>",
    "productsReturnCostPrice: <true|false>",
    "returnUnconfirmedAllocations: <true|false>",
    "productsTaxForCountry: <...>",
    "bundlesInShipments: <...>",
    "bundlesInOrders: <...>",
    "shipmentWithMissingItems: <...>",
    "allowedEndpoints: all",
)


KIND = ResourceKind(
    name="OrderApiPlugin",
    identity=by_store_and_plugin_name,
    secret_paths=(("secretKey",),),
    checks=(check_store_refs("store"), check_uri, check_warehouse),
    observe=observe,
    steps=guided_steps,
    order=30,
    extra_reads=frozenset({"plugins", "orderApiProbe"}),
    plugin_type=PLUGIN_TYPE,
    name_key="pluginName",
    backoffice=backoffice,
    shown=lambda entry: {"status": entry["status"]},
    adopt=lambda live: adopt_plugins(live, "OrderApiPlugin", PLUGIN_TYPE, PLACEHOLDERS),
    notes=probe_note,
)
