"""Machine-readable output: one JSON document per command on stdout.

Library types are imported for annotations only (offline commands stay light)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import click

from centra_provision.errors import ManifestError, ProvisionError
from centra_provision.plans import planfile
from centra_provision.render.runbook import runbook_markdown

if TYPE_CHECKING:
    from centra_provision.engine.apply import ApplyResult
    from centra_provision.engine.drift import DriftReport
    from centra_provision.manifest.desired import DesiredState
    from centra_provision.manifest.root import EnvironmentSummary
    from centra_provision.plans import Plan


def _emit(value: Any) -> None:
    """One JSON document: numbers as numbers (a rate is 25 here as in the plan), and a
    `formatVersion` so that readers can tell a shape they know."""
    from centra_provision.plans.model import FORMAT_VERSION
    from centra_provision.plans.planfile import jsonable

    body = jsonable(value)
    if isinstance(body, dict):
        body = {"formatVersion": FORMAT_VERSION, **body}
    click.echo(json.dumps(body, indent=2, sort_keys=True, default=str))


class JsonConsole:
    def validation_ok(self, state: DesiredState) -> None:
        _emit(
            {
                "environment": state.environment.name,
                "valid": True,
                "resources": [r.address for r in state.resources],
                "errors": [],
            }
        )

    def validation_failed(self, env: str, error: ProvisionError) -> None:
        errors: list[dict[str, Any]] = []
        if isinstance(error, ManifestError):
            for d in error.diagnostics:
                where = asdict(d.mark) if d.mark else {"file": None, "line": None, "col": None}
                errors.append({**where, "message": d.message})
        else:
            errors.append({"file": None, "line": None, "col": None, "message": str(error)})
        _emit({"environment": env, "valid": False, "resources": [], "errors": errors})

    def environments(self, summaries: list[EnvironmentSummary]) -> None:
        _emit(
            {
                "environments": [
                    {
                        "name": s.name,
                        "globaleEnvironment": s.globale_env,
                        "merchantId": s.merchant_id,
                        "problem": s.problem,
                    }
                    for s in summaries
                ]
            }
        )

    def plan(self, plan: Plan, verbose: bool = False) -> None:
        click.echo(planfile.dumps(plan))

    def apply_result(self, result: ApplyResult) -> None:
        _emit(
            {
                "environment": result.final.environment,
                "outcomes": [asdict(o) for o in result.outcomes],
                "refused": list(result.refused),
                "runbook": runbook_markdown(result.runbook) if result.runbook else None,
                "converged": not result.final.has_changes,
                "remaining": [c.address for c in result.final.pending],
                "exitCode": result.exit_code,
            }
        )

    def drift(self, report: DriftReport) -> None:
        _emit(
            {
                "environment": report.environment,
                "centraUrl": report.centra_url,
                "centraUrlSource": report.centra_url_source,
                "drifted": len(report.drifted),
                "unmanaged": len(report.unmanaged),
                "notes": list(report.notes),
                "resources": [
                    {
                        "address": i.address,
                        "drifted": i.drifted,
                        "reason": i.reason,
                        "fields": [
                            {
                                "path": f.path,
                                "observed": f.observed,
                                "centra": "(sensitive)" if f.sensitive else f.before,
                                "manifests": "(sensitive)" if f.sensitive else f.after,
                            }
                            for f in i.fields
                        ],
                        "unmanaged": [
                            {"path": u.path, "was": u.was, "now": u.now, "since": u.since}
                            for u in i.unmanaged
                        ],
                    }
                    for i in report.items
                ],
            }
        )
