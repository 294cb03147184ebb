"""The layers ARCHITECTURE.md describes, enforced: every import of every module of the
package (at the top, inside a function, under TYPE_CHECKING) goes only where its package
may go, and the emulator imports nothing from the rest of the package."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.paths import REPO

PACKAGE = REPO / "centra_provision"
FOUNDATION = {"source", "errors", "globale", "urls", "clock", "values"}
# package (or top-level module) -> what it may import besides itself; `clock` imports
# nothing and every layer but the emulator may import it.
ALLOWED: dict[str, set[str]] = {
    "clock": set(),
    "values": set(),
    "source": {"clock"},
    "errors": {"source", "clock"},
    "globale": {"clock"},
    "urls": {"clock"},
    "plans": {"errors", "clock", "values"},
    "resources": FOUNDATION | {"plans"},
    "manifest": FOUNDATION | {"plans", "resources"},
    "centra": FOUNDATION | {"resources"},
    "state": FOUNDATION | {"resources"},
    "executors": FOUNDATION | {"plans", "resources", "centra", "emulator"},
    "engine": FOUNDATION
    | {"plans", "resources", "manifest", "centra", "state", "executors", "emulator"},
    "catalog": FOUNDATION | {"manifest", "centra", "engine"},
    "render": FOUNDATION
    | {"plans", "resources", "manifest", "state", "executors", "engine", "catalog"},
    "cli": FOUNDATION
    | {"__init__", "plans", "resources", "manifest", "centra", "state", "executors", "engine"}
    | {"catalog", "render", "emulator"},
    "emulator": set(),
    "__main__": {"cli"},
    "__init__": set(),
}


def unit_of(module: str) -> str:
    """The package (or top-level module) a dotted module name belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, package: Path = PACKAGE) -> list[tuple[int, str]]:
    """(line, module) of every import of the package in one file, wherever it stands;
    `from centra_provision import x` is module x when there is one, else the package."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}:{node.lineno}: relative import")
        if isinstance(node, ast.ImportFrom) and node.module == "centra_provision":
            for alias in node.names:
                is_module = (package / alias.name).is_dir() or (
                    package / f"{alias.name}.py"
                ).is_file()
                found.append(
                    (
                        node.lineno,
                        f"centra_provision.{alias.name}" if is_module else "centra_provision",
                    )
                )
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return [(line, m) for line, m in found if m.split(".")[0] == "centra_provision"]


def violations(package: Path = PACKAGE) -> list[str]:
    out = []
    for path in sorted(package.rglob("*.py")):
        unit = unit_of(module_name(path, package))
        for line, module in imports(path, package):
            target = unit_of(module)
            if target != unit and target not in ALLOWED[unit]:
                out.append(f"{path.relative_to(package.parent)}:{line}: {unit} imports {module}")
    return out


def test_every_import_follows_the_layers() -> None:
    assert violations() == []


def test_every_package_has_a_place() -> None:
    units = {unit_of(module_name(p)) for p in PACKAGE.rglob("*.py")}
    assert units <= set(ALLOWED), sorted(units - set(ALLOWED))


def test_the_layers_have_no_cycle() -> None:
    """Allowed imports form a DAG: walking them from any package never comes back."""

    def reaches(start: str, seen: frozenset[str]) -> None:
        for after in ALLOWED[start]:
            assert after not in seen, f"cycle through {after}"
            reaches(after, seen | {after})

    for unit in ALLOWED:
        reaches(unit, frozenset({unit}))


@pytest.mark.parametrize(
    ("unit", "source", "allowed"),
    [
        ("emulator", "from centra_provision.errors import UsageError\n", False),
        ("emulator", "from centra_provision.emulator import store\n", True),
        ("emulator", "from centra_provision.clock import SYSTEM_CLOCK\n", False),
        ("clock", "from centra_provision.errors import UsageError\n", False),
        ("plans", "from centra_provision.clock import SYSTEM_CLOCK\n", True),
        ("centra", "from centra_provision.clock import Clock\n", True),
        ("centra", "from centra_provision.manifest.desired import load_desired_state\n", False),
        ("resources", "def f():\n    from centra_provision.engine import session\n", False),
        (
            "state",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from centra_provision.engine.apply import ApplyResult\n",
            False,
        ),
        ("plans", "import centra_provision.render.text\n", False),
        ("plans", "from centra_provision import cli\n", False),
        ("render", "from centra_provision.engine.drift import DriftReport\n", True),
        ("engine", "from centra_provision.cli import main\n", False),
    ],
)
def test_a_wrong_import_anywhere_in_a_module_is_found(
    tmp_path: Path, unit: str, source: str, allowed: bool
) -> None:
    """The checker itself: an import at the top, in a function or under TYPE_CHECKING, of a
    package or of a module inside it."""
    package = tmp_path / "centra_provision"
    (package / unit).mkdir(parents=True)
    (package / unit / "module.py").write_text(source)
    found = violations(package)
    assert (found == []) == allowed, found
