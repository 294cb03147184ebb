from __future__ import annotations

from collections.abc import Iterator

import pytest
from emulator_harness import EmulatorClient, served

from centra_provision.emulator.app import Emulator


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
