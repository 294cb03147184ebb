"""Canary secrets: unique values for every secret, and a search of every output for them."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from centra_provision.cli import main
from centra_provision.emulator.app import Emulator
from centra_provision.manifest.desired import load_desired_state
from tests.support.centra import configure, copy_manifests
from tests.support.emulator import served

ENV_CANARY = "CANARY-env-secret-7b2f9e61"
FILE_CANARY = "CANARY-file-secret-1c4d8a07"


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit):
        main(args)
    out, err = capsys.readouterr()
    return out + err


def _tree_text(root: Path) -> str:
    return "\n".join(
        p.read_text(errors="replace")
        for p in root.rglob("*")
        if p.is_file() and ".sqlite" not in p.name
    )


@pytest.mark.parametrize("source", ["env", "file"])
def test_no_secret_in_any_output(
    source: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    copy_manifests(tmp_path, monkeypatch)
    canary = ENV_CANARY if source == "env" else FILE_CANARY
    if source == "file":
        plugin = tmp_path / "manifests" / "base" / "order-api-plugin.yaml"
        plugin.write_text(
            plugin.read_text().replace(
                "{fromEnv: GE_ORDER_API_SECRET}", "{fromFile: secrets/order-api.key}"
            )
        )
        (tmp_path / "secrets").mkdir()
        (tmp_path / "secrets" / "order-api.key").write_text(canary + "\n")
    emulator = Emulator(":memory:", products=3)
    configure(emulator, load_desired_state(tmp_path / "manifests", "qa-int"), canary + "-old")
    token = emulator.admin_token
    caplog.set_level(logging.DEBUG)
    outputs = []
    with served(emulator) as url:
        monkeypatch.setenv("PROVISION_CENTRA_URL_QA_INT", f"{url}/graphql")
        monkeypatch.setenv("CENTRA_QA_INT_TOKEN", token)
        monkeypatch.setenv("GE_ORDER_API_SECRET", ENV_CANARY)
        for fmt in ("text", "json", "markdown"):
            outputs.append(
                _run(
                    [
                        "--log-level",
                        "debug",
                        "plan",
                        "-e",
                        "qa-int",
                        "-v",
                        "--format",
                        fmt,
                        "--out",
                        f"plan-{fmt}.json",
                    ],
                    capsys,
                )
            )
        outputs.append(_run(["validate", "-e", "qa-int"], capsys))
    emulator.state.close()
    everything = (
        "\n".join(outputs)
        + caplog.text
        + _tree_text(tmp_path / ".provision")
        + ("".join((tmp_path / f"plan-{f}.json").read_text() for f in ("text", "json", "markdown")))
    )
    assert "secretKey" in everything and "(sensitive)" in everything  # the field is there
    assert "HTTP Request: GET" in everything  # debug logs were captured, the probe's too
    for secret in (canary, canary + "-old", token):
        assert secret not in everything
