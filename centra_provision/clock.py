"""Time as the client side sees it: the rate limiter's budgets and pauses, the client's
back-off and Retry-After moments, and `apply --wait`'s polling all read and wait through one
`Clock` instead of the `time` and `asyncio` modules.

Why: every one of those waits is behaviour worth testing (a 429 is waited out to the moment
it names, a share is paced at its refill rate, a `--wait` ends at its deadline), and a test
that spends the real seconds is slow and, under load, flaky. Given a fake clock, a test
asserts the same waits exactly without spending them. Production code takes `SYSTEM_CLOCK`
by default, so nothing changes for a user.

This module is at the bottom of the package: it imports nothing from it, so every layer
may use it. The emulator does not (it imports nothing outside itself); it accepts any object
with the same `monotonic()` and `time()`.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    """Where the client reads time and waits."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for intervals and deadlines."""
        ...

    def time(self) -> float:
        """Wall-clock epoch seconds, for moments another machine names (Retry-After)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Let `seconds` pass on this clock, letting other coroutines run meanwhile."""
        ...


class SystemClock:
    """The real clock: `time.monotonic`, `time.time` and `asyncio.sleep`."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


SYSTEM_CLOCK: Clock = SystemClock()
