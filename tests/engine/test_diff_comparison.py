"""The deepdiff comparison under the plan: sets without order, ordered lists with it, keyed
lists by key, numbers by value, paths in the manifest's own terms."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from centra_provision.engine.diff import observed_differences
from centra_provision.engine.drift import UnmanagedChange, since_snapshot
from centra_provision.engine.paths import differing, parse, render
from centra_provision.resources.base import FieldState

SETTINGS = settings(derandomize=True, max_examples=200, deadline=None)
CODES = st.lists(st.sampled_from(["SE", "DE", "FR", "NO", "CH", "GB", "US"]), unique=True)


def test_paths_render_in_manifest_terms() -> None:
    for path in ("elements.ge_order_id.desc", "rules[GE Local VAT].rate", "status", "rules[a.b]"):
        assert render(parse(path)) == path
    assert render(("rules", "GE Local VAT", "countries", 3)) == "rules[GE Local VAT].countries"


def test_sets_ignore_order_ordered_lists_do_not() -> None:
    assert differing({"countries": ["SE", "DE"]}, {"countries": ["DE", "SE"]}) == set()
    assert differing({"orderStatuses": ["A", "B"]}, {"orderStatuses": ["B", "A"]}) == {
        ("orderStatuses",)
    }
    assert differing({"stores": ["A"]}, {"stores": ["A", "B"]}) == {("stores",)}


def test_keyed_lists_by_key_and_numbers_by_value() -> None:
    desired = {"rules": {"A": {"rate": Decimal("7.70")}, "B": {"rate": 12}}}
    live = {"rules": {"B": {"rate": Decimal("12.000")}, "A": {"rate": 7.7}}}
    assert differing(desired, live) == set()
    live["rules"]["A"]["rate"] = 7.71
    assert differing(desired, live) == {("rules", "A", "rate")}


def test_observed_differences_names_fields_and_keeps_secrets_out() -> None:
    states = [
        FieldState("rules[VAT].countries", ["SE", "DE"], True, ["DE", "SE", "FR"]),
        FieldState("rules[VAT].rate", Decimal(25), True, 25.0),
        FieldState("desc", "x", True, "y"),
        FieldState("secretKey", "s3cret", True, "(differs)", sensitive=True),
        FieldState("debugLogging", True, False),
    ]
    assert observed_differences(states) == {"rules[VAT].countries", "desc"}


@SETTINGS
@given(CODES, st.randoms(use_true_random=False), st.integers(0, 3), st.integers(0, 2500))
def test_reordered_sets_and_rewritten_numbers_never_differ(
    codes: list[str], rnd: object, zeros: int, cents: int
) -> None:
    shuffled = list(codes)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    rate = Decimal(cents) / 100
    written = Decimal(f"{rate:.{2 + zeros}f}")
    desired = {"rules": {"VAT": {"countries": codes, "rate": written}}}
    live = {"rules": {"VAT": {"countries": shuffled, "rate": float(rate)}}}
    assert differing(desired, live) == set()
    if codes:
        live["rules"]["VAT"]["countries"] = shuffled[1:]
        assert differing(desired, live) == {("rules", "VAT", "countries")}


def test_since_snapshot_reports_only_what_the_manifests_do_not_declare() -> None:
    """A pricelist's default shipping option set by hand, its countries reordered and its rate
    of 25 read back as 25.0: only the undeclared field is a change outside the manifests."""
    was = {"status": "ACTIVE", "countries": ["DE", "SE"], "defaultShippingOption": None}
    now = {"status": "INACTIVE", "countries": ["SE", "DE"], "defaultShippingOption": "GE"}
    found = since_snapshot(was, now, {"status", "countries"}, "apply at T")
    assert found == {
        "defaultShippingOption": UnmanagedChange("defaultShippingOption", None, "GE", "apply at T")
    }
    rules = {"rules": {"VAT": {"rate": 25}}}
    assert since_snapshot(rules, {"rules": {"VAT": {"rate": 25.0}}}, set(), "x") == {}
