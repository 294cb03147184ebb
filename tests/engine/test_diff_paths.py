"""The diff engine's paths and comparisons in the manifest's own terms: `rules[GE VAT].rate`
for keyed lists, a changed item of a set reported on the set, numbers equal by value
whatever their spelling, and a map only one side has reported leaf by leaf."""

from __future__ import annotations

from decimal import Decimal

import pytest

from centra_provision.engine.paths import (
    changed_leaves,
    comparable,
    differing,
    get,
    leaves,
    parse,
    put,
    render,
)


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("status", ("status",)),
        ("elements.ge_order_id.desc", ("elements", "ge_order_id", "desc")),
        ("rules[GE Local VAT].rate", ("rules", "GE Local VAT", "rate")),
        ("rules[a.b]", ("rules", "a.b")),
        ("rules[]", ("rules", "")),
        ("", ()),
    ],
)
def test_parse_and_render_are_inverse(text: str, segments: tuple[str, ...]) -> None:
    assert parse(text) == segments
    if text != "rules[]":
        assert render(segments) == text


def test_render_brackets_only_keys_of_keyed_lists_and_stops_at_positions() -> None:
    assert render(("x", "rules", "A", "rules", "B")) == "x.rules[A].rules[B]"
    assert render(("a", "rules")) == "a.rules"
    assert render(("countries", 0, "code")) == "countries"
    assert render(("rules", "A", "countries", 3, "x")) == "rules[A].countries"
    assert render((0, "a")) == ""
    assert render(()) == ""
    assert render(("a", 1.5)) == "a.1.5"


def test_comparable_spells_numbers_one_way_and_leaves_the_rest() -> None:
    assert comparable(25) == comparable(25.0) == comparable(Decimal("25.00"))
    assert comparable(7.7) == comparable(Decimal("7.70")) == Decimal("7.7")
    assert str(comparable(Decimal("25.00"))) == "25" or comparable(25) == Decimal("2.5E+1")
    assert comparable(True) is True and comparable(False) is False
    assert comparable(None) is None and comparable("25") == "25"
    assert comparable({1: 2, "a": [1.0, (2, 3)], "s": {4}}) == {
        "1": Decimal(2),
        "a": [Decimal(1), [Decimal(2), Decimal(3)]],
        "s": [Decimal(4)],
    }
    assert comparable(frozenset({"x"})) == ["x"]
    other = object()
    assert comparable(other) is other


def test_differing_sets_without_order_everything_else_with_it() -> None:
    for name in ("countries", "allExcept", "defaultInStores", "stores", "markets"):
        assert differing({name: ["A", "B"]}, {name: ["B", "A"]}) == set()
        assert differing({"x": {name: ["A", "B"]}}, {"x": {name: ["B", "A", "C"]}}) == {("x", name)}
    assert differing({"elements": ["A", "B"]}, {"elements": ["B", "A"]}) == {("elements",)}
    assert differing({"a": {"b": 1, "c": 2}}, {"a": {"b": 1.0, "c": 3}}) == {("a", "c")}
    assert differing({"a": 1}, {"a": 1, "b": None}) == {("b",)}
    assert differing({"a": {"b": 1}}, {}) == {("a",)}
    assert differing({"a": True}, {"a": 1}) == {("a",)}
    assert differing({"a": [[1], [2]]}, {"a": [[1], [3]]}) == {("a",)}
    assert differing({"a": "x"}, {"a": "x"}) == set()


def test_put_makes_the_maps_on_the_way_and_get_finds_only_what_is_there() -> None:
    tree: dict[str, object] = {}
    put(tree, ("rules", "A", "rate"), 25)
    put(tree, ("rules", "A", "code"), "VAT")
    put(tree, ("status",), "ACTIVE")
    assert tree == {"rules": {"A": {"rate": 25, "code": "VAT"}}, "status": "ACTIVE"}
    assert get(tree, ("rules", "A", "rate")) == 25
    assert get(tree, ("rules", "A")) == {"rate": 25, "code": "VAT"}
    assert get(tree, ()) is tree
    assert get(tree, ("rules", "B", "rate")) is None
    assert get(tree, ("status", "x")) is None
    assert get({"a": ["x"]}, ("a", "0")) is None


def test_leaves_are_every_non_map_value_with_its_path() -> None:
    tree = {"a": {"b": 1, "c": {"d": [1, 2]}, "e": {}}, "f": None}
    assert list(leaves(tree)) == [
        (("a", "b"), 1),
        (("a", "c", "d"), [1, 2]),
        (("a", "e"), {}),
        (("f",), None),
    ]
    assert list(leaves({}, ("x",))) == [(("x",), {})]
    assert list(leaves(5, ("x", "y"))) == [(("x", "y"), 5)]
    assert list(leaves({1: {2: "v"}})) == [(("1", "2"), "v")]


def test_changed_leaves_reports_each_leaf_with_both_sides() -> None:
    was = {"desc": "a", "elements": {"x": {"type": "input", "desc": "X"}}, "n": 25}
    now = {
        "desc": "b",
        "elements": {"x": {"type": "input", "desc": "X"}, "y": {"type": "text", "desc": "Y"}},
        "n": 25.0,
    }
    assert changed_leaves(was, now) == [
        (("desc",), "a", "b"),
        (("elements", "y", "desc"), None, "Y"),
        (("elements", "y", "type"), None, "text"),
    ]
    assert changed_leaves(now, was) == [
        (("desc",), "b", "a"),
        (("elements", "y", "desc"), "Y", None),
        (("elements", "y", "type"), "text", None),
    ]


def test_changed_leaves_of_a_changed_map_skip_its_equal_leaves() -> None:
    was = {"rule": {"rate": Decimal("7.70"), "code": "VAT", "on": True}}
    now = {"rule": {"rate": 7.7, "code": "VAT2", "on": True, "new": {}}}
    assert changed_leaves(was, now) == [
        (("rule", "code"), "VAT", "VAT2"),
        (("rule", "new"), None, {}),
    ]
    assert changed_leaves({"s": {"countries": ["SE", "DE"]}}, {"s": {"countries": ["DE"]}}) == [
        (("s", "countries"), ["SE", "DE"], ["DE"])
    ]
    assert changed_leaves({"a": 1}, {"a": 1.0}) == []
    assert changed_leaves({"a": 1}, {"a": 1, "b": None}) == [(("b",), None, None)]
    assert changed_leaves({"x": {"y": 1}}, {}) == [(("x", "y"), 1, None)]
    assert changed_leaves({"x": None}, {"x": {"y": 1}}) == [(("x", "y"), None, 1)]


def test_a_value_that_became_a_map_or_back_is_reported_on_both_paths() -> None:
    """diff-env between an environment taxing every country but its own markets and one
    listing countries: both the removed `allExcept` and the new list are shown."""
    left = {"rules": {"VAT": {"countries": {"allExcept": ["SE", "NO"]}, "rate": 25}}}
    right = {"rules": {"VAT": {"countries": ["SE"], "rate": 25}}}
    assert changed_leaves(left, right) == [
        (("rules", "VAT", "countries"), None, ["SE"]),
        (("rules", "VAT", "countries", "allExcept"), ["SE", "NO"], None),
    ]
    assert changed_leaves(right, left) == [
        (("rules", "VAT", "countries"), ["SE"], None),
        (("rules", "VAT", "countries", "allExcept"), None, ["SE", "NO"]),
    ]
    assert changed_leaves({"x": 1}, {"x": {"y": 2, "z": {}}}) == [
        (("x",), 1, None),
        (("x", "y"), None, 2),
        (("x", "z"), None, {}),
    ]
    assert changed_leaves({"a": 1}, {"a": 1.0}) == []
