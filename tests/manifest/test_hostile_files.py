"""Files that are not what they claim: FIFOs, devices, symlink loops, huge secrets. Each
ends in one line naming the file, never a hang, a MemoryError or a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from centra_provision.manifest.secrets import MAX_SECRET_BYTES, resolve
from tests.support.cases import TEMPLATE, build_case_tree
from tests.support.cli import run
from tests.support.paths import REPO


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    build_case_tree(TEMPLATE, tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _validate_err(capsys: pytest.CaptureFixture[str]) -> list[str]:
    code, out, err = run(["validate", "-e", "test"], capsys)
    assert code == 1 and out == "" and "Traceback" not in err
    return err.splitlines()


def test_fifo_manifest_is_refused_without_blocking(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(tree / "manifests" / "test" / "pipe.yaml")
    assert _validate_err(capsys)[0] == (
        "manifests/test/pipe.yaml:1:1: is not a regular file (a FIFO); refused"
    )


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_symlink_to_a_device_or_fifo_is_refused(
    tree: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if target == "fifo":
        os.mkfifo(tree / "fifo")
        target = str(tree / "fifo")
    (tree / "manifests" / "test" / "dev.yaml").symlink_to(target)
    kind = "a FIFO" if target.endswith("fifo") else "a character device"
    assert _validate_err(capsys)[0] == (
        f"manifests/test/dev.yaml:1:1: is not a regular file ({kind}); refused"
    )


def test_symlink_loop_as_manifest_root_is_a_usage_error(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / "loop1").symlink_to("loop2")
    (tree / "loop2").symlink_to("loop1")
    for args in (["validate", "-e", "test"], ["envs"], ["plan", "-e", "test"]):
        code, out, err = run([*args, "--manifests", "loop1"], capsys)
        assert (code, out) == (1, "")
        assert err == "error: manifest root loop1: symlink loop\n"


def test_symlink_loop_as_include_is_an_error_at_the_include(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / "manifests" / "lp1").symlink_to("lp2")
    (tree / "manifests" / "lp2").symlink_to("lp1")
    env = tree / "manifests" / "test" / "environment.yaml"
    env.write_text(env.read_text().replace("includes: [base]", "includes: [base, lp1]"))
    assert _validate_err(capsys)[0] == (
        "manifests/test/environment.yaml:12:20: include 'lp1': symlink loop"
    )


def test_symlink_loop_inside_an_environment_folder(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / "manifests" / "test" / "a.yaml").symlink_to("b.yaml")
    (tree / "manifests" / "test" / "b.yaml").symlink_to("a.yaml")
    assert _validate_err(capsys)[:2] == [
        "manifests/test/a.yaml:1:1: cannot read file: symlink loop",
        "manifests/test/b.yaml:1:1: cannot read file: symlink loop",
    ]


@pytest.mark.parametrize("kind", ["fifo", "device", "symlink-to-fifo", "huge", "missing"])
def test_from_file_secret_refuses_what_is_not_a_small_regular_file(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "secret"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "symlink-to-fifo":
        os.mkfifo(tmp_path / "pipe")
        path.symlink_to(tmp_path / "pipe")
    elif kind == "huge":
        path.write_bytes(b"s" * (MAX_SECRET_BYTES + 1))
    value = resolve({"fromFile": "secret"}, tmp_path)
    assert value.value is None
    expected = {
        "fifo": "secret: is not a regular file (a FIFO); refused",
        "device": "secret: is not a regular file (a character device); refused",
        "symlink-to-fifo": "secret: is not a regular file (a FIFO); refused",
        "huge": f"secret: file is {MAX_SECRET_BYTES + 1} bytes; the limit is 65536 bytes",
        "missing": "secret: cannot read secret file: no such file or directory",
    }[kind]
    assert value.problem == expected


def test_from_file_secret_at_the_limit_is_read(tmp_path: Path) -> None:
    (tmp_path / "secret").write_bytes(b"s" * MAX_SECRET_BYTES)
    assert resolve({"fromFile": "secret"}, tmp_path).value == "s" * MAX_SECRET_BYTES


def test_envs_lists_an_environment_that_fails_to_load_and_exits_1(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = tree / "manifests" / "test" / "environment.yaml"
    env.write_text(env.read_text().replace("merchantId: 1808", "merchantId: .nan"))
    code, out, err = run(["envs"], capsys)
    assert code == 1 and err == "" and "Traceback" not in out
    assert (
        out == "test\tmanifests/test/environment.yaml:11:17: .nan is not a finite number; refused\n"
    )


@pytest.mark.parametrize("state", ["directory", "junk"])
def test_unusable_embedded_state_file_is_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    state: str,
) -> None:
    # Running as root, a read-only .provision/ cannot be made here; a state path that
    # SQLite cannot open or that is not the emulator's database takes the same path.
    import shutil

    shutil.copytree(REPO / "manifests", tmp_path / "manifests")
    monkeypatch.chdir(tmp_path)
    path = tmp_path / ".provision" / "local-centra.sqlite"
    if state == "directory":
        path.mkdir(parents=True)
    else:
        path.parent.mkdir()
        path.write_text("not a database")
    code, out, err = run(["plan", "-e", "local"], capsys)
    reason = "Is a directory" if state == "directory" else "file is not a database"
    assert (code, out) == (1, "")
    assert err == (
        "error: cannot use the embedded emulator's state file .provision/local-centra.sqlite: "
        f"{reason} (is .provision/ writable, and the file the emulator's own?)\n"
    )
