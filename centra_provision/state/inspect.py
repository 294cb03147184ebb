"""Inspecting and repairing the ledger, as Terraform's `state list|show|rm`: what it holds
per resource (fields, when and how each was recorded, the last snapshot of what Centra
showed), and forgetting a resource someone deleted by hand."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from centra_provision.engine.planner import load_ledger
from centra_provision.errors import ProvisionError
from centra_provision.manifest.desired import load_desired_state
from centra_provision.manifest.environment import EnvironmentConfig
from centra_provision.state.ledger import Ledger
from centra_provision.state.lock import state_lock

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


def _environment(root: Path, env_name: str) -> EnvironmentConfig:
    return load_desired_state(root, env_name).environment


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


def list_state(root: Path, env_name: str) -> LedgerState:
    return describe_ledger(load_ledger(_environment(root, env_name)))


def show_state(root: Path, env_name: str, address: str) -> tuple[LedgerState, ResourceState]:
    state = list_state(root, env_name)
    for res in state.resources:
        if res.address == address:
            return state, res
    raise NotInLedger(_missing(state, address))


def _missing(state: LedgerState, address: str) -> str:
    known = ", ".join(r.address for r in state.resources) or "nothing yet"
    return f"the ledger {state.location} holds nothing for {address} (it holds: {known})"


def remove_state(root: Path, env_name: str, address: str) -> ResourceState:
    """Forget a resource (fields and snapshot) under the environment's lock; the next plan
    treats its write-only fields as never applied."""
    env = _environment(root, env_name)
    with state_lock(env.ledger_location, env_name, "state rm"):
        ledger = load_ledger(env)
        found = next((r for r in describe_ledger(ledger).resources if r.address == address), None)
        if found is None:
            raise NotInLedger(_missing(describe_ledger(ledger), address))
        ledger.forget(address)
        ledger.save()
        return found
