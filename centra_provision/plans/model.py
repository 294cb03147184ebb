"""The plan: a plain, immutable value that renderers print and executors run.

Actions, executors, field statuses and step outcomes are `StrEnum`s: they compare equal to
(and serialise as) the same strings the plan file and the JSON outputs have always held.
Secrets never appear in a plan, only fingerprints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# The shape of a plan as saved and printed as JSON; a change a reader could trip on raises it.
FORMAT_VERSION = 1


class Action(StrEnum):
    """What a change does to one resource."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    NOOP = "no-op"


class ExecutorKind(StrEnum):
    """Who runs a change: Centra's API, a person in the back office (guided), or the
    embedded emulator's back office (the local environment)."""

    GUIDED = "guided"
    BACKOFFICE = "backoffice"
    API = "api"

    @property
    def label(self) -> str:
        """As the plan's summary line says it: `2 by API`, `7 by back office`, `3 guided`."""
        return {"guided": "guided", "backoffice": "by back office", "api": "by API"}[self.value]


class FieldStatus(StrEnum):
    """How one field compares: differs, cannot be known (write-only, never recorded), same."""

    CHANGED = "changed"
    UNKNOWN = "unknown"
    UNCHANGED = "unchanged"


class Outcome(StrEnum):
    """How one step of an apply ended."""

    DONE = "done"
    FAILED = "failed"
    PENDING = "pending"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class FieldChange:
    """One field: before (what Centra shows, or None when it cannot), after (desired),
    whether Centra shows it, and how it compares: changed, unknown or unchanged."""

    path: str
    before: Any
    after: Any
    observed: bool
    status: FieldStatus
    sensitive: bool = False
    last_applied: str | None = None
    note: str | None = None
    unresolved: str | None = None  # a secret that could not be resolved: why (names the var)


@dataclass(frozen=True)
class ResourceChange:
    kind: str
    name: str
    identity: tuple[str, ...]
    action: Action
    executor: ExecutorKind
    fields: tuple[FieldChange, ...] = ()
    live_fingerprint: str | None = None
    live_id: int | None = None

    @property
    def address(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def changed_fields(self) -> tuple[FieldChange, ...]:
        return tuple(f for f in self.fields if f.status != FieldStatus.UNCHANGED)

    @property
    def shown_fields(self) -> tuple[FieldChange, ...]:
        """What a plan lists: every field of a create, the changed ones otherwise."""
        return self.fields if self.action == Action.CREATE else self.changed_fields


@dataclass(frozen=True)
class LedgerIdentity:
    """Which ledger a plan was made with, and at which version (serial), so that apply can
    refuse a plan made against another ledger or an older state of this one."""

    location: str
    ledger_id: str | None = None
    serial: int = 0


@dataclass(frozen=True)
class Plan:
    environment: str
    centra_url: str
    manifest_digest: str
    created_at: str
    changes: tuple[ResourceChange, ...]
    discovered: tuple[tuple[str, str, str], ...] = ()
    requests: int = 0
    other_requests: int = 0
    format_version: int = FORMAT_VERSION
    notes: tuple[str, ...] = field(default=())
    centra_url_source: str = ""
    ledger: LedgerIdentity | None = None

    @property
    def pending(self) -> tuple[ResourceChange, ...]:
        return tuple(c for c in self.changes if c.action != Action.NOOP)

    @property
    def has_changes(self) -> bool:
        return bool(self.pending)

    def summary(self) -> dict[str, int]:
        counts = {str(a): sum(c.action == a for c in self.changes) for a in Action}
        for executor in ExecutorKind:
            counts[str(executor)] = sum(c.executor == executor for c in self.pending)
        return counts

    def summary_line(self) -> str:
        """Counts by action, then by executor, each under its own name (a back-office step
        done by the emulator is not called guided)."""
        s = self.summary()
        by = [
            f"{s[e]} {e.label}"
            for e in ExecutorKind
            if s[e] or (e in (ExecutorKind.GUIDED, ExecutorKind.API) and not s["backoffice"])
        ]
        return (
            f"Plan: {s['create']} to create, {s['update']} to update, {s['delete']} to "
            f"delete; {', '.join(by)}"
        )


@dataclass(frozen=True)
class StepOutcome:
    """How one change ended when apply ran it."""

    address: str
    action: Action | str  # "request": the PROD attribute types' one message to Centra
    executor: ExecutorKind
    outcome: Outcome
    message: str = ""
    warnings: tuple[str, ...] = ()  # Centra's userWarnings: the change was made, but note these
    verified: int = 0  # --wait: fields live Centra showed matching
    attested: int = 0  # --wait: write-only fields recorded on the word of whoever did the step
