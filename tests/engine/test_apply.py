"""`provision apply`: local converges end to end, QA-INT is guided then verified, and the
lock, the journal, saved plans and faults behave."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from centra_provision.emulator.app import Emulator
from centra_provision.engine.apply import ApplyOptions, apply_plan
from centra_provision.executors.backoffice import BackofficeExecutor
from centra_provision.manifest.desired import load_desired_state
from centra_provision.state.lock import state_lock
from tests.support.centra import configure, served_as_qa_int
from tests.support.cli import run
from tests.support.emulator import EmulatorClient, served

SECRET = "CANARY-apply-order-api-secret-51e0"


@pytest.fixture
def workdir(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped manifests in the working directory, the Order API secret a canary."""
    monkeypatch.setenv("GE_ORDER_API_SECRET", SECRET)
    return workdir


@pytest.fixture
def qa(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    emulator = Emulator(":memory:", products=3)
    with served_as_qa_int(emulator, monkeypatch) as client:
        yield client


def _no_secret_in(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text


def test_local_round_trip(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["apply", "-e", "local", "--auto-approve"], capsys)
    assert (code, err) == (0, "")
    assert out.count("done     ") == 9  # 7 by the back office, 2 by API mutation
    assert "done     ShippingOption/GE Express (create, api)" in out
    assert "Converged: live Centra matches the manifests." in out
    code, out, _ = run(["plan", "-e", "local", "--detailed-exitcode"], capsys)
    assert code == 0 and "No changes." in out
    ledger = json.loads((workdir / ".provision" / "local.ledger.json").read_text())
    plugin = ledger["resources"]["OrderApiPlugin/GE Order API"]
    assert plugin["debugLogging"]["source"] == "backoffice"
    assert plugin["secretKey"]["fingerprint"].startswith("scrypt:")
    assert plugin["debugLogging"]["fingerprint"].startswith("hmac-sha256:")
    snapshots = ledger["snapshots"]  # what Centra showed after the apply, for drift
    assert snapshots["ShippingOption/GE Express"]["source"] == "apply"
    assert snapshots["Pricelist/Global-e SEK"]["shown"]["currency"] == "SEK"
    journal = (workdir / ".provision" / "local.ledger.journal.jsonl").read_text()
    phases = [json.loads(line)["phase"] for line in journal.splitlines()]
    assert phases == ["begin", "end"] * 9
    _no_secret_in(out, json.dumps(ledger), journal)
    code, out, _ = run(["apply", "-e", "local", "--auto-approve"], capsys)
    assert code == 0 and "Apply: 0 done" in out  # nothing to do the second time


def test_local_apply_needs_the_secret(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GE_ORDER_API_SECRET")
    code, out, _ = run(["apply", "-e", "local", "--auto-approve"], capsys)
    assert code == 1
    assert (
        "failed   OrderApiPlugin/GE Order API (create, backoffice): OrderApiPlugin/GE Order "
        "API: the secret API key is unavailable (GE_ORDER_API_SECRET is not set)"
    ) in out
    assert "skipped  WebhookPlugin/GE Integration Webhooks" in out  # fail-fast
    code, out, _ = run(["apply", "-e", "local", "--auto-approve", "--continue-on-error"], capsys)
    assert code == 1 and "done     WebhookPlugin/GE Integration Webhooks" in out


def test_without_approval_and_no_terminal(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["apply", "-e", "local"], capsys)
    assert code == 1
    assert err == (
        "error: apply needs approval and stdin is not a terminal; review the plan "
        "and pass --auto-approve\n"
    )
    assert not (workdir / ".provision" / "local.ledger.json").exists()


def test_qa_int_guided_then_verified(
    qa: EmulatorClient, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["apply", "-e", "qa-int", "--auto-approve", "--runbook", "rb.md"], capsys)
    assert code == 3
    runbook = (workdir / "rb.md").read_text()
    assert "- [ ] URI: ge-order-api" in runbook
    assert (
        "- [ ] Webhook URL: https://centra-int.bglobale.com/webhooks/v1/Webhooks/"
        "WebhookIntegrationApi?merchantId=1808&domain=sandbox.centraqa.com"
    ) in runbook
    assert '- [ ] Paste into the text field:\n  ```json\n  {\n    "desc": "Global-e Voucher' in (
        runbook
    )
    assert "- [ ] Tax rate: 25%" in runbook
    assert "- [ ] Geolocation: Select ALL and unselect SE (248 countries selected)" in runbook
    assert "- [ ] Secret API key: the value of GE_ORDER_API_SECRET" in runbook
    _no_secret_in(out, runbook)
    # A person follows the runbook in the back office...
    configure(qa.emulator, load_desired_state(workdir / "manifests", "qa-int"), SECRET)
    code, out, _ = run(["attest", "-e", "qa-int", "IntegrationToken/Global-e integration"], capsys)
    assert (code, out) == (0, "attested IntegrationToken/Global-e integration\n")
    code, out, _ = run(["apply", "-e", "qa-int", "--auto-approve", "--wait", "30"], capsys)
    assert code == 0, out
    assert "Converged: live Centra matches the manifests." in out
    ledger = json.loads((workdir / ".provision" / "qa-int.ledger.json").read_text())
    assert (
        ledger["resources"]["TaxGroup/GE Local VAT"]["rules[GE Local VAT].applyTaxPer"]["source"]
        == "wait:attested"
    )
    order_api = ledger["resources"]["OrderApiPlugin/GE Order API"]
    assert order_api["secretKey"]["source"] == "wait:observed"  # the Order API probe proved it
    assert order_api["uri"]["source"] == "wait:observed"
    assert order_api["debugLogging"]["source"] == "wait:attested"
    assert (
        ledger["resources"]["IntegrationToken/Global-e integration"]["storeTypes"]["source"]
        == "attest"
    )
    _no_secret_in(out, json.dumps(ledger))


def test_prod_attribute_types_are_a_request_to_centra(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator = Emulator(":memory:", products=0)
    with served(emulator) as url:
        monkeypatch.setenv("PROVISION_CENTRA_URL_PROD", f"{url}/graphql")
        monkeypatch.setenv("CENTRA_PROD_TOKEN", emulator.admin_token)
        code, out, _ = run(["apply", "-e", "prod", "--auto-approve"], capsys)
    assert code == 3
    assert "In PROD, Centra deploys attribute types: send Centra this one request." in out
    assert (
        "Please deploy these custom attribute types (Text) in the store "
        "configuration of example-merchant.centra.example (Global-e merchant 999999)"
    ) in out
    assert "2. Add `ge_order_details` with this definition:" in out
    assert "centra.global-e.com/webhooks" in out


def test_attest_refuses_while_centra_differs(
    qa: EmulatorClient, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["attest", "-e", "qa-int", "TaxGroup/GE Local VAT"], capsys)
    assert code == 1
    assert err == ("error: TaxGroup/GE Local VAT: does not exist in Centra; nothing was recorded\n")
    configure(qa.emulator, load_desired_state(workdir / "manifests", "qa-int"), SECRET)
    rule = qa.emulator.state.all("tax_rule")[0]
    qa.emulator.backoffice.save_tax_rule({"rate": 19.0}, None, rule["id"])
    code, _, err = run(["attest", "-e", "qa-int", "TaxGroup/GE Local VAT"], capsys)
    assert code == 1 and "Centra differs in rules[GE Local VAT].rate" in err


def test_concurrent_apply_is_refused_and_stale_lock_broken(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = workdir / ".provision" / "local.ledger.json"
    with state_lock(ledger, "local") as lock_id:
        code, _, err = run(["apply", "-e", "local", "--auto-approve"], capsys)
        assert code == 1
        assert err.startswith(f"error: local is locked by another run: id {lock_id} (apply, pid ")
        assert err.rstrip().endswith(f"run `provision force-unlock -e local {lock_id}`")
        # The holder is a live process on this host (this one): its id does not break it.
        code, _, err = run(["force-unlock", "-e", "local", lock_id], capsys)
        assert code == 1 and "the lock holder is still running (pid " in err
    # A killed apply leaves its lock behind: only force-unlock with its id breaks it.
    lock = ledger.with_name(ledger.name + ".lock")
    lock.write_text(json.dumps({"id": "dead0001", "pid": 1, "host": "elsewhere", "since": "t"}))
    code, _, err = run(["apply", "-e", "local", "--auto-approve"], capsys)
    assert code == 1 and "id dead0001 (apply, pid 1 on elsewhere) since t" in err
    code, _, err = run(["force-unlock", "-e", "local", "nope"], capsys)
    assert code == 1 and "lock id nope does not match the lock held on local (id dead0001" in err
    code, out, _ = run(["force-unlock", "-e", "local", "dead0001"], capsys)
    assert code == 0 and out.startswith("unlocked local: broke the lock id dead0001")
    code, out, _ = run(["apply", "-e", "local", "--auto-approve"], capsys)
    assert code == 0 and "Converged" in out
    assert not lock.exists()
    code, _, err = run(["force-unlock", "-e", "local", "dead0001"], capsys)
    assert (code, err) == (1, "error: local is not locked; nothing was unlocked\n")


def test_killed_between_steps_then_rerun(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_run = BackofficeExecutor.run
    calls = {"n": 0}

    async def dies_after_three(
        self: BackofficeExecutor, change: object, res: object, live: object
    ) -> object:
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt  # the process is stopped mid-apply
        return await real_run(self, change, res, live)  # type: ignore[arg-type]

    monkeypatch.setattr(BackofficeExecutor, "run", dies_after_three)
    code, _, _ = run(["apply", "-e", "local", "--auto-approve"], capsys)
    assert code == 130
    journal = (workdir / ".provision" / "local.ledger.journal.jsonl").read_text().splitlines()
    assert [json.loads(x)["phase"] for x in journal][-1] == "begin"  # it stopped mid-step
    monkeypatch.setattr(BackofficeExecutor, "run", real_run)
    code, out, _ = run(["apply", "-e", "local", "--auto-approve"], capsys)
    assert code == 0 and out.count("done     ") == 4
    emulator = Emulator(str(workdir / ".provision" / "local-centra.sqlite"), 0)
    snapshot = emulator.backoffice.snapshot()
    emulator.state.close()
    assert len(snapshot["plugins"]) == 2 and len(snapshot["attributeTypes"]) == 3
    assert len(snapshot["taxGroups"]) == 1 and len(snapshot["taxRules"]) == 1
    assert [t["name"] for t in snapshot["tokens"]].count("Global-e integration") == 1


@pytest.mark.parametrize(
    "knobs",
    [
        {"storm_requests": 3, "storm_retry_after": 0},
        {"error_rate": 0.3, "seed": 5},
        {"drop_rate": 0.3, "seed": 9},
    ],
    ids=["429-storm", "5xx", "dropped-connections"],
)
def test_faults_during_guided_apply_converge(
    knobs: dict[str, object], qa: EmulatorClient, workdir: Path
) -> None:
    from centra_provision.centra.client import RetryPolicy

    configure(qa.emulator, load_desired_state(workdir / "manifests", "qa-int"), SECRET)
    qa.faults(**knobs)
    options = ApplyOptions(
        auto_approve=True,
        wait_seconds=5,
        poll_seconds=0.1,
        url_override=f"{qa.base_url}/graphql",
        retry=RetryPolicy(attempts=12, base_delay=0.01, max_delay=0.05),
    )
    result = apply_plan(workdir / "manifests", "qa-int", options, lambda _p: True)
    assert [c.address for c in result.final.pending] == ["IntegrationToken/Global-e integration"]
    assert result.count("done") == 6
    stats = qa.stats()
    assert any(k.startswith(("status.", "dropped")) for k in stats)


def test_stale_saved_plan_refuses_exactly_the_changed(
    qa: EmulatorClient, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    desired = load_desired_state(workdir / "manifests", "qa-int")
    configure(qa.emulator, desired, SECRET)
    office = qa.emulator.backoffice
    rule = office.state.all("tax_rule")[0]
    office.save_tax_rule({"rate": 21.0}, None, rule["id"])
    plugin = next(p for p in office.state.all("plugin") if p["type"] == "WEBHOOKS")
    office.save_plugin({"status": "INACTIVE"}, plugin["id"])
    code, _, _ = run(["plan", "-e", "qa-int", "--out", "plan.json"], capsys)
    assert code == 0
    office.save_tax_rule({"rate": 22.0}, None, rule["id"])  # changed after planning
    code, out, _ = run(["apply", "-e", "qa-int", "plan.json", "--auto-approve"], capsys)
    assert code == 1
    assert (
        "refused  TaxGroup/GE Local VAT (changed in Centra since the plan was saved; plan again)"
    ) in out
    assert "pending  WebhookPlugin/GE Integration Webhooks (update, guided)" in out
    assert "TaxGroup/GE Local VAT (update" not in out
    path = workdir / "manifests" / "base" / "tax-group.yaml"
    path.write_text(path.read_text().replace("code: VAT", "code: VAT2"))
    code, _, err = run(["apply", "-e", "qa-int", "plan.json", "--auto-approve"], capsys)
    assert (code, err) == (1, "error: the manifests changed since the plan was saved; plan again\n")
