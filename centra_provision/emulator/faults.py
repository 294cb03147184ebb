"""Fault knobs for tests and benchmarks: latency, 5xx, 429 storms, dropped connections,
"fail after commit" (the mutation commits, then the response is a 502), and the form in
which a 429 states its Retry-After (Centra's timestamp by default)."""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import asdict, dataclass, fields
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from centra_provision.emulator.limits import RETRY_AFTER_FORMS


class DroppedConnection(Exception):
    """Raised after a response has started, so that the server closes the connection."""


class DroppedResponse(Response):
    """Starts a response and abandons it mid-body: what a client sees when a connection drops."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"1000")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"data":', "more_body": True})
        raise DroppedConnection()


@dataclass
class Faults:
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    storm_requests: int = 0
    storm_retry_after: float = 1.0
    retry_after_form: str = "epoch"
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
        if self.retry_after_form not in RETRY_AFTER_FORMS:
            bad, self.retry_after_form = self.retry_after_form, "epoch"
            raise ValueError(f"unknown Retry-After form {bad!r}")
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
