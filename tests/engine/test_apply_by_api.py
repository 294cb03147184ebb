"""API-managed kinds (ShippingOption, Pricelist) applied through real mutations over HTTP,
with every fault knob: nothing duplicated, everything converged within one rerun."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from centra_provision.centra.client import RetryPolicy
from centra_provision.emulator.app import Emulator
from centra_provision.engine.apply import ApplyOptions, ApplyResult, apply_plan
from centra_provision.engine.planner import plan_environment
from centra_provision.engine.session import RunOptions
from tests.support.centra import copy_manifests
from tests.support.emulator import EmulatorClient, served

TARGETS = ("ShippingOption/GE Express", "Pricelist/Wholesale SEK", "Pricelist/Global-e SEK")
FAST = RetryPolicy(attempts=12, base_delay=0.01, max_delay=0.05)


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    copy_manifests(tmp_path, monkeypatch, catalogue=True)
    emulator = Emulator(":memory:", products=0)
    with served(emulator) as url:
        monkeypatch.setenv("CENTRA_QA_INT_TOKEN", emulator.admin_token)
        yield EmulatorClient(emulator, url)
    emulator.state.close()


def apply(api: EmulatorClient, **extra: object) -> ApplyResult:
    options = ApplyOptions(
        auto_approve=True,
        targets=TARGETS,
        retry=FAST,
        url_override=f"{api.base_url}/graphql",
        **extra,
    )  # type: ignore[arg-type]
    return apply_plan(Path("manifests"), "qa-int", options, lambda _p: True)


def options_named(api: EmulatorClient, name: str) -> list[dict[str, object]]:
    return [s for s in api.emulator.state.all("shipping_option") if s["name"] == name]


def test_api_kinds_converge_by_mutation(api: EmulatorClient) -> None:
    result = apply(api)
    assert [(o.address, o.executor, o.outcome) for o in result.outcomes] == [
        ("ShippingOption/GE Express", "api", "done"),
        ("Pricelist/Wholesale SEK", "api", "done"),
    ]
    assert not result.final.has_changes and result.exit_code == 0
    stats = api.stats()
    assert stats["operation.CreateShippingOption"] == 1 and stats["operation.CreatePricelist"] == 1
    created = options_named(api, "GE Express")[0]
    assert (created["uri"], created["stores"], created["markets"]) == ("ge-express", [1], [2])


def test_update_by_mutation_only_what_differs(api: EmulatorClient) -> None:
    apply(api)
    path = Path("manifests/qa-int/catalogue.yaml")
    path.write_text(path.read_text().replace("markets: [Global-e]", "markets: [Sweden]"))
    plan = plan_environment(
        Path("manifests"),
        "qa-int",
        RunOptions(url_override=f"{api.base_url}/graphql", targets=TARGETS),
    )
    change = next(c for c in plan.pending)
    assert (change.address, change.action, change.executor) == (
        "ShippingOption/GE Express",
        "update",
        "api",
    )
    assert [(f.path, f.before, f.after) for f in change.changed_fields] == [
        ("markets", ["Global-e"], ["Sweden"])
    ]
    result = apply(api)
    assert result.exit_code == 0 and options_named(api, "GE Express")[0]["markets"] == [1]


def test_user_errors_fail_the_step(api: EmulatorClient) -> None:
    path = Path("manifests/qa-int/catalogue.yaml")
    path.write_text(
        path.read_text().replace(
            "name: Wholesale SEK\nspec:\n  store: Wholesale\n  status: ACTIVE\n  currency: SEK",
            "name: Wholesale SEK\nspec:\n  store: Wholesale\n  status: ACTIVE\n  currency: XYZ",
        )
    )
    result = apply(api)
    failed = [o for o in result.outcomes if o.outcome == "failed"]
    assert [(o.address, o.message) for o in failed] == [
        (
            "Pricelist/Wholesale SEK",
            "Centra refused: Currency not found: XYZ (input.currencyIsoCode)",
        )
    ]
    assert result.exit_code == 1


@pytest.mark.parametrize(
    "knobs",
    [
        {"fail_after_commit": 1},
        {"fail_after_commit": 2},
        {"storm_requests": 4, "storm_retry_after": 0},
        {"error_rate": 0.25, "seed": 11},
        {"drop_rate": 0.25, "seed": 4},
    ],
    ids=["fail-after-commit", "fail-after-commit-twice", "429-storm", "5xx", "dropped"],
)
def test_faults_never_duplicate(knobs: dict[str, object], api: EmulatorClient) -> None:
    api.faults(**knobs)
    result = apply(api)
    if result.exit_code != 0:  # at most one rerun converges
        api.faults(error_rate=0.0, drop_rate=0.0)
        result = apply(api)
    assert result.exit_code == 0, [o.message for o in result.outcomes]
    assert len(options_named(api, "GE Express")) == 1
    wholesale = [p for p in api.emulator.state.all("pricelist") if p["name"] == "Wholesale SEK"]
    assert len(wholesale) == 1


def test_fail_after_commit_is_confirmed_by_rereading(api: EmulatorClient) -> None:
    api.faults(fail_after_commit=2)
    result = apply(api)
    assert [o.message for o in result.outcomes] == ["committed; confirmed by re-reading"] * 2
    assert api.stats()["status.502"] == 2


def test_market_coverage_rule_on_live_data(api: EmulatorClient) -> None:
    options = RunOptions(url_override=f"{api.base_url}/graphql", targets=TARGETS)
    assert plan_environment(Path("manifests"), "qa-int", options).notes == ()
    api.emulator.backoffice.save_pricelist({"status": "INACTIVE"}, 2)  # "Global-e SEK"
    notes = plan_environment(Path("manifests"), "qa-int", options).notes
    assert len(notes) == 1 and notes[0].startswith(
        "warning: store Retail: 248 countries of Global-e markets have no active pricelist in "
        "the base currency SEK: AD, AE, AF,"
    )
