"""Building a plan (sqlmesh's PlanBuilder): desired state + live Centra + ledger -> Plan.

`plan_environment` is all the CLI calls; executing a plan is a separate object.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from centra_provision.centra.client import RequestCount
from centra_provision.centra.discovery import Capabilities
from centra_provision.centra.reader import read_live
from centra_provision.engine.diff import resource_change
from centra_provision.engine.session import EnvironmentSession, RunOptions, run_session
from centra_provision.errors import ProvisionError
from centra_provision.manifest.desired import DesiredState, check_context
from centra_provision.manifest.environment import EnvironmentConfig
from centra_provision.plans import Action, ExecutorKind, LedgerIdentity, Plan, ResourceChange
from centra_provision.resources import API_OPERATIONS, KINDS, Resource
from centra_provision.resources.base import NoteContext, ObserveContext
from centra_provision.resources.live import LiveState
from centra_provision.state.ledger import Ledger


class LivePrerequisiteError(ProvisionError):
    """Something the manifests assume exists in Centra (a store, a warehouse) does not."""


def executor_for(
    kind: str, action: Action, caps: Capabilities, environment_executor: ExecutorKind
) -> ExecutorKind:
    """API where the kind has an API operation for this change and the live schema has its
    mutation, else the environment's executor."""
    operation = API_OPERATIONS.get((kind, action))
    if operation is not None and caps.has_mutation(operation.mutation):
        return ExecutorKind.API
    return environment_executor


def kind_notes(resources: tuple[Resource, ...], live: LiveState, ledger: Ledger) -> list[str]:
    """What each kind says beside its changes (the Order API probe's answer, a token about
    to expire), in plan order."""

    def recorded_at(address: str, path: str, value: Any) -> str | None:
        record = ledger.record(address, path)
        return record.get("at") if record and ledger.matches(record, value) else None

    ctx = NoteContext(live, recorded_at)
    notes: list[str] = []
    for res in resources:
        kind_note = KINDS[res.kind].notes
        if kind_note is not None:
            notes += kind_note(res, ctx)
    return notes


def market_coverage(env: EnvironmentConfig, live: LiveState) -> tuple[str, ...]:
    """Guide, "Calculating Prices": every country a Global-e market serves needs an active
    pricelist in the base currency (checked on live data, per store, whenever the plan
    read the pricelists)."""
    if not live.was_read("pricelists"):
        return ()
    base = live.base_currency
    own = {str(c).upper() for c in env.variables.get("ownMarkets", []) or []}
    notes = []
    for store in sorted({m["store"] for m in live.markets.values()}):
        served = {
            c for m in live.markets.values() if m["store"] == store for c in m["countries"]
        } - own
        covered = {
            c
            for (s, _), p in live.entries("pricelists").items()
            if s == store and p["status"] == "ACTIVE" and p["currency"] == base
            for c in p["countries"]
        }
        missing = sorted(served - covered)
        if missing:
            shown = ", ".join(missing[:10]) + (
                f", … {len(missing)} in all" if len(missing) > 10 else ""
            )
            notes.append(
                f"warning: store {store}: {len(missing)} countries of Global-e markets "
                f"have no active pricelist in the base currency {base}: {shown}"
            )
    return tuple(notes)


def check_prerequisites(resources: tuple[Resource, ...], live: LiveState) -> None:
    problems = []
    for res in resources:
        store = res.spec.get("store")
        if isinstance(store, str) and store not in live.stores:
            problems.append(f"{res.address}: store '{store}' does not exist in Centra")
        for store in [*(res.spec.get("defaultInStores") or []), *(res.spec.get("stores") or [])]:
            if store not in live.stores:
                problems.append(f"{res.address}: store '{store}' does not exist in Centra")
        warehouse = res.spec.get("primaryWarehouse")
        if isinstance(warehouse, str) and warehouse not in live.warehouses:
            problems.append(f"{res.address}: warehouse '{warehouse}' does not exist in Centra")
    if problems:
        raise LivePrerequisiteError("; ".join(sorted(set(problems))))


def build_plan(
    desired: DesiredState,
    resources: tuple[Resource, ...],
    live: LiveState,
    caps: Capabilities,
    ledger: Ledger,
    resolved: dict[tuple[str, str], Any],
    shown_url: str,
    count: RequestCount,
    source: str = "",
) -> Plan:
    """The pure part: everything read, now compare."""
    env = desired.environment
    ctx = ObserveContext(live, resolved, check_context(env))
    changes: list[ResourceChange] = []
    ordered = tuple(sorted(resources, key=lambda r: (KINDS[r.kind].order, r.name, r.identity)))
    for res in ordered:
        observation = KINDS[res.kind].observe(res, ctx)
        change = resource_change(res, observation, ledger, env.executor)
        executor = executor_for(res.kind, change.action, caps, env.executor)
        changes.append(dataclasses.replace(change, executor=executor))
    return Plan(
        environment=env.name,
        centra_url=shown_url,
        manifest_digest=desired.digest,
        created_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        changes=tuple(changes),
        discovered=tuple(caps.report()),
        requests=count.sent,
        other_requests=count.other,
        notes=(*market_coverage(env, live), *kind_notes(ordered, live, ledger)),
        centra_url_source=source,
        ledger=LedgerIdentity(ledger.location, ledger.ledger_id, ledger.serial),
    )


async def plan_live(session: EnvironmentSession) -> tuple[Plan, LiveState]:
    """Read live Centra for the session's resources and plan; apply and `--wait` call this
    again after every change and at every look."""
    caps = await session.capabilities()
    client = session.conn.client
    live = await read_live(client, caps, session.resources, session.secrets)
    check_prerequisites(session.resources, live)
    plan = build_plan(
        session.desired,
        session.resources,
        live,
        caps,
        session.ledger,
        session.secrets,
        session.conn.shown_url,
        client.count,
        session.conn.url_source,
    )
    return plan, live


async def _plan_only(session: EnvironmentSession) -> Plan:
    return (await plan_live(session))[0]


def plan_environment(root: Path, env_name: str, options: RunOptions | None = None) -> Plan:
    """Load the manifests, read live Centra, diff, and return the plan."""
    return run_session(root, env_name, options or RunOptions(), _plan_only)
