"""A process killed at any step of a write leaves state the next run can use, never a half
of it: the ledger is the old version or the new one, the lock is absent or whole, and the
local ledger's key is never an empty or partial file taken for a key. And for a power loss
rather than a kill: nothing is put in place under its name before its bytes are fsynced.

A kill is simulated by raising `Killed` (a BaseException, as SIGKILL gives no chance to
clean up) at the k-th step of the write, for every k; what a real kill leaves that the
simulation cannot (a temp file whose cleanup never ran) is tested by leaving such files."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from centra_provision.state import backend as backend_module
from centra_provision.state import ledger as ledger_module
from centra_provision.state import lock as lock_module
from centra_provision.state.backend import LocalBackend
from centra_provision.state.ledger import KEY_ENV, Ledger, LedgerKeyError, key_file_for
from centra_provision.state.lock import LockHeldError, read_holder, state_lock


class Killed(BaseException):
    """The process died here."""


class Steps:
    """Counts the filesystem steps of a write and kills the process at step `at`: a file
    write (half of it reaches the disk), a flush, an fsync, a link, a rename, an unlink."""

    def __init__(self, at: int | None) -> None:
        self.at = at
        self.seen = 0

    def step(self) -> None:
        self.seen += 1
        if self.at is not None and self.seen == self.at:
            raise Killed

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            self.step()
            return fn(*args, **kwargs)

        return wrapped


class _File:
    """A file object whose write and flush are steps (a killed write leaves half)."""

    def __init__(self, inner: Any, steps: Steps) -> None:
        self.inner, self.steps = inner, steps

    def write(self, data: Any) -> Any:
        try:
            self.steps.step()
        except Killed:
            self.inner.write(data[: len(data) // 2])
            self.inner.flush()
            raise
        return self.inner.write(data)

    def flush(self) -> None:
        self.steps.step()
        self.inner.flush()

    def fileno(self) -> int:
        return int(self.inner.fileno())

    def __enter__(self) -> _File:
        return self

    def __exit__(self, *exc: object) -> None:
        self.inner.close()


@contextmanager
def killed_at(monkeypatch: pytest.MonkeyPatch, at: int | None) -> Iterator[Steps]:
    """Every filesystem step of the local backend and of the key file counted, the k-th
    fatal. With `at=None`, only counted."""
    steps = Steps(at)
    real_fdopen = os.fdopen
    with monkeypatch.context() as patch:
        for module in (backend_module, ledger_module):
            patch.setattr(module.os, "fsync", steps.wrap(os.fsync))
            patch.setattr(module.os, "replace", steps.wrap(os.replace))
            patch.setattr(module.os, "link", steps.wrap(os.link))
            patch.setattr(module.os, "unlink", steps.wrap(os.unlink))
            patch.setattr(module.os, "fdopen", lambda *a, **k: _File(real_fdopen(*a, **k), steps))
        yield steps


def _count(monkeypatch: pytest.MonkeyPatch, write: Callable[[], None]) -> int:
    with killed_at(monkeypatch, None) as steps:
        write()
    return steps.seen


def _ledger(path: Path, field: str) -> Ledger:
    ledger = Ledger.load(path, "qa-int")
    ledger.remember("Pricelist/SEK", "comment", field, "apply")
    return ledger


def test_a_ledger_save_killed_at_any_step_leaves_the_old_or_the_new_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "crash-test-key-" + "c" * 40)
    path = tmp_path / "qa-int.ledger.json"
    _ledger(path, "old").save()
    old = path.read_bytes()
    steps = _count(monkeypatch, lambda: _ledger(path, "new").save())
    new = path.read_bytes()
    assert steps >= 4  # write, flush, fsync, rename
    for at in range(1, steps + 1):
        path.write_bytes(old)
        with killed_at(monkeypatch, at), pytest.raises(Killed):
            _ledger(path, "new").save()
        assert path.read_bytes() in (old, new), f"killed at step {at}"
        again = Ledger.load(path, "qa-int")  # the next run reads it, whatever was left
        assert again.matches(again.record("Pricelist/SEK", "comment") or {}, "old")
        _ledger(path, "after").save()
        assert Ledger.load(path, "qa-int").matches(
            Ledger.load(path, "qa-int").record("Pricelist/SEK", "comment") or {}, "after"
        )


def test_a_lock_taken_by_a_run_killed_at_any_step_is_absent_or_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "qa-int.ledger.json"

    def die(*_args: object) -> None:
        raise Killed  # the run dies holding the lock: nothing releases it

    def take() -> None:
        with monkeypatch.context() as patch:
            patch.setattr(lock_module, "_release", die)
            with state_lock(path, "qa-int"):
                pass

    with killed_at(monkeypatch, None) as counter, pytest.raises(Killed):
        take()
    steps = counter.seen
    Path(f"{path}.lock").unlink()
    assert steps >= 4  # write, flush, fsync, link (and the temp file's unlink)
    for at in range(1, steps + 1):
        with killed_at(monkeypatch, at), pytest.raises(Killed):
            take()
        holder = read_holder(path)
        if holder is None:  # killed before the link: no lock, the next run takes it
            with state_lock(path, "qa-int"):
                pass
        else:  # a whole record, naming a holder the next run can report and break
            assert {"id", "environment", "host", "pid", "since"} <= set(holder), at
            with pytest.raises(LockHeldError, match=holder["id"]), state_lock(path, "qa-int"):
                pass
            Path(f"{path}.lock").unlink()


def test_a_local_key_made_by_a_run_killed_at_any_step_is_never_half_a_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first run of a local ledger makes its key beside it. Killed at any step, the
    next run makes a whole key of its own, or uses the whole key that was made: never an
    empty or half-written file as the key."""
    path = tmp_path / "qa-int.ledger.json"
    key_file = key_file_for(path)
    steps = _count(monkeypatch, lambda: Ledger.load(path, "qa-int"))
    key_file.unlink()
    assert steps >= 2
    for at in range(1, steps + 1):
        with killed_at(monkeypatch, at), pytest.raises(Killed):
            Ledger.load(path, "qa-int")
        ledger = Ledger.load(path, "qa-int")
        key = key_file.read_text().strip()
        assert len(key) == 64 and int(key, 16) >= 0, f"killed at step {at}: {key!r}"
        assert ledger.secret == key.encode()
        key_file.unlink()


@pytest.mark.parametrize("content", [b"", b"\n", b"ab12", b"  "])
def test_an_empty_or_short_key_file_is_never_taken_for_a_key(
    tmp_path: Path, content: bytes
) -> None:
    """What a kill in the middle of making the key could leave with a non-atomic write, or
    a hand edit: with no ledger yet it is replaced by a whole key; beside a ledger it is an
    error, never a weak key."""
    path = tmp_path / "qa-int.ledger.json"
    key_file = key_file_for(path)
    key_file.write_bytes(content)
    fresh = Ledger.load(path, "qa-int")
    assert len(fresh.secret) == 64 and key_file.read_text().strip() == fresh.secret.decode()
    fresh.save()
    key_file.write_bytes(content)
    with pytest.raises(LedgerKeyError, match=r"key file .* is not a key"):
        Ledger.load(path, "qa-int")


@pytest.mark.parametrize("junk", [b"", b'{"formatVersion": 2, "ledg', b"\x00" * 100])
def test_temp_files_a_killed_write_left_behind_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, junk: bytes
) -> None:
    """A kill between creating the temp file and renaming it leaves the temp file: the
    ledger, the lock and the key beside it are read and written as if it were not there."""
    monkeypatch.setenv(KEY_ENV, "crash-test-key-" + "c" * 40)
    path = tmp_path / "qa-int.ledger.json"
    _ledger(path, "old").save()
    for name in (f".{path.name}.abc123", f".{path.name}.lock.def456", ".qa-int.ledger.key.1"):
        (tmp_path / name).write_bytes(junk)
    with state_lock(path, "qa-int"):
        _ledger(path, "new").save()
    assert read_holder(path) is None
    ledger = Ledger.load(path, "qa-int")
    assert ledger.matches(ledger.record("Pricelist/SEK", "comment") or {}, "new")
    assert json.loads(path.read_text())["serial"] == 2
    assert isinstance(LocalBackend(path).read(), object)


class Durability:
    """Records, for a power loss rather than a kill, the order that makes a write durable:
    a file is put in place under its name (renamed or linked) only after every byte written
    to it was fsynced; otherwise the name could point at an empty file after the machine
    restarts."""

    def __init__(self) -> None:
        self.unsynced: set[str] = set()
        self.published: list[str] = []

    @staticmethod
    def _path(fd: int) -> str:
        return os.readlink(f"/proc/self/fd/{fd}")

    def wrote(self, fd: int) -> None:
        self.unsynced.add(self._path(fd))

    def synced(self, fd: int) -> None:
        self.unsynced.discard(self._path(fd))

    def publish(self, source: Any) -> None:
        path = os.path.realpath(source)
        assert path not in self.unsynced, f"{path} put in place before it was fsynced"
        self.published.append(path)


class _TrackedFile:
    def __init__(self, inner: Any, durability: Durability) -> None:
        self.inner, self.durability = inner, durability

    def write(self, data: Any) -> Any:
        self.durability.wrote(self.inner.fileno())
        return self.inner.write(data)

    def flush(self) -> None:
        self.inner.flush()

    def fileno(self) -> int:
        return int(self.inner.fileno())

    def __enter__(self) -> _TrackedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.inner.close()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name an fd")
def test_every_file_is_fsynced_before_it_is_put_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ledger, the lock and the key file each reach their name by a rename or a link
    of a temp file whose bytes were fsynced first."""
    durability = Durability()
    real_fdopen, real_fsync = os.fdopen, os.fsync
    real_replace, real_link = os.replace, os.link

    def fsync(fd: int) -> None:
        real_fsync(fd)
        durability.synced(fd)

    def replace(src: Any, dst: Any) -> None:
        durability.publish(src)
        real_replace(src, dst)

    def link(src: Any, dst: Any) -> None:
        durability.publish(src)
        real_link(src, dst)

    for module in (backend_module, ledger_module):
        monkeypatch.setattr(module.os, "fsync", fsync)
        monkeypatch.setattr(module.os, "replace", replace)
        monkeypatch.setattr(module.os, "link", link)
        monkeypatch.setattr(
            module.os, "fdopen", lambda *a, **k: _TrackedFile(real_fdopen(*a, **k), durability)
        )
    path = tmp_path / "qa-int.ledger.json"
    with state_lock(path, "qa-int"):
        _ledger(path, "durable").save()
    assert len(durability.published) == 3  # the key file, the lock and the ledger
