"""One apply at a time per environment: a lock file beside the ledger (filelock's
SoftFileLock, so a crashed holder leaves it behind to be broken on purpose, like
Terraform's state lock) with a record of who holds it."""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from filelock import SoftFileLock, Timeout

from centra_provision.errors import ProvisionError


class LockHeldError(ProvisionError):
    """Another apply holds this environment's lock."""


def _holder_path(lock_path: Path) -> Path:
    return lock_path.with_name(lock_path.name + ".holder.json")


def lock_path_for(ledger: Path) -> Path:
    return ledger.with_name(ledger.name + ".lock")


def holder(lock_path: Path) -> dict[str, str] | None:
    try:
        body = json.loads(_holder_path(lock_path).read_text())
    except (OSError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def force_unlock(lock_path: Path, lock_id: str) -> None:
    """Break a stale lock, only when the caller names its id."""
    current = holder(lock_path)
    if not lock_path.exists():
        raise LockHeldError(f"no lock to break at {lock_path}")
    if current is None or current.get("id") != lock_id:
        held = current.get("id") if current else "unknown"
        raise LockHeldError(
            f"lock id {lock_id} does not match the lock held ({held}); nothing was unlocked"
        )
    lock_path.unlink(missing_ok=True)
    _holder_path(lock_path).unlink(missing_ok=True)


@contextmanager
def apply_lock(lock_path: Path, environment: str) -> Iterator[str]:
    """Hold the lock or fail at once naming the holder. Yields this holder's lock id."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = SoftFileLock(str(lock_path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        h = holder(lock_path) or {}
        raise LockHeldError(
            f"another apply holds the lock on {environment}: id {h.get('id', '?')}, pid "
            f"{h.get('pid', '?')} on {h.get('host', '?')} since {h.get('since', '?')}; if that "
            f"apply is gone, run `provision apply -e {environment} --force-unlock "
            f"{h.get('id', 'ID')}`"
        ) from None
    lock_id = uuid.uuid4().hex[:12]
    _holder_path(lock_path).write_text(
        json.dumps(
            {
                "id": lock_id,
                "pid": str(os.getpid()),
                "host": socket.gethostname(),
                "since": datetime.now(UTC).replace(microsecond=0).isoformat(),
            }
        )
    )
    try:
        yield lock_id
    finally:
        _holder_path(lock_path).unlink(missing_ok=True)
        lock.release()
