"""Every field a plan shows: what Centra shows against the desired value, write-only fields
against the ledger's record of the last apply, secrets only as fingerprints, and why a
value is unknown (never applied, a secret that is not set) with when it was last applied."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from centra_provision.engine.diff import (
    NEVER_APPLIED,
    field_change,
    observed_differences,
    resource_change,
)
from centra_provision.plans import FieldChange, ResourceChange
from centra_provision.resources import Resource
from centra_provision.resources.base import FieldState, Observation
from centra_provision.resources.live import fingerprint
from centra_provision.source import SourceDocument
from centra_provision.state.ledger import Ledger

RES = Resource(
    "AttributeType",
    "ge_x",
    ("ge_x",),
    {"desc": "X"},
    "present",
    SourceDocument("x.yaml", {}),
)
GONE = Resource("AttributeType", "ge_x", ("ge_x",), {}, "absent", SourceDocument("x.yaml", {}))
UNSET = "GE_SECRET is not set"


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.load(tmp_path / "ledger.json", "test")


def at_of(ledger: Ledger, path: str) -> str:
    record = ledger.record(RES.address, path)
    assert record is not None
    return record["at"]


def test_a_new_resource_shows_every_field_as_changed(ledger: Ledger) -> None:
    desc = FieldState("desc", "X", True, "ignored")
    secret = FieldState("secretKey", "s3cret", False, sensitive=True)
    unset = FieldState("other", None, True, sensitive=True, unavailable=UNSET)
    assert field_change(RES, desc, ledger, False, False) == FieldChange(
        "desc", None, "X", True, "changed", False
    )
    fp = ledger.fingerprint("s3cret", True)
    assert fp.startswith("scrypt:")
    assert field_change(RES, secret, ledger, False, False) == FieldChange(
        "secretKey", None, fp, False, "changed", True
    )
    assert field_change(RES, unset, ledger, False, False) == FieldChange(
        "other", None, None, True, "changed", True, note=UNSET, unresolved=UNSET
    )


def test_an_observed_field_follows_the_deepdiff_verdict(ledger: Ledger) -> None:
    state = FieldState("desc", "X", True, "Y")
    assert field_change(RES, state, ledger, True, True) == FieldChange(
        "desc", "Y", "X", True, "changed", False
    )
    assert field_change(RES, state, ledger, True, False) == FieldChange(
        "desc", "Y", "X", True, "unchanged", False
    )
    assert field_change(RES, state, ledger, None, False).status == "unchanged"


def test_an_observed_secret_shows_only_whether_it_is_set_and_differs(ledger: Ledger) -> None:
    fp = ledger.fingerprint("s3cret", True)
    same = FieldState("secretKey", "s3cret", True, "s3cret", sensitive=True)
    other = FieldState("secretKey", "s3cret", True, "other", sensitive=True)
    missing = FieldState("secretKey", "s3cret", True, None, sensitive=True)
    neither = FieldState("secretKey", None, True, None, sensitive=True)
    # the deepdiff verdict is not consulted for secrets (they never enter a diff)
    assert field_change(RES, same, ledger, True, True) == FieldChange(
        "secretKey", "(set)", fp, True, "unchanged", True
    )
    assert field_change(RES, other, ledger, True, False) == FieldChange(
        "secretKey", "(differs)", fp, True, "changed", True
    )
    assert field_change(RES, missing, ledger, True, False) == FieldChange(
        "secretKey", "(differs)", fp, True, "changed", True
    )
    assert field_change(RES, neither, ledger, True, True) == FieldChange(
        "secretKey", None, None, True, "unchanged", True
    )


def test_a_write_only_field_never_applied_is_unknown(ledger: Ledger) -> None:
    state = FieldState("debugLogging", True, False)
    assert field_change(RES, state, ledger, True, True) == FieldChange(
        "debugLogging", None, True, False, "unknown", False, note=NEVER_APPLIED
    )
    assert NEVER_APPLIED == "never applied by this tool"
    secret = FieldState("secretKey", "s3cret", False, sensitive=True)
    assert field_change(RES, secret, ledger, True, False) == FieldChange(
        "secretKey",
        None,
        ledger.fingerprint("s3cret", True),
        False,
        "unknown",
        True,
        note=NEVER_APPLIED,
    )


def test_a_write_only_field_compares_with_the_last_apply(ledger: Ledger) -> None:
    ledger.remember(RES.address, "debugLogging", True, "apply")
    at = at_of(ledger, "debugLogging")
    same = FieldState("debugLogging", True, False)
    other = FieldState("debugLogging", False, False)
    assert field_change(RES, same, ledger, True, True) == FieldChange(
        "debugLogging", None, True, False, "unchanged", False, at
    )
    assert field_change(RES, other, ledger, True, False) == FieldChange(
        "debugLogging", "(differs from last applied)", False, False, "changed", False, at
    )


def test_a_write_only_secret_compares_fingerprints_with_the_last_apply(ledger: Ledger) -> None:
    ledger.remember(RES.address, "secretKey", "s3cret", "apply", sensitive=True)
    at = at_of(ledger, "secretKey")
    same = FieldState("secretKey", "s3cret", False, sensitive=True)
    other = FieldState("secretKey", "n3w", False, sensitive=True)
    assert field_change(RES, same, ledger, True, False) == FieldChange(
        "secretKey", None, ledger.fingerprint("s3cret", True), False, "unchanged", True, at
    )
    assert field_change(RES, other, ledger, True, False) == FieldChange(
        "secretKey",
        "(differs from last applied)",
        ledger.fingerprint("n3w", True),
        False,
        "changed",
        True,
        at,
    )


def test_an_unset_secret_is_unknown_with_why_and_when_it_was_last_applied(
    ledger: Ledger,
) -> None:
    observed = FieldState("secretKey", None, True, "live", sensitive=True, unavailable=UNSET)
    write_only = FieldState("hidden", None, False, sensitive=True, unavailable=UNSET)
    assert field_change(RES, observed, ledger, True, True) == FieldChange(
        "secretKey", None, None, True, "unknown", True, None, note=UNSET, unresolved=UNSET
    )
    ledger.remember(RES.address, "hidden", "old", "apply", sensitive=True)
    assert field_change(RES, write_only, ledger, True, False) == FieldChange(
        "hidden",
        None,
        None,
        False,
        "unknown",
        True,
        at_of(ledger, "hidden"),
        note=UNSET,
        unresolved=UNSET,
    )


def test_observed_differences_compare_only_known_shown_non_secret_fields() -> None:
    states = [
        FieldState("rules[VAT]", {"rate": 25, "code": "VAT"}, True, {"rate": 25.0, "code": "V"}),
        FieldState("rules[LOW].rate", 12, True, 12.0),
        FieldState("desc", "x", True, "x"),
        FieldState("elements.a.desc", "A", True, "B"),
        FieldState("secretKey", "s", True, "t", sensitive=True),
        FieldState("unset", None, True, "t", unavailable=UNSET),
        FieldState("debugLogging", True, False, False),
    ]
    assert observed_differences(states) == {"rules[VAT]", "elements.a.desc"}
    assert observed_differences(states[1:3]) == set()


def change(
    ledger: Ledger, exists: bool | None, entry: Any, *fields: FieldState, res: Resource = RES
) -> ResourceChange:
    return resource_change(res, Observation(exists, entry, tuple(fields)), ledger, "api")


def test_resource_actions(ledger: Ledger) -> None:
    entry = {"id": 7, "desc": "Y"}
    desc = FieldState("desc", "X", True, "Y")
    same = FieldState("desc", "Y", True, "Y")
    assert change(ledger, True, entry, desc) == ResourceChange(
        "AttributeType",
        "ge_x",
        ("ge_x",),
        "update",
        "api",
        (FieldChange("desc", "Y", "X", True, "changed", False),),
        fingerprint(entry),
        7,
    )
    assert change(ledger, True, entry, same).action == "no-op"
    assert change(ledger, True, entry).action == "no-op"
    created = change(ledger, False, None, same)
    assert (created.action, created.live_fingerprint, created.live_id) == ("create", None, None)
    assert created.fields == (FieldChange("desc", None, "Y", True, "changed", False),)
    assert change(ledger, True, [1, 2], same).live_id is None
    unknown = change(ledger, True, entry, same, FieldState("debugLogging", True, False))
    assert unknown.action == "update"


def test_a_resource_centra_cannot_see_is_new_until_the_ledger_knows_it(ledger: Ledger) -> None:
    state = FieldState("debugLogging", True, False)
    new = change(ledger, None, None, state)
    assert new.action == "create"
    assert new.fields == (FieldChange("debugLogging", None, True, False, "changed", False),)
    ledger.remember(RES.address, "debugLogging", True, "apply")
    known = change(ledger, None, None, state)
    assert known.action == "no-op"
    assert known.fields[0].status == "unchanged"


def test_absent_resources_are_deleted_only_when_they_exist(ledger: Ledger) -> None:
    entry = {"id": 3}
    state = FieldState("desc", "X", True, "Y")
    deleted = change(ledger, True, entry, state, res=GONE)
    assert deleted == ResourceChange(
        "AttributeType", "ge_x", ("ge_x",), "delete", "api", (), fingerprint(entry), 3
    )
    assert change(ledger, False, None, state, res=GONE).action == "no-op"
    assert change(ledger, None, None, state, res=GONE).action == "no-op"
    ledger.remember(GONE.address, "desc", "X", "apply")
    assert change(ledger, None, None, state, res=GONE).action == "delete"
    assert change(ledger, False, None, state, res=GONE).action == "no-op"
