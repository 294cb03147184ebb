"""The environment lock as its users meet it: the record a held lock shows to the second
run (whoever wrote it, however little it says), the CI run it names, force-unlock's three
refusals, a lock that is no longer ours left alone, and a failure whose lock could not be
released reported as both (in-process, against moto's S3 server for the failing store)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from centra_provision.errors import (
    EXIT_GUIDED_PENDING,
    Diagnostic,
    ManifestError,
    ProvisionError,
)
from centra_provision.state.lock import (
    LockHeldError,
    LockNotReleased,
    UnlockRefused,
    force_unlock,
    read_holder,
    state_lock,
)
from tests.support.s3 import S3

CI_VARS = ("GITHUB_RUN_ID", "GITHUB_REPOSITORY", "GITHUB_SERVER_URL", "CI_JOB_URL")


class GuidedStepsPending(ProvisionError):
    exit_code = EXIT_GUIDED_PENDING


@pytest.fixture(autouse=True)
def no_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CI_VARS:
        monkeypatch.delenv(name, raising=False)


def held_by(location: Path, record: Any) -> str:
    """The message a second run gets while `record` (raw text or JSON) holds the lock."""
    lock = location.with_name(location.name + ".lock")
    lock.write_text(record if isinstance(record, str) else json.dumps(record))
    with pytest.raises(LockHeldError) as info, state_lock(location, "qa-int"):
        pass
    assert lock.read_text() == (record if isinstance(record, str) else json.dumps(record))
    return str(info.value)


FULL = {
    "id": "0a1b2c3d4e5f",
    "environment": "qa-int",
    "operation": "attest",
    "host": "runner-7",
    "pid": 4242,
    "runUrl": "https://github.com/acme/infra/actions/runs/99",
    "since": "2026-11-27T10:00:00+00:00",
}


@pytest.mark.parametrize(
    ("record", "shown", "unlock_id"),
    [
        (
            FULL,
            "id 0a1b2c3d4e5f (attest, pid 4242 on runner-7, "
            "https://github.com/acme/infra/actions/runs/99) since 2026-11-27T10:00:00+00:00",
            "0a1b2c3d4e5f",
        ),
        (
            {**FULL, "runUrl": None, "operation": "apply"},
            "id 0a1b2c3d4e5f (apply, pid 4242 on runner-7) since 2026-11-27T10:00:00+00:00",
            "0a1b2c3d4e5f",
        ),
        (
            {k: v for k, v in FULL.items() if k in ("id", "host", "pid", "since")},
            "id 0a1b2c3d4e5f (apply, pid 4242 on runner-7) since 2026-11-27T10:00:00+00:00",
            "0a1b2c3d4e5f",
        ),
        ({}, "id ? (a lock record without an id)", "?"),
        ({"runUrl": "", "id": ""}, "id ? (a lock record without an id)", "?"),
        ({"id": 7, "pid": 1}, "id ? (a lock record without an id)", "?"),
        ([1, 2], "id ? (a lock record that is not a JSON object)", "?"),
        ("{torn", "id ? (an unreadable lock record)", "?"),
    ],
)
def test_a_held_lock_names_its_holder(
    tmp_path: Path, record: Any, shown: str, unlock_id: str
) -> None:
    assert held_by(tmp_path / "qa-int.ledger.json", record) == (
        f"qa-int is locked by another run: {shown}; if that run is gone, run "
        f"`provision force-unlock -e qa-int {unlock_id}`"
    )


@pytest.mark.parametrize(
    ("ci", "run_url"),
    [
        ({}, None),
        (
            {"GITHUB_RUN_ID": "77", "GITHUB_REPOSITORY": "acme/infra"},
            "https://github.com/acme/infra/actions/runs/77",
        ),
        (
            {
                "GITHUB_RUN_ID": "77",
                "GITHUB_REPOSITORY": "acme/infra",
                "GITHUB_SERVER_URL": "https://ghe.acme.example",
                "CI_JOB_URL": "https://gitlab.example/j/1",
            },
            "https://ghe.acme.example/acme/infra/actions/runs/77",
        ),
        (
            {"GITHUB_RUN_ID": "77", "CI_JOB_URL": "https://gitlab.example/j/1"},
            "https://gitlab.example/j/1",
        ),
        ({"GITHUB_REPOSITORY": "acme/infra"}, None),
        ({"CI_JOB_URL": ""}, None),
    ],
)
def test_the_lock_records_who_holds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ci: dict[str, str], run_url: str | None
) -> None:
    for name, value in ci.items():
        monkeypatch.setenv(name, value)
    location = tmp_path / "qa-int.ledger.json"
    with state_lock(location, "qa-int", "import") as lock_id:
        holder = read_holder(location)
    assert holder is not None
    since = holder.pop("since")
    assert holder == {
        "id": lock_id,
        "environment": "qa-int",
        "operation": "import",
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "runUrl": run_url,
    }
    assert len(lock_id) == 12 and since.endswith("+00:00") and "." not in since
    assert read_holder(location) is None  # released on the way out


def test_a_lock_that_is_no_longer_ours_is_left_alone(tmp_path: Path) -> None:
    """Someone force-unlocked this run's lock and another run took it: leaving must not
    delete the other run's lock (on success or on failure)."""
    location = tmp_path / "qa-int.ledger.json"
    lock = tmp_path / "qa-int.ledger.json.lock"
    for failing in (False, True):
        expected = pytest.raises(GuidedStepsPending) if failing else contextlib.nullcontext()
        with expected, state_lock(location, "qa-int"):
            lock.write_text(json.dumps(FULL))
            if failing:
                raise GuidedStepsPending("guided steps pending")
        assert read_holder(location) == FULL
        lock.unlink()


def test_a_failed_run_releases_its_lock(tmp_path: Path) -> None:
    location = tmp_path / "qa-int.ledger.json"
    with pytest.raises(GuidedStepsPending), state_lock(location, "qa-int"):
        raise GuidedStepsPending("guided steps pending")
    assert read_holder(location) is None
    with pytest.raises(KeyboardInterrupt), state_lock(location, "qa-int"):
        raise KeyboardInterrupt
    assert read_holder(location) is None


def test_a_failure_whose_lock_cannot_be_released_reports_both(s3: S3) -> None:
    location = s3.url("ci/qa-int.ledger.json")
    with pytest.raises(LockNotReleased) as info, state_lock(location, "qa-int") as lock_id:
        s3.stop()
        raise GuidedStepsPending("1 guided step pending: create the Global-e integration")
    error = info.value
    hint = (
        f"the lock on qa-int (id {lock_id}) could not be released; once the store answers, "
        f"run `provision force-unlock -e qa-int {lock_id}`"
    )
    assert str(error) == "1 guided step pending: create the Global-e integration"
    assert error.hint == hint and isinstance(error.cause, GuidedStepsPending)
    assert error.lines() == ["1 guided step pending: create the Global-e integration", hint]
    assert error.exit_code == EXIT_GUIDED_PENDING
    assert isinstance(error.__cause__, GuidedStepsPending)
    s3.start()
    assert (read_holder(location) or {}).get("id") == lock_id  # left behind, as reported


def test_a_non_tool_failure_with_an_unreleasable_lock_propagates_as_is(s3: S3) -> None:
    location = s3.url("ci/qa-int.ledger.json")
    with pytest.raises(KeyboardInterrupt), state_lock(location, "qa-int"):
        s3.stop()
        raise KeyboardInterrupt


def test_every_line_of_the_cause_is_kept() -> None:
    cause = ManifestError([Diagnostic(None, "b is wrong"), Diagnostic(None, "a is wrong")])
    error = LockNotReleased(cause, "the lock on prod (id x) could not be released")
    assert str(error) == "2 error(s) in manifests" and error.exit_code == cause.exit_code
    assert error.lines() == [
        "a is wrong",
        "b is wrong",
        "the lock on prod (id x) could not be released",
    ]


def lock_with(tmp_path: Path, **fields: Any) -> Path:
    location = tmp_path / "qa-int.ledger.json"
    record = {**FULL, **fields}
    location.with_name(location.name + ".lock").write_text(json.dumps(record))
    return location


def test_force_unlock_of_an_unlocked_environment_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnlockRefused) as info:
        force_unlock(tmp_path / "qa-int.ledger.json", "qa-int", "0a1b2c3d4e5f")
    assert str(info.value) == "qa-int is not locked; nothing was unlocked"


def test_force_unlock_needs_the_holders_id(tmp_path: Path) -> None:
    location = lock_with(tmp_path)
    with pytest.raises(UnlockRefused) as info:
        force_unlock(location, "qa-int", "ffffffffffff")
    assert str(info.value) == (
        "lock id ffffffffffff does not match the lock held on qa-int (id 0a1b2c3d4e5f "
        "(attest, pid 4242 on runner-7, https://github.com/acme/infra/actions/runs/99) "
        "since 2026-11-27T10:00:00+00:00); nothing was unlocked"
    )
    assert read_holder(location) == FULL


@pytest.mark.parametrize(
    "pid",
    [os.getpid(), 1, str(os.getpid())],
    ids=["this-process", "init", "this-process-as-text"],  # stable ids: not the pid itself
)
def test_force_unlock_refuses_while_the_holder_runs_here(tmp_path: Path, pid: Any) -> None:
    location = lock_with(tmp_path, host=socket.gethostname(), pid=pid)
    with pytest.raises(UnlockRefused) as info:
        force_unlock(location, "qa-int", "0a1b2c3d4e5f")
    assert str(info.value) == (
        f"the lock holder is still running (pid {pid} on this host); stop it first; "
        "nothing was unlocked"
    )
    assert read_holder(location) is not None


def gone_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


@pytest.mark.parametrize(
    "fields",
    [
        {"host": "another-runner", "pid": os.getpid()},  # alive or not, not ours to check
        {"host": socket.gethostname(), "pid": "gone"},
        {"host": socket.gethostname(), "pid": None},
        {"host": socket.gethostname(), "pid": 0},
        {"host": socket.gethostname(), "pid": -1},
        {"host": socket.gethostname()},
        {"host": socket.gethostname(), "pid": "dead"},
    ],
)
def test_force_unlock_breaks_a_lock_whose_holder_is_gone(
    tmp_path: Path, fields: dict[str, Any]
) -> None:
    if fields.get("pid") == "dead":
        fields = {**fields, "pid": gone_pid()}
    location = lock_with(tmp_path, **fields)
    record = read_holder(location)
    if "pid" not in fields:
        location.with_name(location.name + ".lock").write_text(
            json.dumps({k: v for k, v in {**FULL, **fields}.items() if k != "pid"})
        )
        record = read_holder(location)
    assert force_unlock(location, "qa-int", "0a1b2c3d4e5f") == record
    assert read_holder(location) is None
    with state_lock(location, "qa-int"):  # the environment can be locked again
        pass


def test_force_unlock_never_signals_the_holder(tmp_path: Path) -> None:
    """Whether the holder is alive is asked with signal 0, which delivers nothing: the
    refused force-unlock leaves the running holder exactly as it was."""
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        location = lock_with(tmp_path, host=socket.gethostname(), pid=holder.pid)
        with pytest.raises(UnlockRefused, match="still running"):
            force_unlock(location, "qa-int", "0a1b2c3d4e5f")
    finally:
        holder.terminate()
    # a signal sent by force-unlock would be pending before ours and would have ended it
    assert holder.wait(timeout=30) == -signal.SIGTERM


@pytest.mark.parametrize("record", ["{torn", "[1, 2]", "{}", '{"id": 7, "pid": 1}'])
def test_a_damaged_lock_record_is_broken_with_the_id_its_message_names(
    tmp_path: Path, record: str
) -> None:
    """The message says `force-unlock -e qa-int ?`, and that works (no live holder named)."""
    location = tmp_path / "qa-int.ledger.json"
    assert held_by(location, record).endswith("`provision force-unlock -e qa-int ?`")
    with pytest.raises(UnlockRefused):
        force_unlock(location, "qa-int", "other")
    broken = force_unlock(location, "qa-int", "?")
    assert broken["id"] == "?" and "problem" in broken
    assert read_holder(location) is None
