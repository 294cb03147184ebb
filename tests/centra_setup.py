"""Makes an emulator hold what the shipped manifests describe, through its back office
(as a person following the guide would), so plans can be tested against a converged
Centra and against deliberate drift."""

from __future__ import annotations

from typing import Any

from centra_provision.emulator.app import Emulator
from centra_provision.engine.ledger import Ledger
from centra_provision.executors.backoffice import plain as _plain
from centra_provision.manifest.desired import DesiredState, check_context
from centra_provision.resources import KINDS, countries
from centra_provision.resources.base import ObserveContext
from centra_provision.resources.live import LiveState


def configure(emulator: Emulator, desired: DesiredState, secret: str) -> None:
    office = emulator.backoffice
    for res in desired.resources:
        spec: dict[str, Any] = dict(res.spec)
        if res.kind == "OrderApiPlugin":
            settings = {k: v for k, v in spec.items() if k not in ("store", "status")}
            settings["secretKey"] = secret
            office.save_plugin(
                {
                    "store": spec["store"],
                    "type": "order_api",
                    "name": res.name,
                    "status": spec["status"],
                    "settings": _plain(settings),
                }
            )
        elif res.kind == "WebhookPlugin":
            office.save_plugin(
                {
                    "store": spec["store"],
                    "type": "webhook",
                    "name": res.name,
                    "status": spec["status"],
                    "settings": {"url": "set", **_plain(spec)},
                }
            )
        elif res.kind == "AttributeType":
            office.save_attribute_type({"name": res.name, "definition": _plain(spec)})
        elif res.kind == "TaxGroup":
            group = office.save_tax_group(
                {
                    "name": res.name,
                    "status": spec["status"],
                    "defaultInStores": spec.get("defaultInStores", []),
                }
            )
            for rule in spec["rules"]:
                office.save_tax_rule(
                    {
                        **_plain(rule),
                        "rate": float(rule["rate"]),
                        "countries": sorted(countries.expand(rule["countries"])),
                    },
                    group["id"],
                )


def record_write_only(ledger: Ledger, desired: DesiredState, secret: str) -> None:
    """What apply would have recorded: every write-only field (and URI and secret) as applied."""
    ctx = ObserveContext(LiveState(), {}, check_context(desired.environment))
    for res in desired.resources:
        for state in KINDS[res.kind].observe(res, ctx).fields:
            if not state.observed or state.path in ("uri", "secretKey"):
                value = secret if state.path == "secretKey" else state.desired
                ledger.remember(res.address, state.path, value, "test", state.sensitive)
    ledger.save()
