"""Markdown for pull-request comments and CI job summaries."""

from __future__ import annotations

import click

from centra_provision.errors import ManifestError, ProvisionError
from centra_provision.manifest.catalog import EnvironmentSummary
from centra_provision.manifest.desired import DesiredState


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


class MarkdownConsole:
    def validation_ok(self, state: DesiredState) -> None:
        click.echo(f"### `{state.environment.name}`: manifests valid\n")
        click.echo("| resource |\n|---|")
        for r in state.resources:
            click.echo(f"| `{_cell(r.address)}` |")

    def validation_failed(self, env: str, error: ProvisionError) -> None:
        click.echo(f"### `{env}`: manifests invalid\n")
        click.echo("| where | problem |\n|---|---|")
        if isinstance(error, ManifestError):
            for d in error.diagnostics:
                click.echo(f"| `{_cell(d.mark or '')}` | {_cell(d.message)} |")
        else:
            click.echo(f"| | {_cell(error)} |")

    def environments(self, summaries: list[EnvironmentSummary]) -> None:
        click.echo("| environment | Global-e | merchant |\n|---|---|---|")
        for s in summaries:
            click.echo(f"| {_cell(s.name)} | {_cell(s.globale_env)} | {_cell(s.merchant_id)} |")
