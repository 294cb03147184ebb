"""Runs one diff case: a resource, what live Centra shows, the ledger, the secrets."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from centra_provision.engine.diff import resource_change
from centra_provision.manifest.secrets import SecretValue
from centra_provision.manifest.yamlio import load_documents
from centra_provision.plans import ResourceChange
from centra_provision.resources import KINDS, LIVE_LISTS, CheckContext, Resource
from centra_provision.resources.base import ObserveContext
from centra_provision.resources.live import LiveState
from centra_provision.source import SourceDocument
from centra_provision.state.ledger import Ledger


def load_case(path: Path) -> dict[str, Any]:
    data = load_documents(path.read_text(), str(path))[0].data
    assert isinstance(data, dict)
    return data


def live_state(spec: dict[str, Any]) -> LiveState:
    live = LiveState()
    for field in ("stores", "warehouses", "taxGroups", "attributeTypes"):
        if field in spec:
            live.add_rows(LIVE_LISTS[field], spec[field] or [])
    for store, kinds in (spec.get("plugins") or {}).items():
        for kind, rows in kinds.items():
            live.add_plugins(store, kind, rows)
    live.probes.update(spec.get("probes") or {})
    return live


def run_case(case: dict[str, Any], tmp: Path) -> ResourceChange:
    r = case["resource"]
    doc = SourceDocument(
        "case.yaml", {"kind": r["kind"], "metadata": {"name": r["name"]}, "spec": r["spec"]}
    )
    res = Resource(
        r["kind"],
        r["name"],
        KINDS[r["kind"]].identity(r["name"], r["spec"]),
        r["spec"],
        r.get("state", "present"),
        doc,
    )
    env = case.get("environment") or {}
    check = CheckContext(
        "test",
        env.get("globale", "QA-INT"),
        env.get("merchantId", 1808),
        env.get("domain", "sandbox.centraqa.com"),
        frozenset({"Retail"}),
        None,
    )
    ledger = Ledger.load(tmp / "ledger.json", "test")
    for path, value in (case.get("ledger") or {}).items():
        ledger.remember(res.address, path, value, "apply")
    secrets = {
        (res.address, path): SecretValue(f"the value of {path}", value)
        for path, value in (case.get("secrets") or {}).items()
    }
    ctx = ObserveContext(live_state(case.get("live") or {}), secrets, check)
    return resource_change(res, KINDS[res.kind].observe(res, ctx), ledger, "guided")


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, str) and value.startswith(("hmac-sha256:", "scrypt:")):
        return "(fingerprint)"
    return value


def summarise(change: ResourceChange) -> dict[str, Any]:
    """What a case asserts: the action and every field that is not unchanged."""
    return {
        "action": change.action,
        "changes": [
            {"path": f.path, "status": f.status, "before": plain(f.before), "after": plain(f.after)}
            for f in change.fields
            if f.status != "unchanged"
        ],
    }
