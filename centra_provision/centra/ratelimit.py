"""A client-side limiter matching Centra's buckets, so a normal run never earns a 429.

Sliding windows like the server's: at most `requests` calls (and `mutations` mutation
calls) in any `interval` seconds. Waiters sleep until the oldest call leaves the window.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque


class SlidingWindow:
    def __init__(self, quota: int, interval: float) -> None:
        self.quota = quota
        self.interval = interval
        self.calls: deque[float] = deque()

    def wait_time(self, now: float) -> float:
        while self.calls and self.calls[0] <= now - self.interval:
            self.calls.popleft()
        if len(self.calls) < self.quota:
            return 0.0
        return self.calls[0] + self.interval - now


class ClientRateLimiter:
    """One per Centra environment per process; shared by every concurrent call."""

    def __init__(
        self, requests: int = 60, mutations: int = 20, interval: float = 10.0, margin: float = 0.05
    ) -> None:
        # A small time margin keeps us clear of the server's own window edge.
        self.requests = SlidingWindow(requests, interval + margin)
        self.mutations = SlidingWindow(mutations, interval + margin)
        self.lock = asyncio.Lock()
        self.paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Hold every caller for `seconds`: Centra refused us until then (a 429), and any
        request sent earlier "will trigger the rate limiting again" (RATE:13)."""
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    async def acquire(self, is_mutation: bool) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                wait = max(self.requests.wait_time(now), self.paused_until - now)
                if is_mutation:
                    wait = max(wait, self.mutations.wait_time(now))
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            self.requests.calls.append(now)
            if is_mutation:
                self.mutations.calls.append(now)
