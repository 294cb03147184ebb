"""The guided executor: exact back-office steps for the person applying a change, in the
guide's navigation terms, listing only the fields that differ. Never a secret value."""

from __future__ import annotations

from dataclasses import dataclass

from centra_provision.engine.plan import ResourceChange
from centra_provision.resources import KINDS, Resource
from centra_provision.resources.steps import StepContext


@dataclass(frozen=True)
class RunbookStep:
    address: str
    action: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Runbook:
    environment: str
    globale_env: str
    merchant_id: int
    centra_domain: str
    steps: tuple[RunbookStep, ...]

    def markdown(self) -> str:
        out = [
            f"# Runbook: Centra `{self.centra_domain}` ({self.environment})",
            "",
            f"Global-e {self.globale_env}, merchant {self.merchant_id}. Follow each step "
            "in Centra's back office, then run "
            f"`provision apply -e {self.environment} --wait 600` (or `provision attest "
            f"-e {self.environment} KIND/NAME` for what Centra cannot show).",
            "",
        ]
        for i, step in enumerate(self.steps, 1):
            out.append(f"## {i}. {step.action.capitalize()} `{step.address}`")
            out.append("")
            out += [f"- {line}" if not line.startswith(">") else line for line in step.lines]
            out.append("")
        return "\n".join(out)

    def text(self) -> str:
        out = []
        for i, step in enumerate(self.steps, 1):
            out.append(f"{i}. {step.action.capitalize()} {step.address}")
            out += [f"     {line}" for line in step.lines]
        return "\n".join(out)


class GuidedExecutor:
    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx

    def step(self, change: ResourceChange, res: Resource) -> RunbookStep:
        paths = [
            f.path for f in (change.fields if change.action == "create" else change.changed_fields)
        ]
        write = KINDS[res.kind].steps
        lines = (
            write(res, change.action, paths, self.ctx)
            if write
            else [f"{change.action} {res.address} by hand"]
        )
        return RunbookStep(res.address, change.action, tuple(lines))
