"""`provision validate`: one environment's manifests checked offline (schemas and semantic
rules, no network), or every environment's. A result holds the desired state or the error,
and the weak-secret warnings, so that renderers can print one or many the same way.

Kept apart from the planner so offline commands load nothing network-side."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from centra_provision.engine.strength import weak_secrets
from centra_provision.errors import EXIT_OK, ProvisionError
from centra_provision.manifest.desired import DesiredState, load_desired_state
from centra_provision.manifest.root import environment_summaries


@dataclass(frozen=True)
class Validation:
    environment: str
    state: DesiredState | None = None
    error: ProvisionError | None = None
    warnings: tuple[str, ...] = ()  # secrets under 128 bits: never their values

    @property
    def exit_code(self) -> int:
        return self.error.exit_code if self.error is not None else EXIT_OK


def validate_environment(root: Path, env_name: str) -> Validation:
    try:
        state = load_desired_state(root, env_name)
    except ProvisionError as exc:
        return Validation(env_name, error=exc)
    return Validation(env_name, state, warnings=tuple(weak_secrets(state, root.resolve().parent)))


def validate_all(root: Path) -> list[Validation]:
    """Every environment under the manifest root, in name order."""
    return [validate_environment(root, s.name) for s in environment_summaries(root)]
