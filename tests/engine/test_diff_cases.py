"""Tests as data: each tests/cases/diff/*.yaml holds a resource, live Centra, the ledger and
the secrets, and the exact changes the diff must produce."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.diff import load_case, run_case, summarise
from tests.support.paths import CASES

DIFF_CASES = sorted((CASES / "diff").glob("*.yaml"))


@pytest.mark.parametrize("path", DIFF_CASES, ids=[p.stem for p in DIFF_CASES])
def test_diff_case(path: Path, tmp_path: Path) -> None:
    case = load_case(path)
    assert summarise(run_case(case, tmp_path)) == {
        "action": case["expected"]["action"],
        "changes": [
            {"before": None, "after": None, **c} for c in case["expected"].get("changes") or []
        ],
    }
