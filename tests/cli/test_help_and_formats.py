"""The CLI surface: help for every command, version, schema, envs, formats, env vars."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import jsonschema
import pytest
import yaml

from centra_provision import __version__
from centra_provision.cli import cli
from tests.support.cli import run
from tests.support.paths import REPO

ROOT = REPO / "manifests"


def _all_commands(group: click.Group, prefix: list[str]) -> list[list[str]]:
    found = [prefix]
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            found += _all_commands(cmd, [*prefix, name])
        else:
            found.append([*prefix, name])
    return found


@pytest.mark.parametrize("path", _all_commands(cli, []), ids=lambda p: " ".join(p) or "root")
def test_every_command_has_help(path: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([*path, "--help"], capsys)
    assert code == 0
    assert out.startswith("Usage: provision")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"], capsys)[:2] == (0, f"provision, version {__version__}\n")


def test_validate_reads_env_vars(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PROVISION_ENV", "prod")
    monkeypatch.setenv("PROVISION_MANIFESTS", str(ROOT))
    assert run(["validate"], capsys)[:2] == (0, "OK: 7 resources in prod\n")


def test_manifests_option_after_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["validate", "-e", "qa-int", "--manifests", str(ROOT)], capsys)
    assert (code, out) == (0, "OK: 7 resources in qa-int\n")


def test_unknown_environment_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT.parent)
    code, out, err = run(["validate", "-e", "staging"], capsys)
    assert code == 1 and out == ""
    assert err == "error: no environment 'staging' under manifests (found: local, prod, qa-int)\n"


def test_usage_errors_exit_1_not_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["validate", "--bogus"], capsys)[0] == 1


def test_validate_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["validate", "-e", "qa-int", "--manifests", str(ROOT), "--format", "json"], capsys
    )
    doc = json.loads(out)
    assert code == 0 and doc["valid"] is True and len(doc["resources"]) == 7


def test_validate_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["validate", "-e", "qa-int", "--manifests", str(ROOT), "--format", "markdown"], capsys
    )
    assert code == 0 and "| `OrderApiPlugin/GE Order API` |" in out


def test_schema_per_kind_and_combined(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["schema", "OrderApiPlugin"], capsys)
    schema = json.loads(out)
    assert code == 0 and schema["$schema"].endswith("2020-12/schema")
    assert "secretKey" in schema["properties"]["spec"]["properties"]
    code, out, _ = run(["schema"], capsys)
    combined = json.loads(out)
    validator = jsonschema.Draft202012Validator(combined)
    docs = list(yaml.safe_load_all((ROOT / "base" / "attribute-types.yaml").read_text()))
    assert all(validator.is_valid(d) for d in docs)
    docs[0]["spec"]["extra"] = 1
    assert not validator.is_valid(docs[0])
    assert run(["schema", "Nope"], capsys)[0] == 1


def test_envs_lists_environments(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["envs", "--manifests", str(ROOT), "--format", "json"], capsys)
    assert code == 0
    body = json.loads(out)
    assert body["formatVersion"] == 1
    assert [
        (e["name"], e["globaleEnvironment"], e["merchantId"]) for e in body["environments"]
    ] == [
        ("local", "QA-INT", 1808),
        ("prod", "PROD", 999999),
        ("qa-int", "QA-INT", 1808),
    ]


def test_secret_generate_is_256_bits(capsys: pytest.CaptureFixture[str]) -> None:
    _, first, _ = run(["secret", "generate"], capsys)
    _, second, _ = run(["secret", "generate"], capsys)
    assert len(bytes.fromhex(first.strip())) == 32 and first != second


def test_console_script_runs_as_module() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "centra_provision",
            "validate",
            "-e",
            "qa-int",
            "--manifests",
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (0, "OK: 7 resources in qa-int\n")


def test_secret_show_only_to_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from centra_provision.engine.secret_refs import reveal_secret
    from centra_provision.errors import UsageError

    monkeypatch.setenv("GE_ORDER_API_SECRET", "shown-on-request")
    code, out, err = run(
        ["secret", "show", "-e", "qa-int", "--manifests", str(ROOT), "GE_ORDER_API_SECRET"], capsys
    )
    assert (code, out) == (1, "")
    assert "secret show prints only to a terminal" in err
    assert reveal_secret(ROOT, "qa-int", "GE_ORDER_API_SECRET") == "shown-on-request"
    assert reveal_secret(ROOT, "qa-int", "secretKey") == "shown-on-request"
    with pytest.raises(
        UsageError,
        match=r"no secret named NOPE in qa-int \(known: "
        r"GE_ORDER_API_SECRET\)",
    ):
        reveal_secret(ROOT, "qa-int", "NOPE")
    monkeypatch.delenv("GE_ORDER_API_SECRET")
    with pytest.raises(UsageError, match="GE_ORDER_API_SECRET is not set"):
        reveal_secret(ROOT, "qa-int", "GE_ORDER_API_SECRET")
