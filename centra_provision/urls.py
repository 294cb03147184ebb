"""URL facts shared by manifest validation and the Centra client."""

from __future__ import annotations

import ipaddress


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
