"""The client against servers that misbehave, for real on 127.0.0.1: a certificate that does
not verify, a port that refuses, a URL that is not the GraphQL endpoint, a server whose
error text carries terminal escapes or whose introspection reply is junk, proxies set for
a loopback URL, URLs with user info. Each ends in one line that says what and where."""

from __future__ import annotations

import asyncio
import datetime
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from centra_provision.centra.client import CentraClient, RetryPolicy
from centra_provision.centra.discovery import discover
from centra_provision.centra.transport import CONNECT_ATTEMPTS, classify, printable
from centra_provision.emulator.app import Emulator
from centra_provision.errors import (
    CapabilityError,
    CentraGraphQLError,
    CentraUnavailable,
    UsageError,
)
from tests.support.centra import copy_manifests
from tests.support.cli import run
from tests.support.emulator import served

FAST = RetryPolicy(attempts=6, total_seconds=30, base_delay=0.001, max_delay=0.002)


@contextmanager
def hostile(body: Any, status: int = 200, tls: ssl.SSLContext | None = None) -> Iterator[int]:
    """A real HTTP(S) server on 127.0.0.1 answering every request with `body`."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            data = json.dumps(body).encode() if not isinstance(body, bytes) else body
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _self_signed(tmp_path: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return context


async def _query(url: str, **kwargs: Any) -> tuple[CentraClient, BaseException | None]:
    client = CentraClient(url, "CANARY-token-7f3a", retry=FAST, seed=1, **kwargs)
    try:
        await client.execute("{ stores { id } }", operation_name="Stores")
    except Exception as exc:
        return client, exc
    finally:
        await client.aclose()
    return client, None


def test_certificate_failure_is_named_at_once(tmp_path: Path) -> None:
    with hostile({"data": {}}, tls=_self_signed(tmp_path)) as port:
        client, exc = asyncio.run(_query(f"https://127.0.0.1:{port}/graphql"))
    assert isinstance(exc, CentraUnavailable)
    assert str(exc).startswith(
        f"Centra at https://127.0.0.1:{port}/graphql: certificate verify failed for 127.0.0.1 ("
    )
    assert client.count.sent == 1 and client.count.retried == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused_is_named_and_retried_less_than_a_5xx() -> None:
    port = _free_port()
    client, exc = asyncio.run(_query(f"http://127.0.0.1:{port}/graphql"))
    assert isinstance(exc, CentraUnavailable)
    assert f"(connection refused by 127.0.0.1:{port}) after {CONNECT_ATTEMPTS} attempts" in str(exc)
    refused_sent = client.count.sent
    with hostile({"errors": [{"message": "busy"}]}, status=503) as busy:
        client, exc = asyncio.run(_query(f"http://127.0.0.1:{busy}/graphql"))
    assert isinstance(exc, CentraUnavailable) and "(HTTP 503) after 6 attempts" in str(exc)
    assert refused_sent == CONNECT_ATTEMPTS < client.count.sent == 6


def test_dns_failure_is_named() -> None:
    # No name is resolved for real (tests stay on 127.0.0.1): the error chain httpx builds
    # from getaddrinfo's failure is classified.
    error = httpx.ConnectError("[Errno -2] Name or service not known")
    error.__cause__ = socket.gaierror(-2, "Name or service not known")
    failure = classify(error, "https://centra.example.invalid/graphql")
    assert (failure.reason, failure.connect, failure.final) == (
        "could not resolve host centra.example.invalid",
        True,
        False,
    )


def test_a_url_that_is_not_the_graphql_endpoint_gets_a_hint() -> None:
    emulator = Emulator(":memory:", products=0)
    with served(emulator) as url:
        _, exc = asyncio.run(_query(f"{url}/api", token_source=""))
    emulator.state.close()
    assert isinstance(exc, CentraGraphQLError)
    assert "(the URL's path is /api: Centra's Integration API is served at a path ending in " in (
        str(exc)
    )


def test_server_text_is_escaped_in_errors() -> None:
    message = "\x1b[31mred\x1b[0m\x07 done\r\nforged line\u202e"
    with hostile({"errors": [{"message": message}]}) as port:
        _, exc = asyncio.run(_query(f"http://127.0.0.1:{port}/graphql"))
    assert isinstance(exc, CentraGraphQLError)
    text = str(exc)
    assert "\x1b" not in text and "\x07" not in text and "\n" not in text
    assert text.endswith("\\x1b[31mred\\x1b[0m\\x07 done\\x0d\\x0aforged line\\u202e")
    assert printable("ok\x9b") == "ok\\x9b"


@pytest.mark.parametrize(
    "reply",
    [{"data": {"__schema": 42}}, {"data": {"__schema": {"types": "x"}}}, {"data": {}}],
)
def test_malformed_introspection_reply_is_a_capability_error(reply: dict[str, Any]) -> None:
    async def go(port: int) -> BaseException | None:
        async with CentraClient(f"http://127.0.0.1:{port}/graphql", "t", retry=FAST) as client:
            try:
                await discover(client, None)
            except Exception as exc:
                return exc
        return None

    with hostile(reply) as port:
        exc = asyncio.run(go(port))
    assert isinstance(exc, CapabilityError)
    assert str(exc).startswith("Centra's introspection reply is not a GraphQL schema (")


def test_malformed_introspection_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:

    copy_manifests(tmp_path, monkeypatch)
    with hostile({"data": {"__schema": [1, 2]}, "errors": None}) as port:
        monkeypatch.setenv("PROVISION_CENTRA_URL_QA_INT", f"http://127.0.0.1:{port}/graphql")
        monkeypatch.setenv("CENTRA_QA_INT_TOKEN", "t")
        code, _, err = run(["plan", "-e", "qa-int"], capsys)
    assert code == 1 and "Traceback" not in err and "internal error" not in err
    assert "introspection reply is not a GraphQL schema" in err.splitlines()[-1]


def test_proxy_variables_are_ignored_for_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    dead_proxy = f"http://127.0.0.1:{_free_port()}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, dead_proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with hostile({"data": {"stores": []}}) as port:
        _, exc = asyncio.run(_query(f"http://127.0.0.1:{port}/graphql"))
    assert exc is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "https://user:CANARY-pass@centra.example/graphql",
            "refusing the Centra URL: it must not carry user info (user:password@); "
            "tokens come from tokenEnv",
        ),
        ("http://[::1/graphql", "refusing the Centra URL: it is malformed (Invalid IPv6 URL)"),
        ("https:///graphql", "refusing the Centra URL: it has no host"),
    ],
)
def test_bad_urls_are_refused_without_repeating_credentials(url: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        CentraClient(url, "t")
    assert str(info.value) == message
