"""Reading a 429's `Retry-After` as Centra documents it.

RATE:13 says the header "contains the timestamp of when you can resume your requests" and
that sending earlier "will trigger the rate limiting again"; RFC 9110 allows delta seconds
and an HTTP-date. We accept every form a server may plausibly send and turn each into one
wall-clock moment: delta seconds, an HTTP-date, an ISO 8601 date-time, epoch seconds and
epoch milliseconds, each with or without a fraction.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# A bare number below this is a delay (a billion seconds is 31 years); at or above it an
# epoch timestamp in seconds (2001 onwards); at or above EPOCH_MS it is in milliseconds
# (1e11 seconds would be the year 5138, 1e11 ms is 1973).
EPOCH_SECONDS = 1e9
EPOCH_MS = 1e11


def resume_at(value: str, now: float) -> float | None:
    """The wall-clock moment (epoch seconds) a Retry-After names, or None if unreadable.

    `now` is the wall clock when the response arrived; only delta seconds need it.
    """
    text = value.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return _date(text)
    if not math.isfinite(number) or number < 0:
        return None
    if number >= EPOCH_MS:
        return number / 1000
    if number >= EPOCH_SECONDS:
        return number
    return now + number


def _date(text: str) -> float | None:
    parsed: datetime | None
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
    if parsed.tzinfo is None:  # an HTTP-date is GMT; a naive ISO time is taken as UTC
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()
