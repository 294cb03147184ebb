"""The example pipelines (examples/ci/) keep the rules README's "Running in CI" explains:
PROD credentials only in jobs inside the protected `prod` environment (pull requests plan
QA-INT with a read-only token), per-environment secrets through the job's environment,
applies serialised per environment, the ledger key and store credentials (OIDC) in every
job that talks to Centra, and the Centra hosts pinned by a protected CI variable."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.support.paths import REPO

GITHUB = sorted((REPO / "examples" / "ci" / "github").glob("*.yml"))
GITLAB = REPO / "examples" / "ci" / "gitlab" / ".gitlab-ci.yml"
CENTRA_COMMANDS = ("plan", "apply", "drift", "import", "attest", "force-unlock", "state")
SECRET = re.compile(r"\$\{\{\s*secrets\.([A-Z0-9_]+)\s*\}\}")
ALLOWED_SECRETS = {
    "CENTRA_QA_INT_TOKEN",
    "CENTRA_PROD_TOKEN",
    "GE_ORDER_API_SECRET",
    "PROVISION_LEDGER_KEY",
}


def _lines(job: dict[str, Any]) -> list[str]:
    script = job.get("script") or []
    lines = [str(s) for s in script]
    for step in job.get("steps") or []:
        lines += str(step.get("run", "")).splitlines()
    return lines


def _provision(job: dict[str, Any]) -> list[list[str]]:
    calls = []
    for line in _lines(job):
        words = line.replace('"', " ").split()
        for i, word in enumerate(words):
            if word == "provision" and i + 1 < len(words):
                calls.append(words[i + 1 :])
    return calls


def _talks_to_centra(job: dict[str, Any]) -> bool:
    return any(call[0] in CENTRA_COMMANDS for call in _provision(job))


def _environments(job: dict[str, Any]) -> set[str]:
    """The environment names a job (or each of its matrix legs) runs in."""
    env = job.get("environment")
    name = env.get("name") if isinstance(env, dict) else env
    if name is None:
        return set()
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    if "matrix.environment" in str(name):
        return set(matrix.get("environment") or [])
    return {str(name)}


def _github() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    out = []
    for path in GITHUB:
        workflow = yaml.safe_load(path.read_text())
        for name, job in workflow["jobs"].items():
            out.append((f"{path.name}:{name}", workflow, job))
    return out


def _env_of(job: dict[str, Any]) -> dict[str, str]:
    merged = dict(job.get("env") or {})
    for step in job.get("steps") or []:
        merged.update(step.get("env") or {})
    return {k: str(v) for k, v in merged.items()}


@pytest.mark.parametrize("name,workflow,job", _github(), ids=[j[0] for j in _github()])
def test_github_job_rules(name: str, workflow: dict[str, Any], job: dict[str, Any]) -> None:
    text = yaml.safe_dump(job)
    secrets = set(SECRET.findall(text))
    environments = _environments(job)
    assert secrets <= ALLOWED_SECRETS, name  # per-environment values, never _PROD/_QA copies
    assert not SECRET.findall(yaml.safe_dump(workflow.get("env") or {}))
    if secrets:  # secrets come only from the job's GitHub environment
        assert environments, f"{name} reads secrets outside any environment"
    if "CENTRA_PROD_TOKEN" in secrets:
        assert "prod" in environments, name
    if "prod" in environments and "matrix.environment" not in str(job.get("environment")):
        assert job["environment"] == "prod", name
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    if "environment" in matrix:  # a leg per environment resolves that environment's secrets
        assert job["environment"] == "${{ matrix.environment }}", name
    on = workflow.get(True) or workflow.get("on") or {}
    if "pull_request" in on:
        assert "qa-int" not in environments, f"{name}: pull requests plan with a read-only token"
        assert environments <= {"qa-int-plan", "prod"}, name
        assert all(call[0] in ("plan", "validate", "diff-env") for call in _provision(job))
    if any(call[0] == "apply" for call in _provision(job)):
        group = (job.get("concurrency") or {}).get("group", "")
        (env,) = environments
        assert env in group and job["concurrency"].get("cancel-in-progress") is False, name
    if _talks_to_centra(job):
        env = _env_of(job)
        assert env.get("PROVISION_LEDGER_KEY") == "${{ secrets.PROVISION_LEDGER_KEY }}", name
        assert env.get("PROVISION_CENTRA_HOSTS") == "${{ vars.PROVISION_CENTRA_HOSTS }}", name
        aws = [s for s in job["steps"] if "configure-aws-credentials" in str(s.get("uses"))]
        assert aws and "role-to-assume" in aws[0]["with"], f"{name}: OIDC role for the ledger"
        assert workflow["permissions"]["id-token"] == "write", name


def test_github_pull_requests_plan_prod_only_behind_the_environment() -> None:
    workflow = yaml.safe_load((REPO / "examples/ci/github/plan-on-pull-request.yml").read_text())
    planned = {
        call[call.index("-e") + 1]: _environments(job)
        for job in workflow["jobs"].values()
        for call in _provision(job)
        if call[0] == "plan"
    }
    assert planned == {"qa-int": {"qa-int-plan"}, "prod": {"prod"}}


def _gitlab_jobs() -> dict[str, dict[str, Any]]:
    config = yaml.safe_load(GITLAB.read_text())
    reserved = {"stages", "default", "variables", "include", "workflow", "image"}
    jobs = {}
    for name, job in config.items():
        if name in reserved or name.startswith("."):
            continue
        merged: dict[str, Any] = {}
        for parent in [job.get("extends")] if isinstance(job.get("extends"), str) else []:
            merged.update(config[parent])
        merged.update(job)
        jobs[name] = merged
    return jobs


def test_gitlab_rules() -> None:
    text = GITLAB.read_text()
    jobs = _gitlab_jobs()
    for name, job in jobs.items():
        variables = job.get("variables") or {}
        literal = {
            k: v
            for k, v in variables.items()
            if re.search("TOKEN|SECRET|KEY|HOSTS", k) and not str(v).startswith("$")
        }
        assert not literal, name  # tokens, secrets, keys and hosts come from CI variables
        env = (job.get("environment") or {}).get("name")
        calls = _provision(job)
        targets = {c[c.index("-e") + 1] for c in calls if "-e" in c and c[0] != "validate"}
        if _talks_to_centra(job):
            checks = " ".join(job["before_script"])
            assert "PROVISION_LEDGER_KEY" in checks and "PROVISION_CENTRA_HOSTS" in checks
            assert "AWS_WEB_IDENTITY_TOKEN_FILE" in checks and job["id_tokens"], name
            assert env is not None, name
        if "prod" in targets:
            assert env == "prod", name
        if "$ENVIRONMENT" in targets:
            assert env == "$ENVIRONMENT", name  # per-environment scoped variables
        rules = job.get("rules") or [{}]
        if "merge_request_event" in str(rules):
            assert env in ("qa-int-plan", "prod") and all(c[0] == "plan" for c in calls), name
            if env == "prod":
                assert rules[0].get("when") == "manual", name
        if any(c[0] == "apply" for c in calls):
            (target,) = targets
            assert target in job["resource_group"] and env == target, name
    assert "PROVISION_CENTRA_HOSTS:" not in text  # set in protected CI variables, not here
