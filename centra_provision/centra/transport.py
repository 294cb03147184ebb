"""What went wrong on the wire, in a user's words, and how hard to retry it.

httpx reports every failure to connect as `ConnectError`; the cause underneath decides what
a user needs to hear and whether retrying can help: a certificate that does not verify
never will (report at once), a name that does not resolve or a port that refuses rarely
recovers within seconds (retry less than a 5xx), a dropped connection or a timeout may.
Server text that ends up in a message is escaped here too: a GraphQL error message is data
from the network and must not drive the terminal (`\\x1b[31m`).
"""

from __future__ import annotations

import re
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

# Attempts for failures to connect (DNS, refused); 5xx and dropped connections get the
# retry policy's full count.
CONNECT_ATTEMPTS = 3
GRAPHQL_PATH_HINT = "/graphql"

_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: object, limit: int = 300) -> str:
    """Server text made safe for one terminal line: control characters (C0, C1, DEL, line
    separators, bidirectional overrides) escaped as `\\xNN`/`\\uNNNN`, length bounded."""
    value = str(text)
    if len(value) > limit:
        value = value[: limit - 3] + "..."
    return _UNPRINTABLE.sub(_escape, value)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@dataclass(frozen=True)
class Failure:
    """A transport failure: the words to print, and whether to stop at once or retry less."""

    reason: str
    final: bool = False  # retrying cannot help (TLS verification)
    connect: bool = False  # nothing was sent: DNS, refused, unreachable


def classify(exc: httpx.TransportError, url: str) -> Failure:
    """The cause under an httpx transport error."""
    host, port = _host_port(url)
    causes = _causes(exc)
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            detail = cause.verify_message or "untrusted certificate"
            return Failure(f"certificate verify failed for {host} ({detail})", final=True)
        if isinstance(cause, ssl.SSLError):
            return Failure(f"TLS handshake with {host} failed ({cause.reason})", final=True)
    text = " ".join(str(c) for c in causes)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return Failure(f"certificate verify failed for {host}", final=True)
    if not isinstance(exc, httpx.ConnectError):
        if isinstance(exc, httpx.TimeoutException):
            return Failure("timed out")
        return Failure("connection dropped")
    if any(isinstance(c, socket.gaierror) for c in causes) or _looks_like_dns(text):
        return Failure(f"could not resolve host {host}", connect=True)
    if any(isinstance(c, ConnectionRefusedError) for c in causes) or "refused" in text.lower():
        return Failure(f"connection refused by {host}:{port}", connect=True)
    return Failure(f"could not connect to {host}:{port}", connect=True)


def path_hint(url: str) -> str:
    """A hint when the URL's path is not Centra's GraphQL endpoint, else ''."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return ""
    if path.rstrip("/").endswith(GRAPHQL_PATH_HINT):
        return ""
    shown = printable(path or "/", 80)
    return (
        f" (the URL's path is {shown}: Centra's Integration API is served at a path ending "
        f"in {GRAPHQL_PATH_HINT}, e.g. https://example.centra.com{GRAPHQL_PATH_HINT})"
    )


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    for item in list(seen):
        seen.extend(a for a in getattr(item, "args", ()) if isinstance(a, BaseException))
    return seen


def _looks_like_dns(text: str) -> bool:
    lowered = text.lower()
    return any(
        marker in lowered
        for marker in (
            "name or service not known",
            "nodename nor servname",
            "temporary failure in name resolution",
            "no address associated",
            "getaddrinfo failed",
        )
    )


def _host_port(url: str) -> tuple[str, int | str]:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return printable(parts.hostname or "?", 100), port
    except ValueError:
        return "?", "?"
