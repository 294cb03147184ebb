"""Running the CLI under a pseudo-terminal, as a person at a terminal would see it."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def plain(text: str) -> str:
    """Terminal output without colour and cursor codes."""
    return ANSI.sub("", text).replace("\r\n", "\n")


def run_in_pty(
    args: list[str],
    cwd: Path,
    env: dict[str, str],
    steps: list[tuple[Callable[[str], bool], Callable[[subprocess.Popen[bytes]], None]]]
    | None = None,
    timeout: float = 60.0,
) -> tuple[int, str]:
    """`provision ARGS` with stdin, stdout and stderr on one pseudo-terminal (120 columns).
    `steps` run in order, each once the output seen so far satisfies its condition (change
    Centra, send a signal). Returns the exit code and everything shown."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "centra_provision", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=cwd,
        env={**env, "TERM": "xterm-256color", "COLUMNS": "120"},
        close_fds=True,
    )
    os.close(slave)
    chunks: list[bytes] = []
    todo = list(steps or [])
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            if todo and todo[0][0](plain(b"".join(chunks).decode(errors="replace"))):
                todo.pop(0)[1](proc)
            if proc.poll() is not None and not ready:
                break
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return code, plain(b"".join(chunks).decode(errors="replace"))
