"""`provision emulator serve`: the emulator on 127.0.0.1 over real HTTP.

Its first two lines on stdout are exactly `url: http://127.0.0.1:P/graphql` and
`token: <token>` (scripts parse them); it serves until SIGINT/SIGTERM, then exits 0.
"""

from __future__ import annotations

import signal
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

import uvicorn

from centra_provision.emulator.app import Emulator
from centra_provision.emulator.faults import Faults


class _Server(uvicorn.Server):
    """uvicorn re-raises SIGINT/SIGTERM after shutting down (exit status -15); a service
    stopped on purpose should exit 0, so we only ask it to stop. `ready` runs once the
    server is serving, so that what it prints (the URL) is true when a script reads it."""

    def __init__(self, config: uvicorn.Config, ready: Callable[[], None]) -> None:
        super().__init__(config)
        self.ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.should_exit:
            self.ready()

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        self.install_signal_handlers()
        yield

    def install_signal_handlers(self) -> None:
        def stop(_signum: int, _frame: FrameType | None) -> None:
            self.should_exit = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)


def listening_socket(port: int) -> socket.socket:
    """127.0.0.1:port, created with IPPROTO_TCP rather than 0: asyncio sets TCP_NODELAY on
    accepted connections only when the listening socket says it is TCP, and without it a
    client that sends headers and body in two segments (curl, many HTTP libraries) waits
    out Nagle and delayed ACK, about 40 ms, on every request of a kept-alive connection."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def serve(
    port: int,
    state: str,
    products: int,
    faults: Faults | None = None,
    requests_per_10s: int | None = None,
    mutations_per_10s: int | None = None,
    plan: str = "growth",
) -> None:
    emulator = Emulator(state, products, requests_per_10s, mutations_per_10s, faults, plan=plan)
    try:
        sock = _bind(port, emulator, state != ":memory:")
        bound = sock.getsockname()[1]

        def announce() -> None:
            print(f"url: http://127.0.0.1:{bound}/graphql")
            print(f"token: {emulator.admin_token}")
            print(
                f"backoffice: http://127.0.0.1:{bound}/backoffice/ (user admin, password "
                f"{emulator.backoffice_password})"
            )
            sys.stdout.flush()

        config = uvicorn.Config(emulator, log_level="warning", lifespan="off")
        _Server(config, announce).run(sockets=[sock])
    finally:
        emulator.state.close()


def _bind(port: int, emulator: Emulator, kept: bool) -> socket.socket:
    """`--port 0` with a kept state reuses the port the state was last served on when it is
    free (bookmarks and scripts keep working across restarts); otherwise any free port."""
    previous = emulator.state.get_meta("served_port") if kept and port == 0 else None
    if previous is not None:
        try:
            return listening_socket(int(previous))
        except OSError:
            pass  # taken by something else now: a new port
    sock = listening_socket(port)
    if kept:
        emulator.state.set_meta("served_port", str(sock.getsockname()[1]))
    return sock
