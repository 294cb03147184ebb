"""`provision emulator serve` as a user runs it: a real process on 127.0.0.1."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
from pathlib import Path

import httpx

from centra_provision.emulator.serve import listening_socket
from tests.support.emulator import serve_process

GUIDE_QUERY = (
    "query productList($status: [ProductStatus!]!, $page: Int!) { products(where: "
    "{status: $status}, sort: [updatedAt_DESC], limit: 30, page: $page) { id "
    "countryOfOrigin { code } displays(where: {storeId: 1}) { name description "
    "displayItems { id productVariant { productSizes { id SKU } } } } } }"
)


def _start(state: Path, products: int = 40) -> tuple[subprocess.Popen[str], str, str]:
    return serve_process(state, products)


def _stop(proc: subprocess.Popen[str], sig: int) -> int:
    proc.send_signal(sig)
    return proc.wait(timeout=15)


def test_serve_answers_the_guide_query_and_exits_cleanly(tmp_path: Path) -> None:
    proc, url, token = _start(tmp_path / "state.sqlite")
    try:
        response = httpx.post(
            url,
            json={"query": GUIDE_QUERY, "variables": {"status": "ACTIVE", "page": 1}},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        products = response.json()["data"]["products"]
        assert response.status_code == 200 and len(products) == 30
        assert all(p["displays"][0]["displayItems"] for p in products)
    finally:
        code = _stop(proc, signal.SIGTERM)
    assert code == 0


def test_serve_state_survives_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    proc, url, token = _start(state, products=12)
    try:
        create = (
            'mutation { createMarket(input: {name: "Kept", store: {id: 2}}) '
            "{ userErrors { message } } }"
        )
        httpx.post(url, json={"query": create}, headers={"Authorization": f"Bearer {token}"})
    finally:
        assert _stop(proc, signal.SIGINT) == 0
    proc, url2, token2 = _start(state, products=999)
    try:
        # A new process prints a new token (the state keeps only digests); the old one works.
        assert token2 != token
        body = httpx.post(
            url2,
            json={"query": "{ markets { name } products(limit: 100) { id } }"},
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        assert "Kept" in [m["name"] for m in body["data"]["markets"]]
        assert len(body["data"]["products"]) == 12
    finally:
        assert _stop(proc, signal.SIGTERM) == 0


def test_accepted_connections_have_tcp_nodelay() -> None:
    """What `emulator serve` listens on makes asyncio (hence uvicorn) set TCP_NODELAY on
    every accepted connection, so kept-alive requests do not wait for delayed ACKs."""

    async def accept_one() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Record(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

        sock = listening_socket(0)
        server = await asyncio.get_running_loop().create_server(Record, sock=sock)
        port = sock.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(accepted, 10)
        finally:
            writer.close()
            server.close()
            await server.wait_closed()

    assert asyncio.run(accept_one()) != 0
