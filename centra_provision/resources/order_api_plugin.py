"""OrderApiPlugin: Centra's Order API plugin ('GE Order API', guide 1.1).

Centra's API shows its name, status, type and store; every setting is write-only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from centra_provision.errors import Diagnostic
from centra_provision.resources.base import (
    CheckContext,
    Resource,
    ResourceKind,
    by_store_and_plugin_name,
    check_store_refs,
)

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


KIND = ResourceKind(
    name="OrderApiPlugin",
    identity=by_store_and_plugin_name,
    secret_paths=(("secretKey",),),
    checks=(check_store_refs("store"), check_uri, check_warehouse),
)
