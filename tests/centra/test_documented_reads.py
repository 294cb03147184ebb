"""Reads as Centra documents them, over real HTTP against the emulator: ShippingOption.uri read
exactly (DTC:45-50), the Order API's documented 403 refusal (ORDER 114:137-144) told apart
from the undocumented 401/404."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from centra_provision.emulator.app import Emulator
from centra_provision.engine.apply import ApplyOptions, apply_plan
from centra_provision.engine.planner import plan_environment
from centra_provision.engine.session import RunOptions
from centra_provision.manifest.desired import DesiredState, load_desired_state
from centra_provision.plans import Plan
from centra_provision.state.ledger import Ledger
from tests.support.centra import configure, copy_manifests, record_write_only
from tests.support.emulator import EmulatorClient, served

SECRET = "order-api-secret-for-tests-0001"


@pytest.fixture
def qa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    copy_manifests(tmp_path, monkeypatch, catalogue=True)
    emulator = Emulator(":memory:", products=0)
    with served(emulator) as url:
        monkeypatch.setenv("CENTRA_QA_INT_TOKEN", emulator.admin_token)
        monkeypatch.setenv("GE_ORDER_API_SECRET", SECRET)
        yield EmulatorClient(emulator, url)
    emulator.state.close()


def plan(api: EmulatorClient, *targets: str) -> Plan:
    options = RunOptions(url_override=f"{api.base_url}/graphql", targets=targets)
    return plan_environment(Path("manifests"), "qa-int", options)


def converge_guided(api: EmulatorClient) -> None:
    desired = load_desired_state(Path("manifests"), "qa-int")
    guided = [r for r in desired.resources if r.kind not in ("ShippingOption", "Pricelist")]
    configure(api.emulator, DesiredState(desired.environment, tuple(guided)), SECRET)
    record_write_only(Ledger.load(desired.environment.ledger, "qa-int"), desired, SECRET)


def test_a_live_uri_that_only_contains_the_desired_one_is_a_difference(
    qa: EmulatorClient,
) -> None:
    options = ApplyOptions(
        auto_approve=True,
        targets=("ShippingOption/GE Express",),
        url_override=f"{qa.base_url}/graphql",
    )
    apply_plan(Path("manifests"), "qa-int", options, lambda _p: True)
    (option,) = [s for s in qa.emulator.state.all("shipping_option") if s["name"] == "GE Express"]
    updated = qa.data(
        'mutation U($id: Int!) { updateShippingOption(id: $id, input: {uri: "ge-express-2"}) '
        "{ userErrors { message path } } }",
        {"id": option["id"]},
    )
    assert updated["updateShippingOption"]["userErrors"] == []
    (change,) = plan(qa, "ShippingOption/GE Express").pending
    assert change.action == "update"
    assert [(f.path, f.before, f.after) for f in change.changed_fields] == [
        ("uri", "ge-express-2", "ge-express")
    ]
    assert qa.stats()["operation.ShippingOptionChecks"] >= 1


def test_string_match_equals_is_exact(qa: EmulatorClient) -> None:
    query = '{ shippingOptions(where: {uri: {equals: "%s"}}) { name uri } }'
    found = qa.data(query % "standard")["shippingOptions"]
    assert found and all(o["uri"] == "standard" for o in found)
    assert qa.data(query % "standar")["shippingOptions"] == []


def _plugin(api: EmulatorClient) -> dict[str, object]:
    return next(p for p in api.emulator.state.all("plugin") if p["type"] == "API")


def test_order_api_403_not_allowed_has_its_own_message(qa: EmulatorClient) -> None:
    converge_guided(qa)
    plugin = _plugin(qa)
    office = qa.emulator.backoffice
    office.save_plugin({"settings": {"allowedEndpoints": ["GET shipments"]}}, plugin["id"])
    response = qa.request(
        "GET", "/api/ge-order-api/orders?limit=1", headers={"API-Authorization": SECRET}
    )
    assert (response.status_code, response.json()) == (403, {"status": "Not Allowed"})
    result = plan(qa, "OrderApiPlugin/GE Order API")
    (change,) = result.pending
    changed = {f.path: f.before for f in change.changed_fields}
    assert changed == {"allowedEndpoints": "(the orders endpoint is not allowed)"}
    (note,) = result.notes
    assert note == (
        "OrderApiPlugin/GE Order API: the Order API at /api/ge-order-api/orders answered 403 "
        '{"status": "Not Allowed"}: the plugin does not allow the orders endpoint (Allowed '
        "endpoints setting); its secret could not be checked"
    )


@pytest.mark.parametrize(
    ("settings", "code"),
    [({"secretKey": "rotated-by-hand"}, 401), ({"uri": "moved-by-hand"}, 404)],
)
def test_undocumented_answers_say_so(
    qa: EmulatorClient, settings: dict[str, str], code: int
) -> None:
    converge_guided(qa)
    qa.emulator.backoffice.save_plugin({"settings": settings}, _plugin(qa)["id"])
    (note,) = plan(qa, "OrderApiPlugin/GE Order API").notes
    assert f"answered {code}" in note and "(Centra does not document this answer)" in note
    assert "Not Allowed" not in note
