"""Executors run one planned change each: by API mutation, by the emulator's back office
(local only), or as guided steps for a person in Centra's back office."""

from __future__ import annotations

from dataclasses import dataclass

DONE, FAILED, PENDING, SKIPPED = "done", "failed", "pending", "skipped"


@dataclass(frozen=True)
class StepOutcome:
    address: str
    action: str
    executor: str
    outcome: str
    message: str = ""
    warnings: tuple[str, ...] = ()  # Centra's userWarnings: the change was made, but note these
    verified: int = 0  # --wait: fields live Centra showed matching
    attested: int = 0  # --wait: write-only fields recorded on the word of whoever did the step
