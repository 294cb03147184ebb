"""Shared state for CI: the ledger and its lock in a real S3-protocol server on loopback
(moto), read by runners that start empty, guarded by compare-and-swap, bound to one
environment and Centra, and keyed by a secret that never sits in the store."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from centra_provision.manifest.desired import load_desired_state
from centra_provision.state.backend import VersionConflict, open_backend
from centra_provision.state.ledger import Ledger
from tests.support.centra import configure
from tests.support.cli import run
from tests.support.s3 import KEY, REPO, S3, Hooked, hooked_emulator, runner

SECRET = "CANARY-shared-order-api-secret-93b7a1"
TOKEN_ADDRESS = "IntegrationToken/Global-e integration"


@pytest.fixture
def centra(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Hooked, str]]:
    """QA-INT's Centra: an emulator served on loopback, reached by every runner."""
    with hooked_emulator() as (app, url):
        monkeypatch.setenv("PROVISION_CENTRA_URL_QA_INT", f"{url}/graphql")
        monkeypatch.setenv("CENTRA_QA_INT_TOKEN", app.emulator.admin_token)
        monkeypatch.setenv("GE_ORDER_API_SECRET", SECRET)
        monkeypatch.setenv("PROVISION_LEDGER_KEY", KEY)
        yield app, url


def _two_runners(s3: S3, tmp_path: Path) -> tuple[str, Path, Path]:
    """Two CI runners that start empty and share QA-INT's ledger in the store."""
    ledger_url = s3.url("ci/qa-int.ledger.json")
    a = runner(tmp_path, "runner-a", {"qa-int": ledger_url})
    return ledger_url, a, runner(tmp_path, "runner-b", {"qa-int": ledger_url})


def test_apply_on_one_runner_then_plan_and_drift_on_another(
    s3: S3,
    centra: tuple[Hooked, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app, _ = centra
    ledger_url, a, b = _two_runners(s3, tmp_path)
    monkeypatch.chdir(a)
    code, out, _ = run(["apply", "-e", "qa-int", "--auto-approve"], capsys)
    assert code == 3, out  # API changes done, guided steps pending
    configure(app.emulator, load_desired_state(a / "manifests", "qa-int"), SECRET)
    assert run(["attest", "-e", "qa-int", TOKEN_ADDRESS], capsys)[0] == 0
    code, out, _ = run(["apply", "-e", "qa-int", "--auto-approve", "--wait", "30"], capsys)
    assert code == 0 and "Converged" in out
    assert not (a / ".provision" / "qa-int.ledger.json").exists()  # the ledger is in S3
    body = open_backend(ledger_url).read()
    assert body is not None
    assert SECRET.encode() not in body.data and KEY.encode() not in body.data
    stored = json.loads(body.data)
    assert stored["environment"] == "qa-int" and stored["centraUrl"].endswith("/graphql")

    monkeypatch.chdir(b)  # a fresh runner: no .provision/, the same ledger
    code, out, err = run(["plan", "-e", "qa-int", "--detailed-exitcode"], capsys)
    assert (code, err) == (0, ""), out
    assert "No changes." in out
    code, out, err = run(["--log-level", "debug", "state", "list", "-e", "qa-int"], capsys)
    assert code == 0 and out.startswith(f"Ledger: {ledger_url} (environment qa-int, Centra ")
    assert "TaxGroup/GE Local VAT" in out and "attested" in out and "7 resources" in out
    assert KEY not in out + err and SECRET not in out + err
    code, out, _ = run(["drift", "-e", "qa-int"], capsys)
    assert code == 0 and "Drift: 0 of" in out
    assert not (b / ".provision" / "qa-int.ledger.key").exists()

    monkeypatch.setenv("PROVISION_LEDGER_KEY", "another-key-" + "x" * 40)
    code, _, err = run(["plan", "-e", "qa-int"], capsys)
    assert code == 1
    assert err == (
        f"error: ledger {ledger_url} was written with another key: set PROVISION_LEDGER_KEY "
        "to the key it was written with\n"
    )
    assert run(["drift", "-e", "qa-int"], capsys)[0] == 1
    monkeypatch.delenv("PROVISION_LEDGER_KEY")
    code, _, err = run(["plan", "-e", "qa-int"], capsys)
    assert code == 1 and err.startswith("error: PROVISION_LEDGER_KEY is not set: the ledger ")


def _process(folder: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PROVISION_LOG_LEVEL": "error"}
    return subprocess.Popen(
        [sys.executable, "-m", "centra_provision", *args],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_lock(url: str, not_id: str | None = None) -> dict[str, object]:
    """The lock record once a process holds it (the process is held at the gate, so this
    is not a race; the deadline only bounds a broken test)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        blob = open_backend(url).read(".lock")
        if blob is not None:
            holder: dict[str, object] = json.loads(blob.data)
            if holder["id"] != not_id:
                return holder
        time.sleep(0.05)
    raise AssertionError("the first apply never took the lock")


def test_two_applies_from_two_processes(
    s3: S3,
    centra: tuple[Hooked, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app, _ = centra
    ledger_url, a, b = _two_runners(s3, tmp_path)
    app.gate.clear()  # the first apply takes the lock, then waits at Centra's door
    first = _process(a, "apply", "-e", "qa-int", "--auto-approve")
    try:
        holder = _wait_for_lock(ledger_url)
        second = _process(b, "apply", "-e", "qa-int", "--auto-approve")
        out, err = second.communicate(timeout=120)
        assert second.returncode == 1, out + err
        assert f"qa-int is locked by another run: id {holder['id']} (apply, pid {first.pid} " in err
        monkeypatch.chdir(b)
        code, _, err = run(["force-unlock", "-e", "qa-int", "0000wrong000"], capsys)
        assert code == 1 and "does not match the lock held on qa-int" in err
        code, _, err = run(["force-unlock", "-e", "qa-int", str(holder["id"])], capsys)
        assert code == 1 and f"the lock holder is still running (pid {first.pid}" in err
    finally:
        app.gate.set()
    out, err = first.communicate(timeout=120)
    assert first.returncode == 3, out + err  # it ran: API changes done, guided pending
    assert open_backend(ledger_url).read(".lock") is None  # released

    # A killed holder's lock stays until force-unlock names its id.
    app.gate.clear()
    killed = _process(a, "apply", "-e", "qa-int", "--auto-approve")
    try:
        holder = _wait_for_lock(ledger_url)
        killed.send_signal(signal.SIGKILL)
        killed.communicate(timeout=60)
    finally:
        app.gate.set()
    code, _, err = run(["apply", "-e", "qa-int", "--auto-approve"], capsys)
    assert code == 1 and f"id {holder['id']} (apply, pid {killed.pid}" in err
    assert run(["force-unlock", "-e", "qa-int", "0000wrong000"], capsys)[0] == 1
    code, out, _ = run(["force-unlock", "-e", "qa-int", str(holder["id"])], capsys)
    assert code == 0 and f"broke the lock id {holder['id']}" in out
    assert run(["apply", "-e", "qa-int", "--auto-approve"], capsys)[0] == 3


@pytest.mark.parametrize("where", ["s3", "local"])
def test_a_lost_race_is_replayed_not_overwritten(
    where: str, s3: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROVISION_LEDGER_KEY", KEY)
    location: str | Path = (
        s3.url("race/qa-int.ledger.json") if where == "s3" else tmp_path / "qa.ledger.json"
    )
    one = Ledger.load(location, "qa-int", "https://centra.example/graphql")
    two = Ledger.load(location, "qa-int", "https://centra.example/graphql")
    one.remember("TaxGroup/GE Local VAT", "applyTaxPer", "PRODUCT", "apply")
    one.save()
    two.remember("OrderApiPlugin/GE Order API", "secretKey", SECRET, "apply", sensitive=True)
    two.save()  # read before one's write: CAS fails, it re-reads and replays
    final = Ledger.load(location, "qa-int", "https://centra.example/graphql")
    assert final.serial == 2 and final.ledger_id == one.ledger_id == two.ledger_id
    assert set(final.records) == {"TaxGroup/GE Local VAT", "OrderApiPlugin/GE Order API"}
    assert final.matches(final.records["OrderApiPlugin/GE Order API"]["secretKey"], SECRET)
    backend = open_backend(location)
    stale = backend.read()
    assert stale is not None
    backend.replace(stale.data + b"\n", stale.version)  # another runner's write
    with pytest.raises(VersionConflict):
        backend.replace(b"{}", stale.version)  # a write over an old version never lands
    with pytest.raises(Exception, match="belongs to environment qa-int, not prod"):
        Ledger.load(location, "prod", "https://centra.example/graphql")
    with pytest.raises(Exception, match=r"records Centra https://centra\.example/graphql, but"):
        Ledger.load(location, "qa-int", "https://other.example/graphql")


def test_backend_down_mid_apply_then_rerun_converges(
    s3: S3,
    centra: tuple[Hooked, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app, _ = centra
    ledger_url = s3.url("down/qa-int.ledger.json")
    a = runner(tmp_path, "runner-a", {"qa-int": ledger_url})
    catalogue = (REPO / "manifests" / "local" / "catalogue.yaml").read_text()
    (a / "manifests" / "qa-int" / "catalogue.yaml").write_text(catalogue)  # two API kinds

    async def store_goes_down(body: bytes) -> None:
        if b"createPricelist" in body and s3.up:
            await asyncio.to_thread(s3.stop)  # the store fails right after this mutation

    app.hook = store_goes_down
    first = _process(a, "apply", "-e", "qa-int", "--auto-approve")
    out, err = first.communicate(timeout=120)
    assert first.returncode == 1, out + err
    first_line, hint = err.splitlines()
    assert first_line.startswith(f"error: ledger store {ledger_url}: cannot write: ")
    assert hint.startswith("error: the lock on qa-int (id ") and "could not be released" in hint
    app.hook = None
    s3.start()
    monkeypatch.chdir(a)
    kept = Ledger.load(ledger_url, "qa-int", os.environ["PROVISION_CENTRA_URL_QA_INT"])
    assert kept.serial == 1 and list(kept.records) == ["ShippingOption/GE Express"]
    lock_id = hint.split("force-unlock -e qa-int ")[1].split("`")[0]
    code, _, err = run(["apply", "-e", "qa-int", "--auto-approve"], capsys)
    assert code == 1 and f"qa-int is locked by another run: id {lock_id} " in err
    assert run(["force-unlock", "-e", "qa-int", lock_id], capsys)[0] == 0
    code, out, _ = run(["apply", "-e", "qa-int", "--auto-approve"], capsys)
    assert code == 3, out  # guided steps pending; nothing by API left
    snapshot = app.emulator.state
    names = [p["name"] for p in snapshot.all("pricelist")]
    assert names.count("Wholesale SEK") == 1
    assert [o["name"] for o in snapshot.all("shipping_option")].count("GE Express") == 1


def test_a_store_that_refuses_is_one_line_and_changes_nothing(
    s3: S3,
    centra: tuple[Hooked, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app, _ = centra
    url = f"s3://no-such-bucket-{s3.bucket}/qa-int.ledger.json"
    monkeypatch.chdir(runner(tmp_path, "runner-a", {"qa-int": url}))
    before = app.emulator.backoffice.snapshot()
    code, out, err = run(["apply", "-e", "qa-int", "--auto-approve"], capsys)
    assert code == 1 and out == ""
    assert err == (
        f"error: ledger store {url}: the bucket does not exist (or this identity cannot see it)\n"
    )
    assert app.emulator.backoffice.snapshot() == before
    assert run(["plan", "-e", "qa-int"], capsys)[0] == 1  # never "no ledger yet"


def test_plain_http_only_to_a_loopback_store(
    s3: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PROVISION_LEDGER_KEY", KEY)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://s3.internal.example:9000")
    monkeypatch.chdir(runner(tmp_path, "runner-a", {"qa-int": s3.url("qa-int.ledger.json")}))
    code, _, err = run(["plan", "-e", "qa-int"], capsys)
    assert (code, err) == (
        1,
        "error: AWS_ALLOW_HTTP is set but the S3 endpoint http://s3.internal.example:9000 is "
        "not on loopback; plain http:// is allowed only for a loopback endpoint\n",
    )
