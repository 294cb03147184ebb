"""The fault matrix (README, "Faults"): each row is one way an apply can go wrong, with its
asserted outcome: the exit code of the faulted run, that one rerun without the fault
converges (exit 0, and a plan then shows no change), and that Centra holds no duplicate.

Network rows run the API-managed kinds of QA-INT (the shipped catalogue plus ten more
shipping options, so twelve creates by mutation) against the emulator over real HTTP with
its fault knobs, client and emulator on one fake clock (Retry-After moments, back-off and
rate-limit waits are taken in no real time); process rows kill a real `provision apply`
with SIGKILL or race two of them (on the real clock); state rows damage the local
environment's ledger, journal or saved plan and run the CLI. The README's table is checked
against ROWS, so the two cannot drift apart.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from centra_provision.centra.client import RetryPolicy
from centra_provision.clock import SYSTEM_CLOCK, Clock
from centra_provision.emulator.app import Emulator
from centra_provision.engine.apply import ApplyOptions, apply_plan
from tests.support.cli import run
from tests.support.clock import FakeClock
from tests.support.emulator import EmulatorClient, served
from tests.support.paths import REPO

SECRET = "CANARY-fault-matrix-secret-2b7d"
CATALOGUE = ("ShippingOption/GE Express", "Pricelist/Wholesale SEK", "Pricelist/Global-e SEK")
FAST = RetryPolicy(attempts=12, base_delay=0.01, max_delay=0.05)


@dataclass(frozen=True)
class Row:
    """One fault: how it is made, the exit code of the run it hits, and what that run says."""

    name: str
    kind: str  # "network", "process" or "state"
    fault: dict[str, Any]
    exit_code: int
    says: str = ""
    extra: int = 0  # shipping options added to the two creates of the catalogue

    @property
    def targets(self) -> tuple[str, ...]:
        return (*CATALOGUE, *(f"ShippingOption/Matrix {i}" for i in range(self.extra)))


ROWS = [
    Row("429 storm", "network", {"storm_requests": 8, "storm_retry_after": 0}, 0),
    # Half of all requests fail; with six creates, one of them is hit (seeded, so every run
    # is the same; a create escapes with odds 1/64 whatever the seed).
    Row("5xx burst", "network", {"error_rate": 0.5, "seed": 5}, 1, "re-read before", extra=4),
    Row("dropped connections", "network", {"drop_rate": 0.5, "seed": 9}, 1, "re-read", extra=4),
    Row("fail after commit 1", "network", {"fail_after_commit": 1}, 0),
    Row("fail after commit 2", "network", {"fail_after_commit": 2}, 0),
    Row("fail after commit 10", "network", {"fail_after_commit": 10}, 0, extra=8),
    Row("latency with jitter", "network", {"latency_ms": 15, "jitter_ms": 30, "seed": 3}, 0),
    Row("kill -9 before any write", "process", {"after_mutations": 0}, -9),
    Row("kill -9 after 1 write", "process", {"after_mutations": 1}, -9, extra=2),
    Row("kill -9 after 6 writes", "process", {"after_mutations": 6}, -9, extra=6),
    Row("two applies at once", "process", {"second": True}, 1, "is locked by another run"),
    Row("corrupted ledger", "state", {"damage": "ledger"}, 1, "is not JSON"),
    Row("corrupted journal", "state", {"damage": "journal"}, 0),
    Row("corrupted saved plan", "state", {"damage": "plan"}, 1, "cannot read plan file"),
    Row("deleted ledger", "state", {"damage": "delete-ledger"}, 0),
]


@pytest.fixture
def qa(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[EmulatorClient]:
    """QA-INT with the local catalogue (API-managed kinds), on a served emulator: on a fake
    clock for network rows (their applies share it), on the real one for rows whose
    `provision apply` is another process, which cannot share it."""
    row: Row = request.node.callspec.params["row"]
    shutil.copytree(REPO / "manifests", tmp_path / "manifests")
    catalogue = (REPO / "manifests" / "local" / "catalogue.yaml").read_text()
    (tmp_path / "manifests" / "qa-int" / "catalogue.yaml").write_text(catalogue)
    local = tmp_path / "manifests" / "local" / "environment.yaml"  # no catalog to seed
    local.write_text(re.sub(r"products: \d+", "products: 0", local.read_text()))
    monkeypatch.chdir(tmp_path)
    emulator = Emulator(
        ":memory:",
        products=0,
        requests_per_10s=100_000,
        mutations_per_10s=100_000,
        clock=FakeClock() if row.kind == "network" else time,
    )
    with served(emulator) as url:
        monkeypatch.setenv("CENTRA_QA_INT_TOKEN", emulator.admin_token)
        monkeypatch.setenv("PROVISION_CENTRA_URL_QA_INT", f"{url}/graphql")
        monkeypatch.setenv("GE_ORDER_API_SECRET", SECRET)
        yield EmulatorClient(emulator, url)
    emulator.state.close()


def _add_shipping_options(count: int) -> None:
    extra = "".join(
        f"---\nkind: ShippingOption\nmetadata:\n  name: Matrix {i}\nspec:\n  status: ACTIVE\n"
        f"  currency: SEK\n  storeType: DIRECT_TO_CONSUMER\n  stores: [Retail]\n"
        f"  markets: [Global-e]\n  uri: matrix-{i}\n  isPickupPoint: false\n"
        for i in range(count)
    )
    with Path("manifests/qa-int/catalogue.yaml").open("a") as fh:
        fh.write(extra)


def _apply(api: EmulatorClient, targets: tuple[str, ...]) -> tuple[int, str]:
    """The exit code of `provision apply` (in-process, quick retries) and its messages."""
    options = ApplyOptions(
        auto_approve=True,
        targets=targets,
        retry=FAST,
        url_override=f"{api.base_url}/graphql",
        clock=_clock(api),
    )
    result = apply_plan(Path("manifests"), "qa-int", options, lambda _p: True)
    return result.exit_code, "\n".join(o.message or "" for o in result.outcomes)


def _clock(api: EmulatorClient) -> Clock:
    """The emulator's fake clock, for the client too; the real one if it has none."""
    clock = api.emulator.clock
    return clock if isinstance(clock, FakeClock) else SYSTEM_CLOCK


def _assert_converged_without_duplicates(api: EmulatorClient, row: Row) -> None:
    """One rerun without faults converges, a plan then shows nothing, nothing is doubled."""
    api.faults(
        error_rate=0.0, drop_rate=0.0, storm_requests=0, fail_after_commit=0, latency_ms=0,
        jitter_ms=0,
    )  # fmt: skip
    assert _apply(api, row.targets)[0] == 0  # apply plans again after its changes: 0 = converged
    state = api.emulator.state
    for kind in ("shipping_option", "pricelist"):
        names = [o["name"] for o in state.all(kind)]
        assert len(names) == len(set(names)), f"duplicate {kind}: {sorted(names)}"
    names = [o["name"] for o in state.all("shipping_option")]
    assert {f"Matrix {i}" for i in range(row.extra)} <= set(names)


def _assert_waited_out(emulator: Emulator) -> None:
    """Every 429 was waited out on the shared clock: the next request came no earlier than
    the moment it named."""
    for refused_at, resume in emulator.refusals:
        following = [t for t in emulator.arrivals if t > refused_at]
        assert following and following[0] >= resume, (refused_at, resume, following[:1])


def _cli(args: list[str], row: Row) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PROVISION_LOG_LEVEL": "warning"}
    targets = [a for t in row.targets for a in ("--target", t)]
    return subprocess.Popen(
        [sys.executable, "-m", "centra_provision", *args, *targets],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _created(api: EmulatorClient) -> int:
    stats = dict(api.emulator.stats)
    return sum(v for k, v in stats.items() if k.startswith("operation.Create"))


def _wait_for(condition: Callable[[], bool], what: str, proc: subprocess.Popen[str]) -> None:
    for _ in range(3000):  # a bound, not a timing assertion: 0.01 s steps, up to 30 s
        if condition():
            return
        if proc.poll() is not None:
            raise AssertionError(f"apply ended before {what}: {proc.communicate()}")
        time.sleep(0.01)
    raise AssertionError(f"never saw {what}")


def _process_row(row: Row, api: EmulatorClient) -> int:
    api.faults(latency_ms=25)  # slow enough that the second apply meets the first's lock
    wanted = int(row.fault.get("after_mutations", -1))
    if wanted == 0:  # the second request: the first read after rateLimits
        held, release = _hold_when(api, lambda: api.emulator.stats["requests"] >= 2)
    else:  # the first request after `wanted` creates ran
        held, release = _hold_when(api, lambda: 0 <= wanted <= _created(api))
    first = _cli(["apply", "-e", "qa-int", "--auto-approve"], row)
    try:
        if row.fault.get("second"):
            lock = Path(".provision/qa-int.ledger.json.lock")
            _wait_for(lock.exists, "the lock", first)
            first.send_signal(signal.SIGSTOP)  # hold it mid-run: the overlap is certain
            try:
                assert lock.exists()
                second = _cli(["apply", "-e", "qa-int", "--auto-approve"], row)
                _, err = second.communicate(timeout=120)
            finally:
                first.send_signal(signal.SIGCONT)
            assert row.says in err and "Traceback" not in err
            code = second.returncode
            assert first.wait(timeout=120) == 0
            return code
        _wait_for(held.is_set, "the held request", first)
        first.send_signal(signal.SIGKILL)
        code = first.wait(timeout=60)
        assert _created(api) == wanted  # killed exactly there
        return code
    finally:
        release()
        if first.poll() is None:
            first.kill()
            first.wait()


def _hold_when(api: EmulatorClient, condition: Callable[[], bool]) -> tuple[Any, Any]:
    """Hold every request that arrives once `condition()` holds, in the emulator's latency
    hook (before the request runs), so a kill lands at a known point whatever the load."""
    faults = api.emulator.faults
    original = faults.delay
    held, released = threading.Event(), threading.Event()

    async def delay() -> None:
        if condition():
            held.set()
            while not released.is_set():
                await asyncio.sleep(0.01)
        await original()

    faults.delay = delay  # type: ignore[method-assign]

    def release() -> None:
        released.set()
        faults.delay = original  # type: ignore[method-assign]

    return held, release


def _state_row(
    row: Row, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, Callable[[], None]]:
    """Damage the local environment after a converged apply; returns the damaged run's exit
    code and the repair a user would do before the rerun (the error says what is wrong)."""
    assert run(["apply", "-e", "local", "--auto-approve"], capsys)[0] == 0
    provision = tmp_path / ".provision"
    ledger = provision / "local.ledger.json"
    damage = row.fault["damage"]
    args = ["apply", "-e", "local", "--auto-approve"]

    def no_repair() -> None:
        pass

    repair = no_repair
    if damage == "ledger":
        saved = ledger.read_bytes()
        ledger.write_text('{"version": 1, "resources": {"Order')

        def repair() -> None:  # restore from a backup (or delete it: see "deleted ledger")
            ledger.write_bytes(saved)

    elif damage == "journal":
        journal = provision / "local.ledger.journal.jsonl"
        with journal.open("ab") as fh:
            fh.write(b'{"phase": "begin", "address": \x00\xff garbage\n{"truncated')
    elif damage == "plan":
        code, _, _ = run(["plan", "-e", "local", "--out", "plan.json"], capsys)
        assert code == 0
        plan = tmp_path / "plan.json"
        plan.write_text(plan.read_text()[: len(plan.read_text()) // 2])
        args = [*args[:3], "plan.json", args[3]]
    else:
        ledger.unlink()
    code, out, err = run(args, capsys)
    assert row.says in out + err and "Traceback" not in err and "internal error" not in err
    assert SECRET not in out + err
    return code, repair


def _local_converged_without_duplicates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["apply", "-e", "local", "--auto-approve"], capsys)
    assert code == 0 and "Converged" in out, out + err
    emulator = Emulator(str(tmp_path / ".provision" / "local-centra.sqlite"), 0)
    snapshot = emulator.backoffice.snapshot()
    shipping = [o["name"] for o in emulator.state.all("shipping_option")]
    pricelists = [o["name"] for o in emulator.state.all("pricelist")]
    emulator.state.close()
    assert len(snapshot["plugins"]) == 2 and len(snapshot["attributeTypes"]) == 3
    assert len(snapshot["taxGroups"]) == 1 and len(snapshot["taxRules"]) == 1
    assert [t["name"] for t in snapshot["tokens"]].count("Global-e integration") == 1
    assert len(shipping) == len(set(shipping)) and len(pricelists) == len(set(pricelists))


@pytest.mark.parametrize("row", ROWS, ids=[r.name.replace(" ", "-") for r in ROWS])
def test_fault_matrix_row(
    row: Row, qa: EmulatorClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_shipping_options(row.extra)
    if row.kind == "network":
        qa.faults(**row.fault)
        code, messages = _apply(qa, row.targets)
        assert code == row.exit_code and row.says in messages, messages
        _assert_waited_out(qa.emulator)
        _assert_converged_without_duplicates(qa, row)
    elif row.kind == "process":
        assert _process_row(row, qa) == row.exit_code
        lock = Path(".provision/qa-int.ledger.json.lock")
        if lock.exists():  # a SIGKILLed apply leaves its lock: break it as the error says
            lock_id = json.loads(lock.read_text())["id"]
            assert run(["force-unlock", "-e", "qa-int", lock_id], capsys)[0] == 0
        _assert_converged_without_duplicates(qa, row)
    else:
        code, repair = _state_row(row, tmp_path, capsys)
        assert code == row.exit_code
        repair()
        _local_converged_without_duplicates(tmp_path, capsys)


def test_readme_prints_the_matrix() -> None:
    readme = (REPO / "README.md").read_text()
    rows = re.findall(r"^\| (.+?) \| (-?\d+) \| yes \| 0 \|", readme, flags=re.MULTILINE)
    assert [(name, int(code)) for name, code in rows] == [(r.name, r.exit_code) for r in ROWS]
