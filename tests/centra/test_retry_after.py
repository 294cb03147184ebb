"""Retry-After as Centra documents it (RATE:13: "the timestamp of when you can resume"): the
client reads every form and waits until the moment it names, checked against the
emulator's own record of when it refused and when the next request arrived. Client and
emulator share a fake clock, so the wait is asserted to the moment and not spent."""

from __future__ import annotations

from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest

from centra_provision.centra.client import RESUME_MARGIN, RetryPolicy
from centra_provision.centra.retry_after import resume_at
from centra_provision.emulator.app import Emulator
from centra_provision.emulator.limits import RETRY_AFTER_FORMS, retry_after_header
from centra_provision.engine.planner import plan_environment
from centra_provision.engine.session import RunOptions
from centra_provision.errors import CentraUnavailable
from tests.support.centra import copy_manifests
from tests.support.clock import FakeClock
from tests.support.emulator import EmulatorClient, served

NOW = 1_764_245_000.0


@pytest.mark.parametrize(
    ("header", "moment"),
    [
        ("2", NOW + 2),
        ("0.25", NOW + 0.25),
        ("1764245012", 1_764_245_012.0),
        ("1764245012.5", 1_764_245_012.5),
        ("1764245012500", 1_764_245_012.5),
        ("1764245012500.75", 1_764_245_012.50075),
        (formatdate(1_764_245_012, usegmt=True), 1_764_245_012.0),
        ("2025-11-27T12:03:32+00:00", 1_764_245_012.0),
        ("2025-11-27T12:03:32", 1_764_245_012.0),
    ],
)
def test_every_form_names_one_moment(header: str, moment: float) -> None:
    assert resume_at(header, NOW) == pytest.approx(moment)


@pytest.mark.parametrize("header", ["", "soon", "-3", "nan", "inf", "Tue, 99 Foo 2025"])
def test_unreadable_headers_are_ignored(header: str) -> None:
    assert resume_at(header, NOW) is None


@pytest.mark.parametrize("form", RETRY_AFTER_FORMS)
def test_emulator_forms_round_trip_never_early(form: str) -> None:
    moment = resume_at(retry_after_header(form, 1.25, NOW), NOW)
    assert moment is not None and NOW + 1.25 <= moment < NOW + 2.25


@pytest.fixture
def qa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    copy_manifests(tmp_path, monkeypatch)
    monkeypatch.delenv("PROVISION_CENTRA_URL", raising=False)
    emulator = Emulator(":memory:", products=0, clock=FakeClock())
    with served(emulator) as url:
        monkeypatch.setenv("CENTRA_QA_INT_TOKEN", emulator.admin_token)
        monkeypatch.setenv("GE_ORDER_API_SECRET", "order-api-secret-for-tests-0001")
        yield EmulatorClient(emulator, url)
    emulator.state.close()


def _plan(api: EmulatorClient, retry: RetryPolicy | None = None) -> int:
    """A plan of QA-INT against the served emulator, on the emulator's (fake) clock."""
    options = RunOptions(url_override=f"{api.base_url}/graphql", retry=retry, clock=_clock(api))
    return plan_environment(Path("manifests"), "qa-int", options).requests


def _clock(api: EmulatorClient) -> FakeClock:
    clock = api.emulator.clock
    assert isinstance(clock, FakeClock)
    return clock


@pytest.mark.parametrize("form", RETRY_AFTER_FORMS)
def test_a_429_is_waited_out_to_the_stated_moment(qa: EmulatorClient, form: str) -> None:
    qa.faults(storm_requests=1, storm_retry_after=0.4, retry_after_form=form)
    assert _plan(qa) >= 2  # the plan succeeded after the refusal
    (refused_at, resume), *_ = qa.emulator.refusals
    following = [t for t in qa.emulator.arrivals if t > refused_at]
    # Whole-second forms round the moment up, so the client may wait up to a second longer
    # than the emulator's own moment; it waits exactly until the moment the header names
    # (and the margin that makes it arrive just after, never just before).
    named = resume_at(retry_after_header(form, 0.4, refused_at), refused_at)
    assert named is not None and resume <= named <= resume + 1.0
    assert resume <= following[0] == pytest.approx(named + RESUME_MARGIN, abs=1e-6)
    assert _clock(qa).sleeps == [pytest.approx(named + RESUME_MARGIN - refused_at, abs=1e-6)]
    assert qa.stats()["status.429"] == 1


def test_a_moment_beyond_the_retry_budget_is_a_clear_error(qa: EmulatorClient) -> None:
    qa.faults(storm_requests=1, storm_retry_after=600)
    with pytest.raises(CentraUnavailable, match=r"rate limiting \(HTTP 429\) until .*beyond the"):
        _plan(qa, RetryPolicy(total_seconds=60))
    assert qa.stats()["requests"] == 1  # it did not hammer Centra before giving up
    assert _clock(qa).sleeps == []  # nor wait for a moment it would not use


def test_unknown_form_is_refused(qa: EmulatorClient) -> None:
    response = qa.request(
        "POST", "/__emulator/faults", json={"retry_after_form": "sundial"}, headers=qa.admin
    )
    assert response.status_code == 400 and "sundial" in response.text
    assert qa.request("GET", "/__emulator/faults", headers=qa.admin).json()["retry_after_form"] == (
        "epoch"
    )
