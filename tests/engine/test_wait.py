"""`apply --wait`, look by look: a guided resource is verified (once) in the look after a
person did it, the others keep waiting, a token Centra cannot show stays for attest, and a
wait with nobody at the back office ends at its deadline with everything still pending."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from centra_provision.emulator.app import Emulator
from centra_provision.engine.apply import ApplyOptions, ApplyResult, apply_plan, attest_resources
from centra_provision.engine.wait import VERIFIED, WaitRow
from centra_provision.manifest.desired import DesiredState, load_desired_state
from centra_provision.render.runbook import runbook_markdown
from tests.support.centra import configure, copy_manifests, served_as_qa_int
from tests.support.clock import START_WALL, FakeClock
from tests.support.emulator import EmulatorClient

SECRET = "CANARY-wait-looks-secret-93d1"
TAX = "TaxGroup/GE Local VAT"
TOKEN = "IntegrationToken/Global-e integration"
GUIDED = (
    "AttributeType/ge_customer_coupon",
    "AttributeType/ge_order_details",
    "AttributeType/ge_voucher_details",
    TAX,
    "OrderApiPlugin/GE Order API",
    "WebhookPlugin/GE Integration Webhooks",
)


@pytest.fixture
def qa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    copy_manifests(tmp_path, monkeypatch)
    monkeypatch.delenv("PROVISION_CENTRA_URL", raising=False)
    emulator = Emulator(":memory:", products=0, clock=FakeClock())
    with served_as_qa_int(emulator, monkeypatch, SECRET) as client:
        yield client


def _by_hand(qa: EmulatorClient, kinds: tuple[str, ...], but: tuple[str, ...] = ()) -> None:
    """A person does the runbook's steps for these kinds in Centra's back office."""
    desired = load_desired_state(Path("manifests"), "qa-int")
    chosen = tuple(r for r in desired.resources if r.kind in kinds and r.kind not in but)
    configure(qa.emulator, DesiredState(desired.environment, chosen), SECRET)


def clock_of(qa: EmulatorClient) -> FakeClock:
    clock = qa.emulator.clock
    assert isinstance(clock, FakeClock)
    return clock


class Watcher:
    """A display of --wait that also plays the person: `act[i]` runs after look i. It
    notes when (seconds on the fake clock) each look was."""

    def __init__(self, clock: FakeClock, *act: Callable[[], None]) -> None:
        self.clock = clock
        self.looks: list[list[tuple[str, str, int, int, int]]] = []
        self.at: list[float] = []
        self.checked: set[str] = set()
        self.act = list(act)

    def update(self, rows: list[WaitRow]) -> None:
        self.at.append(self.clock.elapsed)
        self.checked |= {r.checked for r in rows if r.state != VERIFIED}
        self.looks.append(
            [(r.address, r.state, r.matching, r.observed, r.write_only) for r in rows]
        )
        if len(self.looks) <= len(self.act):
            self.act[len(self.looks) - 1]()


def _apply(watcher: Watcher, wait: float, poll: float = 5.0) -> ApplyResult:
    """`apply --auto-approve --wait <wait>` polling every `poll` seconds, on the fake clock
    the emulator runs on: a ten-minute wait takes no real time."""
    options = ApplyOptions(
        auto_approve=True,
        wait_seconds=wait,
        poll_seconds=poll,
        watcher=watcher,
        clock=watcher.clock,
    )
    return apply_plan(Path("manifests"), "qa-int", options, lambda _p: True)


def _journal() -> list[dict[str, object]]:
    text = Path(".provision/qa-int.ledger.journal.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines()]


def test_each_look_verifies_what_was_done_since_the_last(qa: EmulatorClient) -> None:
    everything = ("AttributeType", "OrderApiPlugin", "WebhookPlugin", "TaxGroup")
    watcher = Watcher(
        clock_of(qa),
        lambda: _by_hand(qa, ("TaxGroup",)),
        lambda: _by_hand(qa, everything, but=("TaxGroup",)),
    )
    result = _apply(watcher, 600)
    waiting = [
        ("AttributeType/ge_customer_coupon", "waiting", 0, 2, 3),
        ("AttributeType/ge_order_details", "waiting", 0, 13, 14),
        ("AttributeType/ge_voucher_details", "waiting", 0, 2, 3),
        (TAX, "waiting", 0, 8, 3),
        ("OrderApiPlugin/GE Order API", "waiting", 0, 1, 20),  # the probe needs the URI
        ("WebhookPlugin/GE Integration Webhooks", "waiting", 0, 1, 9),
        (TOKEN, "attest", 0, 0, 7),
    ]
    verified = [
        ("AttributeType/ge_customer_coupon", "verified", 2, 2, 3),
        ("AttributeType/ge_order_details", "verified", 13, 13, 14),
        ("AttributeType/ge_voucher_details", "verified", 2, 2, 3),
        (TAX, "verified", 8, 8, 3),
        ("OrderApiPlugin/GE Order API", "verified", 3, 3, 18),
        ("WebhookPlugin/GE Integration Webhooks", "verified", 1, 1, 9),
        (TOKEN, "attest", 0, 0, 7),
    ]
    # nothing done; then the tax group; then the rest
    assert watcher.looks == [waiting, [*waiting[:3], verified[3], *waiting[4:]], verified]
    # a look every poll interval, and no more once all Centra can show is verified (the
    # token can only be attested): the 600 s wait ended after 10
    assert watcher.at == [0.0, 5.0, 10.0]
    assert clock_of(qa).sleeps == [5.0, 5.0]

    outcomes = {o.address: o for o in result.outcomes}
    tax = outcomes[TAX]
    assert (tax.action, tax.executor, tax.outcome, tax.verified, tax.attested) == (
        "create",
        "guided",
        "done",
        8,
        3,
    )
    assert (
        tax.message == "8 fields verified in live Centra; 3 write-only fields recorded on your word"
    )
    assert [outcomes[a].outcome for a in GUIDED] == ["done"] * 6
    assert outcomes[TOKEN].outcome == "pending"
    assert result.exit_code == 3 and result.final.summary()["guided"] == 1
    assert result.runbook is not None
    assert [s.address for s in result.runbook.todo] == [TOKEN]
    assert (
        result.summary_line() == "Apply: 6 done, 0 failed, 1 pending (guided), 0 skipped, 0 refused"
    )

    verified = [e for e in _journal() if e["phase"] == "verified"]
    assert sorted((e["address"], e["action"], e["executor"]) for e in verified) == sorted(
        (a, "create", "guided") for a in GUIDED
    )  # once each: a resource verified in an earlier look is not recorded again
    ledger = json.loads(Path(".provision/qa-int.ledger.json").read_text())
    assert ledger["resources"][TAX]["rules[GE Local VAT].applyTaxPer"]["source"] == "wait:attested"
    assert ledger["resources"]["OrderApiPlugin/GE Order API"]["uri"]["source"] == "wait:observed"
    assert TOKEN not in ledger["resources"]


def test_a_wait_nobody_answers_ends_at_its_deadline(qa: EmulatorClient) -> None:
    watcher = Watcher(clock_of(qa))
    result = _apply(watcher, 12)
    assert len(watcher.looks) >= 1
    # a look every 5 s, the last pause cut short to look once more at the deadline itself
    assert watcher.at == [0.0, 5.0, 10.0, 12.0]
    assert clock_of(qa).sleeps == [5.0, 5.0, 2.0]
    # each row says when it was looked at, by the same clock
    assert watcher.checked == {
        datetime.fromtimestamp(START_WALL + at).strftime("%H:%M:%S") for at in watcher.at
    }
    assert {(r[1], r[2]) for look in watcher.looks for r in look[:-1]} == {("waiting", 0)}
    assert [o.outcome for o in result.outcomes] == ["pending"] * 7
    assert result.exit_code == 3 and result.evidence_line() is None
    assert result.runbook is not None and len(result.runbook.todo) == 7
    assert (
        "- [ ] Secret API key: the value of GE_ORDER_API_SECRET (print it with "
        "`provision secret show -e qa-int secretKey`)"
    ) in runbook_markdown(result.runbook)
    assert runbook_markdown(result.runbook).startswith(
        "# Runbook: Centra `sandbox.centraqa.com` (qa-int)\n\nGlobal-e QA-INT, merchant 1808. "
        "Follow each step in Centra's back office, then run `provision apply -e qa-int --wait 600`"
    )
    assert not Path(
        ".provision/qa-int.ledger.journal.jsonl"
    ).exists()  # nothing ran, nothing verified


def test_attest_talks_to_the_centra_it_is_told(
    qa: EmulatorClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"{qa.base_url}/graphql"
    monkeypatch.delenv("PROVISION_CENTRA_URL_QA_INT")  # only --centra-url says where Centra is
    options = ApplyOptions(auto_approve=True, url_override=url)
    assert apply_plan(Path("manifests"), "qa-int", options, lambda _p: True).exit_code == 3
    _by_hand(qa, ("AttributeType", "OrderApiPlugin", "WebhookPlugin", "TaxGroup"))
    assert attest_resources(Path("manifests"), "qa-int", (TOKEN,), url) == [TOKEN]
    again = attest_resources(Path("manifests"), "qa-int", (TOKEN, "TaxGroup"), url)
    assert again == [TAX, TOKEN]  # the ledger it wrote is bound to that Centra, and read back
    ledger = json.loads(Path(".provision/qa-int.ledger.json").read_text())
    assert ledger["centraUrl"] == url
    assert {f["source"] for f in ledger["resources"][TOKEN].values()} == {"attest"}
