"""A cheap listing of every environment under a manifest root (for `provision envs`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from centra_provision.errors import ManifestError
from centra_provision.manifest.environment import (
    MANIFEST_SUFFIXES,
    require_root,
    shown_path,
)
from centra_provision.manifest.yamlio import load_file


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
