"""Table-driven: each folder under cases/invalid overlays the template manifests and lists
the exact error lines `provision validate` must print (and nothing else)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cases import CASES, TEMPLATE, build_case_tree
from tests.support.cli import run

INVALID = sorted(p for p in (CASES / "invalid").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", INVALID, ids=[p.name for p in INVALID])
def test_invalid_manifest_gives_exact_error_lines(
    case: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    build_case_tree(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["validate", "-e", "test"], capsys)
    expected = (case / "expected.txt").read_text().splitlines()
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert lines[:-1] == expected
    n = len(expected)
    assert lines[-1] == f"test: {n} error{'s' if n != 1 else ''}"
    assert "Traceback" not in err


def test_template_itself_is_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    build_case_tree(TEMPLATE, tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run(["validate", "-e", "test"], capsys) == (0, "OK: 7 resources in test\n", "")


def test_huge_file_is_refused_quickly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    build_case_tree(TEMPLATE, tmp_path)
    big = tmp_path / "manifests" / "test" / "big.yaml"
    with big.open("wb") as fh:
        fh.write(b"kind: AttributeType\nmetadata: {name: big}\nspec: {desc: '")
        fh.truncate(50 * 1024 * 1024)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["validate", "-e", "test"], capsys)
    assert code == 1
    assert err.splitlines()[0] == (
        "manifests/test/big.yaml:1:1: file is 52428800 bytes; manifests are limited to "
        "1048576 bytes"
    )
