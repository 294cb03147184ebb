"""Building a plan (sqlmesh's PlanBuilder): desired state + live Centra + ledger -> Plan.

`plan_environment` is all the CLI calls; executing a plan is a separate object.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
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
from centra_provision.plans import Action, ExecutorKind, LedgerIdentity, Plan, ResourceChange
from centra_provision.resources import API_OPERATIONS, KINDS, Resource
from centra_provision.resources.base import NoteContext, ObserveContext, live_references
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


def kind_notes(
    resources: tuple[Resource, ...], live: LiveState, ledger: Ledger, variables: Mapping[str, Any]
) -> list[str]:
    """What the kinds say beside the changes: once per plan for each kind present (the
    markets a pricelist must cover), then for each resource in plan order (the Order API
    probe's answer, a token about to expire)."""

    def recorded_at(address: str, path: str, value: Any) -> str | None:
        record = ledger.record(address, path)
        return record.get("at") if record and ledger.matches(record, value) else None

    ctx = NoteContext(live, recorded_at, variables)
    kinds = [KINDS[k] for k in dict.fromkeys(r.kind for r in resources)]
    plan_notes = dict.fromkeys(k.plan_notes for k in kinds if k.plan_notes is not None)
    notes = [note for hook in plan_notes for note in hook(ctx)]
    for res in resources:
        kind_note = KINDS[res.kind].notes
        if kind_note is not None:
            notes += kind_note(res, ctx)
    return notes


def check_prerequisites(resources: tuple[Resource, ...], live: LiveState) -> None:
    """Every store and warehouse the resources name exists in Centra; all that do not in one
    error, sorted."""
    known: dict[str, Mapping[str, object]] = {"store": live.stores, "warehouse": live.warehouses}
    problems = [
        f"{res.address}: {what} '{name}' does not exist in Centra"
        for res in resources
        for what, name in live_references(res)
        if name not in known[what]
    ]
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
        notes=tuple(kind_notes(ordered, live, ledger, env.variables)),
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
