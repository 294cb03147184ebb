"""What `plan` decides before and around the diff: which resources `--target` names (a
kind, an address, a glob; an unknown target lists what there is), which stores and
warehouses must exist in live Centra, which Global-e countries lack an active base-currency
pricelist, who runs each change, and the plan's own facts (when, where, which ledger)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from centra_provision.centra.discovery import Capabilities
from centra_provision.engine.planner import (
    LivePrerequisiteError,
    check_prerequisites,
    executor_for,
    kind_notes,
    plan_environment,
)
from centra_provision.engine.session import RunOptions, matches, select
from centra_provision.errors import UsageError
from centra_provision.manifest.desired import load_desired_state
from centra_provision.resources import KINDS, Resource, pricelist
from centra_provision.resources.base import NoteContext
from centra_provision.resources.live import LiveState, LiveStore
from centra_provision.state.ledger import Ledger
from tests.support.centra import REPO, copy_manifests

LOCAL = load_desired_state(REPO / "manifests", "local")
ALL = tuple(r.address for r in LOCAL.resources)


def _selected(*targets: str) -> list[str]:
    return [r.address for r in select(LOCAL.resources, targets)]


def test_no_target_selects_everything() -> None:
    assert select(LOCAL.resources, ()) == LOCAL.resources and len(ALL) == 10


@pytest.mark.parametrize(
    ("targets", "chosen"),
    [
        (("TaxGroup",), ["TaxGroup/GE Local VAT"]),
        (("TaxGroup/GE Local VAT",), ["TaxGroup/GE Local VAT"]),
        (("*Plugin",), ["OrderApiPlugin/GE Order API", "WebhookPlugin/GE Integration Webhooks"]),
        (("Pricelist/*SEK",), ["Pricelist/Global-e SEK", "Pricelist/Wholesale SEK"]),
        (
            ("AttributeType/ge_*_details",),
            ["AttributeType/ge_order_details", "AttributeType/ge_voucher_details"],
        ),
        (
            ("*/GE *",),
            [
                "TaxGroup/GE Local VAT",
                "OrderApiPlugin/GE Order API",
                "WebhookPlugin/GE Integration Webhooks",
                "ShippingOption/GE Express",
            ],
        ),
        (
            ("Pricelist", "Pricelist/Global-e SEK"),
            ["Pricelist/Global-e SEK", "Pricelist/Wholesale SEK"],
        ),
    ],
    ids=["kind", "address", "kind-glob", "address-glob", "name-glob", "any-kind", "overlapping"],
)
def test_targets_name_kinds_addresses_and_globs(
    targets: tuple[str, ...], chosen: list[str]
) -> None:
    assert sorted(_selected(*targets)) == sorted(chosen)
    assert _selected(*targets) == [a for a in ALL if a in chosen]  # manifest order, once each


def test_matches() -> None:
    address = "TaxGroup/GE Local VAT"
    assert matches(address, "TaxGroup") and matches(address, "Tax*") and matches(address, address)
    assert not matches(address, "Tax")  # a kind target is the whole kind
    assert not matches(address, "GE Local VAT")  # a name alone is not a target
    assert not matches(address, "taxgroup")  # case matters, as in the manifests
    assert not matches(address, "TaxGroup/GE")
    assert matches("TaxGroup/a/b", "TaxGroup")  # only the first slash separates the kind


def test_an_unknown_target_lists_what_there_is() -> None:
    with pytest.raises(UsageError) as info:
        select(LOCAL.resources, ("Tax", "TaxGroup", "Nope/x"))
    known = ", ".join(sorted(ALL))
    assert str(info.value) == f"unknown target Tax, Nope/x (known: {known})"


RETAIL = {"Retail": LiveStore(1, "Retail", "DIRECT_TO_CONSUMER")}


def _res(name: str, spec: dict[str, Any]) -> Resource:
    return dataclasses.replace(LOCAL.resources[0], name=name, spec=spec)


def test_prerequisites_that_exist_pass() -> None:
    live = LiveState(lists={"stores": dict(RETAIL), "warehouses": {"Main": 1}})
    check_prerequisites(LOCAL.resources[:0], live)
    check_prerequisites(
        (
            _res(
                "a",
                {
                    "store": "Retail",
                    "defaultInStores": ["Retail"],
                    "stores": ["Retail"],
                    "primaryWarehouse": "Main",
                },
            ),
            _res("b", {"store": 7, "defaultInStores": None, "stores": None, "primaryWarehouse": 3}),
        ),
        live,
    )


def test_missing_stores_and_warehouses_are_one_sorted_error() -> None:
    kind = LOCAL.resources[0].kind
    resources = (
        _res("z", {"store": "Outlet", "stores": ["Outlet", "Retail"]}),
        _res("a", {"defaultInStores": ["Retail", "Gone"], "primaryWarehouse": "Nowhere"}),
        _res("m", {"stores": ["Outlet"], "primaryWarehouse": "Main"}),
    )
    with pytest.raises(LivePrerequisiteError) as info:
        check_prerequisites(
            resources, LiveState(lists={"stores": dict(RETAIL), "warehouses": {"Main": 1}})
        )
    assert str(info.value) == "; ".join(
        [
            f"{kind}/a: store 'Gone' does not exist in Centra",
            f"{kind}/a: warehouse 'Nowhere' does not exist in Centra",
            f"{kind}/m: store 'Outlet' does not exist in Centra",
            f"{kind}/z: store 'Outlet' does not exist in Centra",
        ]
    )


def _countries(n: int, start: int = 0) -> list[str]:
    return [f"{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(start, start + n)]


def _live(markets: dict[str, tuple[str, list[str]]], pricelists: dict[str, Any]) -> LiveState:
    return LiveState(
        lists={
            "markets": {n: {"id": 1, "store": s, "countries": c} for n, (s, c) in markets.items()},
            "pricelists": pricelists,
            "currencies": {"EUR": {"id": 1, "isBase": False}, "SEK": {"id": 2, "isBase": True}},
        }
    )


def _pricelist(countries: list[str], status: str = "ACTIVE", currency: str = "SEK") -> Any:
    return {"status": status, "currency": currency, "countries": countries}


def market_coverage(variables: dict[str, Any], live: LiveState) -> tuple[str, ...]:
    return tuple(pricelist.market_coverage(NoteContext(live, lambda *_: None, variables)))


def test_market_coverage_counts_countries_without_an_active_base_pricelist() -> None:
    env = {"ownMarkets": ["se", "NO"]}
    served = ["SE", "NO", *_countries(14)]
    live = _live(
        {"Global-e": ("Retail", served), "Other": ("Wholesale", ["DK", "FI"])},
        {
            ("Retail", "active"): _pricelist(_countries(2)),  # AA, AB covered
            ("Retail", "inactive"): _pricelist(_countries(2, 2), status="INACTIVE"),
            ("Retail", "euro"): _pricelist(_countries(2, 4), currency="EUR"),
            ("Wholesale", "elsewhere"): _pricelist(_countries(4, 6)),  # another store's
            ("Wholesale", "dk"): _pricelist(["DK"]),
        },
    )
    missing = _countries(12, 2)  # AC..AN: 12, own markets SE and NO excluded
    assert market_coverage(env, live) == (
        "warning: store Retail: 12 countries of Global-e markets have no active pricelist in "
        f"the base currency SEK: {', '.join(missing[:10])}, … 12 in all",
        "warning: store Wholesale: 1 countries of Global-e markets have no active pricelist in "
        "the base currency SEK: FI",
    )


def test_market_coverage_shows_ten_countries_whole_and_is_quiet_when_covered(
    tmp_path: Path,
) -> None:
    env: dict[str, Any] = {}
    live = _live({"Global-e": ("Retail", _countries(10))}, {})
    assert market_coverage(env, live) == (
        "warning: store Retail: 10 countries of Global-e markets have no active pricelist in "
        f"the base currency SEK: {', '.join(_countries(10))}",
    )
    covered = _live(
        {"Global-e": ("Retail", _countries(10))}, {("Retail", "p"): _pricelist(_countries(10))}
    )
    assert market_coverage(env, covered) == ()
    # only plans that hold pricelists or shipping options are about prices: once per plan
    checking = {k.name for k in KINDS.values() if k.plan_notes is pricelist.market_coverage}
    assert checking == {"Pricelist", "ShippingOption"}
    both = tuple(r for r in LOCAL.resources if r.kind in checking)
    notes = kind_notes(both, live, Ledger.load(tmp_path / "l.json", "local"), {})
    assert notes == list(market_coverage(env, live))


def _caps(*mutations: str) -> Capabilities:
    return Capabilities("hash", mutations={m: m for m in mutations})


def test_the_api_runs_a_change_only_where_the_live_schema_has_its_mutation() -> None:
    everything = _caps(
        "createPricelist", "updatePricelist", "deletePricelist", "createShippingOption",
        "updateShippingOption", "deleteShippingOption", "createTaxGroup",
    )  # fmt: skip
    assert executor_for("Pricelist", "create", everything, "guided") == "api"
    assert executor_for("Pricelist", "delete", everything, "guided") == "api"
    assert executor_for("ShippingOption", "update", everything, "backoffice") == "api"
    # no transcribed mutation for these: the environment's executor
    assert executor_for("ShippingOption", "delete", everything, "guided") == "guided"
    assert executor_for("TaxGroup", "create", everything, "backoffice") == "backoffice"
    assert executor_for("Pricelist", "no-op", everything, "guided") == "guided"
    # the live schema lacks it
    assert executor_for("Pricelist", "create", _caps("updatePricelist"), "guided") == "guided"


def test_a_plan_says_when_where_and_with_which_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_manifests(tmp_path, monkeypatch)
    plan = plan_environment(
        Path("manifests"), "local", RunOptions(targets=("TaxGroup", "*Plugin", "Pricelist"))
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", plan.created_at)
    assert (plan.environment, plan.manifest_digest) == ("local", LOCAL.digest)
    assert plan.ledger is not None
    assert (plan.ledger.location, plan.ledger.ledger_id, plan.ledger.serial) == (
        ".provision/local.ledger.json",
        None,
        0,
    )
    # kind order, then name: what the summary and the runbook walk through
    assert [c.address for c in plan.changes] == [
        "Pricelist/Global-e SEK",
        "Pricelist/Wholesale SEK",
        "TaxGroup/GE Local VAT",
        "OrderApiPlugin/GE Order API",
        "WebhookPlugin/GE Integration Webhooks",
    ]
    assert [c.executor for c in plan.pending] == ["api", "backoffice", "backoffice", "backoffice"]
    assert (
        plan.requests >= 3 and ("mutation", "createPricelist", "createPricelist") in plan.discovered
    )
