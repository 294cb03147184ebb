"""`emulator serve` prints `url:` only once it accepts connections, and
`--port 0` with `--state FILE` comes back on the port it had when that port is free."""

from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path

import httpx

from tests.support.emulator import serve_process


def _serve(state: Path) -> tuple[subprocess.Popen[str], int]:
    proc, url, _ = serve_process(state, products=0)
    return proc, int(url.split(":")[2].split("/")[0])


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=15) == 0


def test_url_is_printed_once_requests_are_answered(tmp_path: Path) -> None:
    proc, port = _serve(tmp_path / "state.sqlite")
    try:
        # No retry, no sleep: the line is a promise that the server answers now.
        response = httpx.get(f"http://127.0.0.1:{port}/backoffice/", timeout=10)
        assert response.status_code == 401  # up, and asking for the admin credential
    finally:
        _stop(proc)


def test_port_zero_with_a_state_file_comes_back_on_the_same_port(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    proc, first = _serve(state)
    _stop(proc)
    proc, again = _serve(state)
    try:
        assert again == first
    finally:
        _stop(proc)
    with socket.socket() as taken:  # someone else has it now: any free port instead
        taken.bind(("127.0.0.1", first))
        taken.listen()
        proc, other = _serve(state)
        try:
            assert other != first
            assert httpx.get(f"http://127.0.0.1:{other}/backoffice/", timeout=10).status_code == 401
        finally:
            _stop(proc)
