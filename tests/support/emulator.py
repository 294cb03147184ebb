"""Test harness for the emulator: in-process (httpx ASGI transport) and over real HTTP
(uvicorn on 127.0.0.1, a random port), behind one small synchronous client."""

from __future__ import annotations

import asyncio
import base64
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp

from centra_provision.emulator.app import Emulator, InProcessTransport
from centra_provision.emulator.serve import listening_socket


class EmulatorClient:
    """Sends requests to one emulator, in-process or over HTTP, with its admin token."""

    def __init__(self, emulator: Emulator, base_url: str | None) -> None:
        self.emulator = emulator
        self.base_url = base_url or "http://emulator.invalid"
        self.over_http = base_url is not None
        self.token = emulator.admin_token
        creds = base64.b64encode(f"admin:{emulator.backoffice_password}".encode()).decode()
        self.admin = {"Authorization": f"Basic {creds}"}

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if self.over_http:
            with httpx.Client(base_url=self.base_url, timeout=30) as client:
                return client.request(method, path, **kwargs)

        async def go() -> httpx.Response:
            async with httpx.AsyncClient(
                transport=InProcessTransport(self.emulator), base_url=self.base_url, timeout=30
            ) as client:
                return await client.request(method, path, **kwargs)

        return asyncio.run(go())

    def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return self.request(
            "POST",
            "/graphql",
            json={"query": query, "variables": variables},
            headers=headers,
            **kwargs,
        )

    def data(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        response = self.gql(query, variables)
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        return body["data"]

    def office(self, method: str, path: str, json: Any = None) -> httpx.Response:
        return self.request(method, "/backoffice/api" + path, json=json, headers=self.admin)

    def faults(self, **knobs: Any) -> None:
        response = self.request("POST", "/__emulator/faults", json=knobs, headers=self.admin)
        assert response.status_code == 200, response.text

    def stats(self) -> dict[str, int]:
        return dict(self.request("GET", "/__emulator/stats").json())


@contextmanager
def served(app: ASGIApp) -> Iterator[str]:
    """Serve the emulator (or a layer in front of it) with uvicorn on 127.0.0.1:<free
    port>; yields its base URL."""
    sock = listening_socket(0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve_process(state: Path, products: int = 40) -> tuple[subprocess.Popen[str], str, str]:
    """`provision emulator serve --port 0` as a user starts it: a real process on 127.0.0.1.
    Returns the process, the GraphQL URL and the admin token from its first two lines."""
    args = ["emulator", "serve", "--port", "0", "--state", str(state), "--products", str(products)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "centra_provision", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url_line, token_line = proc.stdout.readline(), proc.stdout.readline()
    assert url_line.startswith("url: http://127.0.0.1:") and url_line.endswith("/graphql\n")
    assert token_line.startswith("token: ")
    return proc, url_line[5:].strip(), token_line[7:].strip()
