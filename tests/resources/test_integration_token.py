"""The integration token as the guide and Centra's docs describe it: the guide's General,
Restrictions and Permissions fields in the runbook, an expiry that is a date or a duration
(default 30 days, AUTH:14/AUTH:25) warned about 14 days ahead by plan and drift, and a
runbook that keeps the merchant's token for Global-e apart from the tool's own token."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from centra_provision.emulator.app import Emulator
from centra_provision.manifest.desired import load_desired_state
from centra_provision.state.ledger import Ledger
from tests.support.centra import configure, copy_manifests, record_write_only, served_as_qa_int
from tests.support.cli import run
from tests.support.emulator import EmulatorClient

SECRET = "order-api-secret-for-tests-0001"
TOKEN = Path("manifests/base/integration-token.yaml")
ADDRESS = "IntegrationToken/Global-e integration"


@pytest.fixture
def qa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    copy_manifests(tmp_path, monkeypatch)
    emulator = Emulator(":memory:", products=0)
    with served_as_qa_int(emulator, monkeypatch, SECRET) as client:
        yield client


def converge(api: EmulatorClient, made_days_ago: int = 0) -> None:
    """Centra configured and the ledger recording every write-only field, the token made
    `made_days_ago` days ago."""
    desired = load_desired_state(Path("manifests"), "qa-int")
    configure(api.emulator, desired, SECRET)
    ledger = Ledger.load(desired.environment.ledger, "qa-int")
    record_write_only(ledger, desired, SECRET)
    made = (datetime.now(UTC) - timedelta(days=made_days_ago)).isoformat()

    def backdate(book: Ledger) -> None:
        book.records[ADDRESS]["expiry"]["at"] = made

    ledger.mutate(backdate)
    ledger.save()


def test_runbook_asks_for_every_field_and_keeps_the_tokens_apart(
    qa: EmulatorClient, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run(
        ["apply", "-e", "qa-int", "--auto-approve", f"--target={ADDRESS}", "--runbook=rb.md"],
        capsys,
    )
    assert code == 3  # a guided step is pending
    text = Path("rb.md").read_text()
    for line in (
        "General > Description: Global-e integration",
        "General > Organization name: (ask the merchant)",
        "General > Email: (ask the merchant)",
        "General > Phone number: (ask the merchant)",
        "General > Integration name: Global-e",
        "Restrictions > Store types: ALL",
        "Permissions > Read permissions: Select ALL except CENTRAIP, CentraIP Details",
        "Permissions > Update permissions: Select ALL except Anonymize:write",
        "Expiration time: 30 days from today (Centra's default)",
        "This token is for Global-e: give it to Global-e",
        "It is NOT the token this tool reads Centra with (CENTRA_QA_INT_TOKEN)",
    ):
        assert line in text, line
    assert "store it as the CI secret" not in text


@pytest.mark.parametrize(("made_days_ago", "warned"), [(0, False), (20, True), (31, True)])
def test_plan_and_drift_warn_fourteen_days_before_the_recorded_expiry(
    qa: EmulatorClient, capsys: pytest.CaptureFixture[str], made_days_ago: int, warned: bool
) -> None:
    converge(qa, made_days_ago)
    ends = (datetime.now(UTC) - timedelta(days=made_days_ago) + timedelta(days=30)).date()
    code, out, _ = run(["plan", "-e", "qa-int"], capsys)
    assert code == 0 and "No changes" in out
    said = f"{ADDRESS}: the token given to Global-e " + (
        f"expired on {ends}" if made_days_ago > 30 else f"expires on {ends} (in 10 days)"
    )
    assert (said in out) is warned
    code, out, _ = run(["drift", "-e", "qa-int"], capsys)
    assert code == 0 and (said in out) is warned


def test_expiry_is_a_date_or_a_duration(
    qa: EmulatorClient, capsys: pytest.CaptureFixture[str]
) -> None:
    TOKEN.write_text(TOKEN.read_text().replace("expiry: 30d", "expiry: never"))
    code, _, err = run(["validate", "-e", "qa-int"], capsys)
    assert code == 1 and "integration-token.yaml:" in err and "expiry" in err
    soon = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()
    TOKEN.write_text(TOKEN.read_text().replace("expiry: never", f"expiry: {soon}"))
    converge(qa)
    code, out, _ = run(["plan", "-e", "qa-int"], capsys)
    assert code == 0 and f"expires on {soon} (in 5 days)" in out
