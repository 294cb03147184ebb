from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from emulator_harness import EmulatorClient, served
from hypothesis import HealthCheck, settings

from centra_provision.emulator.app import Emulator

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
