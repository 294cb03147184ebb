"""Opening Centra for an environment: a URL with the token from its env var, or the
embedded emulator in-process (the `local` environment, seeded on first use)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from centra_provision.centra.client import CentraClient, RetryPolicy
from centra_provision.centra.ratelimit import ClientRateLimiter
from centra_provision.errors import CentraAuthError
from centra_provision.manifest.environment import EnvironmentConfig

EMBEDDED_URL = "http://127.0.0.1/graphql"


@dataclass
class Connection:
    """A client, what to show as its URL, and the embedded emulator when there is one."""

    client: CentraClient
    shown_url: str
    emulator: Any = None  # centra_provision.emulator.app.Emulator for the local environment


@asynccontextmanager
async def open_centra(
    env: EnvironmentConfig,
    repo_root: Path,
    url_override: str | None = None,
    retry: RetryPolicy | None = None,
) -> AsyncIterator[Connection]:
    limiter = ClientRateLimiter(
        env.rate_limits.requests, env.rate_limits.mutations, float(env.rate_limits.interval_seconds)
    )
    url = url_override or env.centra_url
    if url is None:
        from centra_provision.emulator.app import Emulator, InProcessTransport

        state = repo_root / (env.embedded_state or ".provision/local-centra.sqlite")
        state.parent.mkdir(parents=True, exist_ok=True)
        emulator = Emulator(
            str(state), env.embedded_products, env.rate_limits.requests, env.rate_limits.mutations
        )
        token = os.environ.get(env.token_env) or emulator.admin_token
        client = CentraClient(
            EMBEDDED_URL,
            token,
            transport=InProcessTransport(emulator),
            limiter=limiter,
            retry=retry,
        )
        try:
            yield Connection(client, f"embedded emulator ({os.path.relpath(state)})", emulator)
        finally:
            await client.aclose()
            emulator.state.close()
        return
    url_token = os.environ.get(env.token_env)
    if not url_token:
        raise CentraAuthError(
            f"environment variable {env.token_env} is not set (the Centra "
            f"Integration API token for {env.name})"
        )
    client = CentraClient(url, url_token, limiter=limiter, retry=retry)
    try:
        yield Connection(client, url)
    finally:
        await client.aclose()
