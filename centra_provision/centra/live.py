"""Reading live Centra for a plan: a handful of batched requests, whatever the size.

1. ReadLive: stores, warehouses, tax groups and attribute types in one request per page
   (aliases; lists that came back short drop out of the next page).
2. PluginsInStore, repeated per store that desired plugins name: one request per page.
3. The Order API probe, once per desired Order API URI, concurrently.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from centra_provision.centra import operations
from centra_provision.centra.client import CentraClient
from centra_provision.centra.discovery import Capabilities
from centra_provision.resources import Resource
from centra_provision.resources.live import PLUGIN_KINDS, LiveState

PAGE_SIZE = 100
READ_FLAGS = {
    "stores": "withStores",
    "warehouses": "withWarehouses",
    "taxGroups": "withTaxGroups",
    "attributeTypes": "withAttributeTypes",
}
UNPAGED = {"attributeTypes"}


async def read_live(
    client: CentraClient,
    caps: Capabilities,
    resources: Iterable[Resource],
    secrets: dict[tuple[str, str], Any],
) -> LiveState:
    resources = list(resources)
    kinds = {r.kind for r in resources}
    live = LiveState()
    wanted = {"stores", "warehouses"}
    if "TaxGroup" in kinds:
        wanted.add("taxGroups")
    if "AttributeType" in kinds:
        wanted.add("attributeTypes")
    await _read_pages(client, caps, live, wanted)
    plugin_stores = sorted(
        {
            str(r.spec["store"])
            for r in resources
            if r.kind in ("OrderApiPlugin", "WebhookPlugin") and r.spec.get("store") in live.stores
        }
    )
    if plugin_stores:
        await _read_plugins(client, caps, live, plugin_stores)
    await _probe_order_apis(client, live, resources, secrets)
    return live


async def _read_pages(
    client: CentraClient, caps: Capabilities, live: LiveState, wanted: set[str]
) -> None:
    doc = caps.prepare(operations.load("read_live"))
    pending, page = set(wanted), 1
    while pending:
        variables: dict[str, Any] = {"limit": PAGE_SIZE, "page": page}
        variables.update({flag: key in pending for key, flag in READ_FLAGS.items()})
        data = await client.execute(operations.text(doc), variables, operation_name="ReadLive")
        live.add_page(data)
        pending = {k for k in pending if k not in UNPAGED and len(data.get(k) or []) >= PAGE_SIZE}
        page += 1


async def _read_plugins(
    client: CentraClient, caps: Capabilities, live: LiveState, stores: list[str]
) -> None:
    keys = {f"s{live.stores[name].id}": name for name in stores}
    template = operations.repeat_per_key(operations.load("plugins_in_store"), "storeId", list(keys))
    doc = caps.prepare(template)
    pending = set(operations.response_keys(doc))
    page = 1
    while pending:
        current = operations.keep_roots(doc, pending)
        variables: dict[str, Any] = {"limit": PAGE_SIZE, "page": page}
        variables.update(
            {
                f"storeId_{key}": [live.stores[name].id]
                for key, name in keys.items()
                if any(k.startswith(f"{key}_") for k in pending)
            }
        )
        data = await client.execute(
            operations.text(current), variables, operation_name="PluginsInStore"
        )
        for response_key in pending:
            key, kind = response_key.split("_", 1)
            if kind in PLUGIN_KINDS:
                live.add_plugins(keys[key], kind, data.get(response_key) or [])
        pending = {k for k in pending if len(data.get(k) or []) >= PAGE_SIZE}
        page += 1


async def _probe_order_apis(
    client: CentraClient,
    live: LiveState,
    resources: list[Resource],
    secrets: dict[tuple[str, str], Any],
) -> None:
    """GET /api/<uri>/orders?limit=1 with the secret: 200 both right, 401 wrong secret,
    404 no active plugin serves that URI."""
    probes: dict[str, str] = {}
    for res in resources:
        value = getattr(secrets.get((res.address, "secretKey")), "value", None)
        if res.kind == "OrderApiPlugin" and res.state == "present" and value:
            probes[str(res.spec["uri"])] = value

    async def probe(uri: str, secret: str) -> None:
        response = await client.get(f"/api/{uri}/orders?limit=1", {"API-Authorization": secret})
        live.probes[uri] = response.status_code

    await asyncio.gather(*(probe(uri, secret) for uri, secret in probes.items()))
