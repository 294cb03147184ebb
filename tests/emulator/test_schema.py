"""The emulator's SDL is a subset of Centra's reference: same names, same types; and the
API has no write mutation for what Centra cannot write."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from graphql import parse, print_ast
from graphql.language import (
    EnumTypeDefinitionNode,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
)

from centra_provision.emulator.graphql_api import sdl
from tests.support.emulator import EmulatorClient
from tests.support.paths import REPO, SHARED

REFERENCE = SHARED / "reference" / "centra-integration-api.graphql"
TYPED = (ObjectTypeDefinitionNode, InputObjectTypeDefinitionNode, InterfaceTypeDefinitionNode)


def _definitions(text: str) -> dict[str, object]:
    return {
        d.name.value: d
        for d in parse(text).definitions  # type: ignore[attr-defined]
        if isinstance(d, (*TYPED, EnumTypeDefinitionNode))
    }


def _fields(node: object) -> dict[str, str]:
    out = {}
    for f in getattr(node, "fields", None) or ():
        args = ", ".join(
            sorted(
                f"{a.name.value}: {print_ast(a.type)}" for a in getattr(f, "arguments", None) or ()
            )
        )
        out[f.name.value] = f"({args}) {print_ast(f.type)}"
    return out


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared/reference is not beside the repo")
def test_every_served_name_matches_the_reference() -> None:
    ours, ref = _definitions(sdl()), _definitions(REFERENCE.read_text())
    only_ours = sorted(set(ours) - set(ref))
    # Types the reference names (as argument or field types) without transcribing them,
    # needed for a valid schema; each is marked `emulator-only` in the emulator's SDL.
    assert only_ours == sorted(
        [
            "BrickAndMortar",
            "CampaignFilter",
            "CampaignSort",
            "WarehouseAllocationPolicy",
            "WarehouseStockMaster",
            "WarehouseStockOwnership",
            "CountryFilter",
            "CountrySort",
            "CurrencyFilter",
            "CurrencySort",
            "DisplaySort",
            "MarketSort",
            "PricelistSort",
            "ShippingOptionSort",
            "StoreFilter",
            "StorePluginSort",
            "StoreSort",
            "TaxGroupSort",
            "WarehouseFilter",
            "WarehouseSort",
        ]
    )
    for name, node in ours.items():
        if name not in ref:
            continue
        theirs = ref[name]
        if isinstance(node, EnumTypeDefinitionNode):
            mine = {v.name.value for v in node.values or ()}
            assert mine <= {v.name.value for v in theirs.values or ()}, name  # type: ignore[attr-defined]
            continue
        reference_fields = _fields(theirs)
        for field, signature in _fields(node).items():
            assert field in reference_fields, f"{name}.{field} is not in the reference"
            assert _strip_defaults(signature) == _strip_defaults(reference_fields[field]), (
                f"{name}.{field}"
            )


def _strip_defaults(signature: str) -> str:
    return re.sub(r"\s*=\s*[^,)]+", "", signature)


def test_no_write_mutation_for_what_centra_cannot_write(api: EmulatorClient) -> None:
    names = [
        f["name"]
        for f in api.data('{ __type(name: "Mutation") { fields { name } } }')["__type"]["fields"]
    ]
    assert names == [
        "createMarket",
        "updateMarket",
        "createPricelist",
        "updatePricelist",
        "deletePricelist",
        "createShippingOption",
        "updateShippingOption",
    ]
    forbidden = re.compile(r"plugin|attributetype|taxgroup|taxrule|token|accesstoken", re.I)
    assert not [n for n in names if forbidden.search(n)]


def test_introspection_answers_the_full_schema(api: EmulatorClient) -> None:
    body = api.data("{ __schema { queryType { name } types { name } } }")
    types = {t["name"] for t in body["__schema"]["types"]}
    assert {"StorePlugin", "TaxGroup", "AttributeType", "Product", "RateLimit"} <= types


@pytest.mark.skipif(
    not (SHARED / "tools" / "check-graphql-operations").exists(),
    reason="shared/tools is not beside the repo",
)
def test_package_operations_pass_the_reference_check() -> None:
    tool = SHARED / "tools" / "check-graphql-operations"
    package = REPO / "centra_provision"
    proc = subprocess.run(
        [sys.executable, str(tool), str(package)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
