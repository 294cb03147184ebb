"""What `import` writes for a resource the base declares: the least a document must say,
merged onto the base, to give what Centra showed (`overlay`). Its contract: mappings key by
key, lists and scalars whole, write-only keys the base gives are kept, tax rules matched by
name, country sets without order, numbers by value; SAME (nothing to write) when Centra
shows what the base says."""

from __future__ import annotations

from decimal import Decimal

from centra_provision.engine.importer import SAME, overlay
from centra_provision.resources import countries

RULE = {
    "name": "GE Local VAT",
    "displayName": "GE Local VAT",
    "code": "VAT",
    "applyTaxPer": "Ship-to country",  # write-only: Centra never shows it
    "countries": {"allExcept": ["SE", "NO"]},
    "rate": 25,
}
SHOWN_RULE = {
    "name": "GE Local VAT",
    "displayName": "GE Local VAT",
    "code": "VAT",
    "countries": sorted(countries.expand({"allExcept": ["NO", "SE"]})),
    "rate": Decimal("25.00"),
}


def test_what_the_base_says_is_same() -> None:
    base = {"status": "ACTIVE", "stores": ["Retail"], "desc": None, "on": True}
    assert overlay(base, dict(base)) is SAME
    assert overlay("x", "x") is SAME and overlay(None, None) is SAME
    assert overlay(base, {}) is SAME  # Centra shows nothing of it: the base stands


def test_mappings_give_only_the_keys_that_differ() -> None:
    base = {"status": "ACTIVE", "desc": "Old", "elements": {"a": {"desc": "A"}, "b": {"desc": "B"}}}
    found = {
        "status": "ACTIVE",
        "desc": "New",
        "elements": {"a": {"desc": "A"}, "b": {"desc": "b"}},
    }
    assert overlay(base, found) == {"desc": "New", "elements": {"b": {"desc": "b"}}}


def test_keys_only_centra_has_are_written_and_write_only_keys_are_left_to_the_base() -> None:
    base = {
        "status": "ACTIVE",
        "readonly": False,
        "elements": {"a": {"type": "input", "desc": "A"}},
    }
    found = {"status": "ACTIVE", "elements": {"a": {"desc": "A"}, "c": {"desc": "C"}}}
    assert overlay(base, found) == {"elements": {"c": {"desc": "C"}}}


def test_lists_and_scalars_are_replaced_whole() -> None:
    assert overlay({"stores": ["Retail", "Wholesale"]}, {"stores": ["Retail"]}) == {
        "stores": ["Retail"]
    }
    assert overlay({"on": True}, {"on": False}) == {"on": False}
    assert overlay({"on": None}, {"on": False}) == {"on": False}
    assert overlay({"desc": "a"}, {"desc": "b"}) == {"desc": "b"}
    assert overlay({"x": "a"}, {"x": {"y": 1}}) == {"x": {"y": 1}}
    assert overlay({"x": {"y": 1}}, {"x": [1]}) == {"x": [1]}


def test_numbers_compare_by_value() -> None:
    for same in (25, 25.0, Decimal("25"), Decimal("25.000")):
        assert overlay({"rate": 25}, {"rate": same}) is SAME
    assert overlay({"rate": 25}, {"rate": Decimal("25.5")}) == {"rate": Decimal("25.5")}
    assert overlay({"rates": [1, 2.5]}, {"rates": [1.0, Decimal("2.50")]}) is SAME
    # a manifest's 19.1 is a Decimal, Centra's a float: the same rate, not a change
    assert overlay({"rate": Decimal("19.1")}, {"rate": 19.1}) is SAME


def test_country_sets_compare_without_order_or_notation() -> None:
    short = {"countries": {"allExcept": ["SE", "NO"]}}
    assert overlay(short, {"countries": {"allExcept": ["NO", "SE"]}}) is SAME
    full = sorted(countries.expand({"allExcept": ["SE", "NO"]}))
    assert overlay(short, {"countries": list(reversed(full))}) is SAME
    assert overlay({"countries": ["SE", "NO"]}, {"countries": ["NO", "SE"]}) is SAME
    assert overlay({"countries": ["SE"]}, {"countries": ["SE", "NO"]}) == {
        "countries": ["SE", "NO"]
    }
    wider = {"allExcept": ["SE"]}
    assert overlay(short, {"countries": wider}) == {"countries": wider}  # written whole


def test_rules_are_matched_by_name_keeping_the_bases_write_only_keys() -> None:
    other = {**RULE, "name": "Other", "code": "O", "countries": ["DE"]}
    base = {"status": "ACTIVE", "rules": [RULE, other]}
    shown_other = {k: v for k, v in other.items() if k != "applyTaxPer"}
    # Centra lists them in another order, without the write-only key, countries in full
    assert overlay(base, {"status": "ACTIVE", "rules": [shown_other, SHOWN_RULE]}) is SAME
    changed = {**SHOWN_RULE, "rate": 20}
    new = {"name": "New", "displayName": "N", "code": "N", "countries": ["FI"], "rate": 10}
    assert overlay(base, {"rules": [changed, new]}) == {
        "rules": [{**RULE, "countries": SHOWN_RULE["countries"], "rate": 20}, new]
    }


def test_lists_of_unnamed_entries_are_not_merged() -> None:
    base = {"items": [{"id": 1, "a": 1}]}
    assert overlay(base, {"items": [{"id": 1}]}) == {"items": [{"id": 1}]}
    assert overlay({"items": [{"name": "x", "a": 1}]}, {"items": [{"id": 1}]}) == {
        "items": [{"id": 1}]
    }
    mixed = [{"name": "x"}, {"id": 2}]
    assert overlay({"items": mixed}, {"items": [{"name": "x"}, {"id": 3}]}) == {
        "items": [{"name": "x"}, {"id": 3}]
    }
