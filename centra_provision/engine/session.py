"""One run against one environment, as every command that talks to Centra sees it (what
sqlmesh's Context is to its commands): the desired state and the resources selected by
`--target`, the resolved secrets, the ledger, the open connection and what discovery found.

`run_session` is the only place an engine command enters asyncio: it loads the manifests,
takes the state lock when the command writes state, loads the ledger (under that lock),
opens Centra and hands the session to the command's coroutine. Errors before Centra is
opened (manifests, secrets, ledger) come first, so a broken manifest is never hidden
behind a missing token.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from centra_provision.centra.client import RetryPolicy
from centra_provision.centra.discovery import Capabilities, discover
from centra_provision.centra.ratelimit import DEFAULT_SHARE
from centra_provision.clock import SYSTEM_CLOCK, Clock
from centra_provision.engine.endpoint import Connection, endpoint, open_centra
from centra_provision.engine.secret_refs import Secrets, resolve_secrets
from centra_provision.errors import UsageError
from centra_provision.manifest.desired import DesiredState, load_desired_state
from centra_provision.manifest.environment import EnvironmentConfig
from centra_provision.resources import Resource
from centra_provision.state.ledger import Ledger
from centra_provision.state.lock import state_lock

T = TypeVar("T")


@dataclass(frozen=True)
class RunOptions:
    """What any command against one environment may be told: another endpoint, a subset of
    resources, how to retry, how much of Centra's shared rate limits it may take, and the
    clock its waits run on (a test's fake one: the same waits, none of them spent)."""

    url_override: str | None = None
    targets: tuple[str, ...] = ()
    retry: RetryPolicy | None = None
    rate_share: float = DEFAULT_SHARE
    clock: Clock = SYSTEM_CLOCK


def matches(address: str, target: str) -> bool:
    """`--target` names a resource (`TaxGroup/GE Local VAT`), a kind (`TaxGroup`), or a glob
    over addresses (`AttributeType/ge_*`, `*Plugin/*`)."""
    if "/" not in target:
        return fnmatch.fnmatchcase(address.split("/", 1)[0], target)
    return fnmatch.fnmatchcase(address, target)


def select(resources: tuple[Resource, ...], targets: tuple[str, ...]) -> tuple[Resource, ...]:
    """Resources named by `--target` (all when none given); a target that names nothing is
    an error listing what there is."""
    if not targets:
        return resources
    unknown = [t for t in targets if not any(matches(r.address, t) for r in resources)]
    if unknown:
        known = ", ".join(sorted({r.address for r in resources}))
        raise UsageError(f"unknown target {', '.join(unknown)} (known: {known})")
    return tuple(r for r in resources if any(matches(r.address, t) for t in targets))


def centra_binding(env: EnvironmentConfig, url_override: str | None = None) -> str:
    """The Centra a ledger is bound to: the URL this run talks to, or the embedded
    emulator's state file."""
    url, _ = endpoint(env, url_override)
    return url if url is not None else f"embedded:{env.embedded_state}"


def load_ledger(env: EnvironmentConfig, url_override: str | None = None) -> Ledger:
    return Ledger.load(env.ledger_location, env.name, centra_binding(env, url_override))


@dataclass
class EnvironmentSession:
    """Everything one run needs against one open connection. Planning and applying read
    it again and again (apply plans before and after, `--wait` plans at every look)."""

    desired: DesiredState
    resources: tuple[Resource, ...]
    repo_root: Path
    conn: Connection
    options: RunOptions
    secrets: Secrets = field(default_factory=dict)
    state: Ledger | None = None
    lock_id: str | None = None
    caps: Capabilities | None = None

    @property
    def environment(self) -> EnvironmentConfig:
        return self.desired.environment

    @property
    def ledger(self) -> Ledger:
        if self.state is None:
            raise RuntimeError("this session was opened without its ledger")  # a bug, not input
        return self.state

    async def capabilities(self) -> Capabilities:
        """What the live schema offers: one introspection request per run, cached on disk."""
        if self.caps is None:
            self.caps = await discover(self.conn.client, self.repo_root / ".provision" / "cache")
        return self.caps


@contextlib.asynccontextmanager
async def open_session(
    root: Path,
    env_name: str,
    options: RunOptions,
    lock: str | None = None,
    with_state: bool = True,
    desired: DesiredState | None = None,
) -> AsyncIterator[EnvironmentSession]:
    """Load (unless the caller loaded `desired` already), lock (when `lock` names the
    operation), read the ledger and secrets (with `with_state`), then open Centra."""
    desired = desired or load_desired_state(root, env_name)
    env = desired.environment
    resources = select(desired.resources, options.targets)
    repo_root = root.resolve().parent
    with contextlib.ExitStack() as stack:
        lock_id = (
            stack.enter_context(state_lock(env.ledger_location, env.name, lock)) if lock else None
        )
        ledger = load_ledger(env, options.url_override) if with_state else None
        secrets = resolve_secrets(resources, repo_root) if with_state else {}
        async with open_centra(
            env, repo_root, options.url_override, options.retry, options.rate_share, options.clock
        ) as conn:
            yield EnvironmentSession(
                desired, resources, repo_root, conn, options, secrets, ledger, lock_id
            )


def run_session(
    root: Path,
    env_name: str,
    options: RunOptions,
    work: Callable[[EnvironmentSession], Awaitable[T]],
    lock: str | None = None,
    with_state: bool = True,
    desired: DesiredState | None = None,
) -> T:
    """Run one command's coroutine in a session: the one `asyncio.run` of a command."""

    async def main() -> T:
        async with open_session(root, env_name, options, lock, with_state, desired) as session:
            return await work(session)

    return asyncio.run(main())
