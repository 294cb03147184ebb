"""What the client makes of each kind of answer a server can give, for real on 127.0.0.1: the
one-line error for every shape of `errors[]` (messages, permissions, paths, each cut to its
bound), answers without data or JSON, HTTP statuses, what is retried and what is not, and
the request it sends. The server is a scripted loopback HTTP server, so an odd or hostile
answer is exactly what the client reads off the wire."""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from centra_provision.centra.client import CentraClient, RetryPolicy
from centra_provision.errors import (
    CentraAuthError,
    CentraPermissionError,
    CentraUnavailable,
    OutcomeUnknown,
    UsageError,
)

FAST = RetryPolicy(attempts=4, total_seconds=30, base_delay=0.001, max_delay=0.002)
TOKEN = "CANARY-token-5d1e"


@dataclass
class Reply:
    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@contextmanager
def scripted(*replies: Reply) -> Iterator[tuple[int, list[Seen]]]:
    """A loopback server answering the n-th request with the n-th reply (the last one
    repeats), recording every request it got."""
    seen: list[Seen] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length", 0)))
            seen.append(Seen(self.command, self.path, dict(self.headers.items()), raw))
            reply = replies[min(len(seen), len(replies)) - 1]
            data = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
            self.send_response(reply.status)
            for name, value in {"content-type": "application/json", **reply.headers}.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = do_GET = _answer

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def _run(
    url: str, *, name: str | None = "Stores", client_args: dict[str, Any] | None = None, **kw: Any
) -> tuple[CentraClient, Any]:
    """Execute one operation; the data, or the exception it ended in."""

    async def go() -> tuple[CentraClient, Any]:
        client = CentraClient(url, TOKEN, retry=FAST, seed=3, **(client_args or {}))
        try:
            return client, await client.execute("{ stores { id } }", operation_name=name, **kw)
        except Exception as exc:
            return client, exc
        finally:
            await client.aclose()

    return asyncio.run(go())


def _answer(*replies: Reply, path: str = "/graphql", **kw: Any) -> Any:
    with scripted(*replies) as (port, _):
        return _run(f"http://127.0.0.1:{port}{path}", **kw)[1]


def _error(*replies: Reply, **kw: Any) -> str:
    result = _answer(*replies, **kw)
    assert isinstance(result, Exception), result
    return f"{type(result).__name__}: {result}"


def denial(permission: Any = None, path: Any = None, message: Any = None) -> dict[str, Any]:
    ext: dict[str, Any] = {"category": "authorization"}
    if permission is not None:
        ext["permission"] = permission
    error: dict[str, Any] = {"extensions": ext}
    if path is not None:
        error["path"] = path
    if message is not None:
        error["message"] = message
    return error


# --- errors[] that are not about permissions -----------------------------------------------


def test_an_error_message_is_quoted_with_the_operation_name() -> None:
    assert _error(Reply({"errors": [{"message": "Unknown store"}]})) == (
        "CentraGraphQLError: Centra answered Stores with: Unknown store"
    )


def test_an_unnamed_operation_is_called_the_request() -> None:
    assert _error(Reply({"errors": [{"message": "boom"}]}), name=None) == (
        "CentraGraphQLError: Centra answered the request with: boom"
    )


def test_at_most_three_messages_are_quoted_in_order() -> None:
    errors = [{"message": f"m{i}"} for i in range(1, 6)]
    assert _error(Reply({"errors": errors})) == (
        "CentraGraphQLError: Centra answered Stores with: m1; m2; m3"
    )


def test_an_error_without_a_message_is_shown_whole() -> None:
    assert _error(Reply({"errors": [{"code": 7}]})) == (
        "CentraGraphQLError: Centra answered Stores with: {'code': 7}"
    )


@pytest.mark.parametrize("errors", ["plain words", ["plain words"]])
def test_a_bare_string_error_is_its_message(errors: Any) -> None:
    assert _error(Reply({"errors": errors, "data": {"stores": []}})) == (
        "CentraGraphQLError: Centra answered Stores with: plain words"
    )


def test_a_single_error_object_outside_a_list_is_read() -> None:
    assert _error(Reply({"errors": {"message": "alone"}})) == (
        "CentraGraphQLError: Centra answered Stores with: alone"
    )


def test_a_long_server_message_is_cut_to_300_characters() -> None:
    text = _error(Reply({"errors": [{"message": "x" * 1000}]}))
    quoted = text.removeprefix("CentraGraphQLError: Centra answered Stores with: ")
    assert quoted == "x" * 297 + "..."


def test_a_message_of_exactly_300_characters_is_kept_whole() -> None:
    text = _error(Reply({"errors": [{"message": "y" * 300}]}))
    assert text.endswith(": " + "y" * 300)


@pytest.mark.parametrize("errors", [None, [], ""])
def test_empty_errors_are_no_errors(errors: Any) -> None:
    assert _answer(Reply({"errors": errors, "data": {"stores": [1]}})) == {"stores": [1]}


@pytest.mark.parametrize(
    "extensions", [{"category": "graphql"}, "authorization", ["authorization"], None]
)
def test_only_the_authorization_category_is_a_denial(extensions: Any) -> None:
    error = {"message": "nope", "extensions": extensions}
    assert _error(Reply({"errors": [error]})) == (
        "CentraGraphQLError: Centra answered Stores with: nope"
    )


@pytest.mark.parametrize("data", [None, [], "text", 3])
def test_an_answer_without_a_data_object_is_an_error(data: Any) -> None:
    assert _error(Reply({"data": data})) == (
        "CentraGraphQLError: Centra answered Stores without data"
    )
    assert _error(Reply({"data": data}), name=None) == (
        "CentraGraphQLError: Centra answered the request without data"
    )


# --- permissions -----------------------------------------------------------------------------


def test_a_denial_names_the_permission_and_the_path_read() -> None:
    reply = Reply({"errors": [denial("Store:read", ["stores", 0, "name"])], "data": None})
    assert _error(reply) == (
        "CentraPermissionError: the Centra token lacks permission: Store:read "
        "(needed to read stores.name)"
    )


def test_every_denial_is_named_once_sorted() -> None:
    errors = [
        denial("Warehouse:read", ["warehouses"]),
        denial("Store:read", ["stores", 2]),
        denial("Store:read", ["stores", 3]),
        {"message": "an unrelated error is not reported over the denial"},
    ]
    assert _error(Reply({"errors": errors})) == (
        "CentraPermissionError: the Centra token lacks permissions: Store:read, "
        "Warehouse:read (needed to read stores, warehouses)"
    )


def test_a_denial_on_no_field_is_the_token_refused() -> None:
    """Centra documents no shape for a refused token; an authorization error that is not
    on a field cannot be a missing permission."""
    for path in (None, "stores", [0, 1]):
        exc = _answer(Reply({"errors": [denial("Store:read", path)]}))
        assert isinstance(exc, CentraAuthError), path
        assert str(exc).startswith(
            "Centra refused the token (an authorization error on no field) at http://127.0.0.1:"
        )


@pytest.mark.parametrize(
    "reply",
    [
        Reply({"message": "Unauthorized"}, status=401),
        Reply({"errors": [{"message": "Invalid token"}]}, status=401),
        Reply(b"Forbidden", status=403),
        Reply({"errors": [{"message": "x", "extensions": {"category": "authorization"}}]}),
    ],
)
def test_every_plausible_refusal_names_the_token_variable(reply: Reply) -> None:
    exc = _answer(reply, client_args={"token_source": "CENTRA_TOKEN_QA_INT"})
    assert isinstance(exc, CentraAuthError)
    assert "Centra refused the token from CENTRA_TOKEN_QA_INT (" in str(exc)
    assert str(exc).endswith(
        "set CENTRA_TOKEN_QA_INT to a valid Integration API token for this Centra"
    )
    assert TOKEN not in str(exc)


def test_centras_documented_denial_names_the_permission() -> None:
    """AUTH:112-139, exactly as documented: no `data`, no permission key."""
    body = {
        "errors": [
            {
                "message": "You need Order:read permission to access orderConnection.",
                "extensions": {"category": "authorization"},
                "locations": [{"line": 6, "column": 3}],
                "path": ["orderConnection"],
            }
        ],
        "extensions": {"complexity": 50, "permissionsUsed": ["Order:read"]},
    }
    exc = _answer(Reply(body))
    assert isinstance(exc, CentraPermissionError)
    assert (exc.missing, exc.paths) == (["Order:read"], ["orderConnection"])


def test_a_denial_without_a_permission_falls_back_to_the_message() -> None:
    for permission in (None, 42, ["Store:read"]):
        reply = Reply({"errors": [denial(permission, ["stores"], "You may not read stores")]})
        assert _error(reply) == (
            "CentraPermissionError: the Centra token lacks permission: You may not read "
            "stores (needed to read stores)"
        )
    assert _error(Reply({"errors": [denial(None, ["stores"])]})) == (
        "CentraPermissionError: the Centra token lacks permission: unknown permission "
        "(needed to read stores)"
    )


def test_an_over_long_permission_name_is_cut_to_100_characters() -> None:
    exc = _answer(Reply({"errors": [denial("P" * 400, ["stores"])]}))
    assert isinstance(exc, CentraPermissionError)
    assert exc.missing == ["P" * 97 + "..."]


def test_a_permission_of_exactly_100_characters_is_kept() -> None:
    exc = _answer(Reply({"errors": [denial("Q" * 100, ["stores"])]}))
    assert isinstance(exc, CentraPermissionError) and exc.missing == ["Q" * 100]


def test_an_over_long_fallback_message_is_cut_to_300_characters() -> None:
    exc = _answer(Reply({"errors": [denial(None, ["stores"], "m" * 700)]}))
    assert isinstance(exc, CentraPermissionError)
    assert exc.missing == ["m" * 297 + "..."]


def test_an_over_long_path_is_cut_to_200_characters() -> None:
    exc = _answer(Reply({"errors": [denial("Store:read", ["a" * 150, 0, "b" * 150])]}))
    assert isinstance(exc, CentraPermissionError)
    assert exc.paths == ["a" * 150 + "." + "b" * 46 + "..."]
    exact = _answer(Reply({"errors": [denial("Store:read", ["c" * 200])]}))
    assert isinstance(exact, CentraPermissionError) and exact.paths == ["c" * 200]


def test_permission_and_path_are_escaped() -> None:
    exc = _answer(Reply({"errors": [denial("Store\x1b[2J:read", ["st\nores"])]}))
    assert isinstance(exc, CentraPermissionError)
    assert (exc.missing, exc.paths) == (["Store\\x1b[2J:read"], ["st\\x0aores"])


# --- answers that are not GraphQL ------------------------------------------------------------

HINT = (
    " (the URL's path is /api: Centra's Integration API is served at a path ending in "
    "/graphql, e.g. https://example.centra.com/graphql)"
)


def test_an_answer_that_is_not_json() -> None:
    assert _error(Reply(b"<html>hi</html>")) == (
        "CentraGraphQLError: Centra answered Stores with HTTP 200 and no JSON"
    )
    assert _error(Reply(b"<html>hi</html>", status=400), name=None, path="/api") == (
        "CentraGraphQLError: Centra answered the request with HTTP 400 and no JSON" + HINT
    )


def test_json_that_is_not_an_object() -> None:
    assert _error(Reply([{"data": {}}])) == (
        "CentraGraphQLError: Centra answered Stores with non-object JSON"
    )
    assert _error(Reply("text"), path="/api") == (
        "CentraGraphQLError: Centra answered Stores with non-object JSON" + HINT
    )


@pytest.mark.parametrize("status", [404, 405])
def test_not_found_without_errors_hints_at_the_path(status: int) -> None:
    assert _error(Reply({"detail": "x"}, status=status), path="/api") == (
        f"CentraGraphQLError: Centra answered Stores with HTTP {status}" + HINT
    )
    assert _error(Reply({"detail": "x"}, status=status)) == (
        f"CentraGraphQLError: Centra answered Stores with HTTP {status}"
    )


@pytest.mark.parametrize("status", [400, 500])
def test_other_failures_without_errors_get_no_hint(status: int) -> None:
    assert _error(Reply({"errors": []}, status=status), path="/api") == (
        f"CentraGraphQLError: Centra answered Stores with HTTP {status}"
    )


def test_a_failure_status_with_errors_reports_the_errors() -> None:
    assert _error(Reply({"errors": [{"message": "Syntax"}]}, status=400), path="/api") == (
        "CentraGraphQLError: Centra answered Stores with: Syntax"
    )


def test_a_3xx_or_other_non_failure_status_with_data_is_an_answer() -> None:
    assert _answer(Reply({"data": {"stores": []}}, status=399)) == {"stores": []}


# --- the request sent, and what is retried ---------------------------------------------------


def test_the_request_carries_the_document_variables_and_token() -> None:
    with scripted(Reply({"data": {"stores": []}})) as (port, seen):
        client, data = _run(f"http://127.0.0.1:{port}/graphql")
    assert data == {"stores": []}
    (request,) = seen
    assert (request.method, request.path) == ("POST", "/graphql")
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/json"
    assert json.loads(request.body) == {
        "query": "{ stores { id } }",
        "variables": {},
        "operationName": "Stores",
    }
    assert (client.count.sent, client.count.retried, client.count.other) == (1, 0, 0)


def test_a_refused_token_is_named_with_its_variable() -> None:
    with scripted(Reply({"errors": [{"message": "Forbidden"}]}, status=403)) as (port, seen):
        url = f"http://127.0.0.1:{port}/graphql"
        _, plain = _run(url)
        _, named = _run(url, client_args={"token_source": "CENTRA_QA_TOKEN"})
    assert isinstance(plain, CentraAuthError) and isinstance(named, CentraAuthError)
    assert str(plain) == f"Centra refused the token (HTTP 403) at {url}"
    assert str(named) == (
        f"Centra refused the token from CENTRA_QA_TOKEN (HTTP 403) at {url}: "
        "set CENTRA_QA_TOKEN to a valid Integration API token for this Centra"
    )
    assert len(seen) == 2  # never retried


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_a_query_is_retried_on_each_retryable_status(status: int) -> None:
    replies = (Reply({"errors": [{"message": "busy"}]}, status=status), Reply({"data": {"a": 1}}))
    with scripted(*replies) as (port, seen):
        client, data = _run(f"http://127.0.0.1:{port}/graphql")
    assert data == {"a": 1} and len(seen) == 2
    assert (client.count.sent, client.count.retried) == (2, 1)


def test_retries_stop_after_the_policy_attempts_and_say_so() -> None:
    with scripted(Reply({"errors": []}, status=502)) as (port, seen):
        url = f"http://127.0.0.1:{port}/graphql"
        client, exc = _run(url)
    assert isinstance(exc, CentraUnavailable)
    assert str(exc).startswith(f"Centra at {url} kept failing (HTTP 502) after 4 attempts in ")
    assert len(seen) == 4 == client.count.sent and client.count.retried == 3


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_mutation_answered_with_a_5xx_is_never_retried(status: int) -> None:
    with scripted(Reply({"errors": []}, status=status)) as (port, seen):
        _, exc = _run(f"http://127.0.0.1:{port}/graphql", name="StoreCreate", is_mutation=True)
        _, anon = _run(f"http://127.0.0.1:{port}/graphql", name=None, is_mutation=True)
    assert isinstance(exc, OutcomeUnknown) and isinstance(anon, OutcomeUnknown)
    assert str(exc) == f"StoreCreate: Centra answered HTTP {status}; re-read before retrying"
    assert str(anon) == f"mutation: Centra answered HTTP {status}; re-read before retrying"
    assert len(seen) == 2


def test_a_mutation_answered_with_429_is_retried() -> None:
    replies = (Reply({"errors": []}, status=429), Reply({"data": {"storeCreate": {}}}))
    with scripted(*replies) as (port, seen):
        _, data = _run(f"http://127.0.0.1:{port}/graphql", name="StoreCreate", is_mutation=True)
    assert data == {"storeCreate": {}} and len(seen) == 2


def test_other_statuses_are_not_retried() -> None:
    with scripted(Reply({"errors": []}, status=500)) as (port, seen):
        _run(f"http://127.0.0.1:{port}/graphql")
    assert len(seen) == 1


# --- the plain GET (the Order API probe) -----------------------------------------------------


def _get(port: int, path: str) -> tuple[CentraClient, Any]:
    async def go() -> tuple[CentraClient, Any]:
        client = CentraClient(f"http://127.0.0.1:{port}/graphql", TOKEN, retry=FAST, seed=3)
        try:
            return client, await client.get(path, {"API-Authorization": "s3cret"})
        except Exception as exc:
            return client, exc
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_get_goes_to_the_same_host_with_the_given_headers_only() -> None:
    with scripted(Reply({"status": "ok"}, status=401)) as (port, seen):
        client, response = _get(port, "/api/x/orders?limit=1")
    assert response.status_code == 401 and response.json() == {"status": "ok"}
    (request,) = seen
    assert (request.method, request.path) == ("GET", "/api/x/orders?limit=1")
    assert (
        request.headers["API-Authorization"] == "s3cret" and "Authorization" not in request.headers
    )
    assert (client.count.other, client.count.sent, client.count.retried) == (1, 0, 0)


def test_get_retries_a_retryable_status_then_answers() -> None:
    with scripted(Reply({}, status=503), Reply({}, status=429), Reply({}, status=200)) as (
        port,
        seen,
    ):
        client, response = _get(port, "/api/x/orders")
    assert response.status_code == 200 and len(seen) == 3
    assert (client.count.other, client.count.retried) == (3, 2)


def test_get_gives_up_after_the_policy_attempts() -> None:
    with scripted(Reply({}, status=504)) as (port, seen):
        client, exc = _get(port, "/api/x/orders")
    assert isinstance(exc, CentraUnavailable)
    assert "kept failing (HTTP 504) after 4 attempts in " in str(exc)
    assert len(seen) == 4 == client.count.other


# --- which URLs the token may be sent to -----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://centra.example/graphql",
        "http://127.0.0.1:1/graphql",
        "http://localhost/graphql",
        "http://[::1]:8080/graphql",
    ],
)
def test_https_or_loopback_http_is_accepted(url: str) -> None:
    client = CentraClient(url, TOKEN)
    assert client.url == url
    asyncio.run(client.aclose())


@pytest.mark.parametrize(
    "url", ["http://centra.example/graphql", "ftp://centra.example/graphql", "ws://127.0.0.1/"]
)
def test_anything_else_is_refused_by_name(url: str) -> None:
    with pytest.raises(UsageError) as info:
        CentraClient(url, TOKEN)
    assert str(info.value) == (
        f"refusing Centra URL {url}: https:// is required (http:// only on loopback)"
    )


def test_base_url_is_scheme_and_host() -> None:
    client = CentraClient("https://centra.example:8443/api/graphql?x=1", TOKEN)
    assert client.base_url == "https://centra.example:8443"
    asyncio.run(client.aclose())


# --- backoff between retries -----------------------------------------------------------------


@pytest.mark.parametrize("attempt", range(9))
def test_backoff_is_full_jitter_up_to_the_doubling_bound(attempt: int) -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=100.0)
    bound = min(100.0, 2.0**attempt)
    rng = random.Random(attempt)
    draws = [policy.backoff(attempt, rng) for _ in range(400)]
    assert all(0.0 <= d <= bound for d in draws)
    assert max(draws) > 0.97 * bound and min(draws) < 0.03 * bound


def test_backoff_defaults() -> None:
    assert RetryPolicy() == RetryPolicy(
        attempts=6, total_seconds=120.0, base_delay=0.5, max_delay=20.0
    )


# --- what a request cost (extensions.complexity, RATE:12) ------------------------------------


def _costs(extensions: Any) -> dict[str, float]:
    with scripted(Reply({"data": {"stores": []}, "extensions": extensions})) as (port, _):
        client, data = _run(f"http://127.0.0.1:{port}/graphql")
    assert data == {"stores": []}
    return client.limiter.costs


def test_the_complexity_centra_charged_is_remembered_per_operation() -> None:
    assert _costs({"complexity": 12}) == {"Stores": 12.0}
    assert _costs({"complexity": 2.5, "other": 1}) == {"Stores": 2.5}
    assert _costs({"complexity": 0}) == {"Stores": 0.0}


@pytest.mark.parametrize(
    "extensions", [None, {}, {"complexity": -1}, {"complexity": "12"}, [12], {"cost": 3}]
)
def test_an_unreadable_complexity_is_not_remembered(extensions: Any) -> None:
    assert _costs(extensions) == {}
