"""Plain text for people and logs (colour only when stdout is a terminal and NO_COLOR unset).

Lines are built as strings and written at once: a 200-store plan is thousands of lines, and
a markup-parsing console per line cost several times the JSON renderer. Library types are
imported for annotations only, so offline commands (validate, envs) do not load the planner,
the Centra client or the executors.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from centra_provision.errors import ManifestError
from centra_provision.plans import Action, Outcome
from centra_provision.render import Output, Renderer
from centra_provision.render.envdiff import envdiff_text
from centra_provision.render.plan_text import (
    SYMBOL,
    describe,
    endpoint_line,
    field_symbol,
    note,
    value,
)
from centra_provision.render.runbook import runbook_text
from centra_provision.render.state import state_list_text, state_show_text
from centra_provision.state.lock import describe as describe_holder

if TYPE_CHECKING:
    from centra_provision.catalog.export import ExportResult
    from centra_provision.engine.apply import ApplyResult
    from centra_provision.engine.drift import DriftItem, DriftReport
    from centra_provision.engine.envdiff import EnvDiff
    from centra_provision.engine.importer import ImportResult
    from centra_provision.engine.validate import Validation
    from centra_provision.manifest.desired import DesiredState
    from centra_provision.manifest.environment import EnvironmentConfig
    from centra_provision.manifest.root import EnvironmentSummary
    from centra_provision.plans import Plan
    from centra_provision.state.inspect import LedgerState, ResourceState

COLOUR = {"create": "green", "update": "yellow", "delete": "red", "no-op": None}


class Styler:
    """click.style when colour is on, plain text otherwise."""

    def __init__(self) -> None:
        self.on = sys.stdout.isatty() and "NO_COLOR" not in os.environ

    def __call__(
        self, text: str, fg: str | None = None, dim: bool = False, bold: bool = False
    ) -> str:
        if not self.on or not (fg or dim or bold):
            return text
        return click.style(text, fg=fg, dim=dim, bold=bold)


def _text(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


LEGEND = (
    "Legend: + create, ~ update, - delete, ? unknown (write-only: Centra cannot show it "
    "and the ledger has no record of it)"
)


class TextRenderer(Renderer):
    name = "text"

    def validation(self, result: Validation) -> Output:
        if result.error is not None:
            error = result.error
            lines = [
                line if isinstance(error, ManifestError) else f"error: {line}"
                for line in error.lines()
            ]
            if isinstance(error, ManifestError):
                n = len(error.diagnostics)
                lines.append(f"{result.environment}: {n} error{'s' if n != 1 else ''}")
            return Output(err=_text(lines))
        assert result.state is not None
        n = len(result.state.resources)
        out = f"OK: {n} resource{'s' if n != 1 else ''} in {result.environment}\n"
        return Output(out, _text([f"warning: {w}" for w in result.warnings]))

    def validations(self, results: list[Validation]) -> Output:
        each = [self.validation(r) for r in results]
        return Output("".join(o.out for o in each), "".join(o.err for o in each))

    def environments(self, summaries: list[EnvironmentSummary]) -> str:
        lines = []
        for s in summaries:
            detail = s.problem or f"{s.globale_env or '?'} merchant {s.merchant_id or '?'}"
            lines.append(f"{s.name}\t{detail}")
        return _text(lines)

    def plan(self, plan: Plan, verbose: bool = False) -> str:
        """Terraform-like: +/~/- per resource, changed fields, unchanged ones folded."""
        st = Styler()
        lines = [endpoint_line(plan.centra_url, plan.centra_url_source, plan.environment)]
        if verbose:
            lines.append(
                f"Requests sent: {plan.requests} GraphQL, {plan.other_requests} other "
                "(Order API probe)"
            )
            lines += [f"  discovered {k} {ref} as {live}" for k, ref, live in plan.discovered]
        lines.append("")
        for change in plan.changes:
            if change.action == Action.NOOP and not verbose:
                continue
            fg = COLOUR[change.action]
            dim = fg is None
            lines.append(
                st(f"{SYMBOL[change.action]} {change.address}", fg, dim)
                + "  "
                + st(f"(executor: {change.executor})", dim=True)
            )
            shown = change.fields if change.action == Action.CREATE else change.changed_fields
            width = max((len(f.path) for f in shown), default=0)
            for f in shown:
                lines.append(
                    f"    {st(field_symbol(change, f), fg, dim)} {f.path.ljust(width)} = "
                    f"{describe(change, f)}{st(note(f, change), dim=True)}"
                )
            hidden = len(change.fields) - len(shown)
            if hidden:
                lines.append(
                    st(
                        f"      ({hidden} unchanged field{'s' if hidden != 1 else ''} hidden)",
                        dim=True,
                    )
                )
            lines.append("")
        lines += [st(n, "yellow") for n in plan.notes]
        if not plan.has_changes:
            lines.append("No changes. Live Centra matches the manifests.")
        else:
            lines.append(st(LEGEND, dim=True))
        lines.append(st(plan.summary_line(), bold=True))
        return _text(lines)

    def apply_result(self, result: ApplyResult) -> str:
        st = Styler()
        colour = {"done": "green", "failed": "red", "pending": "yellow", "skipped": None}
        lines = []
        for o in result.outcomes:
            detail = f": {o.message}" if o.message else ""
            lines.append(
                f"{st(f'{o.outcome:8}', colour[o.outcome], colour[o.outcome] is None)} "
                f"{o.address} {st(f'({o.action}, {o.executor})', dim=True)}{detail}"
            )
            for warning in o.warnings:
                lines.append(st(f"         warning from Centra: {warning}", "yellow"))
        for address in result.refused:
            lines.append(
                f"{st('refused ', 'red')} {address} "
                + st("(changed in Centra since the plan was saved; plan again)", dim=True)
            )
        if result.runbook is not None and any(
            o.outcome == Outcome.PENDING for o in result.outcomes
        ):
            lines += ["", st("Guided steps for Centra's back office:", bold=True)]
            lines.append(runbook_text(result.runbook))
        lines += ["", st(result.summary_line(), bold=True)]
        evidence = result.evidence_line()
        if evidence:
            lines.append(f"Waited for the back office: {evidence}")
        if result.final.has_changes:
            names = ", ".join(c.address for c in result.final.pending)
            lines.append(f"Not converged: {len(result.final.pending)} change(s) remain ({names}).")
            unobservable = [
                c.address for c in result.final.pending if not any(f.observed for f in c.fields)
            ]
            if unobservable:
                quoted = " ".join(f"'{a}'" for a in unobservable)
                lines.append(
                    f"Centra cannot show {', '.join(unobservable)}; once done, run "
                    f"`provision attest -e {result.final.environment} {quoted}`."
                )
        else:
            lines.append("Converged: live Centra matches the manifests.")
        return _text(lines)

    def drift(self, report: DriftReport, fail_on: str = "manifests") -> str:
        st = Styler()
        lines = [endpoint_line(report.centra_url, report.centra_url_source, report.environment)]
        for item in report.items:
            if item.drifted:
                lines.append(f"{st('drift', 'red')}    {item.address}: {item.reason}")
                for f in item.fields:
                    before = "(sensitive)" if f.sensitive else value(f.before)
                    after = "(sensitive)" if f.sensitive else value(f.after)
                    lines.append(f"           {f.path}: Centra {before}, manifests {after}")
                if item.unmanaged:
                    lines.append(f"         {outside_heading(item)}:")
            elif item.unmanaged:
                lines.append(f"{st('outside', 'yellow')}  {item.address}: {outside_heading(item)}")
            else:
                lines.append(f"{st('in sync', 'green')}  {item.address}")
            lines += [f"           {line}" for line in unmanaged_lines(item)]
        lines += [st(n, "yellow") for n in report.notes]
        lines.append(st(drift_summary(report), bold=True))
        return _text(lines)

    def state_list(self, state: LedgerState) -> str:
        return state_list_text(state)

    def state_show(self, state: LedgerState, res: ResourceState) -> str:
        return state_show_text(state, res)

    def env_diff(self, diff: EnvDiff, show_all: bool = False) -> str:
        return envdiff_text(diff, show_all)

    def imported(self, result: ImportResult) -> str:
        lines = [f"replaced {path}" for path in result.replaced]
        lines += [f"copied base {result.folder.parent / name}" for name in result.bases]
        lines += [f"imported {d.address} -> {result.folder / d.file}" for d in result.written]
        lines += [
            f"as base  {a} (Centra shows what the base says; nothing written)"
            for a in result.from_base
        ]
        lines += [
            f"missing  {a} (in the base, not in Centra: plan will create it)"
            for a in result.missing
        ]
        lines += [
            f"as base  {a} (Centra cannot show it; kept as the base says)"
            for a in result.unreadable
        ]
        lines.append(
            f"{len(result.docs)} resources in Centra: {len(result.written)} written under "
            f"{result.folder}, {len(result.from_base)} as the base says"
        )
        return _text(lines)

    def attested(self, addresses: list[str]) -> str:
        return _text([f"attested {address}" for address in addresses])

    def state_removed(self, res: ResourceState) -> str:
        return f"removed {res.address} from the ledger ({len(res.fields)} fields)\n"

    def unlocked(self, environment: str, holder: dict[str, Any]) -> str:
        return f"unlocked {environment}: broke the lock {describe_holder(holder)}\n"

    def scaffolded(self, path: Path, state: DesiredState) -> str:
        n, env = len(state.resources), state.environment
        return _text(
            [
                f"wrote {path}",
                f"OK: {n} resource{'s' if n != 1 else ''} in {env.name}",
                f"Next: export {env.token_env}=... GE_ORDER_API_SECRET=$(provision secret "
                f"generate); provision plan -e {env.name}",
            ]
        )

    def exported(self, result: ExportResult, page_size: int) -> str:
        changed = (
            f"; {result.changed_during_export} changed during the export and were caught up"
            if result.changed_during_export
            else ""
        )
        return (
            f"Exported {result.rows} rows for {result.products} products ({result.pages} "
            f"pages of {page_size}, sort {result.sort}, {result.requests} requests{changed})\n"
        )

    def export_interrupted(self, pages: int, rows: int, resume: str | None) -> str:
        """What Ctrl-C leaves behind, and the exact command that continues it (None: the
        output went to stdout, which cannot be resumed)."""
        done = f"Interrupted after {pages} pages ({rows} rows written)."
        if resume is None:
            return f"{done} Output went to stdout, so it cannot be resumed; run it again.\n"
        return f"{done} The checkpoint is kept; continue with: {resume}\n"

    def storefront(self, env: EnvironmentConfig, tags: dict[str, str]) -> str:
        """The tags to paste into the page head (`--format html`)."""
        head = (
            f"<!-- Global-e module ({env.globale_env}, merchant {env.merchant_id}):"
            " put both in the page head -->"
        )
        return _text([head, tags["css"], tags["script"]])


def outside_heading(item: DriftItem) -> str:
    since = next((u.since for u in item.unmanaged if u.since), None)
    return "changed outside the manifests" + (f" since {since}" if since else "")


def unmanaged_lines(item: DriftItem) -> list[str]:
    """One line per change outside the manifests: was (at the snapshot) -> now."""
    out = []
    for u in item.unmanaged:
        now = "(absent)" if u.now is None else value(u.now)
        if u.since is None:
            out.append(f"{u.path}: Centra {now}, not in the manifests")
        else:
            was = "(absent)" if u.was is None else value(u.was)
            out.append(f"{u.path}: {was} -> {now}")
    return out


def drift_summary(report: DriftReport) -> str:
    n, u = len(report.drifted), len(report.unmanaged)
    return (
        f"Drift: {n} of {len(report.items)} resources differ from the manifests; "
        f"{u} changed outside the manifests"
    )
