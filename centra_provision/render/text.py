"""Plain text for people and logs (colour only when stdout is a terminal and NO_COLOR unset)."""

from __future__ import annotations

import click
from rich.console import Console
from rich.markup import escape

from centra_provision.engine.apply import ApplyResult
from centra_provision.engine.drift import DriftReport
from centra_provision.engine.plan import Plan
from centra_provision.errors import ManifestError, ProvisionError
from centra_provision.manifest.catalog import EnvironmentSummary
from centra_provision.manifest.desired import DesiredState
from centra_provision.render.plan_text import (
    SYMBOL,
    describe,
    endpoint_line,
    field_symbol,
    note,
    value,
)


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

    def plan(self, plan: Plan, verbose: bool = False) -> None:
        """Terraform-like: +/~/- per resource, changed fields, unchanged ones folded."""
        out = Console(highlight=False, soft_wrap=True)
        colour = {"create": "green", "update": "yellow", "delete": "red", "no-op": "dim"}
        out.print(escape(endpoint_line(plan.centra_url, plan.centra_url_source, plan.environment)))
        if verbose:
            out.print(
                f"Requests sent: {plan.requests} GraphQL, {plan.other_requests} other "
                "(Order API probe)"
            )
            for kind, ref, live in plan.discovered:
                out.print(f"  discovered {kind} {escape(ref)} as {escape(live)}")
        out.print()
        for change in plan.changes:
            style = colour[change.action]
            if change.action == "no-op" and not verbose:
                continue
            out.print(
                f"[{style}]{SYMBOL[change.action]} {escape(change.address)}[/]"
                f"  [dim](executor: {change.executor})[/]"
            )
            shown = change.fields if change.action == "create" else change.changed_fields
            width = max((len(f.path) for f in shown), default=0)
            for f in shown:
                sym = field_symbol(change, f)
                out.print(
                    f"    [{style}]{sym}[/] {escape(f.path.ljust(width))} = "
                    f"{escape(describe(change, f))}[dim]{escape(note(f, change))}[/]"
                )
            hidden = len(change.fields) - len(shown)
            if hidden:
                out.print(
                    f"      [dim]({hidden} unchanged field{'s' if hidden != 1 else ''} hidden)[/]"
                )
            out.print()
        for note_line in plan.notes:
            out.print(f"[yellow]{escape(note_line)}[/]")
        if not plan.has_changes:
            out.print("No changes. Live Centra matches the manifests.")
        out.print(f"[bold]{plan.summary_line()}[/]")

    def apply_result(self, result: ApplyResult) -> None:
        out = Console(highlight=False, soft_wrap=True)
        colour = {"done": "green", "failed": "red", "pending": "yellow", "skipped": "dim"}
        for o in result.outcomes:
            detail = f": {escape(o.message)}" if o.message else ""
            out.print(
                f"[{colour[o.outcome]}]{o.outcome:8}[/] {escape(o.address)} "
                f"[dim]({o.action}, {o.executor})[/]{detail}"
            )
            for warning in o.warnings:
                out.print(f"[yellow]         warning from Centra: {escape(warning)}[/]")
        for address in result.refused:
            out.print(
                f"[red]refused [/] {escape(address)} [dim](changed in Centra since the "
                "plan was saved; plan again)[/]"
            )
        if result.runbook is not None and any(o.outcome == "pending" for o in result.outcomes):
            out.print("\n[bold]Guided steps for Centra's back office:[/]")
            out.print(escape(result.runbook.text()))
        out.print(f"\n[bold]{result.summary_line()}[/]")
        if result.final.has_changes:
            names = ", ".join(c.address for c in result.final.pending)
            out.print(
                f"Not converged: {len(result.final.pending)} change(s) remain ({escape(names)})."
            )
            unobservable = [
                c.address for c in result.final.pending if not any(f.observed for f in c.fields)
            ]
            if unobservable:
                quoted = " ".join(f"'{a}'" for a in unobservable)
                out.print(
                    f"Centra cannot show {escape(', '.join(unobservable))}; once done, run "
                    f"`provision attest -e {escape(result.final.environment)} "
                    f"{escape(quoted)}`."
                )
        else:
            out.print("Converged: live Centra matches the manifests.")

    def drift(self, report: DriftReport) -> None:
        out = Console(highlight=False, soft_wrap=True)
        out.print(
            escape(endpoint_line(report.centra_url, report.centra_url_source, report.environment))
        )
        for item in report.items:
            if not item.drifted:
                out.print(f"[green]in sync[/]  {escape(item.address)}")
                continue
            out.print(f"[red]drift[/]    {escape(item.address)}: {escape(item.reason)}")
            for f in item.fields:
                before = "(sensitive)" if f.sensitive else value(f.before)
                after = "(sensitive)" if f.sensitive else value(f.after)
                out.print(
                    f"           {escape(f.path)}: Centra {escape(before)}, manifests "
                    f"{escape(after)}"
                )
        for line in report.notes:
            out.print(f"[yellow]{escape(line)}[/]")
        n = len(report.drifted)
        out.print(f"[bold]Drift: {n} of {len(report.items)} resources differ from the manifests[/]")
