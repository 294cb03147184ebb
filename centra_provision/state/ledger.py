"""The state ledger: per environment, fingerprints of write-only fields as last applied or
attested, with time and source. Centra cannot show these fields, so this is the only memory
of what was set; like Terraform's state it lives where every CI runner can reach it (a local
file or an object-store URL, see `backend`).

- **Never a secret, never its key.** Values are keyed fingerprints; the key comes from
  `PROVISION_LEDGER_KEY` (a CI secret) or, for a local ledger only, a generated key in a
  separate 0600 file beside it. The key is stretched with scrypt, and secrets are
  fingerprinted with scrypt over HMAC, so a leaked ledger plus plan file cannot be
  brute-forced at HMAC speed. A MAC over the whole body tells a wrong key ("written with
  another key") or an edit made outside this tool from a ledger that is in sync.
- **Bound** to one environment and one Centra: another's ledger is refused.
- **Snapshots.** Beside the fingerprints (`resources`), `snapshots` keeps per resource
  everything Centra showed at the last apply, attest or import (observed values only, see
  state/snapshot.py), so drift can see changes to what the manifests do not declare.
- **Compare-and-swap writes.** Changes are kept as operations; `save` writes only over the
  version it read, and a lost race re-reads the ledger and replays the operations on it,
  so another runner's records are never overwritten.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from centra_provision.errors import ProvisionError
from centra_provision.state.backend import Backend, VersionConflict, open_backend

FORMAT_VERSION = 2
KEY_ENV = "PROVISION_LEDGER_KEY"
# scrypt at 2**14 x 8 (16 MiB): ~30 ms a guess on one core, against ~1 µs for HMAC-SHA256.
KDF = {"name": "scrypt", "n": 2**14, "r": 8, "p": 1}
SAVE_ATTEMPTS = 8
KNOWN_KEYS = {
    "formatVersion",
    "ledgerId",
    "environment",
    "centraUrl",
    "salt",
    "kdf",
    "keyCheck",
    "serial",
    "updatedAt",
    "resources",
    "snapshots",
    "mac",
}

Operation = Callable[["Ledger"], None]


class LedgerError(ProvisionError):
    """The ledger exists but cannot be used (unreadable, unknown format, edited)."""


class LedgerKeyError(LedgerError):
    """No key for a remote ledger, or the ledger was written with another key."""


class LedgerBindingError(LedgerError):
    """The ledger belongs to another environment or another Centra."""


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


def _scrypt(password: bytes, salt: bytes, kdf: dict[str, Any], length: int = 32) -> bytes:
    return hashlib.scrypt(
        password, salt=salt, n=kdf["n"], r=kdf["r"], p=kdf["p"], maxmem=2**26, dklen=length
    )


def key_file_for(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".json") + ".key")


def ledger_secret(backend: Backend, ledger_exists: bool = False) -> bytes:
    """The ledger key: `PROVISION_LEDGER_KEY`, or (local ledgers only) a key kept in a 0600
    file beside the ledger, generated with the ledger. Never stored in the ledger itself."""
    value = os.environ.get(KEY_ENV)
    if value:
        return value.encode()
    if backend.remote:
        raise LedgerKeyError(
            f"{KEY_ENV} is not set: the ledger {backend.url} is shared, so its key must come "
            "from the environment (a CI secret), never from the store"
        )
    key_file = key_file_for(Path(backend.url))
    try:
        key = key_file.read_text().strip()
    except FileNotFoundError:
        key = None
    except OSError as exc:
        raise LedgerKeyError(f"ledger key file {key_file}: {exc.strerror}") from None
    if key is not None and len(key) >= MIN_KEY_CHARS:
        return key.encode()
    if ledger_exists:
        what = "does not" if key is None else f"is not a key ({len(key)} characters)"
        raise LedgerKeyError(
            f"ledger {backend.url} exists but its key file {key_file} {what}: restore it, "
            f"or set {KEY_ENV} to the key the ledger was written with"
        )
    return _new_key_file(key_file, replace=key is not None)


# A key file shorter than this is not a key the tool made (64 hex digits): what a hand edit,
# or a write cut short, left. It is never used as a key.
MIN_KEY_CHARS = 32


def _new_key_file(key_file: Path, replace: bool) -> bytes:
    """A new random key, written whole or not at all (temp file, fsync, then linked into
    place): a run killed half way leaves no half key. Another process that made the file a
    moment ago wins, and its key is used."""
    generated = secrets.token_hex(32)
    try:
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key_file.name}.", dir=key_file.parent)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(generated + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            if replace:
                os.replace(tmp, key_file)
            else:
                os.link(tmp, key_file)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except FileExistsError:  # another process made it a moment ago
        return key_file.read_text().strip().encode()
    except OSError as exc:
        raise LedgerKeyError(f"ledger key file {key_file}: {exc.strerror}") from None
    return generated.encode()


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _same_url(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a.rstrip("/").lower() == b.rstrip("/").lower()


@dataclass
class Ledger:
    location: str
    environment: str
    centra_url: str | None
    backend: Backend = field(repr=False)
    secret: bytes = field(repr=False)
    ledger_id: str | None = None
    salt: str = ""
    kdf: dict[str, Any] = field(default_factory=lambda: dict(KDF))
    serial: int = 0
    version: str | None = None
    updated_at: str | None = None
    records: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    _master: bytes = field(default=b"", repr=False)
    _pending: list[Operation] = field(default_factory=list, repr=False)
    _cache: dict[tuple[str, bool], str] = field(default_factory=dict, repr=False)

    @property
    def exists(self) -> bool:
        return self.ledger_id is not None

    @classmethod
    def load(cls, location: str | Path, environment: str, centra_url: str | None = None) -> Ledger:
        """The ledger at `location` (checked: format, binding, key), or an empty one."""
        backend = open_backend(location)
        if backend.remote:
            ledger_secret(backend)  # refuse before touching the store
        blob = backend.read()
        secret = ledger_secret(backend, blob is not None)
        shown = backend.url
        if blob is None:
            # A new ledger's salt follows from where it will be, so that plans made before its
            # first save agree; a local file counts as one place however its folder is named.
            place = shown if backend.remote else str(Path(shown).resolve())
            salt = hashlib.sha256(f"{environment}\n{place}".encode()).hexdigest()[:32]
            ledger = cls(shown, environment, centra_url, backend, secret, salt=salt)
            ledger._derive()
            return ledger
        body = _parse(blob.data, shown)
        if body["environment"] != environment:
            raise LedgerBindingError(
                f"ledger {shown} belongs to environment {body['environment']}, not "
                f"{environment}; point spec.ledger at {environment}'s own ledger"
            )
        if not _same_url(body.get("centraUrl"), centra_url):
            raise LedgerBindingError(
                f"ledger {shown} records Centra {body['centraUrl']}, but this run talks to "
                f"{centra_url}; a ledger is bound to one Centra"
            )
        ledger = cls(
            shown,
            environment,
            centra_url or body.get("centraUrl"),
            backend,
            secret,
            ledger_id=body["ledgerId"],
            salt=body["salt"],
            kdf=body["kdf"],
            serial=body["serial"],
            version=blob.version,
            updated_at=body.get("updatedAt"),
            records=body["resources"],
            snapshots=body.get("snapshots") or {},
            extra={k: v for k, v in body.items() if k not in KNOWN_KEYS},
        )
        try:  # an edited salt or scrypt parameters must not end in a traceback
            ledger._derive()
        except (KeyError, TypeError, ValueError, OverflowError):
            raise LedgerError(f"ledger {shown} is unreadable or of an unknown format") from None
        if not hmac.compare_digest(ledger._key_check(), str(body["keyCheck"])):
            raise LedgerKeyError(
                f"ledger {shown} was written with another key: set {KEY_ENV} to the key "
                "it was written with"
            )
        if not hmac.compare_digest(ledger._mac(body), str(body.get("mac", ""))):
            raise LedgerError(
                f"ledger {shown} was changed outside provision (its MAC does not match); "
                "restore it from the store's version history"
            )
        return ledger

    def _derive(self) -> None:
        self._master = _scrypt(self.secret, bytes.fromhex(self.salt), self.kdf)

    def _key_check(self) -> str:
        return hmac.new(self._master, b"key-check", hashlib.sha256).hexdigest()

    def _mac(self, body: dict[str, Any]) -> str:
        text = canonical({k: v for k, v in body.items() if k != "mac"})
        return hmac.new(self._master, b"mac:" + text.encode(), hashlib.sha256).hexdigest()

    def fingerprint(self, value: Any, sensitive: bool = False) -> str:
        """HMAC-SHA256 under the stretched key; secrets additionally through scrypt."""
        text = canonical(value)
        cached = self._cache.get((text, sensitive))
        if cached is not None:
            return cached
        digest = hmac.new(self._master, text.encode(), hashlib.sha256).digest()
        if sensitive:
            slow = _scrypt(digest, bytes.fromhex(self.salt) + b"secret", self.kdf, 16)
            result = f"scrypt:{slow.hex()}"
        else:
            result = f"hmac-sha256:{digest.hex()[:32]}"
        self._cache[(text, sensitive)] = result
        return result

    def matches(self, record: dict[str, str], value: Any) -> bool:
        """Whether a record's fingerprint is of `value` (by the record's own scheme)."""
        sensitive = str(record.get("fingerprint", "")).startswith("scrypt:")
        return hmac.compare_digest(
            record.get("fingerprint", ""), self.fingerprint(value, sensitive)
        )

    def record(self, address: str, path: str) -> dict[str, str] | None:
        return self.records.get(address, {}).get(path)

    def has(self, address: str) -> bool:
        return bool(self.records.get(address))

    def mutate(self, operation: Operation) -> None:
        """Change the ledger in memory now, and again on whatever version `save` finds if
        another runner wrote in between. Operations must be idempotent."""
        operation(self)
        self._pending.append(operation)

    def remember(
        self, address: str, path: str, value: Any, source: str, sensitive: bool = False
    ) -> None:
        at = _now()

        def op(ledger: Ledger) -> None:
            ledger.records.setdefault(address, {})[path] = {
                "fingerprint": ledger.fingerprint(value, sensitive),
                "source": source,
                "at": at,
            }

        self.mutate(op)

    def forget(self, address: str) -> None:
        def op(ledger: Ledger) -> None:
            ledger.records.pop(address, None)
            ledger.snapshots.pop(address, None)

        self.mutate(op)

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
        entry = {"shown": shown, "source": source, "at": _now()}

        def op(ledger: Ledger) -> None:
            ledger.snapshots[address] = entry

        self.mutate(op)
        return True

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            **self.extra,
            "formatVersion": FORMAT_VERSION,
            "ledgerId": self.ledger_id,
            "environment": self.environment,
            "centraUrl": self.centra_url,
            "salt": self.salt,
            "kdf": self.kdf,
            "keyCheck": self._key_check(),
            "serial": self.serial,
            "updatedAt": self.updated_at,
            "resources": self.records,
            "snapshots": self.snapshots,
        }
        body["mac"] = self._mac(body)
        return body

    def save(self) -> None:
        """Write over the version read; on a lost race re-read and replay, never overwrite."""
        for _ in range(SAVE_ATTEMPTS):
            previous = (self.ledger_id, self.serial, self.updated_at)
            self.ledger_id = self.ledger_id or uuid.uuid4().hex
            self.serial += 1
            self.updated_at = _now()
            data = json.dumps(self.body(), indent=2, sort_keys=True).encode() + b"\n"
            try:
                self.version = self.backend.replace(data, self.version)
            except VersionConflict:
                self.ledger_id, self.serial, self.updated_at = previous
                self._reload()
                continue
            except BaseException:
                self.ledger_id, self.serial, self.updated_at = previous
                raise
            self._pending.clear()
            return
        raise LedgerError(
            f"ledger {self.location} kept changing while writing it ({SAVE_ATTEMPTS} attempts)"
        )

    def _reload(self) -> None:
        """Adopt the version another runner wrote, then replay this run's operations."""
        fresh = Ledger.load(self.location, self.environment, self.centra_url)
        pending = self._pending
        for name in ("ledger_id", "salt", "kdf", "serial", "version", "updated_at"):
            setattr(self, name, getattr(fresh, name))
        self.records, self.snapshots, self.extra = fresh.records, fresh.snapshots, fresh.extra
        self._master, self._cache = fresh._master, {}
        for operation in pending:
            operation(self)
        self._pending = pending


def _parse(data: bytes, shown: str) -> dict[str, Any]:
    try:
        body = json.loads(data)
    except ValueError:
        raise LedgerError(f"ledger {shown} is not JSON") from None
    if not isinstance(body, dict):
        raise LedgerError(f"ledger {shown} is unreadable or of an unknown format")
    version = body.get("formatVersion")
    if version == 1:
        raise LedgerError(
            f"ledger {shown} is of format 1, which kept its key inside it; remove it and "
            "run `provision apply` (or `attest`) again to record the fields anew"
        )
    required = {"ledgerId": str, "environment": str, "salt": str, "kdf": dict, "serial": int}
    required |= {"keyCheck": str, "resources": dict}
    if not isinstance(body.get("snapshots", {}), dict):
        raise LedgerError(f"ledger {shown} is unreadable or of an unknown format")
    if version != FORMAT_VERSION or any(
        not isinstance(body.get(k), t) for k, t in required.items()
    ):
        raise LedgerError(f"ledger {shown} is unreadable or of an unknown format")
    return body
