"""What `drift` concludes from a plan and a live read, as the library's callers (the CLI,
JUnit and markdown reports) get it: which resources drifted and why (in words), which fields
changed outside the manifests since the ledger's snapshot, what nobody can check, and the
exit code for each `--fail-on`. Also the snapshot's shape of what Centra shows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from centra_provision.engine.drift import (
    DriftItem,
    DriftReport,
    UnmanagedChange,
    drift_from_plan,
    drift_item,
    drifted_fields,
    since_snapshot,
    undeclared,
    unknown_fields,
    unmanaged_changes,
)
from centra_provision.errors import EXIT_CHANGES, EXIT_OK
from centra_provision.plans import FieldChange, Plan, ResourceChange
from centra_provision.resources.base import FieldState, Observation
from centra_provision.state.snapshot import shown
from centra_provision.values import jsonable

OBSERVED = FieldChange("desc", "Old", "New", True, "changed")
WRITE_ONLY = FieldChange("readonly", None, True, False, "changed", last_applied="2026-01-01")
HAND_ADDED = FieldChange("elements.x.desc", "X", None, True, "changed")
UNCHANGED = FieldChange("group", "order", "order", True, "unchanged")


def _change(action: str, *fields: FieldChange, name: str = "ge_a") -> ResourceChange:
    return ResourceChange("AttributeType", name, (name,), action, "guided", fields)


def test_a_field_centra_shows_and_the_manifests_leave_out_is_undeclared() -> None:
    assert undeclared(HAND_ADDED)
    for other in (
        FieldChange("p", "X", None, False, "changed"),  # write-only
        FieldChange("p", "X", None, True, "changed", sensitive=True),
        FieldChange("p", "X", None, True, "unknown"),
        FieldChange("p", "X", "Y", True, "changed"),  # declared
        FieldChange("p", None, None, True, "changed"),  # Centra shows nothing either
    ):
        assert not undeclared(other), other


def test_drifted_fields_are_changes_centra_shows_or_the_ledger_remembers() -> None:
    never_applied = FieldChange("group", None, "x", False, "changed")
    unknown = FieldChange("desc", "a", "b", True, "unknown")
    change = _change("update", OBSERVED, WRITE_ONLY, HAND_ADDED, never_applied, unknown, UNCHANGED)
    assert drifted_fields(change) == (OBSERVED, WRITE_ONLY)


def test_each_action_has_its_reason() -> None:
    extra = (UnmanagedChange("elements.y.desc", None, "Y"),)
    assert drift_item(_change("delete", OBSERVED), extra) == DriftItem(
        "AttributeType/ge_a", "exists in Centra but the manifests say absent"
    )
    assert drift_item(_change("create", WRITE_ONLY, OBSERVED)) == DriftItem(
        "AttributeType/ge_a", "missing in Centra"
    )
    never = drift_item(_change("create", WRITE_ONLY))  # Centra cannot show it: not drift
    assert never == DriftItem("AttributeType/ge_a", "") and not never.drifted
    item = drift_item(_change("update", OBSERVED, HAND_ADDED, WRITE_ONLY), extra)
    assert item == DriftItem(
        "AttributeType/ge_a", "differs in desc, readonly", (OBSERVED, WRITE_ONLY), extra
    )
    assert item.drifted
    quiet = drift_item(_change("no-op", UNCHANGED, HAND_ADDED), extra)
    assert quiet == DriftItem("AttributeType/ge_a", "", (), extra) and not quiet.drifted


def test_changes_since_the_snapshot_outside_what_is_declared() -> None:
    was = {"desc": "A", "elements": {"a": {"desc": "A"}, "gone": {"desc": "G"}}, "n": [1]}
    now = {"desc": "B", "elements": {"a": {"desc": "A2"}, "new": {"desc": "N"}}, "n": [1]}
    found = since_snapshot(was, now, {"desc"}, "attest at T")
    assert found == {
        "elements.a.desc": UnmanagedChange("elements.a.desc", "A", "A2", "attest at T"),
        "elements.gone.desc": UnmanagedChange("elements.gone.desc", "G", None, "attest at T"),
        "elements.new.desc": UnmanagedChange("elements.new.desc", None, "N", "attest at T"),
    }
    assert since_snapshot(was, now, {"desc", "elements.a.desc"}, "s").keys() == {
        "elements.gone.desc",
        "elements.new.desc",
    }
    assert since_snapshot(was, was, set(), "x") == {}


def _observation(exists: bool | None, entry: Any, *declared: str) -> Observation:
    fields = tuple(FieldState(p, "v", True, "v") for p in declared)
    undeclared_field = FieldState("elements.b.desc", None, True, "B2")  # nothing desired
    return Observation(exists, entry, (*fields, undeclared_field))


ENTRY = {"description": "A", "elements": {"a": "A", "b": "B2", "c": "C"}}


def test_unmanaged_changes_of_a_resource_with_a_snapshot() -> None:
    snapshot = {
        "shown": {"desc": "Z", "elements": {"a": {"desc": "A"}, "b": {"desc": "B"}}},
        "source": "import",
        "at": "2026-02-03T04:05:06+00:00",
    }
    change = _change(
        "update",
        HAND_ADDED,
        FieldChange("elements.c.desc", "C", None, True, "changed"),
        FieldChange("alias", "Q", None, True, "changed"),
    )
    since = "import at 2026-02-03T04:05:06+00:00"
    assert unmanaged_changes(change, _observation(True, ENTRY, "desc"), snapshot) == (
        UnmanagedChange("alias", None, "Q"),  # by path, wherever it was found
        UnmanagedChange("elements.b.desc", "B", "B2", since),
        UnmanagedChange("elements.c.desc", None, "C", since),  # the snapshot's, not the plan's
        UnmanagedChange("elements.x.desc", None, "X", None),
    )
    bare = {"shown": {"desc": "A", "elements": {"a": {"desc": "A"}}}}
    assert unmanaged_changes(_change("update"), _observation(True, ENTRY, "desc"), bare) == (
        UnmanagedChange("elements.b.desc", None, "B2", "? at ?"),
        UnmanagedChange("elements.c.desc", None, "C", "? at ?"),
    )


def test_unmanaged_changes_without_a_snapshot_or_without_the_resource() -> None:
    change = _change("update", OBSERVED, HAND_ADDED)
    expected = (UnmanagedChange("elements.x.desc", None, "X"),)
    assert unmanaged_changes(change, _observation(True, ENTRY), None) == expected
    assert unmanaged_changes(change, _observation(True, ENTRY), {"shown": None}) == expected
    snapshot = {"shown": {"desc": "A"}, "source": "apply", "at": "T"}
    # Centra has it but shows none of its details: all the snapshot held is gone
    assert unmanaged_changes(_change("update"), _observation(True, None), snapshot) == (
        UnmanagedChange("desc", "A", None, "apply at T"),
    )
    for exists in (False, None):
        assert unmanaged_changes(change, _observation(exists, None), snapshot) == ()


def _plan(*changes: ResourceChange) -> Plan:
    return Plan(
        "qa-int",
        "https://centra.example/graphql",
        "digest",
        "2026-01-01T00:00:00+00:00",
        changes,
        notes=("a note",),
        centra_url_source="--centra-url",
    )


def test_the_report_names_unknown_fields_and_fails_as_asked() -> None:
    secret = FieldChange("secretKey", None, None, False, "unknown", True, unresolved="set GE_X")
    plan = _plan(
        _change("update", OBSERVED, name="ge_a"),
        _change("no-op", UNCHANGED, secret, name="ge_b"),
        _change("no-op", UNCHANGED, name="ge_c"),
    )
    extra = (UnmanagedChange("elements.y.desc", None, "Y"),)
    report = drift_from_plan(plan, {"AttributeType/ge_b": extra})
    assert (report.environment, report.centra_url, report.notes, report.centra_url_source) == (
        "qa-int",
        "https://centra.example/graphql",
        ("a note",),
        "--centra-url",
    )
    assert report.unknown == ("cannot check AttributeType/ge_b secretKey: set GE_X",)
    assert unknown_fields(plan) == report.unknown
    assert [i.address for i in report.drifted] == ["AttributeType/ge_a"]
    assert [i.address for i in report.unmanaged] == ["AttributeType/ge_b"]
    assert [i.unmanaged for i in report.items] == [(), extra, ()]
    assert report.exit_code() == report.exit_code("manifests") == EXIT_CHANGES
    outside_only = drift_from_plan(_plan(plan.changes[1]), {"AttributeType/ge_b": extra})
    assert outside_only.exit_code() == EXIT_OK
    assert outside_only.exit_code("unmanaged") == EXIT_CHANGES
    clean = drift_from_plan(_plan(plan.changes[2]))
    assert clean.items == (DriftItem("AttributeType/ge_c", ""),)
    assert (clean.exit_code("unmanaged"), clean.unknown) == (EXIT_OK, ())
    assert DriftReport("e", "u", ()).exit_code("unmanaged") == EXIT_OK


def test_what_centra_shows_is_snapshotted_in_the_manifests_shape() -> None:
    assert shown("AttributeType", ENTRY | {"id": 7, "elements": {"a": "A"}}) == {
        "desc": "A",
        "elements": {"a": {"desc": "A"}},
    }
    group = {
        "id": 3,
        "status": "ACTIVE",
        "defaultInStores": ["Retail"],
        "rules": {"VAT": {"id": 9, "rate": Decimal("25.0"), "countries": ("SE",)}},
    }
    assert shown("TaxGroup", group) == {
        "status": "ACTIVE",
        "defaultInStores": ["Retail"],
        "rules": {"VAT": {"rate": 25, "countries": ["SE"]}},
    }
    pricelist = {"id": 1, "status": "ACTIVE", "currency": "SEK", "rate": Decimal("1.5")}
    assert shown("Pricelist", pricelist) == {"status": "ACTIVE", "currency": "SEK", "rate": 1.5}
    checks = {"stores": {"Wholesale": True, "Retail": True, "Outlet": False}, "markets": {}}
    assert shown("ShippingOption", {"id": 2, "checks": checks}) == {
        "stores": ["Retail", "Wholesale"],
        "markets": [],
    }
    assert shown("ShippingOption", {"checks": None}) == {"stores": [], "markets": []}
    for kind in ("OrderApiPlugin", "WebhookPlugin"):
        assert shown(kind, {"id": 1, "status": "INACTIVE", "probe": 200}) == {"status": "INACTIVE"}
    assert shown("IntegrationToken", {"status": "ACTIVE"}) is None
    assert shown("TaxGroup", None) is None and shown("TaxGroup", ["x"]) is None


def test_snapshots_hold_plain_json_values() -> None:
    assert jsonable({1: (Decimal("2"), Decimal("2.50"), [Decimal("0.1")]), "s": None}) == {
        "1": [2, 2.5, [0.1]],
        "s": None,
    }
    assert isinstance(jsonable(Decimal("2")), int) and isinstance(jsonable(Decimal("2.5")), float)
