"""Drift for scheduled CI (text, JSON, JUnit, Markdown, step summary), the example pipelines,
environment listings, environment diffs and storefront tags."""

from __future__ import annotations

import json
import shlex
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from centra_provision.cli import cli
from centra_provision.emulator.app import Emulator
from tests.support.centra import converge_qa_int, copy_manifests, served_as_qa_int
from tests.support.cli import run
from tests.support.emulator import EmulatorClient
from tests.support.paths import REPO

SECRET = "drift-order-api-secret"


@pytest.fixture
def converged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    manifests = copy_manifests(tmp_path, monkeypatch)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    emulator = Emulator(":memory:", products=0)
    converge_qa_int(emulator, manifests, SECRET)
    with served_as_qa_int(emulator, monkeypatch, SECRET) as client:
        yield client


def test_drift_names_hand_changes_and_clears_on_revert(
    converged: EmulatorClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["drift", "-e", "qa-int"], capsys)[0] == 0
    office = converged.emulator.backoffice
    rule = office.state.all("tax_rule")[0]
    hook = next(p for p in office.state.all("plugin") if p["type"] == "WEBHOOKS")
    office.save_tax_rule({"rate": 12.5}, None, rule["id"])
    office.save_plugin({"status": "INACTIVE"}, hook["id"])
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, _ = run(["drift", "-e", "qa-int", "--format", "junit"], capsys)
    assert code == 2
    root = ET.fromstring(out.split("\n", 1)[1])
    assert root.tag == "testsuites" and root.get("failures") == "2"
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "7"
    failures = {case.get("name"): case.find("failure") for case in suite.iter("testcase")}
    assert failures["GE Local VAT"].get("message") == (  # type: ignore[union-attr]
        "TaxGroup/GE Local VAT: differs in rules[GE Local VAT].rate"
    )
    assert failures["GE Local VAT"].text == "rules[GE Local VAT].rate: 12.5 -> 25"  # type: ignore[union-attr]
    assert failures["GE Integration Webhooks"].get("message") == (  # type: ignore[union-attr]
        "WebhookPlugin/GE Integration Webhooks: differs in status"
    )
    assert sum(f is None for f in failures.values()) == 5
    table = summary.read_text()
    assert "| ❌ | `TaxGroup/GE Local VAT` | differs in rules[GE Local VAT].rate |" in table
    code, out, _ = run(["drift", "-e", "qa-int", "--format", "json"], capsys)
    assert code == 2 and json.loads(out)["drifted"] == 2
    office.save_tax_rule({"rate": 25}, None, rule["id"])
    office.save_plugin({"status": "ACTIVE"}, hook["id"])
    code, out, _ = run(["drift", "-e", "qa-int", "--format", "junit", "--output", "d.xml"], capsys)
    assert (code, out) == (0, "")
    assert ET.parse(tmp_path / "d.xml").getroot().get("failures") == "0"


def test_drift_counts_write_only_changes_since_the_ledger(
    converged: EmulatorClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "manifests" / "base" / "order-api-plugin.yaml"
    path.write_text(
        path.read_text().replace(
            "bundlesInOrders: Only containing items", "bundlesInOrders: Only bundles"
        )
    )
    code, out, _ = run(["drift", "-e", "qa-int"], capsys)
    assert code == 2
    assert "drift    OrderApiPlugin/GE Order API: differs in bundlesInOrders" in out
    assert "in sync  TaxGroup/GE Local VAT" in out


def test_drift_markdown_output_file(
    converged: EmulatorClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        ["drift", "-e", "qa-int", "--format", "markdown", "--output", "d.md"], capsys
    )
    assert (code, out) == (0, "")
    assert "**0 of 7 resources differ from the manifests**" in (tmp_path / "d.md").read_text()


def _commands(node: Any) -> Iterator[str]:
    """Every shell line under `run:` (GitHub) or `script:` (GitLab) in a workflow."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "run" and isinstance(value, str):
                yield from value.splitlines()
            elif key == "script" and isinstance(value, list):
                yield from (str(v) for v in value)
            else:
                yield from _commands(value)
    elif isinstance(node, list):
        for item in node:
            yield from _commands(item)


def _check_invocation(tokens: list[str]) -> None:
    command: click.Command = cli
    args = tokens[1:]
    while isinstance(command, click.Group) and args and not args[0].startswith("-"):
        found = command.commands.get(args[0])
        assert found is not None, f"no command {args[0]!r} in {' '.join(tokens)}"
        command, args = found, args[1:]
    assert not isinstance(command, click.Group), " ".join(tokens)
    known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    for arg in args:
        if arg.startswith("-"):
            assert arg.split("=")[0] in known, f"unknown option {arg} in {' '.join(tokens)}"


SEPARATORS = {";", "&&", "||", "|", "&", "(", ")"}
REDIRECTS = {">", ">>", "<", "2>"}


def _simple_commands(line: str) -> Iterator[list[str]]:
    """Shell words per simple command: split on ; && || | and drop redirections."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>()")
    lexer.whitespace_split = True
    current: list[str] = []
    skip_next = False
    for token in lexer:
        if skip_next:
            skip_next = False
        elif token in SEPARATORS:
            yield current
            current = []
        elif token in REDIRECTS:
            skip_next = True
        else:
            current.append(token)
    yield current


EXAMPLES = sorted([*(REPO / "examples" / "ci").rglob("*.yml")])


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_pipelines_name_only_real_commands(path: Path) -> None:
    workflow = yaml.safe_load(path.read_text())
    assert isinstance(workflow, dict)
    seen = 0
    for line in _commands(workflow):
        for tokens in _simple_commands(line):
            if tokens and tokens[0] in ("provision", "$(provision"):
                _check_invocation(["provision", *tokens[1:]])
                seen += 1
    assert seen >= 1
    secret_lines = [
        line.strip()
        for line in path.read_text().splitlines()
        if ("TOKEN:" in line or "SECRET:" in line) and not line.strip().startswith("#")
    ]
    assert all("${{ secrets." in line for line in secret_lines), secret_lines  # never literal


def test_gitlab_example_is_included() -> None:
    assert any(p.name == ".gitlab-ci.yml" for p in EXAMPLES)


def test_envs_for_ci_matrices(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["envs", "--manifests", str(REPO / "manifests")], capsys)
    assert (code, out) == (
        0,
        "local\tQA-INT merchant 1808\nprod\tPROD merchant 999999\nqa-int\tQA-INT merchant 1808\n",
    )


@pytest.mark.parametrize(
    ("env", "host", "merchant"),
    [("qa-int", "intgepi.bglobale.com", 1808), ("prod", "gepi.global-e.com", 999999)],
)
def test_storefront_tags(
    env: str, host: str, merchant: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["storefront", "-e", env, "--manifests", str(REPO / "manifests")], capsys)
    assert code == 0
    assert f"s.src = '//{host}/includes/js/{merchant}';" in out
    assert "s.async = true;" in out
    assert (
        f'<link id="GEPIStyles" rel="stylesheet" href="//{host}/includes/css/{merchant}" />' in out
    )
    code, out, _ = run(
        ["storefront", "-e", env, "--manifests", str(REPO / "manifests"), "--format", "json"],
        capsys,
    )
    assert json.loads(out)["scriptUrl"] == f"//{host}/includes/js/{merchant}"


def test_import_round_trip(
    converged: EmulatorClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["import", "-e", "qa-int", "--output", "imported"], capsys)
    assert code == 0
    assert out.rstrip().endswith(
        "11 resources in Centra: 5 written under imported/qa-int, 6 as the base says"
    )
    # Centra holds what the base says: nothing of it is repeated, the base is included.
    assert "as base  OrderApiPlugin/GE Order API (Centra shows what the base says" in out
    assert not (tmp_path / "imported" / "qa-int" / "plugins.yaml").exists()
    env_doc = yaml.safe_load((tmp_path / "imported" / "qa-int" / "environment.yaml").read_text())
    assert env_doc["spec"]["includes"] == ["base"]
    assert (tmp_path / "imported" / "base" / "order-api-plugin.yaml").exists()
    pricelists = (tmp_path / "imported" / "qa-int" / "pricelists.yaml").read_text()
    assert "  countries: {allExcept: [SE]}\n" in pricelists  # not 248 codes
    code, _, _ = run(["validate", "-e", "qa-int", "--manifests", "imported"], capsys)
    assert code == 0
    code, out, _ = run(["drift", "-e", "qa-int", "--manifests", "imported"], capsys)
    assert code == 0 and "Drift: 0 of " in out
    code, out, _ = run(
        ["plan", "-e", "qa-int", "--manifests", "imported", "--format", "json"], capsys
    )
    changed_observed = [
        (c["address"], f["path"])
        for c in json.loads(out)["changes"]
        for f in c["fields"]
        if f["observed"] and f["status"] != "unchanged"
    ]
    assert code == 0 and changed_observed == []
