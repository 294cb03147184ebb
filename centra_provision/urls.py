"""URL facts shared by manifest validation and the Centra client."""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

PINNED_HOSTS_ENV = "PROVISION_CENTRA_HOSTS"


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
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if allowed is None or host in allowed:
        return None
    return host or url
