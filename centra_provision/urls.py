"""URL facts shared by manifest validation and the Centra client."""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

PINNED_HOSTS_ENV = "PROVISION_CENTRA_HOSTS"


def url_problem(url: str) -> str | None:
    """Why `url` cannot be used as an endpoint, or None. `urlsplit` raises on `http://[::1`
    and on a port that is not a number; user info (`user:pass@host`) would put a credential
    in manifests, logs and plan headers, so it is refused too. Never repeats the URL."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port
    except ValueError as exc:
        return f"is malformed ({exc})"
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        return "contains whitespace or a control character"
    if parts.username is not None or parts.password is not None:
        return "must not carry user info (user:password@); tokens come from tokenEnv"
    if not host:
        return "has no host"
    return None


def host_of(url: str) -> str:
    """The URL's host, lower-case, or '' when the URL is malformed."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def is_loopback(host: str) -> bool:
    """Loopback hosts are the only ones where plain http:// is acceptable."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


OBJECT_STORE_SCHEMES = ("s3", "gs", "az")


def is_object_store_url(location: str) -> bool:
    """`s3://`, `gs://` or `az://`: a ledger shared by every CI runner."""
    return location.split("://", 1)[0] in OBJECT_STORE_SCHEMES and "://" in location


def pinned_hosts() -> frozenset[str] | None:
    """The hosts a Centra token may be sent to, from `PROVISION_CENTRA_HOSTS` (a protected
    CI variable: comma- or space-separated host names), or None when it is not set."""
    value = os.environ.get(PINNED_HOSTS_ENV, "")
    hosts = frozenset(h.strip().lower().rstrip(".") for h in value.replace(",", " ").split())
    return hosts or None


def unpinned_host(url: str) -> str | None:
    """The URL's host when `PROVISION_CENTRA_HOSTS` is set and does not list it, else None.
    Set outside the manifests, so a pull request that edits `centra.url` cannot send the
    token (or the Order API secret) anywhere else."""
    allowed = pinned_hosts()
    host = host_of(url).rstrip(".")
    if allowed is None or host in allowed:
        return None
    return host or url
