"""A structure-aware manifest fuzzer: each case takes the template environment, applies one to
three mutations (keys, types, numbers, strings, encodings, includes, secrets, documents, raw
bytes) and loads it as every offline command does (`load_desired_state`, the `envs` scan,
secret resolution). Every case must end in a result or a ProvisionError of one-line messages
(file:line:col first for manifest errors); anything else is a crash and fails the test.

The normal suite runs a few hundred cases on one seed; `FUZZ_CASES=10000 FUZZ_SEEDS=1,2,3`
runs as many as asked and prints the figures (cases, accepted, rejected cleanly, crashes).
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from tests.support.manifest_fuzzer import CASES, SEEDS, Tally, _template, run_case


@pytest.mark.parametrize("seed", SEEDS)
def test_fuzzed_manifests_never_crash(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GE_ORDER_API_SECRET", "CANARY-fuzz-secret")
    monkeypatch.chdir(tmp_path)
    template = _template()
    rng = random.Random(seed)
    tally = Tally()
    for n in range(CASES):
        root = Path(f"case-{n % 8}")
        if root.exists():
            shutil.rmtree(root)
        root.mkdir()
        run_case(rng, root, template, tally)
    print(
        f"\nfuzz seed {seed}: cases {tally.cases}, accepted {tally.accepted}, "
        f"rejected cleanly {tally.rejected}, crashes {len(tally.crashes)}"
    )
    assert tally.accepted + tally.rejected + len(tally.crashes) == tally.cases == CASES
    assert tally.accepted > 0 and tally.rejected > 0  # the mutations neither all fail nor all pass
    assert not tally.crashes, "\n".join(tally.crashes[:20])
