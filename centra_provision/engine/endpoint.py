"""Opening Centra for an environment: which endpoint (the manifest, a per-environment override
or --centra-url), a URL with the token from its env var, or the embedded emulator in-process
(the `local` environment, seeded on first use). Here, where environments are opened, not in
the API client: `centra/` knows nothing of manifests or of the emulator."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from centra_provision.centra.client import CentraClient, RetryPolicy
from centra_provision.centra.ratelimit import DEFAULT_SHARE, ClientRateLimiter
from centra_provision.clock import SYSTEM_CLOCK, Clock
from centra_provision.errors import CentraAuthError, CentraUnavailable, UsageError
from centra_provision.manifest.environment import EnvironmentConfig
from centra_provision.urls import PINNED_HOSTS_ENV, pinned_hosts, unpinned_host

EMBEDDED_URL = "http://127.0.0.1/graphql"


@dataclass
class Connection:
    """A client, what to show as its URL and where that URL came from, and the embedded
    emulator when there is one."""

    client: CentraClient
    shown_url: str
    emulator: Any = None  # centra_provision.emulator.app.Emulator for the local environment
    url_source: str = ""


def override_variable(env_name: str) -> str:
    """The per-environment override variable: qa-int -> PROVISION_CENTRA_URL_QA_INT.

    Per environment because one global variable redirected every environment at once (a
    PROD plan read a QA emulator, the embedded `local` broke)."""
    return "PROVISION_CENTRA_URL_" + re.sub(r"[^A-Z0-9]", "_", env_name.upper())


def endpoint(env: EnvironmentConfig, cli_url: str | None = None) -> tuple[str | None, str]:
    """The URL to read (None: the embedded emulator) and where it came from, in the words the
    plan header prints. An override for an embedded environment is refused, not ignored."""
    variable = override_variable(env.name)
    if cli_url:
        url, source = cli_url, "--centra-url"
    elif os.environ.get(variable):
        url, source = os.environ[variable], variable
    elif env.centra_url is None:
        return None, "environment.yaml centra.embedded"
    else:
        return env.centra_url, "environment.yaml centra.url"
    if env.centra_url is None:
        raise UsageError(
            f"{source} cannot redirect environment {env.name}: it uses the embedded emulator; "
            f"unset {source} or give {env.name} a centra.url"
        )
    return url, source


def open_embedded(state: Path, env: EnvironmentConfig, clock: Clock = SYSTEM_CLOCK) -> Any:
    """The embedded emulator on its state file, its buckets on the run's clock; a state
    folder that cannot be written or a file that is not the emulator's database is one line
    naming the file."""
    from centra_provision.emulator.app import Emulator

    try:
        state.parent.mkdir(parents=True, exist_ok=True)
        return Emulator(
            str(state),
            env.embedded_products,
            env.rate_limits.requests,
            env.rate_limits.mutations,
            clock=clock,
        )
    except (OSError, sqlite3.Error) as exc:
        raise UsageError(_state_problem(state, exc)) from None


def _state_problem(state: Path, exc: BaseException) -> str:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return (
        f"cannot use the embedded emulator's state file {os.path.relpath(state)}: {reason} "
        "(is .provision/ writable, and the file the emulator's own?)"
    )


class _StateGuard(httpx.AsyncBaseTransport):
    """The in-process transport, with state-file failures mid-run (a read-only or full
    disk) as one-line errors instead of sqlite3 tracebacks."""

    def __init__(self, emulator: Any, state: Path) -> None:
        from centra_provision.emulator.app import InProcessTransport

        self.inner = InProcessTransport(emulator)
        self.state = state

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self.inner.handle_async_request(request)
        except (OSError, sqlite3.Error) as exc:
            raise CentraUnavailable(_state_problem(self.state, exc)) from None

    async def aclose(self) -> None:
        await self.inner.aclose()


@asynccontextmanager
async def open_centra(
    env: EnvironmentConfig,
    repo_root: Path,
    url_override: str | None = None,
    retry: RetryPolicy | None = None,
    rate_share: float = DEFAULT_SHARE,
    clock: Clock = SYSTEM_CLOCK,
) -> AsyncIterator[Connection]:
    """`rate_share` is the most of each of Centra's rate-limit buckets this run may take
    (they are shared with the live store); the client reads `rateLimits` once first.
    `clock` is what the limiter, the client's retries and the embedded emulator run on."""
    limiter = ClientRateLimiter(
        env.rate_limits.requests,
        env.rate_limits.mutations,
        float(env.rate_limits.interval_seconds),
        share=rate_share,
        clock=clock,
    )
    url, source = endpoint(env, url_override)
    if url is None:
        state = repo_root / (env.embedded_state or ".provision/local-centra.sqlite")
        emulator = open_embedded(state, env, clock)
        token = os.environ.get(env.token_env) or emulator.admin_token
        client = CentraClient(
            EMBEDDED_URL,
            token,
            transport=_StateGuard(emulator, state),
            limiter=limiter,
            retry=retry,
            token_source=env.token_env if os.environ.get(env.token_env) else "",
            clock=clock,
        )
        try:
            await client.read_rate_limits()
            yield Connection(
                client, f"embedded emulator ({os.path.relpath(state)})", emulator, source
            )
        finally:
            await client.aclose()
            emulator.state.close()
        return
    refused = unpinned_host(url)
    if refused is not None:
        raise CentraAuthError(
            f"Centra host {refused} ({source}) is not one of {PINNED_HOSTS_ENV} "
            f"({', '.join(sorted(pinned_hosts() or ()))}); the token for {env.name} was not sent"
        )
    url_token = os.environ.get(env.token_env)
    if not url_token:
        unset = "is empty" if env.token_env in os.environ else "is not set"
        raise CentraAuthError(
            f"environment variable {env.token_env} {unset} (the Centra "
            f"Integration API token for {env.name})"
        )
    client = CentraClient(
        url, url_token, limiter=limiter, retry=retry, token_source=env.token_env, clock=clock
    )
    try:
        await client.read_rate_limits()
        yield Connection(client, url, url_source=source)
    finally:
        await client.aclose()
