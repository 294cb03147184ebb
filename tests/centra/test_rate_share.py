"""Long work takes at most --rate-share of what each of Centra's buckets has left (the limits
are per environment and shared with the live store), as the emulator's own buckets record.
The export and the emulator share a fake clock: the pacing is real, its seconds are not."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from centra_provision.catalog.export import ExportOptions, export_catalog
from centra_provision.centra.client import RetryPolicy
from centra_provision.emulator.app import Emulator
from centra_provision.errors import CentraUnavailable
from tests.support.centra import copy_manifests
from tests.support.clock import FakeClock
from tests.support.emulator import EmulatorClient, served

RATE_LIMITS_COST = {"REQUEST_COUNT": 1, "MUTATION_COUNT": 0, "QUERY_COMPLEXITY": 6}


@contextmanager
def shop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quotas: dict[str, int]
) -> Iterator[EmulatorClient]:
    copy_manifests(tmp_path, monkeypatch)
    # The export's pages are concurrent: while one waits for the share to refill, others
    # have requests in flight, which must reach the emulator before its time moves on.
    clock = FakeClock(io_grace=0.05)
    emulator = Emulator(":memory:", products=130, quotas=quotas, clock=clock)
    with served(emulator) as url:
        monkeypatch.setenv("CENTRA_QA_INT_TOKEN", emulator.admin_token)
        yield EmulatorClient(emulator, url)
    emulator.state.close()


def export(api: EmulatorClient, share: float, page_size: int = 10) -> int:
    options = ExportOptions(
        output="catalog.csv",
        url_override=f"{api.base_url}/graphql",
        retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02),
        page_size=page_size,
        rate_share=share,
        clock=clock_of(api),
    )
    return export_catalog(Path("manifests"), "qa-int", options).pages


def clock_of(api: EmulatorClient) -> FakeClock:
    clock = api.emulator.clock
    assert isinstance(clock, FakeClock)
    return clock


def assert_share_kept(emulator: Emulator, share: float) -> None:
    """No bucket ever fell below what was left when the run began, less the run's share."""
    for bucket in emulator.limiter.buckets.values():
        remaining = bucket.quota - RATE_LIMITS_COST[bucket.kind]  # after the rateLimits read
        assert bucket.lowest >= remaining * (1 - share) - 1e-6, bucket


def test_export_takes_at_most_half_of_every_bucket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with shop(tmp_path, monkeypatch, {"REQUEST_COUNT/TEN_SECONDS": 24}) as api:
        assert export(api, 0.5) >= 10
        stats = api.stats()
        assert stats["requests"] > 12 and "status.429" not in stats  # more than the share
        assert_share_kept(api.emulator, 0.5)
        tens = api.emulator.limiter.bucket("REQUEST_COUNT", "TEN_SECONDS")
        assert tens.lowest <= 12 + 1  # it did pace itself at the share's edge
        # and no slower: half of the 23 left after rateLimits at once, the other requests at
        # half of 24 per 10 s, so the export took exactly as long as its share allows.
        paced = stats["requests"] - 1 - 23 / 2
        assert clock_of(api).elapsed == pytest.approx(paced / (24 / 2 / 10))


def test_hourly_share_is_respected_across_ten_second_windows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 49: after the rateLimits read, half of what remains is exactly 24 requests, so the
    # next one waits a whole hourly token (147 s at half of 49/h), past the 120 s bound.
    quotas = {"REQUEST_COUNT/TEN_SECONDS": 40, "REQUEST_COUNT/ONE_HOUR": 49}
    with shop(tmp_path, monkeypatch, quotas) as api:
        with pytest.raises(
            CentraUnavailable, match=r"REQUEST_COUNT ONE_HOUR rate limit is used up"
        ):
            export(api, 0.5, page_size=4)  # about 30 pages: more than the hourly share
        stats = api.stats()
        assert stats["requests"] > 20 and "status.429" not in stats  # beyond one 10 s share
        assert_share_kept(api.emulator, 0.5)
        # Paced by the 10 s share (19.5 of the 39 left, then 2 a second) up to the hourly
        # share's 24 requests, then refused at once instead of waiting 147 s.
        assert stats["requests"] == 1 + 24
        assert clock_of(api).elapsed == pytest.approx((24 - 39 / 2) / (40 / 2 / 10))
        assert max(clock_of(api).sleeps) < 1.0
