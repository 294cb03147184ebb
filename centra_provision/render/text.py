"""Plain text for people and logs (colour only when stdout is a terminal and NO_COLOR unset)."""

from __future__ import annotations

import click

from centra_provision.errors import ManifestError, ProvisionError
from centra_provision.manifest.catalog import EnvironmentSummary
from centra_provision.manifest.desired import DesiredState


class TextConsole:
    def validation_ok(self, state: DesiredState) -> None:
        n = len(state.resources)
        click.echo(f"OK: {n} resource{'s' if n != 1 else ''} in {state.environment.name}")

    def validation_failed(self, env: str, error: ProvisionError) -> None:
        for line in error.lines():
            click.echo(line if isinstance(error, ManifestError) else f"error: {line}", err=True)
        if isinstance(error, ManifestError):
            n = len(error.diagnostics)
            click.echo(f"{env}: {n} error{'s' if n != 1 else ''}", err=True)

    def environments(self, summaries: list[EnvironmentSummary]) -> None:
        for s in summaries:
            detail = s.problem or f"{s.globale_env or '?'} merchant {s.merchant_id or '?'}"
            click.echo(f"{s.name}\t{detail}")
