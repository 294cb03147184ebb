"""A ledger and a saved plan are bound to their environment, Centra and ledger version; an
edited plan file can only lose changes; unknown is never "in sync"; the token goes only to
pinned hosts; weak secrets are reported."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from centra_provision.emulator.app import Emulator
from tests.support.centra import (
    converge_qa_int,
    served_as_qa_int,
)
from tests.support.cli import run
from tests.support.emulator import EmulatorClient

SECRET = "CANARY-binding-order-api-secret-7c3e"


@pytest.fixture
def workdir(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped manifests in the working directory, the Order API secret a canary."""
    monkeypatch.setenv("GE_ORDER_API_SECRET", SECRET)
    return workdir


@pytest.fixture
def qa(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    emulator = Emulator(":memory:", products=0)
    with served_as_qa_int(emulator, monkeypatch) as client:
        yield client


def _edit(path: Path, change: object) -> Path:
    body = json.loads(path.read_text())
    change(body)  # type: ignore[operator]
    edited = path.with_name("edited-" + path.name)
    edited.write_text(json.dumps(body))
    return edited


def test_a_saved_plan_runs_only_where_and_as_it_was_made(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["plan", "-e", "local", "--out", "p.json"], capsys)[0] == 0
    saved = json.loads((workdir / "p.json").read_text())
    assert saved["ledger"] == {
        "location": ".provision/local.ledger.json",
        "ledgerId": None,
        "serial": 0,
    }

    def other_url(body: dict[str, object]) -> None:
        body["centraUrl"] = "https://attacker.example/graphql"

    code, _, err = run(["apply", "-e", "local", str(_edit(workdir / "p.json", other_url))], capsys)
    assert code == 1 and "the saved plan was made against https://attacker.example/graphql" in err

    def altered(body: dict[str, object]) -> None:
        change = next(c for c in body["changes"] if c["kind"] == "ShippingOption")  # type: ignore[attr-defined]
        next(f for f in change["fields"] if f["path"] == "currency")["after"] = "USD"

    edited = _edit(workdir / "p.json", altered)
    code, _, err = run(["apply", "-e", "local", str(edited), "--auto-approve"], capsys)
    assert (code, err) == (
        1,
        "error: the saved plan's changes to ShippingOption/GE Express are not what a fresh "
        "plan makes (was the plan file edited?); nothing was applied; plan again\n",
    )
    assert not (workdir / ".provision" / "local.ledger.json").exists()

    code, out, _ = run(["apply", "-e", "local", "p.json", "--auto-approve"], capsys)
    assert code == 0 and "Converged" in out
    assert run(["plan", "-e", "local", "--out", "q.json"], capsys)[0] == 0

    def added(body: dict[str, object]) -> None:
        change = next(c for c in saved["changes"] if c["kind"] == "Pricelist")
        body["changes"] = [*body["changes"], {**change, "action": "update"}]  # type: ignore[list-item]

    code, _, err = run(["apply", "-e", "local", str(_edit(workdir / "q.json", added))], capsys)
    assert code == 1 and "changes to Pricelist/" in err and "nothing was applied" in err
    code, _, err = run(["apply", "-e", "local", "p.json", "--auto-approve"], capsys)
    assert code == 1 and "changed since the plan was saved (version 0, now " in err


def test_local_key_file_binding_and_edits(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["apply", "-e", "local", "--auto-approve"], capsys)[0] == 0
    ledger = workdir / ".provision" / "local.ledger.json"
    key_file = workdir / ".provision" / "local.ledger.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    text = ledger.read_text()
    assert key not in text and "key" not in json.loads(text) and SECRET not in text
    assert json.loads(text)["centraUrl"] == "embedded:.provision/local-centra.sqlite"

    qa_env = workdir / "manifests" / "qa-int" / "environment.yaml"
    qa_env.write_text(
        qa_env.read_text().replace(".provision/qa-int.ledger.json", ".provision/local.ledger.json")
    )
    monkeypatch.setenv("CENTRA_QA_INT_TOKEN", "unused")
    code, _, err = run(["plan", "-e", "qa-int"], capsys)
    assert code == 1 and "belongs to environment local, not qa-int" in err

    body = json.loads(text)
    body["resources"]["OrderApiPlugin/GE Order API"].pop("secretKey")
    ledger.write_text(json.dumps(body))
    code, _, err = run(["plan", "-e", "local"], capsys)
    assert code == 1 and "was changed outside provision (its MAC does not match)" in err
    ledger.write_text(text)
    key_file.write_text("f" * 64)
    code, _, err = run(["plan", "-e", "local", "--detailed-exitcode"], capsys)
    assert code == 1 and "was written with another key" in err
    key_file.unlink()
    code, _, err = run(["plan", "-e", "local"], capsys)
    assert code == 1 and f"its key file {key_file.relative_to(workdir)} does not" in err
    assert not key_file.exists()  # never silently replaced by a new key
    monkeypatch.setenv("PROVISION_LEDGER_KEY", key)  # the same key, from the environment
    assert run(["plan", "-e", "local", "--detailed-exitcode"], capsys)[0] == 0


def test_unknown_secret_is_not_in_sync(
    qa: EmulatorClient,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("GE_ORDER_API_SECRET")
    code, out, _ = run(["plan", "-e", "qa-int"], capsys)
    assert code == 0
    assert "secretKey" in out and "= unknown (GE_ORDER_API_SECRET is not set)" in out
    code, out, _ = run(["apply", "-e", "qa-int", "--auto-approve", "--runbook", "rb.md"], capsys)
    assert code == 1
    assert (
        "failed   OrderApiPlugin/GE Order API (create, guided): refused: the step needs a "
        "secret that is unknown (GE_ORDER_API_SECRET is not set)"
    ) in out
    assert "GE Order API" not in (workdir / "rb.md").read_text()

    converge_qa_int(qa.emulator, workdir / "manifests", SECRET)
    monkeypatch.setenv("GE_ORDER_API_SECRET", SECRET)
    assert run(["drift", "-e", "qa-int"], capsys)[0] == 0
    monkeypatch.delenv("GE_ORDER_API_SECRET")
    code, out, err = run(["drift", "-e", "qa-int"], capsys)
    assert code == 1
    assert err == (
        "error: cannot check OrderApiPlugin/GE Order API secretKey: GE_ORDER_API_SECRET "
        "is not set\n"
    )


def test_the_token_goes_only_to_pinned_hosts(
    qa: EmulatorClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PROVISION_CENTRA_HOSTS", "sandbox.centraqa.com, centra.example.com")
    code, _, err = run(["plan", "-e", "qa-int"], capsys)
    assert (code, err) == (
        1,
        "error: Centra host 127.0.0.1 (PROVISION_CENTRA_URL_QA_INT) is not one of "
        "PROVISION_CENTRA_HOSTS (centra.example.com, sandbox.centraqa.com); the token for "
        "qa-int was not sent\n",
    )
    assert qa.stats().get("requests", 0) == 0 and not any(k.startswith("op.") for k in qa.stats())
    monkeypatch.setenv("PROVISION_CENTRA_HOSTS", "127.0.0.1")
    assert run(["plan", "-e", "qa-int"], capsys)[0] == 0


def test_validate_warns_about_weak_secrets(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GE_ORDER_API_SECRET", "hunter2hunter2")
    monkeypatch.setenv("PROVISION_LEDGER_KEY", "letmein")
    code, out, err = run(["validate", "-e", "qa-int"], capsys)
    assert code == 0 and out.startswith("OK: ")
    assert err == (
        "warning: OrderApiPlugin/GE Order API secretKey: the value of GE_ORDER_API_SECRET "
        "holds about 39 bits of randomness, under 128; use `provision secret generate`\n"
        "warning: PROVISION_LEDGER_KEY holds about 18 bits of randomness, under 128; use "
        "`provision secret generate`\n"
    )
    assert "hunter2" not in out + err and "letmein" not in out + err
    monkeypatch.setenv(
        "GE_ORDER_API_SECRET", "3b9f1c6e0a2d4f7b8c5e9a1d3f6b2c8e4a7d0f1b9c3e5a8d2f6b1c4e7a0d3f9b"
    )
    monkeypatch.delenv("PROVISION_LEDGER_KEY")
    assert run(["validate", "-e", "qa-int"], capsys)[1:] == ("OK: 7 resources in qa-int\n", "")
