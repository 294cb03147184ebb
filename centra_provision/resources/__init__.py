"""One module per resource kind: identity, secret fields, semantic rules. Pure: no I/O."""

from __future__ import annotations

from centra_provision.resources import (
    attribute_type,
    integration_token,
    order_api_plugin,
    pricelist,
    shipping_option,
    tax_group,
    webhook_plugin,
)
from centra_provision.resources.base import CheckContext, Resource, ResourceKind

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

__all__ = ["KINDS", "CheckContext", "Resource", "ResourceKind"]
