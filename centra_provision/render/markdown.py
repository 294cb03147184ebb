"""Markdown for pull-request comments and CI job summaries.

Library types are imported for annotations only (offline commands stay light)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from centra_provision.errors import ManifestError
from centra_provision.render import Output, Renderer
from centra_provision.render.plan_text import SYMBOL, describe, field_symbol, note, value
from centra_provision.render.runbook import runbook_markdown

if TYPE_CHECKING:
    from centra_provision.engine.apply import ApplyResult
    from centra_provision.engine.drift import DriftReport
    from centra_provision.engine.validate import Validation
    from centra_provision.manifest.root import EnvironmentSummary
    from centra_provision.plans import Plan


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


class MarkdownRenderer(Renderer):
    name = "markdown"

    def validation(self, result: Validation) -> Output:
        lines: list[str] = []
        if result.error is None:
            assert result.state is not None
            lines.append(f"### `{result.environment}`: manifests valid\n")
            lines.append("| resource |\n|---|")
            lines += [f"| `{_cell(r.address)}` |" for r in result.state.resources]
        else:
            lines.append(f"### `{result.environment}`: manifests invalid\n")
            lines.append("| where | problem |\n|---|---|")
            if isinstance(result.error, ManifestError):
                lines += [
                    f"| `{_cell(d.mark or '')}` | {_cell(d.message)} |"
                    for d in result.error.diagnostics
                ]
            else:
                lines.append(f"| | {_cell(result.error)} |")
        warnings = "".join(f"warning: {w}\n" for w in result.warnings)
        return Output(_text(lines), warnings)

    def validations(self, results: list[Validation]) -> Output:
        each = [self.validation(r) for r in results]
        return Output("".join(o.out for o in each), "".join(o.err for o in each))

    def environments(self, summaries: list[EnvironmentSummary]) -> str:
        lines = ["| environment | Global-e | merchant |\n|---|---|---|"]
        lines += [
            f"| {_cell(s.name)} | {_cell(s.globale_env)} | {_cell(s.merchant_id)} |"
            for s in summaries
        ]
        return _text(lines)

    def plan(self, plan: Plan, verbose: bool = False) -> str:
        """A compact table fit for a PR comment, details folded per resource."""
        lines = [f"### `provision plan`: `{plan.environment}`\n"]
        origin = f" (from `{plan.centra_url_source}`)" if plan.centra_url_source else ""
        lines.append(f"Centra: `{_cell(plan.centra_url)}`{origin}\n")
        lines.append(f"**{plan.summary_line()}**\n")
        lines += [f"> {_cell(note_line)}\n" for note_line in plan.notes]
        if not plan.has_changes:
            lines.append("No changes. Live Centra matches the manifests.")
            return _text(lines)
        lines.append("| | resource | executor | fields to change |\n|---|---|---|---|")
        lines += [
            f"| `{SYMBOL[c.action]}` | `{_cell(c.address)}` | {c.executor} | "
            f"{len(c.changed_fields)} |"
            for c in plan.pending
        ]
        for c in plan.pending:
            lines.append(
                f"\n<details><summary><code>{SYMBOL[c.action]} {_cell(c.address)}"
                "</code></summary>\n"
            )
            lines.append("| | field | value | note |\n|---|---|---|---|")
            lines += [
                f"| `{field_symbol(c, f)}` | `{_cell(f.path)}` | "
                f"{_cell(describe(c, f))} | {_cell(note(f, c).strip(' ()'))} |"
                for f in c.shown_fields
            ]
            lines.append("\n</details>")
        return _text(lines)

    def apply_result(self, result: ApplyResult) -> str:
        lines = [f"### `provision apply`: `{result.final.environment}`\n"]
        lines.append(f"**{result.summary_line()}**\n")
        lines.append("| outcome | resource | action | executor |\n|---|---|---|---|")
        lines += [
            f"| {o.outcome} | `{_cell(o.address)}` | {o.action} | {o.executor} |"
            for o in result.outcomes
        ]
        if result.runbook is not None:
            lines.append("\n" + runbook_markdown(result.runbook))
        return _text(lines)

    def drift(self, report: DriftReport, fail_on: str = "manifests") -> str:
        return drift_markdown(report)


def _text(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


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
