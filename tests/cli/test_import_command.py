"""`import` never overwrites unasked (and lists what --force replaces),
writes manifests that include the base and keep only what differs from it, and writes
country sets the short way."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from centra_provision.emulator.app import Emulator
from centra_provision.manifest.desired import load_desired_state
from tests.support.centra import configure, copy_manifests, served_as_qa_int
from tests.support.cli import run
from tests.support.emulator import EmulatorClient
from tests.support.paths import REPO

SECRET = "CANARY-import-secret-5d2e"


@pytest.fixture
def centra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    """A Centra set up by hand from the guide, with two deviations: the VAT rate is 20 and
    ge_voucher_details has an extra element."""
    copy_manifests(tmp_path, monkeypatch)
    hand = tmp_path / "hand"
    shutil.copytree(REPO / "manifests", hand / "manifests")
    env = hand / "manifests" / "qa-int" / "environment.yaml"
    env.write_text(env.read_text().replace("vatRate: 25", "vatRate: 20"))
    types = hand / "manifests" / "base" / "attribute-types.yaml"
    types.write_text(
        types.read_text()
        + "    ge_legacy_code: {type: input, desc: Legacy code}\n"  # into the last document
    )
    monkeypatch.delenv("PROVISION_CENTRA_URL", raising=False)
    emulator = Emulator(":memory:", products=0)
    configure(emulator, load_desired_state(hand / "manifests", "qa-int"), SECRET)
    with served_as_qa_int(emulator, monkeypatch, SECRET) as client:
        yield client


def test_only_differences_from_the_base_are_written(
    centra: EmulatorClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["import", "-e", "qa-int", "--output", "adopted"], capsys)
    assert (code, err) == (0, "")
    folder = tmp_path / "adopted" / "qa-int"
    assert (folder / "attribute-types.yaml").read_text() == (
        "kind: AttributeType\n"
        "metadata: {name: ge_voucher_details}\n"
        "spec:\n"
        "  elements:\n"
        "    ge_legacy_code: {desc: Legacy code}\n"
    )
    assert (folder / "tax-groups.yaml").read_text() == (
        "kind: TaxGroup\n"
        "metadata: {name: GE Local VAT}\n"
        "spec:\n"
        "  rules:\n"
        "  - name: GE Local VAT\n"
        "    displayName: GE Local VAT\n"
        "    code: VAT\n"
        "    applyTaxPer: Ship-to country\n"
        "    countries: {allExcept: [SE]}\n"
        "    includeTax: In prices displayed before and in the checkout\n"
        "    applyTaxToShipping: true\n"
        "    applyTaxToHandling: true\n"
        "    rate: 20\n"
        "    includeShippingCostInOrderTotal: true\n"
    )
    lines = out.splitlines()
    assert lines[0] == "copied base adopted/base"
    assert (
        "as base  OrderApiPlugin/GE Order API (Centra shows what the base says; nothing "
        "written)" in lines
    )
    assert (
        "as base  IntegrationToken/Global-e integration (Centra cannot show it; kept as "
        "the base says)" in lines
    )
    assert lines[-1] == "11 resources in Centra: 7 written under adopted/qa-int, 4 as the base says"
    assert not (folder / "plugins.yaml").exists()
    code, out, _ = run(["validate", "-e", "qa-int", "--manifests", "adopted"], capsys)
    assert code == 0
    code, out, _ = run(["drift", "-e", "qa-int", "--manifests", "adopted"], capsys)
    assert code == 0, out


def test_a_folder_with_manifests_is_refused_unless_forced(
    centra: EmulatorClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "adopted" / "qa-int"
    folder.mkdir(parents=True)
    (folder / "environment.yaml").write_text("# mine\n")
    (folder / "notes.yml").write_text("# also mine\n")
    code, out, err = run(["import", "-e", "qa-int", "--output", "adopted"], capsys)
    assert (code, out) == (1, "")
    assert err == (
        "error: adopted/qa-int already holds manifests (environment.yaml, notes.yml); nothing "
        "was written. Pass --force to replace them, or choose another --output\n"
    )
    assert sorted(p.name for p in folder.iterdir()) == ["environment.yaml", "notes.yml"]
    assert (folder / "environment.yaml").read_text() == "# mine\n"
    assert not (tmp_path / "adopted" / "base").exists()
    code, out, _ = run(["import", "-e", "qa-int", "--output", "adopted", "--force"], capsys)
    assert code == 0
    assert out.splitlines()[:3] == [
        "replaced adopted/qa-int/environment.yaml",
        "replaced adopted/qa-int/notes.yml",
        "copied base adopted/base",
    ]
    assert not (folder / "notes.yml").exists()
    assert (folder / "environment.yaml").read_text().startswith("kind: Environment\n")
