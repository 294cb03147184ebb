"""`provision state list|show|rm` and `force-unlock` for one environment: its ledger found
from its manifests (the same binding plan and apply use), read or changed under its lock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from centra_provision.engine.session import load_ledger
from centra_provision.manifest.desired import load_desired_state
from centra_provision.manifest.environment import EnvironmentConfig
from centra_provision.state.inspect import (
    LedgerState,
    ResourceState,
    describe_ledger,
    find_resource,
)
from centra_provision.state.lock import force_unlock, state_lock


def _environment(root: Path, env_name: str) -> EnvironmentConfig:
    return load_desired_state(root, env_name).environment


def list_state(root: Path, env_name: str) -> LedgerState:
    return describe_ledger(load_ledger(_environment(root, env_name)))


def show_state(root: Path, env_name: str, address: str) -> tuple[LedgerState, ResourceState]:
    state = list_state(root, env_name)
    return state, find_resource(state, address)


def remove_state(root: Path, env_name: str, address: str) -> ResourceState:
    """Forget a resource (fields and snapshot) under the environment's lock; the next plan
    treats its write-only fields as never applied."""
    env = _environment(root, env_name)
    with state_lock(env.ledger_location, env_name, "state rm"):
        ledger = load_ledger(env)
        found = find_resource(describe_ledger(ledger), address)
        ledger.forget(address)
        ledger.save()
        return found


def unlock(root: Path, env_name: str, lock_id: str) -> dict[str, Any]:
    """Break the lock a killed run left on the environment's ledger (see state/lock.py for
    what is refused); the record of the holder that was broken."""
    return force_unlock(_environment(root, env_name).ledger_location, env_name, lock_id)
