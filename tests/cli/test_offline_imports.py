"""Offline commands stay offline in what they load: no Centra client, GraphQL, HTTP client,
web framework or executor module in sys.modules after they ran (each in a fresh interpreter,
as a user runs them)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.paths import REPO

FORBIDDEN = (
    "centra_provision.centra",
    "centra_provision.executors",
    "centra_provision.engine.planner",
    "graphql",
    "httpx",
    "starlette",
)
PROBE = """
import json, sys
from centra_provision.cli import main
try:
    main(sys.argv[2:])
except SystemExit as exc:
    code = exc.code
forbidden = tuple(json.loads(sys.argv[1]))
loaded = sorted(m for m in sys.modules if any(m == f or m.startswith(f + ".") for f in forbidden))
print(json.dumps({"code": code, "loaded": loaded}))
"""
COMMANDS = {
    "validate": ["validate", "-e", "qa-int"],
    "schema": ["schema"],
    "envs": ["envs"],
    "diff-env": ["diff-env", "qa-int", "prod"],
    "storefront": ["storefront", "-e", "qa-int"],
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_offline_command_loads_nothing_network_side(name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(FORBIDDEN), *COMMANDS[name]],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"code": 0, "loaded": []}, result.stderr
