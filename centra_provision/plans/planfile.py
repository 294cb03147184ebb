"""The saved plan's file format (`plan --out FILE`, `apply FILE`, `show FILE`): versioned
JSON (`formatVersion`) with camelCase keys, read back into the same immutable values.

Kept apart from the model as Terraform keeps `plans/planfile` apart from `plans`: the
model says what a plan is, this module only how it is written and read.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from centra_provision.errors import ProvisionError
from centra_provision.plans.model import (
    FORMAT_VERSION,
    Action,
    ExecutorKind,
    FieldChange,
    FieldStatus,
    LedgerIdentity,
    Plan,
    ResourceChange,
)
from centra_provision.values import jsonable


class PlanFileError(ProvisionError):
    """A saved plan that cannot be read."""


def to_json(plan: Plan) -> dict[str, Any]:
    body = asdict(plan)
    body["summary"] = plan.summary()
    return _camel(jsonable(body))  # type: ignore[no-any-return]


def dumps(plan: Plan) -> str:
    return json.dumps(to_json(plan), indent=2, sort_keys=True)


def from_json(body: Any) -> Plan:
    if not isinstance(body, dict) or body.get("formatVersion") != FORMAT_VERSION:
        raise PlanFileError(f"not a plan file of format version {FORMAT_VERSION}")
    body = _snake(body)
    try:
        return Plan(
            environment=body["environment"],
            centra_url=body["centra_url"],
            manifest_digest=body["manifest_digest"],
            created_at=body["created_at"],
            changes=tuple(_change(c) for c in body["changes"]),
            discovered=tuple(tuple(d) for d in body.get("discovered", [])),
            requests=body.get("requests", 0),
            other_requests=body.get("other_requests", 0),
            notes=tuple(body.get("notes", [])),
            centra_url_source=body.get("centra_url_source", ""),
            ledger=LedgerIdentity(**body["ledger"]) if body.get("ledger") else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanFileError(f"plan file is malformed ({exc})") from None


def _change(c: dict[str, Any]) -> ResourceChange:
    return ResourceChange(
        **{
            **c,
            "identity": tuple(c["identity"]),
            "action": Action(c["action"]),
            "executor": ExecutorKind(c["executor"]),
            "fields": tuple(
                FieldChange(**{**f, "status": FieldStatus(f["status"])}) for f in c["fields"]
            ),
        }
    )


def canonical(change: ResourceChange) -> str:
    """A change as its saved-plan JSON text: equal for a change read back from a plan file
    and the same change planned afresh, and for nothing else."""
    return json.dumps(jsonable(asdict(change)), sort_keys=True, default=str)


def read(path: Path) -> Plan:
    """The plan saved at `path`; an unreadable or malformed file is one PlanFileError."""
    try:
        body = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise PlanFileError(f"cannot read plan file {path}: {exc}") from None
    return from_json(body)


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
