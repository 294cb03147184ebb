"""`provision import`: manifests for what live Centra already has, so a merchant configured
by hand can be adopted. Everything Centra shows is written as values; everything it cannot
show is written as a commented placeholder, never guessed. Planning the imported manifests
shows no change on observed fields."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from centra_provision.centra.connect import open_centra
from centra_provision.centra.discovery import discover
from centra_provision.centra.live import read_everything
from centra_provision.engine.lock import state_lock
from centra_provision.engine.planner import load_ledger
from centra_provision.engine.snapshot import record_snapshots
from centra_provision.manifest.desired import DesiredState, check_context, load_desired_state
from centra_provision.manifest.yamlio import SourceDocument
from centra_provision.resources import KINDS, Resource
from centra_provision.resources.base import ObserveContext, flatten
from centra_provision.resources.live import LiveState


@dataclass(frozen=True)
class ImportedDocument:
    file: str
    kind: str
    name: str
    spec: dict[str, Any]
    placeholders: tuple[str, ...] = ()

    def text(self) -> str:
        body = yaml.safe_dump(
            {"kind": self.kind, "metadata": {"name": self.name}, "spec": self.spec},
            sort_keys=False,
            allow_unicode=True,
            width=100,
        )
        if self.placeholders:
            body += "  # Centra cannot show these; fill them in from the back office:\n"
            body += "".join(f"  # {p}\n" for p in self.placeholders)
        return body


ORDER_API_PLACEHOLDERS = (
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
WEBHOOK_PLACEHOLDERS = (
    "url: <webhook URL> (derived from the environment when left out)",
    "version: Integration API",
    "eventTriggers: {order: <true|false>, ...}",
)


def _unique(names: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """metadata.name per (store, name): the plugin name, with the store when it repeats."""
    pairs = list(names)
    counts: dict[str, int] = {}
    for _, name in pairs:
        counts[name] = counts.get(name, 0) + 1
    return {(s, n): n if counts[n] == 1 else f"{n} ({s})" for s, n in pairs}


def documents(live: LiveState) -> list[ImportedDocument]:
    docs: list[ImportedDocument] = []
    plugins = [
        (store, kind, p) for (store, kind), rows in sorted(live.plugins.items()) for p in rows
    ]
    names = _unique((store, p["name"]) for store, _, p in plugins)
    for store, kind, p in plugins:
        meta = names[(store, p["name"])]
        spec: dict[str, Any] = {"store": store, "status": p["status"]}
        if meta != p["name"]:
            spec["pluginName"] = p["name"]
        if kind == "orderApi":
            docs.append(
                ImportedDocument(
                    "plugins.yaml", "OrderApiPlugin", meta, spec, ORDER_API_PLACEHOLDERS
                )
            )
        else:
            docs.append(
                ImportedDocument("plugins.yaml", "WebhookPlugin", meta, spec, WEBHOOK_PLACEHOLDERS)
            )
    for name, a in sorted(live.attribute_types.items()):
        spec = {
            "desc": a["description"],
            "elements": {k: {"desc": d} for k, d in a["elements"].items()},
        }
        docs.append(
            ImportedDocument(
                "attribute-types.yaml",
                "AttributeType",
                name,
                spec,
                (
                    "readonly: <true|false>",
                    "group: <order|customer|voucher|...>",
                    "elements.<key>.type: <input|textarea|boolean|...> for each element",
                ),
            )
        )
    for name, g in sorted(live.tax_groups.items()):
        rules = [
            {
                "name": r,
                "displayName": v["displayName"],
                "code": v["code"],
                "countries": v["countries"],
                "rate": v["rate"],
                "applyTaxToShipping": v["applyTaxToShipping"],
                "applyTaxToHandling": v["applyTaxToHandling"],
            }
            for r, v in sorted(g["rules"].items())
        ]
        spec = {"status": g["status"], "defaultInStores": g["defaultInStores"], "rules": rules}
        docs.append(
            ImportedDocument(
                "tax-groups.yaml",
                "TaxGroup",
                name,
                spec,
                (
                    "rules[*].applyTaxPer: Ship-to country",
                    "rules[*].includeTax: <...>",
                    "rules[*].includeShippingCostInOrderTotal: <true|false>",
                ),
            )
        )
    for (store, name), p in sorted(live.pricelists.items()):
        spec = {
            "store": store,
            "status": p["status"],
            "currency": p["currency"],
            "countries": p["countries"],
        }
        if p["defaultShippingOption"]:
            spec["defaultShippingOption"] = p["defaultShippingOption"]
        docs.append(
            ImportedDocument("pricelists.yaml", "Pricelist", name, spec, ("comment: <...>",))
        )
    for name in sorted(live.shipping_options):
        found = live.shipping_checks.get(name, {})
        spec = {
            "status": found.get("value:status"),
            "uri": live.shipping_uris.get(name),
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
                (
                    "isPickupPoint: <true|false>",
                    "comment: <...>",
                ),
            )
        )
    return docs


def _snapshot_imported(
    desired: DesiredState,
    docs: list[ImportedDocument],
    live: LiveState,
    url_override: str | None = None,
    record: bool = False,
) -> None:
    """The environment's ledger keeps what Centra showed of each imported resource, so drift
    on the imported manifests sees later changes outside them. With `record`, the adopted
    values themselves are recorded too (source "import", listed by `state list`)."""
    env = desired.environment
    resources = [
        Resource(
            d.kind,
            d.name,
            KINDS[d.kind].identity(d.name, d.spec),
            d.spec,
            "present",
            SourceDocument(d.file, {"kind": d.kind, "metadata": {"name": d.name}, "spec": d.spec}),
        )
        for d in docs
    ]
    with state_lock(env.ledger_location, env.name, "import"):
        ledger = load_ledger(env, url_override)
        ctx = ObserveContext(live, {}, check_context(env))
        changed = record_snapshots(ledger, resources, ctx, "import")
        if record:
            for doc in docs:
                address = f"{doc.kind}/{doc.name}"
                for path, value in flatten(doc.spec):
                    ledger.remember(address, path, value, "import")
        if changed or record:
            ledger.save()


def import_environment(
    root: Path,
    env_name: str,
    output: Path,
    url_override: str | None = None,
    record: bool = False,
) -> list[ImportedDocument]:
    """Read live Centra for `env_name` and write a manifest root at `output`: the same
    Environment (without includes) and one file per kind."""
    desired = load_desired_state(root, env_name)
    env = desired.environment
    repo_root = root.resolve().parent

    async def run() -> LiveState:
        async with open_centra(env, repo_root, url_override) as conn:
            caps = await discover(conn.client, repo_root / ".provision" / "cache")
            return await read_everything(conn.client, caps)

    live = asyncio.run(run())
    docs = documents(live)
    _snapshot_imported(desired, docs, live, url_override, record)
    folder = output / env_name
    folder.mkdir(parents=True, exist_ok=True)
    env_doc = dict(env.doc.data)
    env_doc["spec"] = {k: v for k, v in env_doc["spec"].items() if k != "includes"}
    env_doc["spec"]["stores"] = env_doc["spec"].get("stores", [])
    (folder / "environment.yaml").write_text(_dump(env_doc))
    by_file: dict[str, list[str]] = {}
    for doc in docs:
        by_file.setdefault(doc.file, []).append(doc.text())
    for file, texts in by_file.items():
        (folder / file).write_text("---\n".join(texts))
    return docs


def _dump(value: Any) -> str:
    from decimal import Decimal

    def plain(v: Any) -> Any:
        if isinstance(v, Decimal):
            return int(v) if v == v.to_integral_value() else float(v)
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v

    return yaml.safe_dump(plain(value), sort_keys=False, allow_unicode=True)
