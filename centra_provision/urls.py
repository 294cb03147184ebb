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
