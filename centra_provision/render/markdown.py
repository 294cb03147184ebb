"""Markdown for pull-request comments and CI job summaries.

Library types are imported for annotations only (offline commands stay light)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from centra_provision.errors import ManifestError, ProvisionError
from centra_provision.plans import Action
from centra_provision.render.plan_text import SYMBOL, describe, field_symbol, note, value
from centra_provision.render.runbook import runbook_markdown

if TYPE_CHECKING:
    from centra_provision.engine.apply import ApplyResult
    from centra_provision.engine.drift import DriftReport
    from centra_provision.manifest.desired import DesiredState
    from centra_provision.manifest.root import EnvironmentSummary
    from centra_provision.plans import Plan


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

    def plan(self, plan: Plan, verbose: bool = False) -> None:
        """A compact table fit for a PR comment, details folded per resource."""
        click.echo(f"### `provision plan`: `{plan.environment}`\n")
        origin = f" (from `{plan.centra_url_source}`)" if plan.centra_url_source else ""
        click.echo(f"Centra: `{_cell(plan.centra_url)}`{origin}\n")
        click.echo(f"**{plan.summary_line()}**\n")
        for note_line in plan.notes:
            click.echo(f"> {_cell(note_line)}\n")
        if not plan.has_changes:
            click.echo("No changes. Live Centra matches the manifests.")
            return
        click.echo("| | resource | executor | fields to change |\n|---|---|---|---|")
        for c in plan.pending:
            click.echo(
                f"| `{SYMBOL[c.action]}` | `{_cell(c.address)}` | {c.executor} | "
                f"{len(c.changed_fields)} |"
            )
        for c in plan.pending:
            click.echo(
                f"\n<details><summary><code>{SYMBOL[c.action]} {_cell(c.address)}"
                "</code></summary>\n"
            )
            click.echo("| | field | value | note |\n|---|---|---|---|")
            for f in c.fields if c.action == Action.CREATE else c.changed_fields:
                click.echo(
                    f"| `{field_symbol(c, f)}` | `{_cell(f.path)}` | "
                    f"{_cell(describe(c, f))} | {_cell(note(f, c).strip(' ()'))} |"
                )
            click.echo("\n</details>")

    def apply_result(self, result: ApplyResult) -> None:
        click.echo(f"### `provision apply`: `{result.final.environment}`\n")
        click.echo(f"**{result.summary_line()}**\n")
        click.echo("| outcome | resource | action | executor |\n|---|---|---|---|")
        for o in result.outcomes:
            click.echo(f"| {o.outcome} | `{_cell(o.address)}` | {o.action} | {o.executor} |")
        if result.runbook is not None:
            click.echo("\n" + runbook_markdown(result.runbook))

    def drift(self, report: DriftReport) -> None:
        click.echo(drift_markdown(report), nl=False)


def drift_markdown(report: DriftReport) -> str:
    """Compact tables, fit for a PR comment or $GITHUB_STEP_SUMMARY: drift against the
    manifests, then changes outside them."""
    n, u = len(report.drifted), len(report.unmanaged)
    lines = [
        f"### `provision drift`: `{report.environment}`",
        "",
        f"**{n} of {len(report.items)} resources differ from the manifests**",
        "",
    ]
    lines += [f"> {_cell(note_line)}" for note_line in report.notes]
    lines += ["| | resource | drift |", "|---|---|---|"]
    for item in report.items:
        if item.drifted:
            mark, text = "❌", item.reason
        elif item.unmanaged:
            mark, text = "⚠️", "changed outside the manifests"
        else:
            mark, text = "✅", "in sync"
        lines.append(f"| {mark} | `{_cell(item.address)}` | {_cell(text)} |")
    lines += ["", f"**{u} resources changed outside the manifests**", ""]
    if u:
        lines += ["| resource | field | was | now |", "|---|---|---|---|"]
        for item in report.unmanaged:
            for c in item.unmanaged:
                was = "(not in the manifests)" if c.since is None else _shown(c.was)
                lines.append(
                    f"| `{_cell(item.address)}` | `{_cell(c.path)}` | {_cell(was)} | "
                    f"{_cell(_shown(c.now))} |"
                )
    return "\n".join(lines) + "\n"


def _shown(v: object) -> str:
    return "(absent)" if v is None else value(v)
