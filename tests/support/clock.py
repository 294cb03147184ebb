"""A fake clock for tests: waits that are asserted, not spent.

`FakeClock` is a `centra_provision.clock.Clock` (and the emulator's duck-typed clock): its
monotonic and wall time stand still until something sleeps on it. Give one FakeClock to a
client (`RunOptions(clock=...)`, `ClientRateLimiter(clock=...)`, `CentraClient(clock=...)`)
and to the emulator (`Emulator(clock=...)`), and both see the same time pass; a 429's
Retry-After or a share's pacing is then checked to the exact second, in no real time.

Concurrent sleepers are scheduled, not summed: a sleep registers its deadline and waits
until a driver task advances the clock to it. The driver advances only when the event loop
has nothing else ready to run (every coroutine is sleeping on this clock or blocked on
something else), then to the earliest pending deadline, wakes that one sleeper, and lets
the loop settle again. So sleepers wake in deadline order (ties in the order they slept),
each sees exactly its own deadline, and a coroutine that was about to sleep registers
before time moves past it.

Work the driver cannot see (a request in flight to a served emulator, a thread of the
in-process one) may find the clock advanced when it comes back: that work took virtual
time, as it takes real time. Sequential code never notices (a client sleeps only between
its own requests). Code that sleeps in one coroutine while others have requests in flight
(the catalog export's concurrent pages) would have those requests reach the emulator late,
after buckets refilled; `io_grace` makes the driver wait that many real seconds (once the
loop is idle, before each advance) for replies in flight to land first.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math

START_MONOTONIC = 1_000.0
START_WALL = 1_764_245_000.0  # 2025-11-27T12:03:20Z
# The driver's patience with a loop that never runs dry (something spinning on sleep(0)):
# after this many passes it advances anyway rather than hang the test.
MAX_PASSES = 10_000
FALLBACK_PASSES = 20


class FakeClock:
    """Virtual time for one test; `sleeps` records every wait asked for, in order."""

    def __init__(
        self, monotonic: float = START_MONOTONIC, wall: float = START_WALL, io_grace: float = 0.0
    ) -> None:
        self.io_grace = io_grace
        self._start = monotonic
        self._wall = wall
        self._now = monotonic  # one attribute: a reader on another thread sees both move at once
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._driver: asyncio.Task[None] | None = None
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self._now

    def time(self) -> float:
        return self._wall + (self._now - self._start)

    @property
    def elapsed(self) -> float:
        """Seconds of virtual time since the clock was made."""
        return self._now - self._start

    def advance(self, seconds: float) -> None:
        """Let time pass with nobody sleeping (a synchronous test between two requests)."""
        if any(not waiter.done() for _, _, waiter in self._sleepers):
            raise RuntimeError("advance() with sleepers pending: let them sleep instead")
        self._now = self._deadline(seconds)

    async def sleep(self, seconds: float) -> None:
        """Wait until the clock reaches now + `seconds`; a non-positive wait only yields."""
        self.sleeps.append(seconds)
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._sleepers, (self._deadline(seconds), next(self._order), waiter))
        if self._driver is None or self._driver.done() or self._driver.get_loop() is not loop:
            self._driver = loop.create_task(self._drive())
        await waiter  # cancelled: the driver skips it

    def _deadline(self, seconds: float) -> float:
        """now + seconds, and always later than now: a real sleep lets some time pass, and a
        wait of 1e-16 s that left time standing still would make a waiting loop spin."""
        deadline = self._now + max(0.0, seconds)
        if seconds > 0 and deadline <= self._now:
            deadline = math.nextafter(self._now, math.inf)
        return deadline

    async def _drive(self) -> None:
        """Wake sleepers one at a time, in deadline order, once the loop is idle."""
        while self._sleepers:
            await _settle()
            if self.io_grace > 0:
                await asyncio.sleep(self.io_grace)  # real time: replies in flight land
                await _settle()
            deadline, _, waiter = heapq.heappop(self._sleepers)
            if waiter.done():  # its sleeper was cancelled
                continue
            self._now = max(self._now, deadline)
            waiter.set_result(None)


async def _settle() -> None:
    """Yield until nothing but this task is ready to run: every other coroutine has gone as
    far as it can before the clock must move. asyncio's ready queue (`_ready`) is the only
    way to see that; a loop without one gets a fixed number of passes."""
    loop = asyncio.get_running_loop()
    for passes in range(MAX_PASSES):
        await asyncio.sleep(0)
        ready = getattr(loop, "_ready", None)
        if ready is None and passes >= FALLBACK_PASSES:
            return
        if ready is not None and not ready:
            return
