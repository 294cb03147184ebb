"""diff-env on the plan's engine: one line for a resource one environment lacks, expected
differences declared once in a base (hidden unless --all), everything else flagged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.paths import REPO

ROOT = str(REPO / "manifests")


def test_shipped_qa_int_and_prod_differ_only_as_declared(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(["diff-env", "qa-int", "prod", "--manifests", ROOT], capsys)
    assert (code, out) == (
        0,
        "8 differences, 0 possible promotion mistakes (8 expected, hidden: --all shows them)\n",
    )
    code, out, _ = run(["diff-env", "qa-int", "prod", "--manifests", ROOT, "--all"], capsys)
    assert code == 0
    assert (
        "expected Environment/globale.merchantId  (QA-INT and PROD are separate Global-e "
        "environments and merchants)\n           qa-int: 1808\n           prod: 999999\n"
    ) in out
    assert out.count("expected ") == 8 and "CHECK" not in out


def test_a_resource_in_one_environment_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["diff-env", "local", "qa-int", "--manifests", ROOT, "--format", "json"], capsys
    )
    assert code == 2
    assert json.loads(out)["differences"] == [
        {"path": p, "a": None, "b": None, "expected": False, "onlyIn": "local", "reason": None}
        for p in ("Pricelist/Global-e SEK", "Pricelist/Wholesale SEK", "ShippingOption/GE Express")
    ]
    code, out, _ = run(
        ["diff-env", "local", "qa-int", "--manifests", ROOT, "--format", "json", "--all"], capsys
    )
    url = next(d for d in json.loads(out)["differences"] if d["path"] == "Environment/centra.url")
    assert (
        url["expected"] is True and url["reason"] == "each environment has its own Centra and token"
    )


def test_real_differences_are_flagged_beside_the_declared_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(REPO / "manifests", tmp_path / "manifests")
    prod = tmp_path / "manifests" / "prod"
    env = prod / "environment.yaml"
    env.write_text(env.read_text().replace("vatRate: 25", "vatRate: 20"))
    (prod / "extra.yaml").write_text(
        "kind: AttributeType\nmetadata:\n  name: ge_extra\nspec:\n  desc: Extra\n"
        "  elements:\n    ge_extra_id: {type: input, desc: Extra id}\n"
    )
    root = str(tmp_path / "manifests")
    code, out, _ = run(["diff-env", "qa-int", "prod", "--manifests", root], capsys)
    assert (code, out) == (
        2,
        "CHECK    AttributeType/ge_extra: only in prod\n"
        "CHECK    TaxGroup/GE Local VAT.rules[GE Local VAT].rate\n"
        "           qa-int: 25\n"
        "           prod: 20\n"
        "10 differences, 2 possible promotion mistakes (8 expected, hidden: --all shows them)\n",
    )


def test_expected_differences_are_schema_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(REPO / "manifests", tmp_path / "manifests")
    base = tmp_path / "manifests" / "base" / "base.yaml"
    base.write_text(base.read_text().replace("- path: Environment/ledger", "- paht: x"))
    root = str(tmp_path / "manifests")
    code, _, err = run(["validate", "-e", "qa-int", "--manifests", root], capsys)
    assert code == 1
    assert (
        "base.yaml:18:7: Base/base: missing required key 'path' in spec.expectedDifferences[3]"
        in err
    )
