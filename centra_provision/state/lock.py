"""One writer per environment: a lock object beside the ledger, in the same store, created
with create-if-absent (Terraform's S3 `use_lockfile` does the same with a conditional put).
It records who holds it (id, host, pid, CI run URL, time), so a second apply anywhere fails
at once naming the holder; a lock left by a killed apply stays until someone breaks it on
purpose with `provision force-unlock -e ENV ID`."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from centra_provision.errors import ProvisionError
from centra_provision.state.backend import AlreadyExists, BackendError, open_backend

SUFFIX = ".lock"


class LockHeldError(ProvisionError):
    """Another apply holds this environment's lock."""


class LockNotReleased(ProvisionError):
    """A run failed and its lock could not be released either: both are reported."""

    def __init__(self, cause: ProvisionError, hint: str) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.hint = hint
        self.exit_code = cause.exit_code

    def lines(self) -> list[str]:
        return [*self.cause.lines(), self.hint]


class UnlockRefused(ProvisionError):
    """force-unlock was asked for a lock that is not there, not that one, or still alive."""


def ci_run_url() -> str | None:
    """The CI job that holds the lock, when the runner says (GitHub Actions, GitLab CI)."""
    env = os.environ
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    return env.get("CI_JOB_URL") or None


def read_holder(location: str | Path) -> dict[str, Any] | None:
    """The lock's record, or None when nobody holds it."""
    blob = open_backend(location).read(SUFFIX)
    if blob is None:
        return None
    try:
        body = json.loads(blob.data)
    except ValueError:
        return {"id": "?", "problem": "an unreadable lock record"}
    if not isinstance(body, dict):
        return {"id": "?", "problem": "a lock record that is not a JSON object"}
    if not isinstance(body.get("id"), str) or not body["id"]:
        # Without this, a record without an id could never be named to force-unlock.
        return {**body, "id": "?", "problem": "a lock record without an id"}
    return body


def describe(holder: dict[str, Any]) -> str:
    if holder.get("problem"):
        return f"id ? ({holder['problem']})"
    where = f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}"
    run = f", {holder['runUrl']}" if holder.get("runUrl") else ""
    what = holder.get("operation", "apply")
    return f"id {holder.get('id', '?')} ({what}, {where}{run}) since {holder.get('since', '?')}"


@contextmanager
def state_lock(location: str | Path, environment: str, operation: str = "apply") -> Iterator[str]:
    """Hold the environment's lock or fail at once naming the holder. Yields the lock id."""
    backend = open_backend(location)
    lock_id = uuid.uuid4().hex[:12]
    record = {
        "id": lock_id,
        "environment": environment,
        "operation": operation,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "runUrl": ci_run_url(),
        "since": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }
    try:
        backend.create(json.dumps(record, indent=2).encode(), SUFFIX)
    except AlreadyExists:
        holder = read_holder(location) or {}
        raise LockHeldError(
            f"{environment} is locked by another run: {describe(holder)}; if that run is "
            f"gone, run `provision force-unlock -e {environment} {holder.get('id', 'ID')}`"
        ) from None
    try:
        yield lock_id
    except BaseException as exc:
        # The first error is the one to report; a store that also fails to release the
        # lock leaves it behind, and the report says how to break it.
        try:
            _release(location, lock_id)
        except BackendError:
            if isinstance(exc, ProvisionError):
                raise LockNotReleased(
                    exc,
                    f"the lock on {environment} (id {lock_id}) could not be released; once "
                    f"the store answers, run `provision force-unlock -e {environment} "
                    f"{lock_id}`",
                ) from exc
        raise
    _release(location, lock_id)


def _release(location: str | Path, lock_id: str) -> None:
    """Delete the lock if it is still ours."""
    holder = read_holder(location)
    if holder is not None and holder.get("id") == lock_id:
        open_backend(location).delete(SUFFIX)


def _alive_here(holder: dict[str, Any]) -> bool:
    """Whether the holder is a process still running on this host."""
    if holder.get("host") != socket.gethostname():
        return False
    try:
        pid = int(holder.get("pid", 0))
    except (TypeError, ValueError):
        return False
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def force_unlock(location: str | Path, environment: str, lock_id: str) -> dict[str, Any]:
    """Break a lock left by a run that is gone: only when the caller names its id, and never
    while its process is alive on this host. Returns the record of the lock broken."""
    holder = read_holder(location)
    if holder is None:
        raise UnlockRefused(f"{environment} is not locked; nothing was unlocked")
    if holder.get("id") != lock_id:
        raise UnlockRefused(
            f"lock id {lock_id} does not match the lock held on {environment} "
            f"({describe(holder)}); nothing was unlocked"
        )
    if _alive_here(holder):
        raise UnlockRefused(
            f"the lock holder is still running (pid {holder.get('pid')} on this host); "
            "stop it first; nothing was unlocked"
        )
    with contextlib.suppress(FileNotFoundError):
        open_backend(location).delete(SUFFIX)
    return holder
