"""A Centra that caps pages: an ASGI layer in front of the served emulator that lowers every
`limit` a GraphQL request asks for to `cap`, whether the limit is a literal or a variable,
as a Centra with a largest page size would (its `page` then counts pages of `cap` rows).

Centra documents no largest page size; this is the case the client must survive without
truncating a list. The layer rewrites the request, not the answer, so everything else (the
emulator's permissions, rate limits, paging) is the emulator's own."""

from __future__ import annotations

import json
from typing import Any

from graphql import ArgumentNode, IntValueNode, VariableNode, parse, print_ast, visit
from graphql.language import Visitor
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class PageCap:
    """`PageCap(emulator, 20)`: the emulator, serving at most 20 rows per page. `capped`
    counts the requests whose limit it lowered. With `ignore_page`, every request is
    answered as page 1 (a Centra that takes `page` and ignores it)."""

    def __init__(self, app: ASGIApp, cap: int, ignore_page: bool = False) -> None:
        self.app, self.cap, self.capped = app, cap, 0
        self.ignore_page = ignore_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        rewritten = self.rewrite(body)
        if rewritten != body:
            self.capped += 1
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(rewritten)).encode()))
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": rewritten, "more_body": False}

        await self.app({**scope, "headers": headers}, replay, send)

    def rewrite(self, body: bytes) -> bytes:
        """The request with every limit above the cap lowered to it (a body that is not a
        GraphQL request passes unchanged, for the emulator to refuse)."""
        try:
            payload = json.loads(body)
            document = parse(payload["query"])
        except Exception:
            return body
        variables = payload.get("variables") or {}
        changed = _CapLimits(self.cap, variables, self.ignore_page)
        payload["query"] = print_ast(visit(document, changed))
        if not changed.any:
            return body
        payload["variables"] = variables
        return json.dumps(payload).encode()


class _CapLimits(Visitor):
    def __init__(self, cap: int, variables: dict[str, Any], ignore_page: bool) -> None:
        super().__init__()
        self.cap, self.variables, self.any = cap, variables, False
        self.ignore_page = ignore_page

    def enter_argument(self, node: ArgumentNode, *_: object) -> ArgumentNode | None:
        if node.name.value == "page" and self.ignore_page:
            self.any = True
            if isinstance(node.value, VariableNode):
                self.variables[node.value.name.value] = 1
                return None
            return ArgumentNode(name=node.name, value=IntValueNode(value="1"))
        if node.name.value != "limit":
            return None
        value = node.value
        if isinstance(value, VariableNode):
            asked = self.variables.get(value.name.value)
            if isinstance(asked, int) and asked > self.cap:
                self.variables[value.name.value] = self.cap
                self.any = True
            return None
        if isinstance(value, IntValueNode) and int(value.value) > self.cap:
            self.any = True
            return ArgumentNode(name=node.name, value=IntValueNode(value=str(self.cap)))
        return None


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)
