"""A saved plan is applied only where and as it was made, checked part by part: every part
of its binding (environment, Centra, ledger place, ledger id, ledger version, manifests) and
every part of every change refuses it alone when it differs; a resource whose live state
moved since is refused by itself; an untouched plan runs exactly its changes."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from centra_provision.engine.saved_plan import StalePlanError, same_place, select_saved
from centra_provision.plans import (
    Action,
    ExecutorKind,
    FieldChange,
    FieldStatus,
    LedgerIdentity,
    Plan,
    ResourceChange,
)

DIGEST = "sha256:manifests"


def _change(name: str, action: Action = Action.UPDATE, **extra: Any) -> ResourceChange:
    fields = (
        FieldChange("status", "INACTIVE", "ACTIVE", True, FieldStatus.CHANGED),
        FieldChange("comment", None, "x", False, FieldStatus.UNKNOWN, note="write-only"),
    )
    base = ResourceChange(
        "Pricelist",
        name,
        ("Retail", name),
        action,
        ExecutorKind.API,
        fields,
        live_fingerprint=f"sha256:{name}",
        live_id=7,
    )
    return dataclasses.replace(base, **extra)


FRESH = Plan(
    environment="qa-int",
    centra_url="https://sandbox.centraqa.com/graphql",
    manifest_digest=DIGEST,
    created_at="2026-12-04T10:00:00+00:00",
    changes=(
        _change("SEK"),
        _change("EUR", Action.CREATE),
        _change("NOK", Action.NOOP, fields=()),
    ),
    ledger=LedgerIdentity(".provision/qa-int.ledger.json", "ledger-1", 3),
)


def test_an_untouched_plan_runs_exactly_its_pending_changes() -> None:
    changes, refused = select_saved(FRESH, FRESH, DIGEST)
    assert [c.address for c in changes] == ["Pricelist/SEK", "Pricelist/EUR"]
    assert refused == ()


BINDING: dict[str, Any] = {
    "environment": "prod",
    "centra_url": "https://other.centra.com/graphql",
    "ledger": LedgerIdentity(".provision/prod.ledger.json", "ledger-1", 3),
    "ledger.ledger_id": "ledger-2",
    "ledger.serial": 4,
    "ledger.none": None,
}


@pytest.mark.parametrize("part", list(BINDING))
def test_each_part_of_the_binding_refuses_the_plan_alone(part: str) -> None:
    if part.startswith("ledger.") and part != "ledger.none":
        assert FRESH.ledger is not None
        ledger = dataclasses.replace(FRESH.ledger, **{part.split(".")[1]: BINDING[part]})
        saved = dataclasses.replace(FRESH, ledger=ledger)
    elif part == "ledger.none":
        saved = dataclasses.replace(FRESH, ledger=None)
    else:
        saved = dataclasses.replace(FRESH, **{part: BINDING[part]})
    with pytest.raises(StalePlanError, match=r"nothing was applied|plan again"):
        select_saved(saved, FRESH, DIGEST)
    with pytest.raises(StalePlanError):  # and the other way round: a fresh plan moved on
        select_saved(FRESH, saved, DIGEST)


def test_other_manifests_refuse_the_plan() -> None:
    with pytest.raises(StalePlanError, match="the manifests changed since the plan was saved"):
        select_saved(FRESH, FRESH, "sha256:other")


CHANGE_PARTS: dict[str, Any] = {
    "kind": "ShippingOption",
    "identity": ("Wholesale", "SEK"),
    "action": Action.DELETE,
    "executor": ExecutorKind.GUIDED,
    "live_id": 8,
    "fields": (),
}
FIELD_PARTS: dict[str, Any] = {
    "path": "currency",
    "before": "ACTIVE",
    "after": "INACTIVE",
    "observed": False,
    "status": FieldStatus.UNCHANGED,
    "sensitive": True,
    "last_applied": "2026-12-01T00:00:00+00:00",
    "note": "edited",
    "unresolved": "GE_ORDER_API_SECRET is not set",
}


@pytest.mark.parametrize("part", list(CHANGE_PARTS))
def test_each_part_of_a_change_refuses_the_plan_whole(part: str) -> None:
    edited = dataclasses.replace(FRESH.changes[0], **{part: CHANGE_PARTS[part]})
    saved = dataclasses.replace(FRESH, changes=(edited, *FRESH.changes[1:]))
    with pytest.raises(StalePlanError, match="not what a fresh plan makes"):
        select_saved(saved, FRESH, DIGEST)


@pytest.mark.parametrize("part", list(FIELD_PARTS))
@pytest.mark.parametrize("index", [0, 1])
def test_each_part_of_each_field_refuses_the_plan_whole(part: str, index: int) -> None:
    change = FRESH.changes[0]
    fields = list(change.fields)
    value = FIELD_PARTS[part]
    if getattr(fields[index], part) == value:  # the table's value is this field's already
        value = (not value) if isinstance(value, bool) else f"{value} edited"
    fields[index] = dataclasses.replace(fields[index], **{part: value})
    edited = dataclasses.replace(change, fields=tuple(fields))
    saved = dataclasses.replace(FRESH, changes=(edited, *FRESH.changes[1:]))
    with pytest.raises(StalePlanError, match="Pricelist/SEK are not what a fresh plan makes"):
        select_saved(saved, FRESH, DIGEST)


def test_a_change_added_to_the_file_refuses_the_plan_whole() -> None:
    extra = _change("DKK")
    saved = dataclasses.replace(FRESH, changes=(*FRESH.changes, extra))
    with pytest.raises(StalePlanError, match="Pricelist/DKK are not what a fresh plan makes"):
        select_saved(saved, FRESH, DIGEST)


@given(dropped=st.sets(st.sampled_from(["Pricelist/SEK", "Pricelist/EUR"])))
def test_editing_a_plan_file_can_only_lose_changes(dropped: set[str]) -> None:
    saved = dataclasses.replace(
        FRESH, changes=tuple(c for c in FRESH.changes if c.address not in dropped)
    )
    changes, _ = select_saved(saved, FRESH, DIGEST)
    assert {c.address for c in changes} == {"Pricelist/SEK", "Pricelist/EUR"} - dropped


@given(moved=st.sets(st.sampled_from(["Pricelist/SEK", "Pricelist/EUR", "Pricelist/NOK"])))
def test_a_resource_that_moved_in_centra_is_refused_by_itself(moved: set[str]) -> None:
    """Only resources whose live fingerprint differs are refused; the rest still run."""
    fresh = dataclasses.replace(
        FRESH,
        changes=tuple(
            dataclasses.replace(c, live_fingerprint="sha256:moved") if c.address in moved else c
            for c in FRESH.changes
        ),
    )
    changes, refused = select_saved(FRESH, fresh, DIGEST)
    pending = {"Pricelist/SEK", "Pricelist/EUR"}
    assert set(refused) == moved & pending
    assert {c.address for c in changes} == pending - moved


def test_a_local_ledger_is_one_place_however_it_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "real" / ".provision").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.chdir(tmp_path / "real")
    names = [
        ".provision/qa-int.ledger.json",
        "./.provision/qa-int.ledger.json",
        str(tmp_path / "real" / ".provision" / "qa-int.ledger.json"),
        str(tmp_path / "link" / ".provision" / "qa-int.ledger.json"),
        f"../real/.provision/{os.curdir}/qa-int.ledger.json",
    ]
    for a in names:
        for b in names:
            assert same_place(a, b), (a, b)
    others = [".provision/prod.ledger.json", "s3://bucket/.provision/qa-int.ledger.json"]
    for a in names:
        for b in others:
            assert not same_place(a, b) and not same_place(b, a)
    assert same_place("s3://b/k.json", "s3://b/k.json")
    assert not same_place("s3://b/k.json", "s3://b/K.json")
    assert not same_place("s3://b/k.json", "gs://b/k.json")
