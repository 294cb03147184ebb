"""Fault knobs for tests and benchmarks: latency, 5xx, 429 storms, dropped connections,
and "fail after commit" (the mutation commits, then the response is a 502)."""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import asdict, dataclass, fields
from typing import Any


class DroppedConnection(Exception):
    """Raised inside the app so that the server closes the connection mid-response."""


@dataclass
class Faults:
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    storm_requests: int = 0
    storm_retry_after: int = 1
    drop_rate: float = 0.0
    fail_after_commit: int = 0
    seed: int | None = None

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.lock = threading.Lock()

    def update(self, values: dict[str, Any]) -> None:
        """Set knobs from JSON; unknown names are an error."""
        names = {f.name: f.type for f in fields(self)}
        for key, value in values.items():
            if key not in names:
                raise ValueError(f"unknown fault knob {key!r}")
            setattr(self, key, value)
        if "seed" in values:
            self.rng = random.Random(self.seed)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    async def delay(self) -> None:
        ms = self.latency_ms + (self.rng.uniform(0, self.jitter_ms) if self.jitter_ms else 0)
        if ms > 0:
            await asyncio.sleep(ms / 1000)

    def take_storm(self) -> bool:
        with self.lock:
            if self.storm_requests > 0:
                self.storm_requests -= 1
                return True
            return False

    def roll(self, rate: float) -> bool:
        with self.lock:
            return rate > 0 and self.rng.random() < rate

    def take_fail_after_commit(self) -> bool:
        with self.lock:
            if self.fail_after_commit > 0:
                self.fail_after_commit -= 1
                return True
            return False
