"""Where the ledger and its lock live: a local path, or an object-store URL (`s3://`,
`gs://`, `az://`) so that every CI runner reads the same state, as Terraform's remote
backends do.

Both kinds offer the two conditional writes shared state needs: create-if-absent (the
lock) and compare-and-swap on the version read (every ledger write). Object stores give
them natively (obstore: `If-None-Match: *` and `If-Match: <etag>`); local files get them
from an atomic hard link and a short OS file lock around read-compare-rename.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from filelock import FileLock

from centra_provision.errors import ProvisionError
from centra_provision.urls import is_loopback

REMOTE_SCHEMES = ("s3", "gs", "az")
RETRY: Any = {"max_retries": 2, "retry_timeout": timedelta(seconds=10)}
ENDPOINT_VARS = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_ENDPOINT")


class BackendError(ProvisionError):
    """The ledger's store is unreachable or refused a request (one line: URL and cause)."""


class VersionConflict(Exception):
    """Internal: the object changed since it was read (someone else wrote it)."""


class AlreadyExists(Exception):
    """Internal: create-if-absent found an object there."""


@dataclass(frozen=True)
class Blob:
    data: bytes
    version: str


class Backend(Protocol):
    """One location (the ledger) and its siblings (`suffix`: `.lock`)."""

    url: str
    remote: bool

    def read(self, suffix: str = "") -> Blob | None: ...

    def create(self, data: bytes, suffix: str = "") -> str: ...

    def replace(self, data: bytes, version: str | None, suffix: str = "") -> str: ...

    def delete(self, suffix: str = "") -> None: ...


def is_remote(location: str) -> bool:
    return urlsplit(location).scheme in REMOTE_SCHEMES


def open_backend(location: str | Path) -> Backend:
    """The backend for a ledger location: an object-store URL or a local path."""
    if isinstance(location, str) and is_remote(location):
        return ObjectBackend(location)
    return LocalBackend(Path(location))


def one_line(exc: BaseException) -> str:
    """obstore's errors span many lines (request, XML body, debug tree): keep the gist."""
    text = " ".join(str(exc).split("\n", 1)[0].split())
    for cut in (": <?xml", " <?xml", "Debug source:"):
        text = text.split(cut, 1)[0]
    text = re.sub(r" in [\d.]+[µm]?s(, after \d+ retries[^-]*)?(?= -|$)", "", text)
    return text.strip().rstrip(":") or type(exc).__name__


class ObjectBackend:
    """An object in S3 (or any S3-compatible store), GCS or Azure, through obstore.
    Credentials and endpoint come from each store's standard environment variables."""

    remote = True

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        key = parts.path.lstrip("/")
        if not parts.netloc or not key or key.endswith("/"):
            raise BackendError(f"ledger URL {url} must name a bucket and an object key")
        self.url = url
        self.key = key
        self._bucket_url = f"{parts.scheme}://{parts.netloc}"
        self._store: Any = None

    def _open(self) -> Any:
        if self._store is None:
            from obstore.store import from_url

            options: Any = {"connect_timeout": timedelta(seconds=5)}
            if self.url.startswith("s3://") and _allow_http():
                options["allow_http"] = True
            try:
                self._store = from_url(
                    self._bucket_url,
                    client_options=options,
                    retry_config=RETRY,
                )
            except Exception as exc:
                raise BackendError(f"ledger store {self.url}: {one_line(exc)}") from None
        return self._store

    def _call(self, what: str, suffix: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """One store request; precondition failures (and a missing object, where the caller
        expects one may be missing) pass through, every other failure is one line."""
        import obstore.exceptions as oe

        passing: tuple[type[BaseException], ...] = (oe.AlreadyExistsError, oe.PreconditionError)
        if what != "create":
            passing += (FileNotFoundError,)
        store = self._open()
        try:
            return fn(store, self.key + suffix, *args, **kwargs)
        except passing:
            raise
        except FileNotFoundError:  # a write that finds nothing: there is no bucket to write in
            raise self._no_bucket() from None
        except Exception as exc:
            raise BackendError(
                f"ledger store {self.url}{suffix}: cannot {what.replace('create', 'write')}: "
                f"{one_line(exc)}"
            ) from None

    def _no_bucket(self) -> BackendError:
        return BackendError(
            f"ledger store {self.url}: the bucket does not exist (or this identity cannot see it)"
        )

    def read(self, suffix: str = "") -> Blob | None:
        import obstore

        def get(store: Any, path: str) -> tuple[bytes, dict[str, Any]]:
            result = obstore.get(store, path)
            return bytes(result.bytes()), dict(result.meta)

        try:
            data, meta = self._call("read", suffix, get)
        except FileNotFoundError as exc:
            if "NoSuchBucket" in str(exc) or "ContainerNotFound" in str(exc):
                raise self._no_bucket() from None
            return None
        return Blob(data, _version(meta))

    def create(self, data: bytes, suffix: str = "") -> str:
        import obstore
        import obstore.exceptions as oe

        try:
            put = self._call("create", suffix, obstore.put, data, mode="create")
        except (oe.AlreadyExistsError, oe.PreconditionError):
            raise AlreadyExists from None
        return _version(put)

    def replace(self, data: bytes, version: str | None, suffix: str = "") -> str:
        if version is None:
            try:
                return self.create(data, suffix)
            except AlreadyExists:
                raise VersionConflict from None
        import obstore
        import obstore.exceptions as oe

        try:
            e_tag, generation = json.loads(version)
            mode = {k: v for k, v in (("e_tag", e_tag), ("version", generation)) if v}
            put = self._call("write", suffix, obstore.put, data, mode=mode)
        except (oe.PreconditionError, oe.AlreadyExistsError, FileNotFoundError):
            raise VersionConflict from None
        return _version(put)

    def delete(self, suffix: str = "") -> None:
        import obstore

        with contextlib.suppress(FileNotFoundError):
            self._call("delete", suffix, obstore.delete)


def _version(meta: Any) -> str:
    """What a compare-and-swap needs to name the version read: the ETag (S3, Azure) and
    the object version or generation (GCS), kept together as one opaque string."""
    return json.dumps([meta.get("e_tag"), meta.get("version")])


def _allow_http() -> bool:
    """`AWS_ALLOW_HTTP` (plain http:// to the S3 endpoint) is honoured only when the
    endpoint is on loopback (a test server, a local MinIO): a ledger and its key-derived
    fingerprints never cross a network in clear."""
    if os.environ.get("AWS_ALLOW_HTTP", "").lower() not in ("1", "true", "yes"):
        return False
    endpoint = next((os.environ[v] for v in ENDPOINT_VARS if os.environ.get(v)), None)
    if endpoint is None or not is_loopback(urlsplit(endpoint).hostname or ""):
        raise BackendError(
            f"AWS_ALLOW_HTTP is set but the S3 endpoint {endpoint or '(AWS)'} is not on "
            "loopback; plain http:// is allowed only for a loopback endpoint"
        )
    return True


class LocalBackend:
    """A file. Versions are content hashes; writes go to a temp file that is fsynced and
    then linked (create) or renamed (replace) into place, so readers never see half a file."""

    remote = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self.url = str(path)

    def _path(self, suffix: str) -> Path:
        return self.path.with_name(self.path.name + suffix)

    def read(self, suffix: str = "") -> Blob | None:
        try:
            data = self._path(suffix).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise BackendError(f"ledger {self._path(suffix)}: {exc.strerror}") from None
        return Blob(data, hashlib.sha256(data).hexdigest())

    def _temp(self, data: bytes, target: Path) -> str:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        return tmp

    def create(self, data: bytes, suffix: str = "") -> str:
        target = self._path(suffix)
        try:
            tmp = self._temp(data, target)
            try:
                os.link(tmp, target)
            except FileExistsError:  # only the link's: a file in the folder's place is not
                raise AlreadyExists from None  # a lock, and must not be reported as one
            finally:
                os.unlink(tmp)
        except OSError as exc:
            raise BackendError(f"ledger {target}: cannot write: {exc.strerror or exc}") from None
        return hashlib.sha256(data).hexdigest()

    def replace(self, data: bytes, version: str | None, suffix: str = "") -> str:
        target = self._path(suffix)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(str(target.with_name(target.name + ".write-lock")), timeout=30):
                current = self.read(suffix)
                if (current.version if current else None) != version:
                    raise VersionConflict
                tmp = self._temp(data, target)
                try:
                    os.replace(tmp, target)
                except BaseException:
                    Path(tmp).unlink(missing_ok=True)
                    raise
        except OSError as exc:
            raise BackendError(f"ledger {target}: cannot write: {exc.strerror or exc}") from None
        return hashlib.sha256(data).hexdigest()

    def delete(self, suffix: str = "") -> None:
        try:
            self._path(suffix).unlink(missing_ok=True)
        except OSError as exc:
            raise BackendError(f"ledger {self._path(suffix)}: {exc.strerror}") from None
