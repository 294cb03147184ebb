"""One module per resource kind: identity, secret fields, semantic rules, reading,
observing, back-office steps, API operations, snapshot and import. Pure: no I/O.

`KINDS` is the registry every other layer reads; `API_OPERATIONS` is the one table of
which (kind, action) Centra's API can do, read by the planner (who runs a change) and the
API executor (what it sends) alike.
"""

from __future__ import annotations

from centra_provision.plans import Action
from centra_provision.resources import (
    attribute_type,
    integration_token,
    order_api_plugin,
    pricelist,
    shipping_option,
    tax_group,
    webhook_plugin,
)
from centra_provision.resources.base import ApiOperation, CheckContext, Resource, ResourceKind
from centra_provision.resources.live import SHARED, LiveList

KINDS: dict[str, ResourceKind] = {
    k.name: k
    for k in (
        order_api_plugin.KIND,
        webhook_plugin.KIND,
        attribute_type.KIND,
        tax_group.KIND,
        integration_token.KIND,
        pricelist.KIND,
        shipping_option.KIND,
    )
}

# Every root list ReadLive can read, by field: the shared ones, then the kinds' own.
LIVE_LISTS: dict[str, LiveList] = {
    read.field: read for read in (*SHARED, *(r for k in KINDS.values() for r in k.reads))
}

API_OPERATIONS: dict[tuple[str, Action], ApiOperation] = {
    (kind.name, action): operation
    for kind in KINDS.values()
    for action, operation in kind.api.items()
}

__all__ = ["API_OPERATIONS", "KINDS", "LIVE_LISTS", "CheckContext", "Resource", "ResourceKind"]
