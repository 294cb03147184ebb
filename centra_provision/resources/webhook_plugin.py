"""WebhookPlugin: the Centra Webhook plugin ('GE Integration Webhooks', guide 1.1)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qs, urlsplit

from centra_provision.errors import Diagnostic
from centra_provision.globale import HOSTS, environment_of_host, webhook_url
from centra_provision.plans import Action
from centra_provision.resources.base import (
    BackOfficeContext,
    CheckContext,
    FieldState,
    Observation,
    ObserveContext,
    Resource,
    ResourceKind,
    by_store_and_plugin_name,
    check_store_refs,
    flatten,
)
from centra_provision.resources.plugins import adopt_plugins, save_plugin
from centra_provision.resources.steps import StepContext, yes_no
from centra_provision.urls import url_problem


def effective_url(res: Resource, ctx: CheckContext) -> str:
    """The manifest's URL, or the one the guide's format derives for this environment."""
    url = res.spec.get("url")
    return (
        url
        if isinstance(url, str)
        else webhook_url(ctx.globale_env, ctx.merchant_id, ctx.centra_domain)
    )


def check_url(res: Resource, ctx: CheckContext) -> Iterable[Diagnostic]:
    url = res.spec.get("url")
    if not isinstance(url, str):
        return
    problem = url_problem(url)
    if problem is not None:
        yield res.error(("url",), f"webhook URL {problem}")
        return
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    expected = HOSTS[ctx.globale_env].webhooks
    owner = environment_of_host(host)
    if owner and owner != ctx.globale_env:
        yield res.error(
            ("url",),
            f"webhook host {host} belongs to Global-e {owner}, but this environment is "
            f"{ctx.globale_env} (expected {expected})",
        )
        return
    if host != expected:
        yield res.error(
            ("url",), f"webhook host {host} is not the Global-e {ctx.globale_env} host {expected}"
        )
        return
    query = parse_qs(parts.query)
    if query.get("merchantId") != [str(ctx.merchant_id)]:
        yield res.error(
            ("url",), f"webhook URL merchantId does not match the environment's {ctx.merchant_id}"
        )
    if [d.lower() for d in query.get("domain", [])] != [ctx.centra_domain.lower()]:
        # a domain name in any letter case is the same domain
        yield res.error(
            ("url",), f"webhook URL domain does not match the environment's {ctx.centra_domain}"
        )


def observe(res: Resource, ctx: ObserveContext) -> Observation:
    """Centra shows name and status; the URL, version and triggers are write-only."""
    store, name = res.identity
    entry = ctx.live.plugin(store, PLUGIN_TYPE, name)
    spec = {k: v for k, v in res.spec.items() if k not in ("store", "pluginName", "status")}
    spec["url"] = effective_url(res, ctx.check)
    fields = [
        FieldState("status", res.spec.get("status"), True, entry["status"] if entry else None)
    ]
    fields += [FieldState(p, v, False) for p, v in flatten(spec)]
    live = {"id": entry["id"], "status": entry["status"]} if entry else None
    return Observation(entry is not None, live, tuple(fields))


TRIGGERS = {
    "order": "Order",
    "shipment": "Shipment",
    "customer": "Customer",
    "account": "Account",
    "checkFirst": "Check first",
    "allocationRequest": "Allocation request",
    "return": "Return",
}


def guided_steps(res: Resource, action: str, paths: list[str], ctx: StepContext) -> list[str]:
    store, name = res.identity
    where = f"Stores management > Stores > {store} > View > Plugins"
    if action == Action.DELETE:
        return [f"{where} > {name}: delete the plugin."]
    head = (
        f"{where} > Add plugin method > GE Integration Webhooks. Plugin name: {name}; "
        "Plugin: Centra Webhook."
        if action == Action.CREATE
        else f"{where} > {name} > Edit."
    )
    check = CheckContext(
        ctx.environment, ctx.globale_env, ctx.merchant_id, ctx.centra_domain, frozenset(), None
    )
    lines = [head]
    for path in paths:
        if path == "status":
            lines.append(f"Status: {str(res.spec['status']).capitalize()}")
        elif path == "url":
            lines.append(f"Webhook URL: {effective_url(res, check)}")
        elif path == "version":
            lines.append(f"Version: {res.spec['version']}")
        elif path.startswith("eventTriggers."):
            key = path.split(".", 1)[1]
            lines.append(
                f"Event triggers: {TRIGGERS.get(key, key)} - "
                f"{yes_no(res.spec['eventTriggers'][key])}"
            )
    return [*lines, "Click Save."]


def backoffice(res: Resource, action: Action, ctx: BackOfficeContext) -> None:
    settings = {k: v for k, v in res.spec.items() if k not in ("store", "status", "pluginName")}
    settings["url"] = effective_url(res, ctx.check)
    save_plugin(res, action, ctx, "webhook", settings)


PLUGIN_TYPE = "webhooks"
PLACEHOLDERS = (
    "url: <webhook URL> (derived from the environment when left out)",
    "version: Integration API",
    "eventTriggers: {order: <true|false>, ...}",
)


KIND = ResourceKind(
    name="WebhookPlugin",
    identity=by_store_and_plugin_name,
    checks=(check_store_refs("store"), check_url),
    observe=observe,
    steps=guided_steps,
    order=40,
    extra_reads=frozenset({"plugins"}),
    plugin_type=PLUGIN_TYPE,
    name_key="pluginName",
    backoffice=backoffice,
    shown=lambda entry: {"status": entry["status"]},
    adopt=lambda live: adopt_plugins(live, "WebhookPlugin", PLUGIN_TYPE, PLACEHOLDERS),
)
