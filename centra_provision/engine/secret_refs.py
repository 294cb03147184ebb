"""The secrets the manifests reference, resolved: kept apart from the planner so offline
commands (`validate` warns about weak secrets) do not load the Centra client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from centra_provision.manifest import secrets
from centra_provision.resources import KINDS, Resource


def resolve_secrets(
    resources: tuple[Resource, ...], repo_root: Path
) -> dict[tuple[str, str], secrets.SecretValue]:
    """(address, field path) -> the resolved value of every secret reference."""
    out = {}
    for res in resources:
        for path in KINDS[res.kind].secret_paths:
            ref: Any = res.spec
            for key in path:
                ref = ref.get(key) if isinstance(ref, dict) else None
            if ref is not None:
                out[(res.address, ".".join(map(str, path)))] = secrets.resolve(ref, repo_root)
    return out
