"""Fixtures every test may use, and the one place the environment is made clean.

Helpers live in tests/support/ (imported as `tests.support.<module>`); test modules never
import each other."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from centra_provision.emulator.app import Emulator
from tests.support.centra import copy_manifests
from tests.support.emulator import EmulatorClient, served
from tests.support.layers import Tree, make_tree
from tests.support.s3 import S3

# Hypothesis: the CI profile is derandomized (the same examples on every run, no example
# database), so a green suite stays green; `HYPOTHESIS_PROFILE=long` explores fresh random
# examples, as many as `FUZZ_EXAMPLES` says, to hunt for new failures.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    derandomize=False,
    deadline=None,
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "5000")),
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Variables of the tool, of the environments' Centra tokens and secrets, of the ledger
# stores and of CI that a developer's shell (or a CI runner) may hold: any of them would
# point a test at another Centra, token, ledger key, host list, bucket or job summary.
AMBIENT_PREFIXES = ("PROVISION_", "CENTRA_", "GE_", "AWS_", "GOOGLE_", "AZURE_")
AMBIENT_NAMES = ("GITHUB_STEP_SUMMARY",)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts without the tool's, Centra's, Global-e's, the stores' and CI's
    variables; a test sets what it needs."""
    for name in list(os.environ):
        if name.startswith(AMBIENT_PREFIXES) or name in AMBIENT_NAMES:
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    """The CLI points the root logger at the stderr of its call (basicConfig, force=True);
    under capsys that stream closes with the test, so put the logger back afterwards."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.setLevel(level)
    root.handlers[:] = handlers


@pytest.fixture(params=["in-process", "http"])
def api(request: pytest.FixtureRequest) -> Iterator[EmulatorClient]:
    """A fresh emulator (60 products), reached in-process or over real HTTP."""
    emulator = Emulator(":memory:", products=60, requests_per_10s=10_000, mutations_per_10s=10_000)
    if request.param == "http":
        with served(emulator) as url:
            yield EmulatorClient(emulator, url)
    else:
        yield EmulatorClient(emulator, None)
    emulator.state.close()


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3]:
    """One S3-protocol server (moto's, on 127.0.0.1) per test module: starting one costs
    most of a second."""
    server = S3()
    yield server
    server.stop()


@pytest.fixture
def s3(s3_server: S3, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3]:
    """The server, up, with its variables set and a fresh bucket for this test."""
    if not s3_server.up:
        s3_server.start()
    s3_server.bucket = f"ledgers-{uuid.uuid4().hex[:10]}"
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    s3_server.create_bucket()
    yield s3_server
    if not s3_server.up:
        s3_server.start()


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tree:
    """The template manifests in tmp_path (the working directory), with the base's plugin."""
    return make_tree(tmp_path, monkeypatch)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped manifests copied into tmp_path, which becomes the working directory (a
    test may edit them; ledgers and emulator state land in tmp_path)."""
    copy_manifests(tmp_path, monkeypatch)
    return tmp_path
