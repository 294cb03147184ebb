"""`validate` warns about each referenced secret (and the ledger key) holding under 128 bits
of randomness, estimated as the alphabet the value draws from raised to its length; the
warning names the secret's source, never its value."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from centra_provision.engine.secret_refs import resolve_secrets
from centra_provision.engine.strength import MIN_BITS, estimated_bits, weak_secrets
from tests.support.cases import TEMPLATE, build_case_tree
from tests.support.layers import Tree

SECOND = """\
kind: OrderApiPlugin
metadata:
  name: A second API
spec:
  store: Retail
  status: ACTIVE
  uri: second-api
  secretKey: {fromFile: secrets/second.key}
"""
STRONG_HEX = "3b9f1c6e0a2d4f7b8c5e9a1d3f6b2c8e"  # 32 hex digits: exactly 128 bits


@pytest.mark.parametrize(
    ("value", "bits"),
    [
        ("", 0),
        ("a", 1),  # one symbol still counts as a choice of two
        ("aaaaaaaaaaaaaaaa", 16),
        ("01" * 16, 32),
        ("abcdefg", int(7 * math.log2(7))),  # seven distinct: the symbols themselves
        ("abcdefgh", int(8 * math.log2(26))),  # eight distinct: the lowercase alphabet
        ("01234567", int(8 * math.log2(10))),  # digits only
        ("0123456789abcdef", 64),  # hex
        ("0123456789ABCDEF", 64),  # hex in capitals
        (STRONG_HEX, 128),
        (STRONG_HEX * 2, 256),  # what `provision secret generate` prints
        ("abcdefgH", int(8 * math.log2(52))),
        ("abcdefg1", int(8 * math.log2(36))),
        ("abcdefg!", int(8 * math.log2(58))),
        ("Abcdef1!", int(8 * math.log2(94))),
        ("ABCDEFGH", int(8 * math.log2(26))),
        ("abcdefgé", int(8 * math.log2(126))),  # a letter beyond ASCII widens the alphabet
        ("abcdefg\x01", int(8 * math.log2(126))),
        ("abcdefgé" * 8, int(64 * math.log2(126))),
        ("0123456789abcdefABCDEF", 88),  # every hex digit, either case: still hex
        ("abcdef g", int(8 * math.log2(26))),  # a space is printable and in no class
    ],
)
def test_estimated_bits(value: str, bits: int) -> None:
    assert estimated_bits(value) == bits


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tree:
    build_case_tree(TEMPLATE, tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GE_ORDER_API_SECRET", raising=False)
    monkeypatch.delenv("PROVISION_LEDGER_KEY", raising=False)
    t = Tree(tmp_path)
    t.write("manifests/base/second-plugin.yaml", SECOND)
    return t


def test_secrets_resolve_per_resource_and_field(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GE_ORDER_API_SECRET", "from-env")
    tree.write("secrets/second.key", "from-file\n")
    found = resolve_secrets(tree.load().resources, tree.root)
    assert sorted(found) == [
        ("OrderApiPlugin/A second API", "secretKey"),
        ("OrderApiPlugin/GE Order API", "secretKey"),
    ]
    first = found[("OrderApiPlugin/GE Order API", "secretKey")]
    second = found[("OrderApiPlugin/A second API", "secretKey")]
    assert (first.source, first.value) == ("the value of GE_ORDER_API_SECRET", "from-env")
    assert (second.source, second.value) == ("the contents of secrets/second.key", "from-file")


def test_a_plugin_without_a_secret_reference_resolves_nothing(tree: Tree) -> None:
    tree.write("manifests/base/second-plugin.yaml", SECOND.replace("  secretKey:", "  #"))
    found = resolve_secrets(tree.load().resources, tree.root)
    assert list(found) == [("OrderApiPlugin/GE Order API", "secretKey")]


def test_weak_secrets_are_warned_about_in_address_order_without_their_values(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GE_ORDER_API_SECRET", "correcthorse")
    tree.write("secrets/second.key", STRONG_HEX[:-1])
    monkeypatch.setenv("PROVISION_LEDGER_KEY", "letmein1")
    warnings = weak_secrets(tree.load(), tree.root)
    assert warnings == [
        "OrderApiPlugin/A second API secretKey: the contents of secrets/second.key holds "
        "about 124 bits of randomness, under 128; use `provision secret generate`",
        "OrderApiPlugin/GE Order API secretKey: the value of GE_ORDER_API_SECRET holds about "
        f"{estimated_bits('correcthorse')} bits of randomness, under 128; use "
        "`provision secret generate`",
        "PROVISION_LEDGER_KEY holds about 22 bits of randomness, under 128; use "
        "`provision secret generate`",
    ]
    assert not any(s in w for w in warnings for s in ("correcthorse", "letmein1", STRONG_HEX))


def test_128_bits_or_an_unset_secret_is_no_warning(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert MIN_BITS == 128
    tree.write("secrets/second.key", STRONG_HEX)
    assert weak_secrets(tree.load(), tree.root) == []  # GE_ORDER_API_SECRET is unset
    monkeypatch.setenv("PROVISION_LEDGER_KEY", "")
    assert weak_secrets(tree.load(), tree.root) == []
    monkeypatch.setenv("PROVISION_LEDGER_KEY", STRONG_HEX)
    monkeypatch.setenv("GE_ORDER_API_SECRET", STRONG_HEX.upper())
    assert weak_secrets(tree.load(), tree.root) == []
