"""`provision apply` on the embedded local Centra, step by step: a saved plan is refused
unless it was made for this environment, ledger and ledger version (and unedited), and
only its changes run; approval is asked only when something would change; a failed step
skips the rest unless --continue-on-error; the journal brackets every executed step; only
converged resources are snapshotted; a delete forgets what the ledger knew."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from centra_provision.engine.apply import ApplyCancelled, ApplyOptions, ApplyResult, apply_plan
from centra_provision.plans import Plan, planfile
from tests.support.cli import run

SECRET = "CANARY-local-steps-secret-6b2a"
LEDGER = Path(".provision/local.ledger.json")
JOURNAL = Path(".provision/local.ledger.journal.jsonl")
BACKOFFICE = (
    "AttributeType/ge_customer_coupon",
    "AttributeType/ge_order_details",
    "AttributeType/ge_voucher_details",
    "TaxGroup/GE Local VAT",
    "OrderApiPlugin/GE Order API",
    "WebhookPlugin/GE Integration Webhooks",
    "IntegrationToken/Global-e integration",
)
API = ("ShippingOption/GE Express", "Pricelist/Wholesale SEK")


@pytest.fixture(autouse=True)
def workdir(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped manifests in the working directory, the Order API secret a canary."""
    monkeypatch.setenv("GE_ORDER_API_SECRET", SECRET)
    return workdir


def _apply(confirm: Callable[[Plan], bool] | None = None, **options: Any) -> ApplyResult:
    chosen = ApplyOptions(**{"auto_approve": confirm is None, **options})
    return apply_plan(Path("manifests"), "local", chosen, confirm or (lambda _p: True))


def _saved(capsys: pytest.CaptureFixture[str], edit: Callable[[dict[str, Any]], None]) -> str:
    assert run(["plan", "-e", "local", "--out", "p.json"], capsys)[0] == 0
    body = json.loads(Path("p.json").read_text())
    edit(body)
    Path("edited.json").write_text(json.dumps(body))
    return "edited.json"


def _change(body: dict[str, Any], address: str) -> dict[str, Any]:
    return next(c for c in body["changes"] if f"{c['kind']}/{c['name']}" == address)  # type: ignore[no-any-return]


def _set(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def edit(body: dict[str, Any]) -> None:
        target = body
        *parents, last = key.split(".")
        for part in parents:
            target = target[part]
        target[last] = value

    return edit


REFUSALS = [
    (_set("environment", "prod"), "the saved plan is for prod, not local; nothing was applied"),
    (
        _set("ledger", None),
        "the saved plan was made with ledger (none), not .provision/local.ledger.json; "
        "nothing was applied",
    ),
    (
        _set("ledger.location", ".provision/other.ledger.json"),
        "the saved plan was made with ledger .provision/other.ledger.json, not "
        ".provision/local.ledger.json; nothing was applied",
    ),
    (
        _set("ledger.ledgerId", "another-ledger"),
        "the ledger .provision/local.ledger.json changed since the plan was saved "
        "(version 0, now 0); plan again",
    ),
    (
        _set("ledger.serial", 5),
        "the ledger .provision/local.ledger.json changed since the plan was saved "
        "(version 5, now 0); plan again",
    ),
    (
        _set("manifestDigest", "sha256:edited"),
        "the manifests changed since the plan was saved; plan again",
    ),
    (
        lambda b: [
            _change(b, a)["fields"][0].update(after="edited")
            for a in ("Pricelist/Wholesale SEK", "TaxGroup/GE Local VAT")
        ],
        "the saved plan's changes to Pricelist/Wholesale SEK, TaxGroup/GE Local VAT are "
        "not what a fresh plan makes (was the plan file edited?); nothing was applied; "
        "plan again",
    ),
]


def test_a_saved_plan_is_refused_whole(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["plan", "-e", "local", "--out", "p.json"], capsys)[0] == 0
    for edit, error in REFUSALS:
        body = json.loads(Path("p.json").read_text())
        edit(body)
        Path("edited.json").write_text(json.dumps(body))
        assert run(["apply", "-e", "local", "edited.json", "--auto-approve"], capsys) == (
            1,
            "",
            f"error: {error}\n",
        )
        assert not LEDGER.exists() and not JOURNAL.exists()  # nothing was applied


def test_only_the_saved_plans_changes_run(capsys: pytest.CaptureFixture[str]) -> None:
    def drop(body: dict[str, Any]) -> None:
        keep = ("TaxGroup/GE Local VAT", "ShippingOption/GE Express")
        body["changes"] = [c for c in body["changes"] if f"{c['kind']}/{c['name']}" in keep]

    saved = planfile.from_json(json.loads(Path(_saved(capsys, drop)).read_text()))
    result = _apply(saved_plan=saved)
    ran = ("ShippingOption/GE Express", "TaxGroup/GE Local VAT")
    assert [(o.address, o.outcome) for o in result.outcomes] == [(a, "done") for a in ran]
    assert result.refused == ()
    left = [c.address for c in result.final.pending]
    assert left == [a for a in (*API, *BACKOFFICE) if a not in ran]
    assert result.exit_code == 1  # changes left that are not guided steps


def test_approval_is_asked_only_when_something_would_change() -> None:
    asked: list[Plan] = []

    def no(plan: Plan) -> bool:
        asked.append(plan)
        return False

    with pytest.raises(ApplyCancelled, match=r"^apply cancelled; nothing was changed$"):
        _apply(no, interactive=True)
    assert [p.summary()["create"] for p in asked] == [9]
    assert not LEDGER.exists() and not JOURNAL.exists()

    def yes(plan: Plan) -> bool:
        asked.append(plan)
        return True

    assert _apply(yes, interactive=True).exit_code == 0 and len(asked) == 2
    again = _apply(yes, interactive=True)  # nothing to change: nothing to approve
    assert (again.outcomes, again.exit_code, len(asked)) == ((), 0, 2)


def _outcomes(result: ApplyResult) -> list[tuple[str, str, str, str, str]]:
    return [(o.address, o.action, o.executor, o.outcome, o.message) for o in result.outcomes]


def _journal() -> list[tuple[object, ...]]:
    lines = [json.loads(line) for line in JOURNAL.read_text().splitlines()]
    return [
        (e["address"], e["action"], e["executor"], e["phase"], e.get("outcome"), e.get("message"))
        for e in lines
    ]


UNAVAILABLE = (
    "OrderApiPlugin/GE Order API: the secret API key is unavailable "
    "(GE_ORDER_API_SECRET is not set)"
)


def test_a_failed_step_skips_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GE_ORDER_API_SECRET")
    result = _apply()
    done = [(a, "create", "api", "done", "") for a in API] + [
        (a, "create", "backoffice", "done", "") for a in BACKOFFICE[:4]
    ]
    assert _outcomes(result) == [
        *done,
        ("OrderApiPlugin/GE Order API", "create", "backoffice", "failed", UNAVAILABLE),
        *((a, "create", "backoffice", "skipped", "an earlier step failed") for a in BACKOFFICE[5:]),
    ]
    assert result.exit_code == 1
    assert (
        result.summary_line() == "Apply: 6 done, 1 failed, 0 pending (guided), 2 skipped, 0 refused"
    )
    ran = [o[:3] for o in done] + [("OrderApiPlugin/GE Order API", "create", "backoffice")]
    expected = []
    for address, action, executor in ran:
        end = UNAVAILABLE if address.startswith("OrderApi") else ""
        outcome = "failed" if end else "done"
        expected += [
            (address, action, executor, "begin", None, None),
            (address, action, executor, "end", outcome, end),
        ]
    assert _journal() == expected  # skipped steps never began
    ledger = json.loads(LEDGER.read_text())
    # only what converged is snapshotted, and the snapshot says apply took it
    assert sorted(ledger["snapshots"]) == sorted([*API, "Pricelist/Global-e SEK", *BACKOFFICE[:4]])
    assert {s["source"] for s in ledger["snapshots"].values()} == {"apply"}
    assert sorted(ledger["resources"]) == sorted(
        ["ShippingOption/GE Express", *BACKOFFICE[:4]]
    )  # what Centra cannot show of each done step, and nothing of the others

    result = _apply(continue_on_error=True)
    assert _outcomes(result) == [
        ("OrderApiPlugin/GE Order API", "create", "backoffice", "failed", UNAVAILABLE),
        *((a, "create", "backoffice", "done", "") for a in BACKOFFICE[5:]),
    ]
    assert [c.address for c in result.final.pending] == ["OrderApiPlugin/GE Order API"]
    assert result.exit_code == 1
    assert "OrderApiPlugin/GE Order API" not in json.loads(LEDGER.read_text())["snapshots"]


def test_a_delete_forgets_what_the_ledger_knew() -> None:
    assert _apply().exit_code == 0
    webhook = "WebhookPlugin/GE Integration Webhooks"
    assert webhook in json.loads(LEDGER.read_text())["resources"]
    path = Path("manifests/base/webhook-plugin.yaml")
    path.write_text("state: absent\n" + path.read_text())
    result = _apply()
    assert _outcomes(result) == [(webhook, "delete", "backoffice", "done", "")]
    assert result.exit_code == 0 and not result.final.has_changes
    ledger = json.loads(LEDGER.read_text())
    assert webhook not in ledger["resources"] and webhook not in ledger["snapshots"]
    assert "OrderApiPlugin/GE Order API" in ledger["resources"]
