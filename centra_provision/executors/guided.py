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
from centra_provision.resources.base import CentraRequest
from centra_provision.resources.live import LiveState
from centra_provision.resources.steps import StepContext


@dataclass(frozen=True)
class RunbookStep:
    address: str
    action: str
    lines: tuple[str, ...]
    done: bool = False  # already in Centra by hand: listed as done, not as a step
    request: CentraRequest | None = None  # Centra makes it: merged into one message per kind
    title: str | None = None  # a merged request's own title


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
        """What is still to do, in order, with every request to Centra of one kind merged
        into one step at the place of the first."""
        out: list[RunbookStep] = []
        requests: dict[str, list[CentraRequest]] = {}
        for step in self.steps:
            if not step.done and step.request is not None:
                requests.setdefault(step.request.kind, []).append(step.request)
        for step in self.steps:
            if step.done:
                continue
            if step.request is None:
                out.append(step)
            elif step.request is requests[step.request.kind][0]:
                out.append(self._request_step(requests[step.request.kind]))
        return tuple(out)

    def _request_step(self, requests: list[CentraRequest]) -> RunbookStep:
        kind = KINDS[requests[0].kind]
        assert kind.request_step is not None  # a kind that makes requests words them
        title, lines = kind.request_step(requests, self.centra_domain, self.merchant_id)
        address = f"{kind.name}/" + ",".join(r.name for r in requests)
        return RunbookStep(address, "request", tuple(lines), title=title)


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
        kind = KINDS[res.kind]
        request = kind.request(res, change.action, self.ctx) if kind.request else None
        if request is not None:
            return RunbookStep(res.address, change.action, (), request=request)
        paths = [f.path for f in change.shown_fields]
        write = kind.steps
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
