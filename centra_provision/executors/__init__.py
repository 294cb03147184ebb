"""Executors run one planned change each: by API mutation (`api`), as exact steps for a
person in Centra's back office (`guided`), or by the embedded emulator's back office
(`backoffice`, the local environment only).

Every executor has the same interface; the evaluator (engine/apply.py) looks each change's
executor up in a registry by `ResourceChange.executor` and never branches on which it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from centra_provision.plans import ExecutorKind, ResourceChange, StepOutcome
from centra_provision.resources import Resource
from centra_provision.resources.live import LiveState


class Executor(Protocol):
    """Runs one change. `changes_centra`: whether a done step changed Centra itself (the
    evaluator journals it and records its write-only fields in the ledger); a guided step
    is only handed to a person. `rereads`: whether later steps must see live Centra again
    after a done step (an API create makes ids that later steps name)."""

    @property
    def kind(self) -> ExecutorKind: ...

    @property
    def changes_centra(self) -> bool: ...

    @property
    def rereads(self) -> bool: ...

    async def run(
        self, change: ResourceChange, resource: Resource, live: LiveState
    ) -> StepOutcome: ...


class ExecutorRegistry:
    """The executors of one run, made on first use: a run without back-office changes
    never asks for the emulator's back office (which only the local environment has)."""

    def __init__(self, factories: Mapping[ExecutorKind, Callable[[], Executor]]) -> None:
        self.factories = factories
        self.made: dict[ExecutorKind, Executor] = {}

    def __getitem__(self, kind: ExecutorKind) -> Executor:
        if kind not in self.made:
            self.made[kind] = self.factories[kind]()
        return self.made[kind]
