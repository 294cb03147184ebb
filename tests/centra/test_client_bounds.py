"""Behaviour that a mutation spot-check showed no test could tell from a plausible bug: the
client limiter's bound, Retry-After honoured, https enforced for every source of the URL,
the API executor only where the live schema has the mutation, and `${name}` inside a
longer string with its `$${` escape."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from centra_provision.centra.client import RESUME_MARGIN, CentraClient, RetryPolicy
from centra_provision.centra.ratelimit import ClientRateLimiter
from centra_provision.emulator.app import Emulator
from centra_provision.engine.planner import plan_environment
from centra_provision.engine.session import RunOptions
from centra_provision.errors import ManifestError
from centra_provision.manifest.desired import load_desired_state
from tests.support.cli import run
from tests.support.clock import FakeClock
from tests.support.emulator import EmulatorClient, served
from tests.support.paths import REPO


# The client limiter ------------------------------------------------------------------------
def acquisitions(calls: int, every_nth_mutation: int, **limits: Any) -> list[tuple[float, bool]]:
    """When each of `calls` concurrent callers got through, on a fake clock: minutes of
    pacing pass in milliseconds."""
    clock = FakeClock()
    limiter = ClientRateLimiter(**limits, clock=clock)
    taken: list[tuple[float, bool]] = []

    async def one(i: int) -> None:
        mutation = i % every_nth_mutation == 0
        await limiter.acquire(mutation, "Op")
        taken.append((clock.monotonic(), mutation))

    async def main() -> None:
        await asyncio.gather(*(one(i) for i in range(calls)))  # concurrent callers

    asyncio.run(main())
    return taken


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_client_limiter_keeps_to_its_share_of_each_bucket() -> None:
    """Half (the default share) of Centra's 60 requests and 20 mutations per 10 s: a burst of
    at most half a bucket, then half the bucket's refill rate, however many callers."""
    taken = acquisitions(400, 4, requests=60, mutations=20)
    requests = [t for t, _ in taken]
    mutations = [t for t, m in taken if m]
    assert len(taken) == 400
    for window in (1.0, 10.0, 60.0):
        assert most_in_any_window(requests, window) <= 30 + 3 * window
        assert most_in_any_window(mutations, window) <= 10 + 1 * window
    # and it does let its share through: 370 requests at 3/s after a burst of 30
    assert abs(max(requests) - min(requests) - (400 - 30) / 3) < 2


def test_client_limiter_follows_the_configured_quota() -> None:
    taken = acquisitions(200, 10**9, requests=20, mutations=5, share=1.0)
    assert most_in_any_window([t for t, _ in taken], 10.0) <= 20 + 2 * 10


# Retry-After ---------------------------------------------------------------------------------
def test_retry_after_is_waited_out_even_when_backoff_is_shorter() -> None:
    """A 429 says when to come back; a client whose own backoff is a millisecond must still
    wait until then (the storm test's Retry-After of 0 could never show this)."""
    clock = FakeClock()  # the client's and the emulator's: the second is waited, not spent
    emulator = Emulator(":memory:", products=0, clock=clock)
    with served(emulator) as url:
        api = EmulatorClient(emulator, url)
        api.faults(storm_requests=1, storm_retry_after=1, retry_after_form="delta-seconds")
        fast = RetryPolicy(attempts=5, base_delay=0.001, max_delay=0.002)

        async def read() -> dict[str, Any]:
            async with CentraClient(f"{url}/graphql", api.token, retry=fast, clock=clock) as client:
                return await client.execute("query Stores { stores { id } }")

        assert asyncio.run(read())["stores"]
        (refused_at, resume), *_ = emulator.refusals
        following = [t for t in emulator.arrivals if t > refused_at]
        assert following and following[0] >= resume
        assert following[0] == pytest.approx(resume + RESUME_MARGIN, abs=1e-6)
        assert clock.sleeps == [pytest.approx(1 + RESUME_MARGIN)]  # not the 2 ms back-off
    emulator.state.close()


# https for every source of the URL ------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "http://centra.example.com/graphql",
        "http://127.0.0.1.example.com/graphql",
        "ftp://centra.example.com/graphql",
    ],
)
@pytest.mark.parametrize("source", ["--centra-url", "PROVISION_CENTRA_URL_QA_INT"])
def test_plain_http_is_refused_from_the_flag_and_the_variable(
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
    source: str,
) -> None:
    monkeypatch.setenv("CENTRA_QA_INT_TOKEN", "token-that-must-not-travel-0001")
    args = ["plan", "-e", "qa-int"]
    if source.startswith("--"):
        args += [source, url]
    else:
        monkeypatch.setenv(source, url)
    code, out, err = run(args, capsys)
    assert code == 1
    assert f"refusing Centra URL {url}: https:// is required" in err
    assert "token-that-must-not-travel" not in out + err


# The API executor only where the live schema has the mutation -------------------------------
@pytest.fixture
def older_centra(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    """A Centra whose schema has no createPricelist (an older release)."""
    shutil.copy(
        REPO / "manifests" / "local" / "catalogue.yaml",
        workdir / "manifests" / "qa-int" / "catalogue.yaml",
    )
    emulator = Emulator(":memory:", products=0, without=("Mutation.createPricelist",))
    with served(emulator) as url:
        monkeypatch.setenv("CENTRA_QA_INT_TOKEN", emulator.admin_token)
        yield EmulatorClient(emulator, url)
    emulator.state.close()


def test_api_executor_needs_the_mutation_in_the_live_schema(older_centra: EmulatorClient) -> None:
    plan = plan_environment(
        Path("manifests"),
        "qa-int",
        RunOptions(
            url_override=f"{older_centra.base_url}/graphql",
            targets=("ShippingOption/GE Express", "Pricelist/Wholesale SEK"),
        ),
    )
    chosen = {(c.address, c.action): c.executor for c in plan.pending}
    assert chosen == {
        ("ShippingOption/GE Express", "create"): "api",
        ("Pricelist/Wholesale SEK", "create"): "guided",  # qa-int's environment executor
    }


# ${name} inside a longer string, and $${ ---------------------------------------------------
def rule_of(workdir: Path, text: str) -> dict[str, Any]:
    path = workdir / "manifests" / "base" / "tax-group.yaml"
    path.write_text(
        path.read_text().replace("      displayName: GE Local VAT", f"      displayName: {text}")
    )
    desired = load_desired_state(Path("manifests"), "qa-int")
    group = next(r for r in desired.resources if r.kind == "TaxGroup")
    return dict(group.spec["rules"][0])


def test_variables_inside_a_longer_string(workdir: Path) -> None:
    rule = rule_of(workdir, '"VAT ${vatRate}% in ${defaultStore}, ${defaultStore} again"')
    assert rule["displayName"] == "VAT 25% in Retail, Retail again"
    assert rule["rate"] == 25  # a whole-string reference keeps the variable's type


def test_double_dollar_escapes_a_reference(workdir: Path) -> None:
    rule = rule_of(workdir, '"literal $${vatRate} and real ${vatRate}, cost $$5"')
    assert rule["displayName"] == "literal ${vatRate} and real 25, cost $$5"


def test_unknown_variable_inside_a_string_is_an_error_at_its_place(workdir: Path) -> None:
    with pytest.raises(ManifestError) as failure:
        rule_of(workdir, '"VAT ${vatRat}%"')
    (line,) = [d for d in failure.value.lines() if "vatRat'" in d]
    assert line.startswith("manifests/base/tax-group.yaml:")
    assert "unknown variable 'vatRat'" in line
