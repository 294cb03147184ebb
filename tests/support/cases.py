"""Builds a manifest tree for a table-driven case: the template tree, overlaid by the case."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.paths import CASES

TEMPLATE = CASES / "template"


def build_case_tree(case: Path, dest: Path) -> Path:
    """Copy the template then the case's files over it into `dest`; returns dest."""
    shutil.copytree(TEMPLATE, dest, dirs_exist_ok=True)
    for path in sorted(case.rglob("*")):
        rel = path.relative_to(case)
        target = dest / rel
        if path.is_dir():
            if target.is_file():
                target.unlink()
            target.mkdir(parents=True, exist_ok=True)
        elif rel.name != "expected.txt":
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return dest
