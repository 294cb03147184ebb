"""The manifest root: a folder holding one folder per environment and the base folders.

What every command needs before any manifest is parsed: whether the root and an
environment folder exist (an unknown name lists the environments found), how paths are
shown in messages, and a cheap listing of the environments (`provision envs`, shell
completion) that reads only each folder's Environment document, without validation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from centra_provision.errors import ManifestError, UsageError
from centra_provision.manifest.files import FileProblem, path_problem, safe_resolve
from centra_provision.manifest.yamlio import load_file

MANIFEST_SUFFIXES = (".yaml", ".yml")


def shown_path(path: Path) -> str:
    """A path as users see it in messages: relative to the working directory when inside it."""
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd()) else str(path)
    except (OSError, ValueError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
        return str(path)


def require_root(root: Path) -> None:
    """The manifest root is a folder (a symlink loop or a file is a usage error)."""
    try:
        safe_resolve(root)
    except FileProblem as exc:
        raise UsageError(f"manifest root {shown_path(root)}: {exc}") from None
    if not root.is_dir():
        raise UsageError(
            f"manifest root {shown_path(root)} is not a folder "
            "(use --manifests DIR or PROVISION_MANIFESTS)"
        )


def require_environment_folder(root: Path, name: str) -> Path:
    """`root/name`, an environment folder; otherwise the error lists the environments found."""
    require_root(root)
    folder = root / name
    bad = not name or "/" in name or name.startswith(".") or path_problem(name) is not None
    if bad or not folder.is_dir():
        known = ", ".join(e.name for e in environment_summaries(root)) or "none"
        shown = name if len(name) <= 60 else name[:57] + "..."
        raise UsageError(f"no environment {shown!r} under {shown_path(root)} (found: {known})")
    return folder


@dataclass(frozen=True)
class EnvironmentSummary:
    name: str
    globale_env: str | None
    merchant_id: int | None
    problem: str | None = None


def environment_summaries(root: Path) -> list[EnvironmentSummary]:
    """Each folder holding an Environment document, read without full validation."""
    require_root(root)
    out = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        summary = _summary(folder)
        if summary is not None:
            out.append(summary)
    return out


def _summary(folder: Path) -> EnvironmentSummary | None:
    try:
        paths = sorted(folder.iterdir())
    except OSError as exc:
        return EnvironmentSummary(folder.name, None, None, f"cannot list folder: {exc.strerror}")
    for path in paths:
        if not path.name.endswith(MANIFEST_SUFFIXES) or not path.is_file():
            continue
        try:
            docs = load_file(path, shown_path(path))
        except ManifestError as exc:
            return EnvironmentSummary(folder.name, None, None, exc.lines()[0])
        for doc in docs:
            data = doc.data if isinstance(doc.data, dict) else {}
            if data.get("kind") != "Environment":
                continue
            spec = _mapping(data.get("spec"))
            globale = _mapping(spec.get("globale"))
            merchant = globale.get("merchantId")
            return EnvironmentSummary(
                folder.name,
                globale.get("environment"),
                merchant if isinstance(merchant, int) else None,
            )
    return None


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
