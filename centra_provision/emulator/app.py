"""The emulator's HTTP surface (starlette): the Integration API at POST /graphql, the Order
API probe, the back office, and the test-only /__emulator endpoints (stats, fault knobs).

Request pipeline, in Centra's order as seen from a client: network faults (latency, 429
storm, dropped connection, 5xx), then auth (403), then rate limits (429 + Retry-After),
then execution; "fail after commit" turns a committed mutation's answer into a 502.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import time
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
from graphql import GraphQLSchema
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from centra_provision.emulator.backoffice import Backoffice, routes
from centra_provision.emulator.complexity import complexity
from centra_provision.emulator.faults import DroppedConnection, DroppedResponse, Faults
from centra_provision.emulator.graphql_api import (
    Parsed,
    RequestContext,
    build_api_schema,
    parsed_request,
    run,
)
from centra_provision.emulator.limits import RateLimiter, TimeSource, retry_after_header
from centra_provision.emulator.seed import seed, token_digest
from centra_provision.emulator.store import CentraState

ADMIN_PATHS = ("/backoffice", "/__emulator/faults")


class Emulator:
    """One emulated Centra instance: state, API schema, limits, faults and counters."""

    def __init__(
        self,
        state_path: str = ":memory:",
        products: int = 200,
        requests_per_10s: int | None = None,
        mutations_per_10s: int | None = None,
        faults: Faults | None = None,
        *,
        plan: str = "growth",
        quotas: Mapping[str, int] | None = None,
        clock: TimeSource = time,
        without: Iterable[str] = (),
    ) -> None:
        """`plan` is Centra's rate-limit plan; `quotas` overrides single buckets
        ("REQUEST_COUNT/ONE_HOUR": 100), as do the two older 10-second shorthands. `clock`
        (the `time` module unless a test shares its fake clock with the client) is what the
        buckets refill on and what `arrivals`, `refusals` and Retry-After moments are in.
        `without` names fields (`Mutation.createPricelist`) this Centra lacks, as an older
        release would; the schema is built without them (never change `schema` after)."""
        self.state = CentraState(state_path)
        seed(self.state, products)
        self.release = frozenset(without)
        self._schema = build_api_schema(self.state, self.release)
        overrides = dict(quotas or {})
        if requests_per_10s is not None:
            overrides.setdefault("REQUEST_COUNT/TEN_SECONDS", requests_per_10s)
        if mutations_per_10s is not None:
            overrides.setdefault("MUTATION_COUNT/TEN_SECONDS", mutations_per_10s)
        self.clock = clock
        self.limiter = RateLimiter(plan, overrides, clock)
        self.faults = faults or Faults()
        self.stats: Counter[str] = Counter()
        # Wall-clock times (on `clock`) for tests: every GraphQL request's arrival, and every
        # 429's (sent at, resume at) pair, so a test can check a client waited to the moment.
        self.arrivals: deque[float] = deque(maxlen=10_000)
        self.refusals: deque[tuple[float, float]] = deque(maxlen=10_000)
        self.backoffice = Backoffice(self.state)
        self.app = Starlette(
            routes=[
                Route("/graphql", self.graphql, methods=["POST"]),
                Route("/api/{uri}/orders", self.order_api_probe, methods=["GET"]),
                Route("/__emulator/stats", self.get_stats, methods=["GET", "DELETE"]),
                Route("/__emulator/faults", self.fault_knobs, methods=["GET", "POST"]),
                *routes(self.backoffice),
            ]
        )

    @property
    def schema(self) -> GraphQLSchema:
        """The API's schema (read-only: parsed documents and introspection answers are shared
        by every emulator of one release; an older release is `without=`, not an edit)."""
        return self._schema

    @property
    def admin_token(self) -> str:
        """A token with every read and write permission (printed by `emulator serve`)."""
        return self.state.get_meta("admin_token") or ""

    @property
    def backoffice_password(self) -> str:
        return self.state.get_meta("backoffice_password") or ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"].startswith(ADMIN_PATHS)
            and not self._is_admin(Request(scope))
        ):
            refusal = JSONResponse(
                {"error": "back-office credentials required"},
                401,
                headers={"WWW-Authenticate": 'Basic realm="backoffice"'},
            )
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _parse(self, query: str, operation_name: str | None) -> Parsed:
        return parsed_request(self.schema, query, operation_name, self.release)

    def _is_admin(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return user == "admin" and hmac.compare_digest(password, self.backoffice_password)

    def _permissions(self, request: Request) -> frozenset[str] | None:
        header = request.headers.get("authorization", "")
        token = (
            header[7:].strip()
            if header.lower().startswith("bearer ")
            else (request.cookies.get("graphql-access", ""))
        )
        if not token:
            return None
        digest = token_digest(token)
        for row in self.state.all("token"):
            if hmac.compare_digest(row["digest"], digest):
                if _expired(row.get("expiresAt")):
                    return None
                return frozenset(row["permissions"])
        return None

    async def graphql(self, request: Request) -> Response:
        self.stats["requests"] += 1
        self.arrivals.append(self.clock.time())
        await self.faults.delay()
        if self.faults.take_storm():
            return self._refused(429, self.faults.storm_retry_after)
        if self.faults.roll(self.faults.drop_rate):
            self.stats["dropped"] += 1
            return DroppedResponse()
        if self.faults.roll(self.faults.error_rate):
            self.stats["status.503"] += 1
            return JSONResponse({"errors": [{"message": "Service Unavailable"}]}, 503)
        if not _is_json(request.headers.get("content-type", "")):
            # Centra documents JSON bodies only; refusing the rest means no web page can
            # make a browser send a "simple" cross-site request that the cookie authenticates.
            return self._malformed("Content-Type must be application/json", 415)
        permissions = self._permissions(request)
        if permissions is None:
            self.stats["status.403"] += 1
            return JSONResponse({"errors": [{"message": "Forbidden"}]}, 403)
        try:
            payload = _payload(await request.json())
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            return self._malformed("Body must be JSON")
        except ValueError as exc:
            return self._malformed(str(exc))
        except ClientDisconnect:
            self.stats["client_gone"] += 1
            return Response(status_code=499)  # nobody is listening for it
        # Parsing, validating and costing a large document takes long: off the event loop,
        # so one client's huge query does not stall every other client.
        parsed, cost = await run_in_threadpool(self._prepare, payload)
        self.stats[f"operation.{parsed.operation_name}"] += 1
        refusal = self._too_complex(cost)
        if refusal is not None:
            return refusal
        wait = self.limiter.acquire(parsed.is_mutation, cost)
        if wait:
            return self._refused(429, wait)
        context = RequestContext(permissions, self.limiter.report, cost)
        body = await run_in_threadpool(
            run,
            self.schema,
            parsed,
            payload["variables"],
            payload["operationName"],
            context,
            self.release,
        )
        if parsed.is_mutation and self.faults.take_fail_after_commit():
            self.stats["status.502"] += 1
            return JSONResponse({"errors": [{"message": "Bad Gateway"}]}, 502)
        status = 400 if parsed.errors else 200
        return JSONResponse(body, status)

    def _prepare(self, payload: dict[str, Any]) -> tuple[Parsed, int]:
        parsed = self._parse(payload["query"], payload["operationName"])
        return parsed, self._complexity(parsed, payload["operationName"], payload["variables"])

    def _malformed(self, message: str, status: int = 400) -> Response:
        self.stats[f"status.{status}"] += 1
        return JSONResponse({"errors": [{"message": message}]}, status)

    def _complexity(
        self, parsed: Parsed, operation_name: str | None, variables: dict[str, Any] | None
    ) -> int:
        if parsed.document is None or parsed.errors:
            return 0
        return complexity(self.schema, parsed.document, operation_name, variables)

    def _too_complex(self, cost: int) -> Response | None:
        """A request costlier than a whole complexity bucket can never be admitted: it is
        refused before it runs, with an error that says so (not a 429 to wait out)."""
        bucket = self.limiter.too_complex(cost)
        if bucket is None:
            return None
        self.stats["status.too_complex"] += 1
        message = (
            f"Query complexity {cost} exceeds the {bucket.kind} {bucket.interval} quota of "
            f"{bucket.quota}; select fewer fields or ask for smaller pages"
        )
        return JSONResponse(
            {
                "errors": [{"message": message, "extensions": {"category": "complexity"}}],
                "extensions": {"complexity": cost},
            },
            400,
        )

    def _refused(self, status: int, delay: float) -> Response:
        """A 429 whose Retry-After names the moment to resume (recorded in `refusals`)."""
        self.stats[f"status.{status}"] += 1
        now = self.clock.time()
        header = retry_after_header(self.faults.retry_after_form, delay, now)
        self.refusals.append((now, now + max(0.0, delay)))
        return JSONResponse(
            {"errors": [{"message": "Too Many Requests"}]},
            status,
            headers={"Retry-After": header},
        )

    async def order_api_probe(self, request: Request) -> Response:
        """Centra's Order API list endpoint (ORDER 104.get-orders) for an active plugin's URI:
        200 with the right secret; `403 {"status": "Not Allowed"}` when the plugin's Allowed
        endpoints exclude it (the documented refusal, ORDER 114.get-allocation-requests:
        137-144). A wrong secret (401) and an unknown URI (404) are not documented: these two
        answers are the emulator's own choice."""
        uri = request.path_params["uri"]
        for plugin in self.state.all("plugin"):
            settings = plugin.get("settings", {})
            if (
                plugin["type"] == "API"
                and plugin["status"] == "ACTIVE"
                and (settings.get("uri") == uri)
            ):
                given = request.headers.get("api-authorization", "")
                if not self.state.secret_matches(settings.get("secretKey"), given):
                    return JSONResponse({"status": "no", "msg": "Unauthorized"}, 401)
                if not allows_orders(settings.get("allowedEndpoints", "all")):
                    return JSONResponse({"status": "Not Allowed"}, 403)
                return JSONResponse({"status": "ok", "orders": []})
        return JSONResponse({"status": "no", "msg": "Not found"}, 404)

    async def get_stats(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.stats.clear()
            return Response(status_code=204)
        return JSONResponse(dict(self.stats))

    async def fault_knobs(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                self.faults.update(await request.json())
            except (ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse(self.faults.as_dict())


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _payload(body: Any) -> dict[str, Any]:
    """The GraphQL-over-HTTP request fields, checked; ValueError says what is wrong."""
    if not isinstance(body, dict):
        raise ValueError("Body must be a JSON object with a query")
    query, name, variables = body.get("query"), body.get("operationName"), body.get("variables")
    if not isinstance(query, str) or not query.strip():
        raise ValueError("Missing query: a non-empty string is required")
    if name is not None and not isinstance(name, str):
        raise ValueError("operationName must be a string or null")
    if variables is not None and not isinstance(variables, dict):
        raise ValueError("variables must be an object or null")
    return {"query": query, "operationName": name, "variables": variables}


def _expired(expires: Any) -> bool:
    """A token whose expiry cannot be read (a state written by an older emulator) counts
    as expired: refused with 403, never a 500."""
    if not expires:
        return False
    try:
        moment = datetime.fromisoformat(str(expires))
        return moment.tzinfo is None or moment <= datetime.now(UTC)
    except ValueError:
        return True


def allows_orders(allowed: Any) -> bool:
    """Whether an Order API plugin's "Allow access to the following endpoints" setting
    covers `GET orders`: "all" (the guide's "Select ALL"), or a list naming it as `orders`,
    `GET orders` or `GET /orders` (the back office's exact labels are not documented)."""
    if allowed in (None, "all"):
        return True
    if not isinstance(allowed, list):
        return False
    for entry in allowed:
        words = str(entry).strip().split()
        if words and words[0].upper() == "GET":
            words = words[1:]
        if len(words) == 1 and words[0].strip("/").lower() in ("orders", "all"):
            return True
    return False


class InProcessTransport(httpx.AsyncBaseTransport):
    """httpx's ASGI transport to an in-process emulator, where a dropped connection looks
    exactly as it does over a socket (httpx.RemoteProtocolError)."""

    def __init__(self, emulator: Emulator) -> None:
        self.inner = httpx.ASGITransport(app=emulator)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self.inner.handle_async_request(request)
        except DroppedConnection:
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body", request=request
            ) from None

    async def aclose(self) -> None:
        await self.inner.aclose()
