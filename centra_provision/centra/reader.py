"""Reading live Centra for a plan: a handful of batched requests, whatever the size.

1. ReadLive: every list the selected kinds read (and stores and warehouses, always), one
   request per page; each list is a `LiveList` whose document is combined into one query,
   and a list that came back short drops out of the next page.
2. PluginsInStore, repeated per store that desired plugins name: one request per page.
3. What some kinds read beyond lists (`ResourceKind.extra_reads`): the shipping options'
   membership checks, then the Order API probe, once per desired URI, concurrently.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from typing import Any

from graphql import DocumentNode

from centra_provision.centra import operations
from centra_provision.centra.client import CentraClient
from centra_provision.centra.discovery import Capabilities
from centra_provision.centra.paging import PagedList
from centra_provision.centra.shipping_checks import check_shipping_options, probe_shipping_options
from centra_provision.errors import CentraPermissionError
from centra_provision.resources import KINDS, LIVE_LISTS, Resource
from centra_provision.resources.live import (
    ALWAYS,
    PLUGIN_KINDS,
    SHIPPING_OPTIONS,
    STORES,
    LiveList,
    LiveState,
    LiveStore,
)

PAGE_SIZE = 100


def lists_for(resources: Iterable[Resource]) -> list[LiveList]:
    """Stores and warehouses, then every list the resources' kinds read, each once."""
    wanted = {r.kind for r in resources}
    found: dict[str, LiveList] = {read.field: read for read in ALWAYS}
    for kind in KINDS.values():
        if kind.name in wanted:
            found.update({read.field: read for read in kind.reads if read.field not in found})
    return list(found.values())


def _extra(resources: Iterable[Resource], name: str) -> list[Resource]:
    """The resources whose kind reads `name` beyond lists."""
    return [r for r in resources if r.kind in KINDS and name in KINDS[r.kind].extra_reads]


async def read_live(
    client: CentraClient,
    caps: Capabilities,
    resources: Iterable[Resource],
    secrets: dict[tuple[str, str], Any],
) -> LiveState:
    resources = list(resources)
    live = LiveState()
    denied: list[CentraPermissionError] = []
    try:
        await _read_pages(client, caps, live, lists_for(resources))
    except CentraPermissionError as exc:
        denied.append(exc)
    plugins = _extra(resources, "plugins")
    plugin_stores = sorted(
        {str(r.spec["store"]) for r in plugins if r.spec.get("store") in live.stores}
    )
    if denied and not plugin_stores and live.stores and plugins:
        plugin_stores = [next(iter(live.stores))]  # only to learn whether plugins can be read
    if plugin_stores:
        await _named(_read_plugins(client, caps, live, plugin_stores), "storePlugins", denied)
    options = [
        r
        for r in _extra(resources, "shippingChecks")
        if r.name in live.entries(SHIPPING_OPTIONS.field)
    ]
    if options and not denied:
        await _named(check_shipping_options(client, caps, live, options), "shippingOptions", denied)
    if denied:
        raise CentraPermissionError(
            [m for e in denied for m in e.missing], [p for e in denied for p in e.paths]
        )
    await _probe_order_apis(client, live, _extra(resources, "orderApiProbe"), secrets)
    return live


async def _named(
    read: Coroutine[Any, Any, None], field: str, denied: list[CentraPermissionError]
) -> None:
    """Run one read; a denial joins `denied` under the field a user knows (`storePlugins`),
    not the internal aliases of a batched query (`s1_orderApi`). Reads go on after a denial so
    that one run names every missing permission."""
    try:
        await read
    except CentraPermissionError as exc:
        denied.append(CentraPermissionError(exc.missing, [field]))


async def read_stores(client: CentraClient, caps: Capabilities) -> dict[str, LiveStore]:
    """Just the stores (name -> LiveStore), for commands that name a store."""
    live = LiveState()
    await _read_pages(client, caps, live, [STORES])
    return dict(live.stores)


def read_document(lists: list[LiveList]) -> DocumentNode:
    """The ReadLive query for these lists: their documents combined into one operation."""
    return operations.combine("ReadLive", [operations.load(read.document) for read in lists])


def _page_variables(lists: list[LiveList], on: set[str], limit: int, page: int) -> dict[str, Any]:
    """One page's variables: every list's @include flag (on for `on`), and the page."""
    variables: dict[str, Any] = {read.flag: read.field in on for read in lists}
    variables.update({"limit": limit, "page": page})
    return variables


async def _read_pages(
    client: CentraClient, caps: Capabilities, live: LiveState, lists: list[LiveList]
) -> None:
    """Every list, one request per page for all of them; a list leaves the request when
    its pages are done (see centra/paging.py: a short page is not proof of the end)."""
    doc = caps.prepare(read_document(lists))
    by_field = {read.field: read for read in lists}
    paged = operations.paged_keys(doc)
    reading = {key: PagedList(key, PAGE_SIZE) for key in by_field}
    page = 1
    while reading:
        variables = operations.defined_variables(
            doc, _page_variables(lists, set(reading), PAGE_SIZE, page)
        )
        try:
            data = await client.execute(operations.text(doc), variables, operation_name="ReadLive")
        except CentraPermissionError:
            raise await _all_missing_permissions(client, doc, lists, set(reading), live) from None
        for key, state in list(reading.items()):
            rows = data.get(key) or []
            live.add_rows(by_field[key], state.take(rows, caps.pages) if key in paged else rows)
            if state.done or key not in paged:
                del reading[key]
        page += 1


async def _all_missing_permissions(
    client: CentraClient, doc: Any, lists: list[LiveList], wanted: set[str], live: LiveState
) -> CentraPermissionError:
    """Centra stops at the first denied non-null list; ask for each list alone (one row) so
    the error names every permission the plan needs at once. Costs requests only on failure."""
    missing: list[str] = []
    paths: list[str] = []
    by_field = {read.field: read for read in lists}
    for key in sorted(wanted):
        variables = operations.defined_variables(doc, _page_variables(lists, {key}, 1, 1))
        try:
            data = await client.execute(operations.text(doc), variables, operation_name="ReadLive")
        except CentraPermissionError as exc:
            missing += exc.missing
            paths += exc.paths
        else:
            live.add_rows(by_field[key], data.get(key) or [])
    return CentraPermissionError(missing, paths)


async def _read_plugins(
    client: CentraClient, caps: Capabilities, live: LiveState, stores: list[str]
) -> None:
    """Every store's Order API and webhook plugins, one request per page for all stores."""
    keys = {f"s{live.stores[name].id}": name for name in stores}
    template = operations.load("plugins_in_store")
    doc = caps.prepare(
        operations.combine("PluginsInStore", [operations.instance(template, key) for key in keys])
    )
    paged = operations.paged_keys(doc)
    reading = {k: PagedList("storePlugins", PAGE_SIZE) for k in operations.response_keys(doc)}
    page = 1
    while reading:
        current = operations.keep_roots(doc, set(reading))
        variables: dict[str, Any] = {}
        for key, name in keys.items():
            variables.update(
                {
                    f"storeId_{key}": [live.stores[name].id],
                    f"limit_{key}": PAGE_SIZE,
                    f"page_{key}": page,
                }
            )
        data = await client.execute(
            operations.text(current),
            operations.defined_variables(current, variables),
            operation_name="PluginsInStore",
        )
        for response_key, state in list(reading.items()):
            key, kind = response_key.split("_", 1)
            rows = data.get(response_key) or []
            fresh = state.take(rows, caps.pages) if response_key in paged else rows
            if kind in PLUGIN_KINDS:
                live.add_plugins(keys[key], kind, fresh)
            if state.done or response_key not in paged:
                del reading[response_key]
        page += 1


async def _probe_order_apis(
    client: CentraClient,
    live: LiveState,
    resources: list[Resource],
    secrets: dict[tuple[str, str], Any],
) -> None:
    """GET /api/<uri>/orders?limit=1 with the secret. 200: URI and secret right; 403 with
    `{"status": "Not Allowed"}`: the plugin does not allow that endpoint (the documented
    refusal, ORDER 114.get-allocation-requests:137-144). 401 (wrong secret) and 404 (no
    active plugin at that URI) are what Centra is taken to answer; neither is documented."""
    probes: dict[str, str] = {}
    for res in resources:
        value = getattr(secrets.get((res.address, "secretKey")), "value", None)
        if res.state == "present" and value:
            probes[str(res.spec["uri"])] = value

    async def probe(uri: str, secret: str) -> None:
        response = await client.get(f"/api/{uri}/orders?limit=1", {"API-Authorization": secret})
        live.probes[uri] = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("status"), str):
            live.probe_answers[uri] = body["status"]

    await asyncio.gather(*(probe(uri, secret) for uri, secret in probes.items()))


async def read_everything(client: CentraClient, caps: Capabilities) -> LiveState:
    """All of it, for `provision import`: every list any kind reads, every store's plugins,
    and what the filters can tell about each shipping option."""
    live = LiveState()
    await _read_pages(client, caps, live, list(LIVE_LISTS.values()))
    if live.stores:
        await _read_plugins(client, caps, live, sorted(live.stores))
    if live.entries(SHIPPING_OPTIONS.field):
        await probe_shipping_options(client, caps, live)
    return live
