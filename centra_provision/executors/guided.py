"""The guided executor: exact back-office steps for the person applying a change, in the
guide's navigation terms, listing only the fields that differ. Never a secret value.

The runbook lists only what is still to do: a resource someone already made by hand that
matches everything Centra shows is listed as done (with the `attest` that vouches for its
write-only settings), not as an update step. In PROD, attribute types are deployed by
Centra on request: all of them go into one message, not one per type.

A step's lines are plain text; a line "```json" opens a block to paste verbatim, closed by
"```" (fenced in Markdown, indented on a terminal: render/runbook.py prints them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from centra_provision.plans import (
    Action,
    ExecutorKind,
    FieldStatus,
    Outcome,
    ResourceChange,
    StepOutcome,
)
from centra_provision.resources import KINDS, Resource
from centra_provision.resources.live import LiveState
from centra_provision.resources.steps import FENCE, StepContext

REQUEST_VERBS = {"create": "Add", "update": "Update", "delete": "Remove"}


@dataclass(frozen=True)
class CentraRequest:
    """One attribute type Centra must deploy in PROD (verb, name, definition JSON)."""

    verb: str
    name: str
    definition: str | None


@dataclass(frozen=True)
class RunbookStep:
    address: str
    action: str
    lines: tuple[str, ...]
    done: bool = False  # already in Centra by hand: listed as done, not as a step
    request: CentraRequest | None = None  # PROD attribute types: merged into one message


@dataclass(frozen=True)
class Runbook:
    environment: str
    globale_env: str
    merchant_id: int
    centra_domain: str
    steps: tuple[RunbookStep, ...]

    def only(self, addresses: set[str]) -> Runbook:
        """The runbook for what is still pending (after --wait verified the rest)."""
        steps = tuple(s for s in self.steps if s.address in addresses or s.done)
        return Runbook(
            self.environment, self.globale_env, self.merchant_id, self.centra_domain, steps
        )

    @property
    def done(self) -> tuple[RunbookStep, ...]:
        return tuple(s for s in self.steps if s.done)

    @property
    def todo(self) -> tuple[RunbookStep, ...]:
        """What is still to do, in order, with every PROD attribute-type request merged
        into one step at the place of the first."""
        out: list[RunbookStep] = []
        requests = [s for s in self.steps if s.request is not None and not s.done]
        for step in self.steps:
            if step.done:
                continue
            if step.request is None:
                out.append(step)
            elif step is requests[0]:
                out.append(self._request_step(requests))
        return tuple(out)

    def _request_step(self, requests: list[RunbookStep]) -> RunbookStep:
        names = [s.request.name for s in requests if s.request is not None]
        lines = [
            "In PROD, Centra deploys attribute types: send Centra this one request.",
            "Send this message to Centra (support ticket or your Centra contact):",
            FENCE + "text",
            f"Please deploy these custom attribute types (Text) in the store configuration of "
            f"{self.centra_domain} (Global-e merchant {self.merchant_id}), exactly as on "
            "QA-INT:",
        ]
        for i, step in enumerate(requests, 1):
            req = step.request
            assert req is not None
            lines.append("")
            if req.definition is None:
                lines.append(f"{i}. {req.verb} `{req.name}`.")
            else:
                lines.append(f"{i}. {req.verb} `{req.name}` with this definition:")
                pretty = json.dumps(json.loads(req.definition), indent=2, ensure_ascii=False)
                lines += pretty.splitlines()
        lines.append(FENCE)
        return RunbookStep(
            "AttributeType/" + ",".join(names),
            "request",
            tuple(lines),
        )


class GuidedExecutor:
    """Hands each change to a person as a runbook step; the step is pending until `apply
    --wait` sees it done in Centra or `attest` vouches for it."""

    kind = ExecutorKind.GUIDED
    changes_centra = False
    rereads = False

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx
        self.steps: list[RunbookStep] = []

    async def run(self, change: ResourceChange, res: Resource, live: LiveState) -> StepOutcome:
        missing = [f.unresolved for f in change.fields if f.unresolved]
        if missing:
            why = "; ".join(missing)
            return StepOutcome(
                change.address,
                change.action,
                self.kind,
                Outcome.FAILED,
                f"refused: the step needs a secret that is unknown ({why})",
            )
        self.steps.append(self.step(change, res))
        return StepOutcome(change.address, change.action, self.kind, Outcome.PENDING)

    def runbook(self) -> Runbook | None:
        """The runbook of every step handed out in this run (None when there is none)."""
        if not self.steps:
            return None
        c = self.ctx
        return Runbook(
            c.environment, c.globale_env, c.merchant_id, c.centra_domain, tuple(self.steps)
        )

    def step(self, change: ResourceChange, res: Resource) -> RunbookStep:
        if _matches_by_hand(change):
            unknown = len(change.changed_fields)
            return RunbookStep(
                res.address,
                change.action,
                (
                    "in Centra already, matching everything Centra shows; its "
                    f"{unknown} write-only setting{'s' if unknown != 1 else ''} cannot be "
                    f"read back: check them, then run `provision attest -e "
                    f"{self.ctx.environment} '{res.address}'`.",
                ),
                done=True,
            )
        if res.kind == "AttributeType" and self.ctx.globale_env == "PROD":
            from centra_provision.resources.attribute_type import definition_json

            definition = None if change.action == Action.DELETE else definition_json(res.spec)
            request = CentraRequest(REQUEST_VERBS[change.action], res.name, definition)
            return RunbookStep(res.address, change.action, (), request=request)
        paths = [f.path for f in change.shown_fields]
        write = KINDS[res.kind].steps
        lines = (
            write(res, change.action, paths, self.ctx)
            if write
            else [f"{change.action} {res.address} by hand"]
        )
        return RunbookStep(res.address, change.action, tuple(lines))


def _matches_by_hand(change: ResourceChange) -> bool:
    """Made by hand and matching: Centra has it, every field it shows matches, and what
    differs is only write-only settings nobody ever recorded (unknown, not changed)."""
    fields = change.changed_fields
    return (
        change.action == Action.UPDATE
        and any(f.observed for f in change.fields)
        and bool(fields)
        and all(not f.observed and f.status == FieldStatus.UNKNOWN for f in fields)
    )
