"""The plan: a plain, immutable value that renderers print and executors run.

Serialises to a versioned JSON format (`formatVersion`); secrets never appear in it,
only fingerprints.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from centra_provision.errors import ProvisionError

FORMAT_VERSION = 1
ACTIONS = ("create", "update", "delete", "no-op")
# Who runs a change, as the summary line labels it.
EXECUTORS = {"guided": "guided", "backoffice": "by back office", "api": "by API"}


class PlanFileError(ProvisionError):
    """A saved plan that cannot be read."""


@dataclass(frozen=True)
class FieldChange:
    """One field: before (what Centra shows, or None when it cannot), after (desired),
    whether Centra shows it, and how it compares: changed, unknown or unchanged."""

    path: str
    before: Any
    after: Any
    observed: bool
    status: str
    sensitive: bool = False
    last_applied: str | None = None
    note: str | None = None
    unresolved: str | None = None  # a secret that could not be resolved: why (names the var)


@dataclass(frozen=True)
class ResourceChange:
    kind: str
    name: str
    identity: tuple[str, ...]
    action: str
    executor: str
    fields: tuple[FieldChange, ...] = ()
    live_fingerprint: str | None = None
    live_id: int | None = None

    @property
    def address(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def changed_fields(self) -> tuple[FieldChange, ...]:
        return tuple(f for f in self.fields if f.status != "unchanged")

    def canonical(self) -> str:
        """This change as its saved-plan JSON text: equal for a change read back from a plan
        file and the same change planned afresh, and for nothing else."""
        return json.dumps(_jsonable(asdict(self)), sort_keys=True, default=str)


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
        return tuple(c for c in self.changes if c.action != "no-op")

    @property
    def has_changes(self) -> bool:
        return bool(self.pending)

    def summary(self) -> dict[str, int]:
        counts = {action: sum(c.action == action for c in self.changes) for action in ACTIONS}
        for executor in EXECUTORS:
            counts[executor] = sum(c.executor == executor for c in self.pending)
        return counts

    def summary_line(self) -> str:
        """Counts by action, then by executor, each under its own name (a back-office step
        done by the emulator is not called guided)."""
        s = self.summary()
        by = [
            f"{s[e]} {label}"
            for e, label in EXECUTORS.items()
            if s[e] or (e in ("guided", "api") and not s["backoffice"])
        ]
        return (
            f"Plan: {s['create']} to create, {s['update']} to update, {s['delete']} to "
            f"delete; {', '.join(by)}"
        )

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["summary"] = self.summary()
        return _camel(_jsonable(body))  # type: ignore[no-any-return]

    @classmethod
    def from_json(cls, body: Any) -> Plan:
        if not isinstance(body, dict) or body.get("formatVersion") != FORMAT_VERSION:
            raise PlanFileError(f"not a plan file of format version {FORMAT_VERSION}")
        body = _snake(body)
        try:
            changes = tuple(
                ResourceChange(
                    **{
                        **c,
                        "identity": tuple(c["identity"]),
                        "fields": tuple(FieldChange(**f) for f in c["fields"]),
                    }
                )
                for c in body["changes"]
            )
            return cls(
                environment=body["environment"],
                centra_url=body["centra_url"],
                manifest_digest=body["manifest_digest"],
                created_at=body["created_at"],
                changes=changes,
                discovered=tuple(tuple(d) for d in body.get("discovered", [])),
                requests=body.get("requests", 0),
                other_requests=body.get("other_requests", 0),
                notes=tuple(body.get("notes", [])),
                centra_url_source=body.get("centra_url_source", ""),
                ledger=LedgerIdentity(**body["ledger"]) if body.get("ledger") else None,
            )
        except (KeyError, TypeError) as exc:
            raise PlanFileError(f"plan file is malformed ({exc})") from None

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True)


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {_to_camel(k): _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _snake(value: Any) -> Any:
    if isinstance(value, dict):
        return {re.sub(r"(?<!^)([A-Z])", r"_\1", k).lower(): _snake(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snake(v) for v in value]
    return value


def _to_camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
