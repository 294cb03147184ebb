"""A real S3-protocol server on loopback for ledger tests (moto's threaded server), runner
folders that share one ledger in it, and an emulator served behind a hook so that tests
can hold a request (a deterministic "apply in progress") or take the store down at an
exact moment."""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from centra_provision.emulator.app import Emulator
from tests.support.emulator import served
from tests.support.paths import REPO

KEY = "CANARY-ledger-key-6f1d0c2b9a8e4f7d8c1b2a3e4f5d6c7b"


class S3:
    """moto's server on 127.0.0.1; `stop()`/`start()` keep its objects (moto's state is
    per process), so a test can take the store down and bring it back."""

    def __init__(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        self.port = self.server.get_host_and_port()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.bucket = f"ledgers-{uuid.uuid4().hex[:10]}"
        self.up = True

    def env(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ALLOW_HTTP": "true",
        }

    def create_bucket(self) -> None:
        boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1").create_bucket(
            Bucket=self.bucket
        )

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def stop(self) -> None:
        if self.up:
            self.server.stop()
            self.up = False

    def start(self) -> None:
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()
        self.up = True


def runner(tmp: Path, name: str, ledgers: dict[str, str]) -> Path:
    """A fresh runner's checkout: the shipped manifests, with these environments' ledgers
    pointed at shared URLs, and no `.provision/`."""
    folder = tmp / name
    shutil.copytree(REPO / "manifests", folder / "manifests")
    for env, url in ledgers.items():
        path = folder / "manifests" / env / "environment.yaml"
        text = path.read_text()
        assert f"ledger: .provision/{env}.ledger.json" in text
        path.write_text(text.replace(f"ledger: .provision/{env}.ledger.json", f"ledger: {url}"))
    return folder


Hook = Callable[[bytes], Awaitable[None]]


class Hooked:
    """An ASGI wrapper: every GraphQL request body goes through `hook` first (which may
    wait on `gate`), then to the emulator."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.gate = threading.Event()
        self.gate.set()
        self.hook: Hook | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") != "/graphql":
            await self.emulator(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        while not self.gate.is_set():
            await asyncio.sleep(0.02)
        if self.hook is not None:
            await self.hook(body)
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.emulator(scope, replay, send)


@contextmanager
def hooked_emulator(products: int = 0) -> Iterator[tuple[Hooked, str]]:
    emulator = Emulator(":memory:", products=products)
    app = Hooked(emulator)
    with served(app) as url:  # type: ignore[arg-type]
        yield app, url
    emulator.state.close()
