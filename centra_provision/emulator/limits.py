"""Centra's rate limits: sliding 10-second windows shared by every caller of one environment
(Growth tier: 60 requests and 20 mutations)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

# How a 429 states when to resume. Centra sends "the timestamp of when you can resume your
# requests" (RATE:13, RATE:77), so `epoch` is the default; the others are what RFC 9110
# allows or what other servers send, for testing clients against every form.
RETRY_AFTER_FORMS = ("epoch", "epoch-whole", "epoch-ms", "delta-seconds", "http-date")


def retry_after_header(form: str, delay: float, now: float | None = None) -> str:
    """The Retry-After value naming the moment `delay` seconds after `now` (wall clock),
    never earlier than that moment (whole-second forms round up)."""
    moment = (time.time() if now is None else now) + max(0.0, delay)
    if form == "epoch":
        return f"{math.ceil(moment * 1000) / 1000:.3f}"
    if form == "epoch-whole":
        return str(math.ceil(moment))
    if form == "epoch-ms":
        return str(math.ceil(moment * 1000))
    if form == "delta-seconds":
        return str(math.ceil(max(0.0, delay)))
    if form == "http-date":
        return formatdate(math.ceil(moment), usegmt=True)
    raise ValueError(f"unknown Retry-After form {form!r} (one of {', '.join(RETRY_AFTER_FORMS)})")


@dataclass
class Window:
    quota: int
    interval: float
    hits: deque[float] = field(default_factory=deque)

    def _trim(self, now: float) -> None:
        while self.hits and self.hits[0] <= now - self.interval:
            self.hits.popleft()

    def retry_after(self, now: float) -> int:
        """0 when a hit is allowed now, else whole seconds until one is."""
        self._trim(now)
        if len(self.hits) < self.quota:
            return 0
        return max(1, math.ceil(self.hits[0] + self.interval - now))

    def used(self, now: float) -> int:
        self._trim(now)
        return len(self.hits)


class RateLimiter:
    def __init__(self, requests: int = 60, mutations: int = 20, interval: float = 10.0) -> None:
        self.requests = Window(requests, interval)
        self.mutations = Window(mutations, interval)
        self.lock = threading.Lock()

    def acquire(self, is_mutation: bool) -> int:
        """Count one request; returns 0, or the Retry-After seconds of a refusal."""
        now = time.monotonic()
        with self.lock:
            wait = self.requests.retry_after(now)
            if is_mutation:
                wait = max(wait, self.mutations.retry_after(now))
            if wait:
                return wait
            self.requests.hits.append(now)
            if is_mutation:
                self.mutations.hits.append(now)
            return 0

    def report(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        with self.lock:
            return [
                {
                    "type": kind,
                    "intervalSeconds": "TEN_SECONDS",
                    "quota": w.quota,
                    "usedQuota": w.used(now),
                    "remainingQuota": max(0, w.quota - w.used(now)),
                }
                for kind, w in (
                    ("REQUEST_COUNT", self.requests),
                    ("MUTATION_COUNT", self.mutations),
                )
            ]
