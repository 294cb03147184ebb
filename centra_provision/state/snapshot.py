"""What Centra showed of one resource, in the manifest's own shape: the ledger keeps this per
resource at the last apply, attest or import, so `drift` can tell changes to fields the
manifests do not declare (an element added by hand, a rule nobody manages).

Each kind says what its snapshot keeps (`ResourceKind.shown`): only what Centra's API shows
(the live entries hold no secret: the Order API probe is kept as its HTTP status by the
reader and left out here too), and no ids: they are Centra's, not the merchant's
configuration.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from centra_provision.resources import KINDS, Resource
from centra_provision.resources.base import ObserveContext
from centra_provision.state.ledger import Ledger
from centra_provision.values import jsonable

Shown = dict[str, Any]


def shown(kind: str, entry: Any) -> Shown | None:
    """Everything Centra showed of one resource, shaped like its manifest spec (keyed lists
    as maps by key); None when Centra shows nothing of it."""
    shape = KINDS[kind].shown if kind in KINDS else None
    if shape is None or not isinstance(entry, dict):
        return None
    return jsonable(shape(entry))  # type: ignore[no-any-return]


def record_snapshots(
    ledger: Ledger, resources: Iterable[Resource], ctx: ObserveContext, source: str
) -> bool:
    """Snapshot what Centra shows of each resource (after an apply, attest or import);
    True when any snapshot changed (the ledger needs saving)."""
    changed = False
    for res in resources:
        if res.state == "absent":
            continue
        seen = shown(res.kind, KINDS[res.kind].observe(res, ctx).entry)
        if seen is not None:
            changed = ledger.take_snapshot(res.address, seen, source) or changed
    return changed
