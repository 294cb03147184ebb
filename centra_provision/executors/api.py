"""The API executor: real mutations for what Centra's API can write.

Non-empty `userErrors` is a failure (Centra changed nothing). When the outcome is unknown
(a timeout, a 5xx, a dropped connection after sending), it re-reads live Centra by identity
before anything else: if the change landed it is done; if not, it is sent once more. So a
"fail after commit" never creates a duplicate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from centra_provision.centra import operations
from centra_provision.centra.client import CentraClient
from centra_provision.centra.discovery import Capabilities
from centra_provision.engine.plan import Plan, ResourceChange
from centra_provision.errors import CentraError, OutcomeUnknown
from centra_provision.executors import DONE, FAILED, StepOutcome
from centra_provision.resources import Resource, pricelist, shipping_option
from centra_provision.resources.live import LiveState

Reread = Callable[[], Awaitable[tuple[Plan, LiveState]]]


def mutation_for(
    change: ResourceChange, res: Resource, live: LiveState
) -> tuple[str, str, dict[str, Any]]:
    """(file name, operation name, variables) for one change."""
    if res.kind == "Pricelist" and change.action == "create":
        return "create_pricelist", "CreatePricelist", {"input": pricelist.create_input(res, live)}
    if res.kind == "ShippingOption" and change.action == "create":
        return (
            "create_shipping_option",
            "CreateShippingOption",
            {"input": shipping_option.create_input(res, live)},
        )
    if res.kind == "ShippingOption" and change.action == "update":
        changed = {f.path for f in change.changed_fields}
        return (
            "update_shipping_option",
            "UpdateShippingOption",
            {
                "id": live.shipping_options[res.name],
                "input": shipping_option.update_input(res, live, changed),
            },
        )
    raise KeyError(f"no API mutation for {change.action} {res.kind}")


def _user_errors(data: dict[str, Any]) -> list[str]:
    payload = next(iter(data.values()), None) or {}
    return [
        f"{e.get('message')}" + (f" ({'.'.join(e['path'])})" if e.get("path") else "")
        for e in payload.get("userErrors") or []
    ]


class ApiExecutor:
    def __init__(self, client: CentraClient, caps: Capabilities, reread: Reread) -> None:
        self.client = client
        self.caps = caps
        self.reread = reread

    async def run(self, change: ResourceChange, res: Resource, live: LiveState) -> StepOutcome:
        for attempt in (1, 2):
            try:
                name, op, variables = mutation_for(change, res, live)
                doc = self.caps.prepare(operations.load(name))
                data = await self.client.execute(
                    operations.text(doc), variables, operation_name=op, is_mutation=True
                )
            except OutcomeUnknown as exc:
                plan, live = await self.reread()
                now = next((c for c in plan.changes if c.address == res.address), None)
                if (
                    now is not None
                    and now.action != "create"
                    and all(f.status == "unchanged" for f in now.fields if f.observed)
                ):
                    # What Centra shows matches; the write-only rest went in the same call.
                    return self._outcome(change, DONE, "committed; confirmed by re-reading")
                if attempt == 2:
                    return self._outcome(change, FAILED, str(exc))
                if now is not None:
                    change = now  # plan the retry from what Centra holds now
                continue
            except (CentraError, KeyError) as exc:
                return self._outcome(change, FAILED, str(exc).strip("'\""))
            errors = _user_errors(data)
            if errors:
                return self._outcome(change, FAILED, "Centra refused: " + "; ".join(errors))
            return self._outcome(change, DONE)
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _outcome(change: ResourceChange, outcome: str, message: str = "") -> StepOutcome:
        return StepOutcome(change.address, change.action, "api", outcome, message)
