"""The API executor: real mutations for what Centra's API can write.

Non-empty `userErrors` is a failure (Centra changed nothing); `userWarnings` (AUTH:438:
"all other issues") ride along with the outcome, to be printed and journaled. When the
outcome is unknown (a timeout, a 5xx, a dropped connection after sending), it re-reads live
Centra by identity before anything else: if the change landed it is done; if not, it is sent
once more. So a "fail after commit" never creates a duplicate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from centra_provision.centra import operations
from centra_provision.centra.client import CentraClient
from centra_provision.centra.discovery import Capabilities
from centra_provision.errors import CentraError, OutcomeUnknown
from centra_provision.plans import (
    Action,
    ExecutorKind,
    FieldStatus,
    Outcome,
    Plan,
    ResourceChange,
    StepOutcome,
)
from centra_provision.resources import API_OPERATIONS, Resource
from centra_provision.resources.live import LiveState

Reread = Callable[[], Awaitable[tuple[Plan, LiveState]]]


def mutation_for(
    change: ResourceChange, res: Resource, live: LiveState
) -> tuple[str, dict[str, Any]]:
    """(document name, variables) for one change, from the one table of API operations."""
    operation = API_OPERATIONS.get((res.kind, change.action))
    if operation is None:
        raise KeyError(f"no API mutation for {change.action} {res.kind}")
    changed = frozenset(f.path for f in change.changed_fields)
    return operation.document, operation.variables(res, live, changed)


def render_path(path: Any) -> str:
    """A userError/userWarning path as one string: `input.addCountries[0].code`. Centra's
    paths may hold integers (list positions), as numbers or as digit strings."""
    if not isinstance(path, list):
        return "" if path is None else str(path)
    out = ""
    for part in path:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _problems(data: dict[str, Any], key: str) -> list[str]:
    """The `userErrors` or `userWarnings` of a mutation's payload, one line each."""
    payload = next(iter(data.values()), None) or {}
    lines = []
    for entry in payload.get(key) or []:
        where = render_path(entry.get("path"))
        lines.append(f"{entry.get('message')}" + (f" ({where})" if where else ""))
    return lines


class ApiExecutor:
    kind = ExecutorKind.API
    changes_centra = True
    rereads = True

    def __init__(self, client: CentraClient, caps: Capabilities, reread: Reread) -> None:
        self.client = client
        self.caps = caps
        self.reread = reread

    async def run(self, change: ResourceChange, res: Resource, live: LiveState) -> StepOutcome:
        for attempt in (1, 2):
            try:
                name, variables = mutation_for(change, res, live)
                doc = self.caps.prepare(operations.load(name))
                data = await self.client.execute(
                    operations.text(doc),
                    variables,
                    operation_name=operations.name_of(doc),
                    is_mutation=True,
                )
            except OutcomeUnknown as exc:
                plan, live = await self.reread()
                now = next((c for c in plan.changes if c.address == res.address), None)
                if (
                    now is not None
                    and now.action != Action.CREATE
                    and all(f.status == FieldStatus.UNCHANGED for f in now.fields if f.observed)
                ):
                    # What Centra shows matches; the write-only rest went in the same call.
                    return self._outcome(change, Outcome.DONE, "committed; confirmed by re-reading")
                if attempt == 2:
                    return self._outcome(change, Outcome.FAILED, str(exc))
                if now is not None:
                    change = now  # plan the retry from what Centra holds now
                continue
            except (CentraError, KeyError) as exc:
                return self._outcome(change, Outcome.FAILED, str(exc).strip("'\""))
            errors, warnings = _problems(data, "userErrors"), _problems(data, "userWarnings")
            if errors:
                return self._outcome(
                    change, Outcome.FAILED, "Centra refused: " + "; ".join(errors), warnings
                )
            return self._outcome(change, Outcome.DONE, "", warnings)
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _outcome(
        change: ResourceChange,
        outcome: Outcome,
        message: str = "",
        warnings: list[str] | None = None,
    ) -> StepOutcome:
        return StepOutcome(
            change.address, change.action, ExecutorKind.API, outcome, message, tuple(warnings or ())
        )
