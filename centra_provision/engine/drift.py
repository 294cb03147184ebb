"""Drift: what someone changed in Centra by hand, for scheduled CI. Two kinds, kept apart:

- drift against the manifests: a plan restricted to what Centra can show (observed fields,
  and resources that should exist and do not, or should not and do), plus write-only fields
  whose manifest value changed since the ledger recorded them. Write-only fields never
  applied are not drift: nobody can tell.
- changes outside the manifests: fields the manifests do not declare (an element added to an
  attribute type, a rule nobody manages, a pricelist's default shipping option the manifest
  leaves out) that Centra shows differently than at the last apply, attest or import (the
  ledger's snapshot), or that Centra has and the manifests leave out. They fail CI only with
  `--fail-on unmanaged`: the manifests chose not to manage them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from centra_provision.engine.paths import changed_leaves, render
from centra_provision.engine.planner import plan_live
from centra_provision.engine.session import EnvironmentSession, RunOptions, run_session
from centra_provision.errors import EXIT_CHANGES, EXIT_OK
from centra_provision.manifest.desired import check_context
from centra_provision.plans import Action, FieldChange, FieldStatus, Plan, ResourceChange
from centra_provision.resources import KINDS
from centra_provision.resources.base import Observation, ObserveContext
from centra_provision.state.snapshot import shown


@dataclass(frozen=True)
class UnmanagedChange:
    """One field the manifests do not declare: what Centra showed at the snapshot (`was`,
    None when absent then or when there is no snapshot) and what it shows now (`now`, None
    when gone). `since` names the snapshot ("attest at 2026-...") or is None."""

    path: str
    was: Any
    now: Any
    since: str | None = None


@dataclass(frozen=True)
class DriftItem:
    address: str
    reason: str  # "" when in sync with the manifests
    fields: tuple[FieldChange, ...] = ()
    unmanaged: tuple[UnmanagedChange, ...] = ()

    @property
    def drifted(self) -> bool:
        return bool(self.reason)


@dataclass(frozen=True)
class DriftReport:
    environment: str
    centra_url: str
    items: tuple[DriftItem, ...]
    notes: tuple[str, ...] = ()
    centra_url_source: str = ""
    unknown: tuple[str, ...] = ()  # fields nobody can compare: a secret that is not at hand

    @property
    def drifted(self) -> tuple[DriftItem, ...]:
        return tuple(i for i in self.items if i.drifted)

    @property
    def unmanaged(self) -> tuple[DriftItem, ...]:
        """Resources with changes outside the manifests."""
        return tuple(i for i in self.items if i.unmanaged)

    def exit_code(self, fail_on: str = "manifests") -> int:
        """2 on drift against the manifests; with fail_on="unmanaged", also on changes
        outside them."""
        failing = self.drifted or (fail_on == "unmanaged" and self.unmanaged)
        return EXIT_CHANGES if failing else EXIT_OK


def undeclared(f: FieldChange) -> bool:
    """A field Centra shows that the manifests leave out (an element added by hand): the plan
    would change it, but the manifests never declared it."""
    return (
        f.observed
        and not f.sensitive
        and f.status == FieldStatus.CHANGED
        and f.after is None
        and (f.before is not None)
    )


def drifted_fields(change: ResourceChange) -> tuple[FieldChange, ...]:
    return tuple(
        f
        for f in change.fields
        if f.status == FieldStatus.CHANGED and (f.observed or f.last_applied) and not undeclared(f)
    )


def drift_item(change: ResourceChange, unmanaged: tuple[UnmanagedChange, ...] = ()) -> DriftItem:
    observable = any(f.observed for f in change.fields)
    if change.action == Action.DELETE:
        return DriftItem(change.address, "exists in Centra but the manifests say absent")
    if change.action == Action.CREATE:
        if observable:
            return DriftItem(change.address, "missing in Centra")
        return DriftItem(change.address, "")  # never applied, and Centra cannot show it
    fields = drifted_fields(change)
    reason = ", ".join(f.path for f in fields)
    return DriftItem(change.address, f"differs in {reason}" if reason else "", fields, unmanaged)


def since_snapshot(
    was: dict[str, Any], now: dict[str, Any], declared: set[str], since: str
) -> dict[str, UnmanagedChange]:
    """Fields outside `declared` that differ between the snapshot and the live read."""
    found: dict[str, UnmanagedChange] = {}
    for segments, before, after in changed_leaves(was, now):
        path = render(segments)
        if path not in declared:
            found[path] = UnmanagedChange(path, before, after, since)
    return found


def unmanaged_changes(
    change: ResourceChange, observation: Observation, snapshot: dict[str, Any] | None
) -> tuple[UnmanagedChange, ...]:
    """Changes outside the manifests of one resource that exists in Centra."""
    if not observation.exists:
        return ()
    declared = {s.path for s in observation.fields if s.desired is not None}
    found: dict[str, UnmanagedChange] = {}
    was = snapshot.get("shown") if snapshot else None
    if isinstance(was, dict):
        since = f"{snapshot.get('source', '?')} at {snapshot.get('at', '?')}"  # type: ignore[union-attr]
        now = shown(change.kind, observation.entry) or {}
        found = since_snapshot(was, now, declared, since)
    for f in change.fields:
        if undeclared(f) and f.path not in found:
            found[f.path] = UnmanagedChange(f.path, None, f.before)
    return tuple(found[p] for p in sorted(found))


def drift_from_plan(
    plan: Plan, unmanaged: dict[str, tuple[UnmanagedChange, ...]] | None = None
) -> DriftReport:
    unmanaged = unmanaged or {}
    return DriftReport(
        plan.environment,
        plan.centra_url,
        tuple(drift_item(c, unmanaged.get(c.address, ())) for c in plan.changes),
        plan.notes,
        plan.centra_url_source,
        unknown_fields(plan),
    )


def unknown_fields(plan: Plan) -> tuple[str, ...]:
    """Unknown is not in sync: a field whose secret cannot be resolved cannot be compared,
    so drift says which variable (or file) it needs instead of reporting "in sync"."""
    return tuple(
        f"cannot check {c.address} {f.path}: {f.unresolved}"
        for c in plan.changes
        for f in c.fields
        if f.unresolved
    )


async def drift_live(session: EnvironmentSession) -> DriftReport:
    """Read live Centra once: the plan gives drift against the manifests, the same live read
    against the ledger's snapshots gives the changes outside them."""
    plan, live = await plan_live(session)
    ctx = ObserveContext(live, session.secrets, check_context(session.environment))
    by_address = {r.address: r for r in session.resources}
    unmanaged = {}
    for change in plan.changes:
        res = by_address[change.address]
        observation = KINDS[res.kind].observe(res, ctx)
        unmanaged[change.address] = unmanaged_changes(
            change, observation, session.ledger.snapshot(change.address)
        )
    return drift_from_plan(plan, unmanaged)


def drift_environment(root: Path, env_name: str, options: RunOptions | None = None) -> DriftReport:
    return run_session(root, env_name, options or RunOptions(), drift_live)
