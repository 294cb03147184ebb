"""Async client for Centra's Integration API.

https only (loopback excepted), TLS verified, timeouts; a client-side rate limiter matching
Centra's buckets; retries on 429/502/503/504 and connection errors, waiting until the
moment a Retry-After names (else exponential backoff with jitter), bounded in count and
total time. A mutation whose outcome is unknown is never retried here: it raises
OutcomeUnknown so the caller re-reads.
`errors[]` and `userErrors` become typed exceptions with one-line messages.
Back-off, Retry-After moments and the retry budget are read and waited through a `Clock`.
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from centra_provision.centra.operations import load, text
from centra_provision.centra.ratelimit import ClientRateLimiter
from centra_provision.centra.retry_after import resume_at
from centra_provision.centra.transport import CONNECT_ATTEMPTS, classify, path_hint, printable
from centra_provision.clock import SYSTEM_CLOCK, Clock
from centra_provision.errors import (
    CentraAuthError,
    CentraGraphQLError,
    CentraPermissionError,
    CentraUnavailable,
    OutcomeUnknown,
    UsageError,
)
from centra_provision.urls import is_loopback, url_problem

log = logging.getLogger("centra_provision.centra")

RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
REFUSED_STATUS = frozenset({401, 403})  # a token refusal (Centra documents neither)
# Arrive just after the moment a Retry-After names, never just before it.
RESUME_MARGIN = 0.02


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    total_seconds: float = 120.0
    base_delay: float = 0.5
    max_delay: float = 20.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(max, base * 2^attempt)]."""
        return rng.uniform(0, min(self.max_delay, self.base_delay * (2**attempt)))


@dataclass
class RequestCount:
    """What a run cost: GraphQL requests sent (retries included), other HTTP requests (the
    Order API probe), and retries."""

    sent: int = 0
    other: int = 0
    retried: int = 0


def check_url(url: str) -> None:
    problem = url_problem(url)
    if problem is not None:  # the URL is not repeated: it may hold a password
        raise UsageError(f"refusing the Centra URL: it {problem}")
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname or "")):
        return
    raise UsageError(f"refusing Centra URL {url}: https:// is required (http:// only on loopback)")


class CentraClient:
    """One Centra endpoint with one token."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        limiter: ClientRateLimiter | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        seed: int | None = None,
        token_source: str = "",
        clock: Clock | None = None,
    ) -> None:
        """`clock` (by default the limiter's, else the real one) is where retries wait and
        Retry-After moments are read: one clock for both, so a 429's pause and the
        limiter's budgets agree on what time it is."""
        check_url(url)
        self.url = url
        self._token = token
        self.token_source = token_source  # the variable it came from, named when refused
        self.clock = clock or (limiter.clock if limiter is not None else SYSTEM_CLOCK)
        self.limiter = limiter or ClientRateLimiter(clock=self.clock)
        self.retry = retry or RetryPolicy()
        self.count = RequestCount()
        self._rng = random.Random(seed)
        # Proxy variables are for reaching the internet: a loopback URL through HTTP_PROXY
        # would hand the token to the proxy in clear.
        loopback = is_loopback(urlsplit(url).hostname or "")
        self._http = httpx.AsyncClient(
            transport=transport, timeout=timeout, verify=True, trust_env=not loopback
        )

    def _refused(self, how: str) -> str:
        """The one line for a refused token: Centra documents no status or body for it, so
        401, 403 and a 200 whose error concerns no field all end here."""
        if not self.token_source:
            return f"Centra refused the token ({how}) at {self.url}"
        return (
            f"Centra refused the token from {self.token_source} ({how}) at {self.url}: "
            f"set {self.token_source} to a valid Integration API token for this Centra"
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> CentraClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    @property
    def base_url(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    async def execute(
        self,
        document: str,
        variables: dict[str, Any] | None = None,
        *,
        operation_name: str | None = None,
        is_mutation: bool = False,
    ) -> dict[str, Any]:
        """Send one operation; return its `data` (and raise on errors[]). An authorization
        error on a field is a permission the token lacks; one on no field (no `path`) is
        the token itself refused, however the HTTP status reads."""
        body = await self._post(
            {"query": document, "variables": variables or {}, "operationName": operation_name},
            is_mutation,
            operation_name,
        )
        errors = _error_list(body.get("errors"))
        denied = [e for e in errors if _category(e) == "authorization"]
        if any(not _path_of(e) for e in denied):
            raise CentraAuthError(self._refused("an authorization error on no field"))
        if denied:
            raise CentraPermissionError(
                [_permission_of(e) for e in denied], [_path_of(e) for e in denied]
            )
        others = [e for e in errors if e not in denied]
        if others:
            raise CentraGraphQLError(
                f"Centra answered {operation_name or 'the request'} with: "
                + "; ".join(_message_of(e) for e in others[:3])
            )
        data = body.get("data")
        if not isinstance(data, dict):
            raise CentraGraphQLError(
                f"Centra answered {operation_name or 'the request'} without data"
            )
        return data

    async def _post(
        self, payload: dict[str, Any], is_mutation: bool, name: str | None
    ) -> dict[str, Any]:
        started = self.clock.monotonic()
        attempt = 0
        while True:
            drawn = await self.limiter.acquire(is_mutation, name)
            self.count.sent += 1
            try:
                response = await self._http.post(
                    self.url,
                    json=payload,
                    headers={
                        "Authorization": f"Bearer {self._token}",
                        "Accept": "application/json",
                    },
                )
            except httpx.TransportError as exc:
                failure = self._failure(exc)
                if is_mutation and not failure.connect:
                    raise OutcomeUnknown(
                        f"{name or 'mutation'}: {failure.reason} after "
                        "sending; re-read before retrying"
                    ) from None
                delay = self._next_delay(attempt, started, None, failure.reason, failure.limit)
            else:
                status = response.status_code
                if status in REFUSED_STATUS:
                    raise CentraAuthError(self._refused(f"HTTP {status}"))
                if status in RETRYABLE_STATUS:
                    if is_mutation and status != 429:
                        raise OutcomeUnknown(
                            f"{name or 'mutation'}: Centra answered HTTP "
                            f"{status}; re-read before retrying"
                        )
                    delay = self._next_delay(
                        attempt, started, response.headers.get("Retry-After"), f"HTTP {status}"
                    )
                else:
                    body = _json_body(response, name, self.url)
                    self.limiter.settle(name, drawn, _complexity_of(body))
                    return body
            self.limiter.settle(name, drawn, None)
            attempt += 1
            self.count.retried += 1
            log.debug("retrying %s in %.2fs", name or "request", delay)
            await self.clock.sleep(delay)

    def _failure(self, exc: httpx.TransportError) -> _Failure:
        """A transport failure classified; a certificate that does not verify ends the run
        at once (retrying cannot help), failures to connect are retried fewer times."""
        failure = classify(exc, self.url)
        if failure.final:
            raise CentraUnavailable(f"Centra at {self.url}: {failure.reason}") from None
        limit = CONNECT_ATTEMPTS if failure.connect else None
        return _Failure(failure.reason, failure.connect, limit)

    def _next_delay(
        self,
        attempt: int,
        started: float,
        retry_after: str | None,
        reason: str,
        attempts: int | None = None,
    ) -> float:
        """How long to wait before the next attempt: until the moment a Retry-After names
        (Centra sends the timestamp to resume at, RATE:13), else jittered backoff; an error
        when the attempts (`attempts`, else the policy's) or the time budget would run out
        first."""
        spent = self.clock.monotonic() - started
        if attempt + 1 >= min(self.retry.attempts, attempts or self.retry.attempts):
            raise CentraUnavailable(
                f"Centra at {self.url} kept failing ({reason}) after "
                f"{attempt + 1} attempts in {spent:.1f}s"
            )
        now = self.clock.time()  # a Retry-After names a wall-clock moment
        moment = resume_at(retry_after, now) if retry_after is not None else None
        if moment is None:
            delay = self.retry.backoff(attempt, self._rng)
        else:
            delay = max(0.0, moment - now) + RESUME_MARGIN
            self.limiter.pause(delay)
        if spent + delay > self.retry.total_seconds:
            if moment is not None:
                resume = datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")
                raise CentraUnavailable(
                    f"Centra at {self.url} is rate limiting ({reason}) until {resume}, "
                    f"{delay:.0f}s from now: beyond the retry budget of "
                    f"{self.retry.total_seconds:.0f}s ({spent:.1f}s spent)"
                )
            raise CentraUnavailable(
                f"Centra at {self.url} kept failing ({reason}) after "
                f"{attempt + 1} attempts in {spent:.1f}s"
            )
        return delay

    async def read_rate_limits(self) -> None:
        """Size the limiter from Centra's `rateLimits` (RATE:84-100) once, before the real
        work. It needs no permission; a Centra that cannot answer keeps the Growth defaults."""
        try:
            data = await self.execute(text(load("rate_limits")), operation_name="RateLimits")
        except (CentraGraphQLError, CentraPermissionError) as exc:
            log.warning("rateLimits unavailable (%s); assuming Centra's Growth plan", exc)
            return
        rows = data.get("rateLimits")
        if isinstance(rows, list):
            self.limiter.configure(r for r in rows if isinstance(r, dict))

    async def get(self, path: str, headers: dict[str, str]) -> httpx.Response:
        """A plain GET on the same host (the Order API probe), with the same retries."""
        started = self.clock.monotonic()
        attempt = 0
        while True:
            self.count.other += 1
            try:
                response = await self._http.get(self.base_url + path, headers=headers)
                if response.status_code not in RETRYABLE_STATUS:
                    return response
                delay = self._next_delay(
                    attempt,
                    started,
                    response.headers.get("Retry-After"),
                    f"HTTP {response.status_code}",
                )
            except httpx.TransportError as exc:
                failure = self._failure(exc)
                delay = self._next_delay(attempt, started, None, failure.reason, failure.limit)
            attempt += 1
            self.count.retried += 1
            await self.clock.sleep(delay)


@dataclass(frozen=True)
class _Failure:
    reason: str
    connect: bool
    limit: int | None


def _json_body(response: httpx.Response, name: str | None, url: str = "") -> dict[str, Any]:
    what = name or "the request"
    try:
        body = response.json()
    except ValueError:
        raise CentraGraphQLError(
            f"Centra answered {what} with HTTP {response.status_code} and no JSON" + path_hint(url)
        ) from None
    if not isinstance(body, dict):
        raise CentraGraphQLError(f"Centra answered {what} with non-object JSON" + path_hint(url))
    if response.status_code >= 400 and not body.get("errors"):
        hint = path_hint(url) if response.status_code in (404, 405) else ""
        raise CentraGraphQLError(f"Centra answered {what} with HTTP {response.status_code}{hint}")
    return body


def _error_list(errors: Any) -> list[dict[str, Any]]:
    """`errors[]` as mappings: a malformed entry (a bare string) becomes its message."""
    if not errors:
        return []
    items = errors if isinstance(errors, list) else [errors]
    return [e if isinstance(e, dict) else {"message": e} for e in items]


def _category(error: dict[str, Any]) -> Any:
    ext = error.get("extensions")
    return ext.get("category") if isinstance(ext, dict) else None


def _message_of(error: dict[str, Any]) -> str:
    """A GraphQL error's message as printable text (server text is data, not escapes)."""
    return printable(error.get("message", error))


def _complexity_of(body: dict[str, Any]) -> float | None:
    """What Centra charged for a request (`extensions.complexity`, RATE:12)."""
    ext = body.get("extensions")
    value = ext.get("complexity") if isinstance(ext, dict) else None
    return float(value) if isinstance(value, int | float) and value >= 0 else None


# Centra's documented denial: "You need Order:read permission to access orderConnection."
# with extensions.category "authorization" (AUTH:112-139).
DOCUMENTED_DENIAL = re.compile(r"You need (\S+) permission")


def _permission_of(error: dict[str, Any]) -> str:
    """The permission a denial names: from Centra's documented message, else an
    `extensions.permission` key, else the whole message (still one line)."""
    message = error.get("message")
    found = DOCUMENTED_DENIAL.search(message) if isinstance(message, str) else None
    if found:
        return printable(found.group(1), 100)
    ext = error.get("extensions")
    if isinstance(ext, dict) and isinstance(ext.get("permission"), str):
        return printable(ext["permission"], 100)
    return printable(message or "unknown permission")


def _path_of(error: dict[str, Any]) -> str:
    """The field a denial is on (`pricelists.store`), or "" when it names none."""
    path = error.get("path")
    parts = path if isinstance(path, list) else []
    return printable(".".join(str(p) for p in parts if not isinstance(p, int)), 200)
