"""A saved plan file is the plan: every field survives the round trip (apply compares it with
a fresh plan), optional keys have their defaults, anything that is not a plan of this format
version is refused in one line, and the summary counts what is pending by who runs it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from centra_provision.plans import FieldChange, LedgerIdentity, Plan, ResourceChange, planfile
from centra_provision.plans.planfile import PlanFileError
from tests.support.cli import run


def change(
    name: str = "GE Local VAT",
    action: str = "create",
    executor: str = "guided",
    kind: str = "TaxGroup",
    fields: tuple[FieldChange, ...] = (),
    **extra: Any,
) -> ResourceChange:
    return ResourceChange(kind, name, (name,), action, executor, fields, **extra)


def a_plan(*changes: ResourceChange, **extra: Any) -> Plan:
    return Plan(
        environment="qa-int",
        centra_url="https://sandbox.centraqa.com/graphql",
        manifest_digest="sha256:0f1e",
        created_at="2026-11-27T15:00:00+00:00",
        changes=changes,
        **extra,
    )


FULL = a_plan(
    change(
        "Global-e integration",
        "update",
        "api",
        kind="IntegrationToken",
        fields=(
            FieldChange(
                "secretKey",
                None,
                "scrypt:abc",
                False,
                "unknown",
                sensitive=True,
                last_applied="2026-11-20T10:00:00+00:00",
                note="write-only",
                unresolved="GE_ORDER_API_SECRET is not set",
            ),
            FieldChange("stores", ["Retail"], ["Retail", "Outlet"], True, "changed"),
        ),
        live_fingerprint="sha256:live",
        live_id=12,
    ),
    change("GE Local VAT", "no-op", "guided"),
    discovered=(("mutation", "createPricelist", "createPricelist"),),
    requests=7,
    other_requests=2,
    notes=("warning: store Retail: 1 countries ...",),
    centra_url_source="PROVISION_CENTRA_URL_QA_INT",
    ledger=LedgerIdentity(".provision/qa-int.ledger.json", "ledger-7f", 4),
)


def test_every_field_survives_the_round_trip() -> None:
    back = planfile.from_json(json.loads(planfile.dumps(FULL)))
    assert back == FULL
    assert [planfile.canonical(c) for c in back.changes] == [
        planfile.canonical(c) for c in FULL.changes
    ]
    assert planfile.to_json(back) == planfile.to_json(FULL)


MINIMAL_TEXT = """{
  "centraUrl": "https://sandbox.centraqa.com/graphql",
  "centraUrlSource": "",
  "changes": [
    {
      "action": "update",
      "executor": "api",
      "fields": [
        {
          "after": 25,
          "before": 20.5,
          "lastApplied": null,
          "note": null,
          "observed": true,
          "path": "rules[GE Local VAT].rate",
          "sensitive": false,
          "status": "changed",
          "unresolved": null
        }
      ],
      "identity": [
        "GE Local VAT"
      ],
      "kind": "TaxGroup",
      "liveFingerprint": null,
      "liveId": null,
      "name": "GE Local VAT"
    }
  ],
  "createdAt": "2026-11-27T15:00:00+00:00",
  "discovered": [],
  "environment": "qa-int",
  "formatVersion": 1,
  "ledger": null,
  "manifestDigest": "sha256:0f1e",
  "notes": [],
  "otherRequests": 0,
  "requests": 0,
  "summary": {
    "api": 1,
    "backoffice": 0,
    "create": 0,
    "delete": 0,
    "guided": 0,
    "no-op": 0,
    "update": 1
  }
}"""


def test_the_file_text_is_camel_case_sorted_and_indented() -> None:
    rate = FieldChange("rules[GE Local VAT].rate", Decimal("20.5"), Decimal("25"), True, "changed")
    plan = a_plan(change(action="update", executor="api", fields=(rate,)))
    assert planfile.dumps(plan) == MINIMAL_TEXT
    back = planfile.from_json(json.loads(MINIMAL_TEXT))
    assert back.changes[0].fields[0].after == 25 and planfile.canonical(back.changes[0]) == (
        planfile.canonical(plan.changes[0])
    )


def test_decimals_are_numbers_inside_lists_and_nested_values() -> None:
    values = FieldChange("rates", (Decimal("1.5"), Decimal("2")), [Decimal("3")], True, "changed")
    body = planfile.to_json(a_plan(change(fields=(values,))))
    field = body["changes"][0]["fields"][0]
    assert (field["before"], field["after"]) == ([1.5, 2], [3])
    assert isinstance(field["before"][1], int) and isinstance(field["before"][0], float)


def test_optional_keys_have_their_defaults() -> None:
    body = {
        "formatVersion": 1,
        "environment": "local",
        "centraUrl": "embedded",
        "manifestDigest": "d",
        "createdAt": "t",
        "changes": [],
    }
    plan = planfile.from_json(body)
    assert plan == Plan("local", "embedded", "d", "t", ())
    assert (plan.discovered, plan.requests, plan.other_requests, plan.notes) == ((), 0, 0, ())
    assert (plan.centra_url_source, plan.ledger) == ("", None)


@pytest.mark.parametrize(
    "body",
    [[], "plan", None, 1, {"formatVersion": 2}, {"formatVersion": "1"}, {"formatversion": 1}],
    ids=["list", "string", "null", "number", "version-2", "version-text", "lowercase-key"],
)
def test_not_a_plan_of_this_version_is_refused(body: object) -> None:
    with pytest.raises(PlanFileError, match=r"^not a plan file of format version 1$"):
        planfile.from_json(body)


def _body() -> dict[str, Any]:
    return json.loads(planfile.dumps(FULL))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("damage", "missing"),
    [
        (lambda b: b.pop("environment"), "'environment'"),
        (lambda b: b.pop("centraUrl"), "'centra_url'"),
        (lambda b: b.pop("manifestDigest"), "'manifest_digest'"),
        (lambda b: b.pop("createdAt"), "'created_at'"),
        (lambda b: b.pop("changes"), "'changes'"),
        (lambda b: b["changes"][0].pop("identity"), "'identity'"),
        (lambda b: b["changes"][0].pop("fields"), "'fields'"),
    ],
    ids=["environment", "url", "digest", "created", "changes", "identity", "fields"],
)
def test_a_missing_key_is_named(damage: Any, missing: str) -> None:
    body = _body()
    damage(body)
    with pytest.raises(PlanFileError) as info:
        planfile.from_json(body)
    assert str(info.value) == f"plan file is malformed ({missing})"


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b["changes"][0].update(colour="red"),
        lambda b: b["changes"][0]["fields"][0].pop("status"),
        lambda b: b["ledger"].update(owner="x"),
        lambda b: b.update(changes=[1]),
    ],
    ids=["unknown-change-key", "field-without-status", "unknown-ledger-key", "change-not-object"],
)
def test_a_malformed_plan_is_one_error_not_a_traceback(damage: Any) -> None:
    body = _body()
    damage(body)
    with pytest.raises(PlanFileError, match=r"^plan file is malformed \(.+\)$"):
        planfile.from_json(body)


def test_show_renders_a_saved_plan_and_refuses_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "plan.json"
    saved.write_text(planfile.dumps(FULL))
    code, out, err = run(["show", str(saved)], capsys)
    assert (code, err) == (0, "")
    assert "Plan: 0 to create, 1 to update, 0 to delete; 0 guided, 1 by API" in out
    saved.write_text(json.dumps({"formatVersion": 2}))
    assert run(["show", str(saved)], capsys) == (
        1,
        "",
        "error: not a plan file of format version 1\n",
    )


def test_summary_counts_actions_of_all_changes_and_executors_of_pending_ones() -> None:
    plan = a_plan(
        change("a", "create", "guided"),
        change("b", "create", "api"),
        change("c", "update", "backoffice"),
        change("d", "delete", "guided"),
        change("e", "no-op", "guided"),
        change("f", "no-op", "api"),
    )
    assert plan.summary() == {
        "create": 2,
        "update": 1,
        "delete": 1,
        "no-op": 2,
        "guided": 2,
        "backoffice": 1,
        "api": 1,
    }
    assert [c.name for c in plan.pending] == ["a", "b", "c", "d"] and plan.has_changes
    assert not a_plan(change("e", "no-op"), change("f", "no-op", "api")).has_changes
    assert a_plan(change("e", "no-op")).pending == ()


@pytest.mark.parametrize(
    ("executors", "tail"),
    [
        ((), "0 guided, 0 by API"),
        (("backoffice",) * 3, "3 by back office"),
        (("backoffice", "api", "api"), "1 by back office, 2 by API"),
        (("guided", "backoffice"), "1 guided, 1 by back office"),
        (("guided", "guided"), "2 guided, 0 by API"),
        (("api",), "0 guided, 1 by API"),
        (("guided", "backoffice", "api"), "1 guided, 1 by back office, 1 by API"),
    ],
)
def test_summary_line_names_each_executor(executors: tuple[str, ...], tail: str) -> None:
    plan = a_plan(*(change(str(i), "delete", e) for i, e in enumerate(executors)))
    n = len(executors)
    assert plan.summary_line() == f"Plan: 0 to create, 0 to update, {n} to delete; {tail}"


def test_summary_line_counts_each_action() -> None:
    plan = a_plan(
        change("a", "create"),
        change("b", "update"),
        change("c", "update"),
        change("d", "delete"),
        change("e", "delete"),
        change("f", "delete"),
        change("g", "no-op"),
    )
    assert plan.summary_line() == "Plan: 1 to create, 2 to update, 3 to delete; 6 guided, 0 by API"


def test_address_and_changed_fields() -> None:
    fields = (
        FieldChange("a", 1, 2, True, "changed"),
        FieldChange("b", 1, 1, True, "unchanged"),
        FieldChange("c", None, 3, False, "unknown"),
    )
    rc = change("Global-e SEK", kind="Pricelist", fields=fields)
    assert rc.address == "Pricelist/Global-e SEK"
    assert [f.path for f in rc.changed_fields] == ["a", "c"]


def test_canonical_tells_apart_any_difference() -> None:
    base = FULL.changes[0]
    same = planfile.from_json(json.loads(planfile.dumps(FULL))).changes[0]
    assert planfile.canonical(same) == planfile.canonical(base)
    first = base.fields[0]
    for other in (
        ResourceChange(**{**base.__dict__, "action": "create"}),
        ResourceChange(**{**base.__dict__, "fields": (first, base.fields[1], first)}),
        ResourceChange(**{**base.__dict__, "live_id": 13}),
    ):
        assert planfile.canonical(other) != planfile.canonical(base)
