"""every `--format json` output carries `formatVersion` and validates
against `provision schema --output KIND`; drift's values have the plan's types."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from centra_provision.emulator.app import Emulator
from centra_provision.render.output_schemas import OUTPUTS
from tests.support.centra import converge_qa_int, copy_manifests, served_as_qa_int
from tests.support.cli import run
from tests.support.emulator import EmulatorClient

SECRET = "CANARY-json-secret-91aa"


@pytest.fixture
def drifted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    """QA-INT converged, then its VAT rate changed in the manifests (25 -> 20)."""
    manifests = copy_manifests(tmp_path, monkeypatch)
    emulator = Emulator(":memory:", products=0)
    converge_qa_int(emulator, manifests, SECRET)
    env = manifests / "qa-int" / "environment.yaml"
    env.write_text(env.read_text().replace("vatRate: 25", "vatRate: 20"))
    with served_as_qa_int(emulator, monkeypatch, SECRET) as client:
        yield client


def _schema(kind: str, capsys: pytest.CaptureFixture[str]) -> Draft202012Validator:
    code, out, _ = run(["schema", "--output", kind], capsys)
    assert code == 0
    schema = json.loads(out)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


COMMANDS = {
    "plan": ["plan", "-e", "qa-int"],
    "validate": ["validate", "-e", "qa-int"],
    "drift": ["drift", "-e", "qa-int"],
    "apply": ["apply", "-e", "qa-int", "--auto-approve"],
    "envs": ["envs"],
    "diff-env": ["diff-env", "local", "qa-int"],
    "storefront": ["storefront", "-e", "qa-int"],
    "state-list": ["state", "list", "-e", "qa-int"],
    "state-show": ["state", "show", "-e", "qa-int", "TaxGroup/GE Local VAT"],
}


def test_every_json_output_has_a_format_version_and_a_schema(
    drifted: EmulatorClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sorted(COMMANDS) == sorted(OUTPUTS)
    for kind, args in COMMANDS.items():
        _, out, err = run([*args, "--format", "json"], capsys)
        body = json.loads(out)
        assert body["formatVersion"] == 1, kind
        errors = [e.message for e in _schema(kind, capsys).iter_errors(body)]
        assert errors == [], (kind, errors, err)
    _, out, _ = run(["validate", "--all", "--format", "json"], capsys)
    assert _schema("validate", capsys).is_valid(json.loads(out))
    code, _, err = run(["schema", "--output", "nope"], capsys)
    assert code == 1 and "unknown output 'nope'; one of: plan, validate, drift" in err


def test_drift_values_have_the_plans_types(
    drifted: EmulatorClient, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(["plan", "-e", "qa-int", "--format", "json"], capsys)
    tax = next(c for c in json.loads(out)["changes"] if c["kind"] == "TaxGroup")
    planned = next(f for f in tax["fields"] if f["path"] == "rules[GE Local VAT].rate")
    _, out, _ = run(["drift", "-e", "qa-int", "--format", "json"], capsys)
    item = next(r for r in json.loads(out)["resources"] if r["address"].startswith("TaxGroup"))
    drifted_rate = next(f for f in item["fields"] if f["path"] == "rules[GE Local VAT].rate")
    assert (planned["before"], planned["after"]) == (25, 20)
    assert (drifted_rate["centra"], drifted_rate["manifests"]) == (25, 20)
    assert type(drifted_rate["manifests"]) is type(planned["after"]) is int
