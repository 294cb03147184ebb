"""Each way the wire can fail, in a user's words, with how hard it is retried: TLS failures end
the run at once, failures to connect (DNS, refused) are retried less and never make a
mutation's outcome unknown, a dropped connection after sending does. Server and URL text
in these lines is escaped and bounded. Error chains are built the way httpx builds them
(no name is resolved for real); the rest runs against real loopback sockets."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from centra_provision.centra.client import CentraClient, RetryPolicy
from centra_provision.centra.transport import (
    CONNECT_ATTEMPTS,
    Failure,
    classify,
    path_hint,
    printable,
)
from centra_provision.errors import CentraUnavailable, OutcomeUnknown

URL = "https://centra.example/graphql"
FAST = RetryPolicy(attempts=5, total_seconds=30, base_delay=0.001, max_delay=0.002)


def _connect_error(text: str, *causes: BaseException) -> httpx.ConnectError:
    error = httpx.ConnectError(text)
    if causes:
        error.__cause__ = causes[0]
    return error


# --- classify ----------------------------------------------------------------------------------


def test_an_untrusted_certificate_is_final_and_says_why() -> None:
    cause = ssl.SSLCertVerificationError(1, "certificate verify failed")
    cause.verify_message = "self-signed certificate"
    assert classify(_connect_error("x", cause), URL) == Failure(
        "certificate verify failed for centra.example (self-signed certificate)", final=True
    )
    cause.verify_message = ""
    assert classify(_connect_error("x", cause), URL) == Failure(
        "certificate verify failed for centra.example (untrusted certificate)", final=True
    )


def test_a_tls_handshake_failure_is_final() -> None:
    cause = ssl.SSLError(1, "handshake")
    cause.reason = "WRONG_VERSION_NUMBER"
    assert classify(_connect_error("x", cause), URL) == Failure(
        "TLS handshake with centra.example failed (WRONG_VERSION_NUMBER)", final=True
    )


def test_a_verify_failure_known_only_from_its_text_is_final() -> None:
    error = httpx.ReadError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    assert classify(error, URL) == Failure(
        "certificate verify failed for centra.example", final=True
    )


def test_failures_after_connecting_are_retried_in_full() -> None:
    assert classify(httpx.ReadTimeout("read"), URL) == Failure("timed out")
    assert classify(httpx.ConnectTimeout("connect"), URL) == Failure("timed out")
    assert classify(httpx.RemoteProtocolError("gone"), URL) == Failure("connection dropped")
    # The words of a DNS failure do not make a read failure a failure to connect.
    assert classify(httpx.ReadError("Name or service not known"), URL) == Failure(
        "connection dropped"
    )


@pytest.mark.parametrize(
    "text",
    [
        "[Errno -2] Name or service not known",
        "[Errno 8] nodename nor servname provided, or not known",
        "[Errno -3] Temporary failure in name resolution",
        "[Errno -5] No address associated with hostname",
        "[Errno 11001] getaddrinfo failed",
        "NAME OR SERVICE NOT KNOWN",
    ],
)
def test_each_resolver_wording_is_a_dns_failure(text: str) -> None:
    assert classify(_connect_error(text, OSError(text)), URL) == Failure(
        "could not resolve host centra.example", connect=True
    )


def test_a_resolver_error_is_a_dns_failure_whatever_its_words() -> None:
    error = _connect_error("odd", socket.gaierror(-9, "odd"))
    assert classify(error, URL) == Failure("could not resolve host centra.example", connect=True)


def test_a_refusal_names_host_and_port() -> None:
    assert classify(_connect_error("x", ConnectionRefusedError(111, "x")), URL) == Failure(
        "connection refused by centra.example:443", connect=True
    )
    assert classify(_connect_error("[Errno 111] Connection REFUSED"), "http://h.example/g") == (
        Failure("connection refused by h.example:80", connect=True)
    )


def test_any_other_failure_to_connect_names_host_and_port() -> None:
    error = _connect_error("[Errno 113] No route to host", OSError(113, "No route to host"))
    assert classify(error, "https://centra.example:8443/graphql") == Failure(
        "could not connect to centra.example:8443", connect=True
    )


def test_causes_are_found_through_context_and_arguments() -> None:
    inner = OSError("wrapped", socket.gaierror(-2, "x"))
    error = httpx.ConnectError("x")
    error.__context__ = inner
    assert classify(error, URL).reason == "could not resolve host centra.example"


def test_a_cycle_in_the_chain_ends() -> None:
    error = httpx.ConnectError("x")
    other = OSError("y")
    error.__cause__ = other
    other.__cause__ = error
    assert classify(error, URL) == Failure("could not connect to centra.example:443", connect=True)


def _chain(depth: int, last: BaseException) -> httpx.ConnectError:
    top = httpx.ConnectError("x")
    current: BaseException = top
    for i in range(depth - 2):
        nxt = OSError(f"level {i}")
        current.__cause__ = nxt
        current = nxt
    current.__cause__ = last
    return top


def test_the_chain_is_followed_ten_deep_and_no_further() -> None:
    refused = ConnectionRefusedError(111, "x")
    assert classify(_chain(10, refused), URL).reason == "connection refused by centra.example:443"
    assert classify(_chain(11, refused), URL).reason == "could not connect to centra.example:443"


def test_odd_urls_still_give_a_line() -> None:
    error = _connect_error("x", OSError("x"))
    assert classify(error, "https://centra.example:notaport/").reason == "could not connect to ?:?"
    assert classify(error, "https:///graphql").reason == "could not connect to ?:443"
    long_host = "h" * 150 + ".example"
    assert classify(error, f"http://{long_host}/").reason == (
        f"could not connect to {'h' * 97}...:80"
    )


# --- path_hint ------------------------------------------------------------------------------

HINT_TAIL = (
    ": Centra's Integration API is served at a path ending in /graphql, "
    "e.g. https://example.centra.com/graphql)"
)


@pytest.mark.parametrize(
    "url",
    [
        "https://c.example/graphql",
        "https://c.example/graphql/",
        "https://c.example/api/v1/graphql//",
        "https://c.example/graphql?x=1",
        "http://[::1",
    ],
)
def test_no_hint_when_the_path_is_the_endpoint_or_unreadable(url: str) -> None:
    assert path_hint(url) == ""


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://c.example/api", "/api"),
        ("https://c.example", "/"),
        ("https://c.example/", "/"),
        ("https://c.example/GraphQL", "/GraphQL"),
        ("https://c.example/graphqlx", "/graphqlx"),
        ("https://c.example/graphqlX", "/graphqlX"),
        ("https://c.example/a\x1bb", "/a\\x1bb"),
    ],
)
def test_a_hint_names_the_path_given(url: str, shown: str) -> None:
    assert path_hint(url) == f" (the URL's path is {shown}{HINT_TAIL}"


def test_a_long_path_is_cut_to_80_characters_in_the_hint() -> None:
    assert path_hint("https://c.example/" + "p" * 200) == (
        f" (the URL's path is /{'p' * 76}...{HINT_TAIL}"
    )
    assert (
        path_hint("https://c.example/" + "q" * 79) == f" (the URL's path is /{'q' * 79}{HINT_TAIL}"
    )


# --- printable ------------------------------------------------------------------------------


def test_control_and_direction_characters_are_escaped() -> None:
    raw = "a\x00b\x1fc\x7fd\x80e\x9ff\u200eg\u200fh\u2028i\u2029j\u202ak\u202el\u2066m\u2069n"
    assert printable(raw) == (
        "a\\x00b\\x1fc\\x7fd\\x80e\\x9ff\\u200eg\\u200fh\\u2028i\\u2029j\\u202ak\\u202el"
        "\\u2066m\\u2069n"
    )


def test_ordinary_text_is_kept() -> None:
    text = "Ünïcode ~ \xa0 \u200d \u2030 \U0001f600 tab-free"
    assert printable(text) == text
    assert printable(42) == "42"


def test_the_bound_is_the_length_before_escaping() -> None:
    assert printable("z" * 300) == "z" * 300
    assert printable("z" * 301) == "z" * 297 + "..."
    assert printable("abcdef", 5) == "ab..."
    assert printable("abcde", 5) == "abcde"


# --- the client's retries on wire failures ---------------------------------------------------


@contextmanager
def hangs_up(reply: bytes = b"") -> Iterator[tuple[int, list[int]]]:
    """A loopback server that reads a request and closes the connection, having answered
    `reply` (nothing by default)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.05)
    accepted: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(reply)
                accepted.append(1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join()
        server.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _execute(url: str, **kw: Any) -> tuple[CentraClient, BaseException | None]:
    async def go() -> tuple[CentraClient, BaseException | None]:
        client = CentraClient(url, "t", retry=FAST, seed=2)
        try:
            await client.execute("{ stores { id } }", **kw)
        except Exception as exc:
            return client, exc
        finally:
            await client.aclose()
        return client, None

    return asyncio.run(go())


def test_a_dropped_connection_makes_a_mutation_unknown_at_once() -> None:
    with hangs_up() as (port, accepted):
        url = f"http://127.0.0.1:{port}/graphql"
        client, exc = _execute(url, operation_name="StoreCreate", is_mutation=True)
        _, anon = _execute(url, is_mutation=True)
    assert isinstance(exc, OutcomeUnknown) and isinstance(anon, OutcomeUnknown)
    assert str(exc) == "StoreCreate: connection dropped after sending; re-read before retrying"
    assert str(anon) == "mutation: connection dropped after sending; re-read before retrying"
    assert client.count.sent == 1 and client.count.retried == 0 and len(accepted) == 2


def test_a_dropped_connection_is_retried_in_full_for_a_query() -> None:
    with hangs_up() as (port, accepted):
        url = f"http://127.0.0.1:{port}/graphql"
        client, exc = _execute(url, operation_name="Stores")
    assert isinstance(exc, CentraUnavailable)
    assert str(exc).startswith(f"Centra at {url} kept failing (connection dropped) after 5 ")
    assert client.count.sent == 5 == len(accepted) and client.count.retried == 4


def test_a_refused_mutation_was_never_sent_so_it_is_retried_less() -> None:
    url = f"http://127.0.0.1:{_free_port()}/graphql"
    client, exc = _execute(url, operation_name="StoreCreate", is_mutation=True)
    assert isinstance(exc, CentraUnavailable)
    assert str(exc).startswith(f"Centra at {url} kept failing (connection refused by 127.0.0.1:")
    assert f") after {CONNECT_ATTEMPTS} attempts in " in str(exc)
    assert client.count.sent == CONNECT_ATTEMPTS < FAST.attempts


def test_tls_to_a_plain_http_port_ends_at_once() -> None:
    with hangs_up(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n") as (port, _):
        url = f"https://127.0.0.1:{port}/graphql"
        client, exc = _execute(url, operation_name="Stores")
    assert isinstance(exc, CentraUnavailable)
    assert str(exc).startswith(f"Centra at {url}: TLS handshake with 127.0.0.1 failed (")
    assert client.count.sent == 1 and client.count.retried == 0
