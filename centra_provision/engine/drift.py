"""Drift: what someone changed in Centra by hand, for scheduled CI.

A plan, restricted to what Centra can show (observed fields, and resources that should exist
and do not, or should not and do), plus write-only fields whose manifest value changed since
the ledger recorded them. Write-only fields never applied are not drift: nobody can tell.
"""

from __future__ import annotations

from dataclasses import dataclass

from centra_provision.engine.plan import FieldChange, Plan, ResourceChange
from centra_provision.engine.planner import PlanOptions, plan_environment


@dataclass(frozen=True)
class DriftItem:
    address: str
    reason: str  # "" when in sync
    fields: tuple[FieldChange, ...] = ()

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


def drifted_fields(change: ResourceChange) -> tuple[FieldChange, ...]:
    return tuple(
        f for f in change.fields if f.status == "changed" and (f.observed or f.last_applied)
    )


def drift_item(change: ResourceChange) -> DriftItem:
    observable = any(f.observed for f in change.fields)
    if change.action == "delete":
        return DriftItem(change.address, "exists in Centra but the manifests say absent")
    if change.action == "create":
        if observable:
            return DriftItem(change.address, "missing in Centra")
        return DriftItem(change.address, "")  # never applied, and Centra cannot show it
    fields = drifted_fields(change)
    reason = ", ".join(f.path for f in fields)
    return DriftItem(change.address, f"differs in {reason}" if reason else "", fields)


def drift_from_plan(plan: Plan) -> DriftReport:
    return DriftReport(
        plan.environment,
        plan.centra_url,
        tuple(drift_item(c) for c in plan.changes),
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


def drift_environment(
    root: object, env_name: str, options: PlanOptions | None = None
) -> DriftReport:
    from pathlib import Path

    return drift_from_plan(plan_environment(Path(str(root)), env_name, options))
