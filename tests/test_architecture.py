"""The layers ARCHITECTURE.md describes, enforced: every import of every module of the
package (at the top, inside a function, under TYPE_CHECKING) goes only where its package
may go, and the emulator imports nothing from the rest of the package."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.support.paths import REPO

PACKAGE = REPO / "centra_provision"
DOC = REPO / "ARCHITECTURE.md"
# Who may use the emulator, as ARCHITECTURE.md names them.
EMULATOR_USERS = ("engine/endpoint.py", "executors/backoffice.py", "cli/emulator.py")


def allowed_from_doc(text: str) -> dict[str, set[str]]:
    """The layers table of ARCHITECTURE.md: package -> what it may import."""
    allowed: dict[str, set[str]] = {}
    section = text.split("## Layers, from the bottom", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not re.fullmatch(r"`[\w_]+`", cells[0]):
            continue
        allowed[cells[0].strip("`")] = set(re.findall(r"`([\w_]+)`", cells[2]))
    return allowed


ALLOWED = allowed_from_doc(DOC.read_text())


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
    assert len(ALLOWED) >= 18  # the table was read
    assert violations() == []


def test_only_the_named_modules_use_the_emulator() -> None:
    users = set()
    for path in PACKAGE.rglob("*.py"):
        if unit_of(module_name(path)) == "emulator":
            continue
        if any(unit_of(m) == "emulator" for _, m in imports(path)):
            users.add(str(path.relative_to(PACKAGE)))
    assert users == set(EMULATOR_USERS)
    doc = DOC.read_text()
    assert all(f"`{user}`" in doc for user in EMULATOR_USERS)


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
