"""`provision diff-env` where the environments really differ: tax rules compared by name
(never by position), country sets without order, lists of stores whole, the Environment's
own values first, and expected differences that only one environment's base declares (in
either order of the two environments), written as the paths diff-env prints them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.paths import REPO

TAX = "In prices displayed before and in the checkout"


def _rule(name: str, countries: str, rate: int) -> str:
    return (
        f"    - {{name: {name}, displayName: {name}, code: {name}, applyTaxPer: Ship-to country,"
        f" countries: {countries}, includeTax: {TAX}, applyTaxToShipping: true,"
        f" applyTaxToHandling: true, rate: {rate}, includeShippingCostInOrderTotal: true}}\n"
    )


def _extra(desc: str, rules: str, state: str = "present") -> str:
    return (
        f"kind: AttributeType\nstate: {state}\nmetadata:\n  name: ge_old\nspec:\n"
        "  desc: Old\n  elements:\n    ge_old: {type: input, desc: Old}\n---\n"
        "kind: AttributeType\nmetadata:\n  name: ge_gift\nspec:\n"
        f"  desc: {desc}\n  elements:\n    ge_wrap: {{type: boolean, desc: Wrap}}\n"
        "---\nkind: TaxGroup\nmetadata:\n  name: Extra\nspec:\n  status: ACTIVE\n  rules:\n" + rules
    )


PROD_BASE = """\
kind: Base
metadata:
  name: prodbase
spec:
  description: what only PROD adds
  expectedDifferences:
    - path: OrderApiPlugin/*.store
      reason: PROD's Order API runs in the wholesale store
    - path: TaxGroup/Extra.rules[C].*
    - path: AttributeType/ge_prod_*
      reason: PROD-only attributes
"""


@pytest.fixture
def root(tmp_path: Path) -> str:
    """QA-INT and PROD: PROD sells from Wholesale, declares one more rule (and its rules in
    another order), one rule's countries widened, and its own base of expected differences."""
    manifests = tmp_path / "manifests"
    shutil.copytree(REPO / "manifests", manifests)
    env = manifests / "prod" / "environment.yaml"
    text = env.read_text().replace("defaultStore: Retail", "defaultStore: Wholesale")
    env.write_text(text.replace("includes: [base]", "includes: [base, prodbase]"))
    (manifests / "prodbase").mkdir()
    (manifests / "prodbase" / "base.yaml").write_text(PROD_BASE)
    (manifests / "prod" / "only.yaml").write_text(
        "kind: AttributeType\nmetadata:\n  name: ge_prod_only\nspec:\n  desc: P\n"
        "  elements:\n    ge_p: {type: input, desc: P}\n"
    )
    (manifests / "qa-int" / "extra.yaml").write_text(
        _extra("Gift", _rule("A", "[AT, DE]", 10) + _rule("B", "[FR]", 20))
    )
    (manifests / "prod" / "extra.yaml").write_text(
        _extra(
            "Gift wrap",
            _rule("B", "[FR, BE]", 20) + _rule("A", "[DE, AT]", 10) + _rule("C", "[IT]", 5),
            "absent",
        )
    )
    return str(manifests)


def test_differences_by_rule_name_and_whole_lists(
    root: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["diff-env", "qa-int", "prod", "--manifests", root], capsys)
    assert (code, err) == (2, "")
    assert out == (
        "CHECK    AttributeType/ge_gift.desc\n"
        '           qa-int: "Gift"\n'
        '           prod: "Gift wrap"\n'
        "CHECK    AttributeType/ge_old.state\n"
        '           qa-int: "present"\n'
        '           prod: "absent"\n'
        "CHECK    IntegrationToken/Global-e integration.stores\n"
        "           qa-int: [Retail]\n"
        "           prod: [Wholesale]\n"
        "CHECK    TaxGroup/Extra.rules[B].countries\n"
        "           qa-int: [FR]\n"
        "           prod: [FR, BE]\n"
        "CHECK    TaxGroup/GE Local VAT.defaultInStores\n"
        "           qa-int: [Retail]\n"
        "           prod: [Wholesale]\n"
        "CHECK    WebhookPlugin/GE Integration Webhooks.store\n"
        '           qa-int: "Retail"\n'
        '           prod: "Wholesale"\n'
        "26 differences, 6 possible promotion mistakes (20 expected, hidden: --all shows them)\n"
    )
    # the other way round: the same differences, the sides swapped
    code, out, _ = run(["diff-env", "prod", "qa-int", "--manifests", root], capsys)
    assert code == 2
    assert out.splitlines()[1:3] == ['           prod: "Gift wrap"', '           qa-int: "Gift"']
    assert out.splitlines()[-1] == (
        "26 differences, 6 possible promotion mistakes (20 expected, hidden: --all shows them)"
    )


def test_all_lists_the_environment_first_with_each_reason(
    root: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        ["diff-env", "qa-int", "prod", "--manifests", root, "--all", "--format", "json"], capsys
    )
    assert code == 2
    found = [(d["path"], d["expected"], d["reason"]) for d in json.loads(out)["differences"]]
    centra = "each environment has its own Centra and token"
    derived = "derived from the Global-e environment, the merchant id and the Centra domain"
    globale = "QA-INT and PROD are separate Global-e environments and merchants"
    rule_c = [
        (f"TaxGroup/Extra.rules[C].{field}", True, None)
        for field in (
            "applyTaxPer",
            "applyTaxToHandling",
            "applyTaxToShipping",
            "code",
            "countries",
            "displayName",
            "includeShippingCostInOrderTotal",
            "includeTax",
            "name",
            "rate",
        )
    ]
    assert found == [
        ("Environment/centra.domain", True, centra),
        ("Environment/centra.tokenEnv", True, centra),
        ("Environment/centra.url", True, centra),
        ("Environment/derived.gemHost", True, derived),
        ("Environment/derived.webhookUrl", True, derived),
        ("Environment/globale.environment", True, globale),
        ("Environment/globale.merchantId", True, globale),
        ("Environment/ledger", True, "one ledger per environment"),
        ("AttributeType/ge_gift.desc", False, None),
        ("AttributeType/ge_old.state", False, None),
        ("AttributeType/ge_prod_only", True, "PROD-only attributes"),
        ("IntegrationToken/Global-e integration.stores", False, None),
        ("OrderApiPlugin/GE Order API.store", True, "PROD's Order API runs in the wholesale store"),
        ("TaxGroup/Extra.rules[B].countries", False, None),
        *rule_c,
        ("TaxGroup/GE Local VAT.defaultInStores", False, None),
        ("WebhookPlugin/GE Integration Webhooks.store", False, None),
    ]
    by_path = {d["path"]: d for d in json.loads(out)["differences"]}
    assert (
        by_path["Environment/derived.gemHost"]["a"],
        by_path["Environment/derived.gemHost"]["b"],
    ) == (
        "intgepi.bglobale.com",
        "gepi.global-e.com",
    )
    assert by_path["Environment/centra.tokenEnv"]["b"] == "CENTRA_PROD_TOKEN"
    assert by_path["AttributeType/ge_prod_only"]["onlyIn"] == "prod"
    ledger = by_path["Environment/ledger"]  # as written, not resolved
    assert (ledger["a"], ledger["b"]) == (
        ".provision/qa-int.ledger.json",
        ".provision/prod.ledger.json",
    )
