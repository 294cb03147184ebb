"""Machine-readable output: one JSON document per command on stdout.

Library types are imported for annotations only (offline commands stay light)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from centra_provision.errors import ManifestError
from centra_provision.plans import planfile
from centra_provision.plans.model import FORMAT_VERSION
from centra_provision.render import Output, Renderer
from centra_provision.render.envdiff import envdiff_json
from centra_provision.render.runbook import runbook_markdown
from centra_provision.render.state import state_list_json, state_show_json
from centra_provision.values import jsonable

if TYPE_CHECKING:
    from centra_provision.engine.apply import ApplyResult
    from centra_provision.engine.drift import DriftReport
    from centra_provision.engine.envdiff import EnvDiff
    from centra_provision.engine.validate import Validation
    from centra_provision.manifest.environment import EnvironmentConfig
    from centra_provision.manifest.root import EnvironmentSummary
    from centra_provision.plans import Plan
    from centra_provision.state.inspect import LedgerState, ResourceState


def _document(value: Any) -> str:
    """One JSON document: numbers as numbers (a rate is 25 here as in the plan), and a
    `formatVersion` so that readers can tell a shape they know."""
    body = jsonable(value)
    if isinstance(body, dict):
        body = {"formatVersion": FORMAT_VERSION, **body}
    return json.dumps(body, indent=2, sort_keys=True, default=str) + "\n"


class JsonRenderer(Renderer):
    name = "json"

    def validation(self, result: Validation) -> Output:
        return Output(_document(_validation(result)), _warnings(result))

    def validations(self, results: list[Validation]) -> Output:
        body = {"environments": [{"formatVersion": 1, **_validation(r)} for r in results]}
        return Output(
            json.dumps({"formatVersion": 1, **body}, indent=2, sort_keys=True, default=str) + "\n",
            "".join(_warnings(r) for r in results),
        )

    def environments(self, summaries: list[EnvironmentSummary]) -> str:
        return _document(
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

    def plan(self, plan: Plan, verbose: bool = False) -> str:
        return planfile.dumps(plan) + "\n"

    def apply_result(self, result: ApplyResult) -> str:
        return _document(
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

    def drift(self, report: DriftReport, fail_on: str = "manifests") -> str:
        return _document(
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

    def state_list(self, state: LedgerState) -> str:
        return state_list_json(state)

    def state_show(self, state: LedgerState, res: ResourceState) -> str:
        return state_show_json(res)

    def env_diff(self, diff: EnvDiff, show_all: bool = False) -> str:
        return envdiff_json(diff, show_all)

    def storefront(self, env: EnvironmentConfig, tags: dict[str, str]) -> str:
        body = {
            "formatVersion": 1,
            "environment": env.name,
            "globaleEnvironment": env.globale_env,
            "merchantId": env.merchant_id,
            **tags,
        }
        return json.dumps(body, indent=2) + "\n"


def _validation(result: Validation) -> dict[str, Any]:
    if result.error is None:
        assert result.state is not None
        resources = [r.address for r in result.state.resources]
        return {
            "environment": result.environment,
            "valid": True,
            "resources": resources,
            "errors": [],
        }
    errors: list[dict[str, Any]] = []
    if isinstance(result.error, ManifestError):
        for d in result.error.diagnostics:
            where = asdict(d.mark) if d.mark else {"file": None, "line": None, "col": None}
            errors.append({**where, "message": d.message})
    else:
        errors.append({"file": None, "line": None, "col": None, "message": str(result.error)})
    return {"environment": result.environment, "valid": False, "resources": [], "errors": errors}


def _warnings(result: Validation) -> str:
    return "".join(f"warning: {w}\n" for w in result.warnings)
