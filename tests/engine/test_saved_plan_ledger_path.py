"""A saved plan names its ledger as the manifests folder was given; apply finds the same
file however the folder is named this time (relative, absolute, through a symlink), and still
refuses another ledger file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.cli import run

SECRET = "CANARY-saved-plan-path-secret-71c3"


@pytest.fixture
def workdir(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped manifests in the working directory, the Order API secret a canary."""
    monkeypatch.setenv("GE_ORDER_API_SECRET", SECRET)
    return workdir


@pytest.mark.parametrize("named", ["absolute", "symlink"])
def test_a_plan_saved_with_the_folder_named_another_way_applies(
    workdir: Path, named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = workdir / "manifests"
    if named == "symlink":
        (workdir / "linked").symlink_to(folder, target_is_directory=True)
        folder = workdir / "linked"
    code, _, err = run(
        ["plan", "-e", "local", "--manifests", str(folder), "--out", "p.json"], capsys
    )
    assert (code, err) == (0, "")
    code, out, err = run(["apply", "-e", "local", "p.json", "--auto-approve"], capsys)
    assert code == 0, err
    assert "nothing was applied" not in out + err


def test_a_plan_saved_against_another_ledger_file_is_refused(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(workdir / "manifests", workdir / "other" / "manifests")
    other = workdir / "other" / "manifests"
    code, _, _ = run(["plan", "-e", "local", "--manifests", str(other), "--out", "p.json"], capsys)
    assert code == 0
    code, out, err = run(["apply", "-e", "local", "p.json", "--auto-approve"], capsys)
    assert code == 1
    assert "other/.provision/" in err and err.rstrip().endswith("nothing was applied")
    assert "Traceback" not in out + err
