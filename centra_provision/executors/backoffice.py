"""The back-office executor: the `local` environment performs guided steps itself, through
the embedded emulator's back office, so `provision apply -e local` converges with no person.
Each kind says how its form is filled (`ResourceKind.backoffice`); every kind's step finds
what exists by identity first, so running it again never duplicates anything."""

from __future__ import annotations

from typing import Any

from centra_provision.emulator.backoffice import BadRequest
from centra_provision.plans import ExecutorKind, Outcome, ResourceChange, StepOutcome
from centra_provision.resources import KINDS, Resource
from centra_provision.resources.base import BackOffice, BackOfficeContext, CheckContext, StepFailed
from centra_provision.resources.live import LiveState


class BackofficeExecutor:
    kind = ExecutorKind.BACKOFFICE
    changes_centra = True
    rereads = False

    def __init__(
        self, office: BackOffice, secrets: dict[tuple[str, str], Any], check: CheckContext
    ) -> None:
        self.ctx = BackOfficeContext(office, secrets, check)

    async def run(self, change: ResourceChange, res: Resource, live: LiveState) -> StepOutcome:
        step = KINDS[res.kind].backoffice
        try:
            if step is None:
                raise StepFailed(f"{res.address}: the back office has no form for {res.kind}")
            step(res, change.action, self.ctx)
        except (StepFailed, BadRequest, KeyError) as exc:
            return StepOutcome(res.address, change.action, self.kind, Outcome.FAILED, str(exc))
        return StepOutcome(res.address, change.action, self.kind, Outcome.DONE)
