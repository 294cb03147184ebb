"""Mutation score of the test suite over the core (engine/, centra/, catalog/, state/, plans/,
resources/, manifest/merge.py), measured with mutmut on a seeded uniform sample of its mutants.

Run: pip install -e '.[test,mutation]'
     python scripts/mutation_sample.py [--commit REV] [--sample 800] [--seed 16] [--work DIR]

Why a sample: the scope has some 4,000 mutants and each one runs the tests that reach its
function (about 20 a minute on 2 cores), so the whole population takes hours. A seeded uniform
sample gives the same estimate, with its 95 % interval printed, and the same seed picks the
same kind of sample for any commit, so two commits compare like for like.

Why a throw-away clone: mutmut needs `[tool.mutmut]` in pyproject.toml and copies the tree
into `mutants/`; neither belongs in the repository (the suite is run as `python3 -m pytest`).
Tests that start `python -m centra_provision` in another folder would not find mutmut's
config there, so the clone gets a `sitecustomize.py` that loads it from the project.

Results are cached in DIR/mutants (mutmut keeps them per mutant): a rerun only evaluates
what is not yet evaluated, so an interrupted run resumes.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCOPE = [
    "centra_provision/engine/*",
    "centra_provision/centra/*",
    "centra_provision/catalog/*",
    "centra_provision/state/*",
    "centra_provision/plans/*",
    "centra_provision/resources/*",
    "centra_provision/manifest/merge.py",
]
COPIED = ["tests", "manifests", "examples", "scripts", "bench", "README.md", "CHANGELOG.md", ".ci"]
CONFIG = f"""
[tool.mutmut]
source_paths = ["centra_provision"]
only_mutate = {json.dumps(SCOPE)}
also_copy = {json.dumps(COPIED)}
pytest_add_cli_args = ["-q", "-p", "no:cacheprovider", "-x", "-n", "0"]
process_isolation = "forkserver"  # forking a parent that ran servers in threads crashed it
"""
SITECUSTOMIZE = '''"""Mutation runs only: a process started in another folder loads mutmut's config
from the project (mutmut's trampoline reads ./pyproject.toml when first imported)."""
import os

_project = os.environ.get("MUTMUT_PROJECT")
if _project:
    import mutmut.configuration as _c

    _here = os.getcwd()
    os.chdir(_project)
    try:
        _c.config()
    finally:
        os.chdir(_here)
'''
KILLED = {"killed", "timeout"}  # a timeout is the suite noticing, as mutmut counts it
UNEVALUATED = {"not checked", "missing"}


def prepare(work: Path, commit: str) -> None:
    """A clone of `commit` with mutmut's config, its mutants generated and the tests' coverage
    of them collected. An existing DIR is moved to `commit`: mutmut keeps the verdicts of
    functions that did not change and collects coverage only for new tests."""
    sha = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", commit], capture_output=True, text=True, check=True
    ).stdout.strip()
    if not (work / ".git").exists():
        subprocess.run(["git", "clone", "-q", str(REPO), str(work)], check=True)
    subprocess.run(["git", "-C", str(work), "fetch", "-q", str(REPO), sha], check=True)
    subprocess.run(["git", "-C", str(work), "reset", "-q", "--hard", sha], check=True)
    with (work / "pyproject.toml").open("a") as fh:
        fh.write(CONFIG)
    shared = REPO.parent / "shared"
    if shared.exists() and not (work / "shared").exists():
        (work / "shared").symlink_to(shared)  # tests run in DIR/mutants and look beside it
    (work / "mutants").mkdir(exist_ok=True)
    (work / "mutants" / "sitecustomize.py").write_text(SITECUSTOMIZE)
    mutmut(work, ["no.mutant.has.this.name"])  # generate, collect coverage; no mutant matches


def mutmut(work: Path, names: list[str], children: int = 2) -> None:
    """One `mutmut run`; its output goes to DIR/mutmut.log. mutmut exits 1 both for "some
    mutants survived" and for a broken setup, so the log tells the two apart."""
    env = {**os.environ, "MUTMUT_PROJECT": str(work), "PYTHONPATH": str(work / "mutants")}
    cmd = ["mutmut", "run", "--max-children", str(children), *names]
    log = work / "mutmut.log"
    with log.open("a") as out:
        subprocess.run(cmd, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT)
    tail = log.read_text(errors="replace")[-4000:]
    broken_setups = (
        "failed to collect stats",
        "Failed to run clean test",
        "Failed to collect",
        "Failed to run pytest",  # e.g. a test id that changes between runs
    )
    for broken in broken_setups:
        if broken in tail:
            sys.exit(f"mutmut: {broken} (see {log})")


def all_mutants(work: Path) -> list[str]:
    metas = (work / "mutants" / "centra_provision").rglob("*.meta")
    return sorted(k for m in metas for k in json.loads(m.read_text())["exit_code_by_key"])


def statuses(work: Path) -> dict[str, str]:
    out = subprocess.run(
        ["mutmut", "results", "--all", "true"],
        cwd=work,
        env={**os.environ, "MUTMUT_PROJECT": str(work)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pairs = (line.strip().rsplit(": ", 1) for line in out.splitlines() if ": " in line)
    return {name: status for name, status in pairs}


def report(sample: list[str], status: dict[str, str], population: int) -> dict[str, object]:
    counts = collections.Counter(status.get(n, "missing") for n in sample)
    evaluated = sum(v for k, v in counts.items() if k not in UNEVALUATED)
    killed = sum(counts[k] for k in KILLED)
    ratio = killed / evaluated if evaluated else 0.0
    half = 1.96 * math.sqrt(ratio * (1 - ratio) / evaluated) if evaluated else 0.0
    survivors = sorted(n for n in sample if status.get(n) in ("survived", "no tests"))
    return {
        "population": population,
        "sample": len(sample),
        "evaluated": evaluated,
        "counts": dict(counts),
        "kill_ratio": round(ratio, 4),
        "interval95": [round(ratio - half, 4), round(ratio + half, 4)],
        "survivors": survivors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--sample", type=int, default=800)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--work", type=Path, default=Path("/tmp/centra-provision-mutation"))
    parser.add_argument("--children", type=int, default=2)
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="evaluate every sampled mutant again (verdicts kept from older tests can be stale)",
    )
    args = parser.parse_args()
    work = args.work.resolve()
    prepare(work, args.commit)
    names = all_mutants(work)
    sample = sorted(random.Random(args.seed).sample(names, min(args.sample, len(names))))
    status = statuses(work)
    todo = [n for n in sample if args.fresh or status.get(n, "not checked") in UNEVALUATED]
    # In random chunks of 100: a run stopped early has evaluated a uniform subsample.
    random.Random(args.seed).shuffle(todo)
    for start in range(0, len(todo), 100):
        mutmut(work, todo[start : start + 100], args.children)
    result = report(sample, statuses(work), len(names))
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
