"""The state ledger: per environment, fingerprints of write-only fields as last applied or
attested, with time and source. Centra cannot show these fields, so this is the only memory
of what was set. Never a secret: values are HMAC-SHA256 fingerprints under a random
per-ledger key. Written atomically (temp file, fsync, rename).

Beside the fingerprints (`resources`), `snapshots` keeps per resource everything Centra
showed at the last apply, attest or import (observed values only, see engine/snapshot.py),
so drift can see changes to what the manifests do not declare. A ledger without
`snapshots` (older files) simply has none yet."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from centra_provision.errors import ProvisionError

FORMAT_VERSION = 1


class LedgerError(ProvisionError):
    """The ledger file exists but cannot be used."""


def canonical(value: Any) -> str:
    """A stable text for any manifest value (decimals by value: 25 == 25.0)."""

    def norm(v: Any) -> Any:
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return v
        if isinstance(v, int | float | Decimal):
            d = Decimal(str(v)).normalize()
            return f"decimal:{d:f}"
        if isinstance(v, dict):
            return {str(k): norm(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [norm(x) for x in v]
        if isinstance(v, set | frozenset):
            return sorted(norm(x) for x in v)
        return str(v)

    return json.dumps(norm(value), sort_keys=True, separators=(",", ":"))


@dataclass
class Ledger:
    path: Path
    environment: str
    key: bytes = field(repr=False)
    records: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    exists: bool = False
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, environment: str) -> Ledger:
        """The ledger at `path`, or an empty one (with a fresh key) if there is none yet."""
        if not path.exists():
            return cls(path, environment, secrets.token_bytes(32))
        try:
            body = json.loads(path.read_text())
            key = base64.b64decode(body["key"])
            records = body.get("resources", {})
            snapshots = body.get("snapshots", {})
            assert body.get("formatVersion") == FORMAT_VERSION and isinstance(records, dict)
            assert isinstance(snapshots, dict)
        except (OSError, ValueError, KeyError, TypeError, AssertionError):
            raise LedgerError(f"ledger {path} is unreadable or of an unknown format") from None
        return cls(path, environment, key, records, exists=True, snapshots=snapshots)

    def fingerprint(self, value: Any) -> str:
        digest = hmac.new(self.key, canonical(value).encode(), hashlib.sha256).hexdigest()
        return f"hmac-sha256:{digest[:32]}"

    def record(self, address: str, path: str) -> dict[str, str] | None:
        return self.records.get(address, {}).get(path)

    def has(self, address: str) -> bool:
        return bool(self.records.get(address))

    def remember(self, address: str, path: str, value: Any, source: str) -> None:
        self.records.setdefault(address, {})[path] = {
            "fingerprint": self.fingerprint(value),
            "source": source,
            "at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        }

    def forget(self, address: str) -> None:
        self.records.pop(address, None)
        self.snapshots.pop(address, None)

    def snapshot(self, address: str) -> dict[str, Any] | None:
        """What Centra showed of the resource at the last apply, attest or import:
        {"shown": {...}, "source": ..., "at": ...}, or None."""
        return self.snapshots.get(address)

    def take_snapshot(self, address: str, shown: dict[str, Any], source: str) -> bool:
        """Keep `shown` as the resource's snapshot; False (nothing written) when it is the
        snapshot already, so a run that changes nothing leaves the ledger as it was."""
        old = self.snapshots.get(address)
        if old is not None and old.get("shown") == shown:
            return False
        self.snapshots[address] = {
            "shown": shown,
            "source": source,
            "at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        }
        return True

    def save(self) -> None:
        """Atomically: write a temp file beside the ledger, fsync it, rename it over."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = {
            "formatVersion": FORMAT_VERSION,
            "environment": self.environment,
            "key": base64.b64encode(self.key).decode(),
            "resources": self.records,
            "snapshots": self.snapshots,
        }
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(body, fh, indent=2, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.exists = True
