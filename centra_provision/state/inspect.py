"""Inspecting and repairing the ledger, as Terraform's `state list|show|rm`: what it holds
per resource (fields, when and how each was recorded, the last snapshot of what Centra
showed), and forgetting a resource someone deleted by hand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from centra_provision.errors import ProvisionError
from centra_provision.state.ledger import Ledger

# How a record came to be, in the words `state list` prints.
HOW = {
    "api": "applied (api)",
    "backoffice": "applied (backoffice)",
    "wait": "waited",
    "wait:observed": "observed in Centra (wait)",
    "wait:attested": "attested (wait: Centra cannot show it)",
    "attest": "attested",
    "import": "imported",
    "apply": "applied",
}


class NotInLedger(ProvisionError):
    """The ledger holds nothing for that address."""


@dataclass(frozen=True)
class FieldRecord:
    path: str
    how: str
    at: str
    fingerprint: str


@dataclass(frozen=True)
class ResourceState:
    address: str
    fields: tuple[FieldRecord, ...]
    snapshot: dict[str, Any] | None

    @property
    def last(self) -> str:
        times = [f.at for f in self.fields] + [str((self.snapshot or {}).get("at", ""))]
        return max(t for t in times if t) if any(times) else ""

    @property
    def hows(self) -> tuple[str, ...]:
        snap = [HOW.get(str(self.snapshot.get("source")), "?")] if self.snapshot else []
        return tuple(sorted({f.how for f in self.fields} | set(snap)))


@dataclass(frozen=True)
class LedgerState:
    location: str
    environment: str
    centra_url: str | None
    ledger_id: str | None
    serial: int
    updated_at: str | None
    resources: tuple[ResourceState, ...]


def describe_ledger(ledger: Ledger) -> LedgerState:
    addresses = sorted(set(ledger.records) | set(ledger.snapshots))
    resources = tuple(
        ResourceState(
            address,
            tuple(
                FieldRecord(
                    path,
                    HOW.get(r.get("source", ""), r.get("source", "?")),
                    r.get("at", ""),
                    r.get("fingerprint", ""),
                )
                for path, r in sorted(ledger.records.get(address, {}).items())
            ),
            ledger.snapshot(address),
        )
        for address in addresses
    )
    return LedgerState(
        ledger.location,
        ledger.environment,
        ledger.centra_url,
        ledger.ledger_id,
        ledger.serial,
        ledger.updated_at,
        resources,
    )


def find_resource(state: LedgerState, address: str) -> ResourceState:
    """One resource's records; an address the ledger does not hold lists what it holds."""
    for res in state.resources:
        if res.address == address:
            return res
    known = ", ".join(r.address for r in state.resources) or "nothing yet"
    raise NotInLedger(
        f"the ledger {state.location} holds nothing for {address} (it holds: {known})"
    )
