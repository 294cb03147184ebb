"""What the two plugin kinds (Order API, Centra Webhook) share: Centra lists plugins per
store and type, so they are read together and named by (store, plugin name); the back
office has one plugin form; import names a plugin after its store when its name repeats."""

from __future__ import annotations

from typing import Any

from centra_provision.plans import Action
from centra_provision.resources.base import (
    BackOfficeContext,
    ImportedDocument,
    Resource,
    plain,
)
from centra_provision.resources.live import LiveState


def save_plugin(
    res: Resource, action: Action, ctx: BackOfficeContext, form_name: str, settings: dict[str, Any]
) -> None:
    """The back office's plugin form (`form_name`: order_api or webhook), found by store and
    name first so that running it again edits rather than duplicates."""
    store, name = res.identity

    def form() -> dict[str, Any]:
        return {
            "store": store,
            "type": form_name,
            "name": name,
            "status": res.spec["status"],
            "settings": plain(settings),
        }

    match = {"storeId": ctx.store_id(store), "kind": form_name, "name": name}
    ctx.put("plugins", action, match, form)


def adopt_plugins(
    live: LiveState, kind: str, plugin_type: str, placeholders: tuple[str, ...]
) -> list[ImportedDocument]:
    """One document per plugin of this type in any store; a name that repeats in another
    store is written as `name (store)` with the real name in `pluginName`."""
    found = [
        (store, p)
        for (store, ptype), rows in sorted(live.plugins.items())
        if ptype == plugin_type
        for p in rows
    ]
    counts: dict[str, int] = {}
    for _, p in found:
        counts[p["name"]] = counts.get(p["name"], 0) + 1
    docs = []
    for store, p in found:
        meta = p["name"] if counts[p["name"]] == 1 else f"{p['name']} ({store})"
        spec: dict[str, Any] = {"store": store, "status": p["status"]}
        if meta != p["name"]:
            spec["pluginName"] = p["name"]
        docs.append(ImportedDocument("plugins.yaml", kind, meta, spec, placeholders))
    return docs
