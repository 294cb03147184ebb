"""The secrets the manifests reference, resolved: kept apart from the planner so offline
commands (`validate` warns about weak secrets) do not load the Centra client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from centra_provision.errors import UsageError
from centra_provision.manifest import secrets
from centra_provision.manifest.desired import load_desired_state
from centra_provision.resources import KINDS, Resource

# (resource address, field path) -> the resolved value of that secret reference
Secrets = dict[tuple[str, str], secrets.SecretValue]


def resolve_secrets(resources: tuple[Resource, ...], repo_root: Path) -> Secrets:
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


def reveal_secret(root: Path, env_name: str, name: str) -> str:
    """The value of one referenced secret, found by field path, env var name or file path."""
    desired = load_desired_state(root, env_name)
    resolved = resolve_secrets(desired.resources, root.resolve().parent)
    for (_, path), value in resolved.items():
        if name in (path, value.source.split(" ")[-1]):
            if value.value is None:
                raise UsageError(f"secret {name} is unavailable: {value.problem}")
            return value.value
    known = sorted({v.source.split(" ")[-1] for v in resolved.values()})
    raise UsageError(f"no secret named {name} in {env_name} (known: {', '.join(known)})")
