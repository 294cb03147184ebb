"""What the benchmarks share: `emulator serve` started as users start it (its own process, so
the client's work never shares the server's interpreter), and a qa-int copy whose client-side
rate limit is lifted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def serve_emulator(*options: str) -> tuple[subprocess.Popen[str], str, str]:
    """`provision emulator serve --port 0 OPTIONS`; returns the process, its GraphQL URL and
    the admin token it prints. The package is this checkout's, wherever the bench runs from."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "centra_provision", "emulator", "serve", "--port", "0", *options],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().split(" ", 1)[1].strip()
    token = proc.stdout.readline().split(" ", 1)[1].strip()
    return proc, url, token


def unlimited_environment(manifests: Path) -> None:
    """A copy of qa-int named `unlimited` whose client-side rate limit is lifted."""
    folder = manifests / "unlimited"
    folder.mkdir()
    text = (manifests / "qa-int" / "environment.yaml").read_text()
    text = text.replace("name: qa-int", "name: unlimited").replace(
        "    domain: sandbox.centraqa.com",
        "    domain: sandbox.centraqa.com\n    rateLimits: {requests: 1000000000}",
    )
    (folder / "environment.yaml").write_text(text)
