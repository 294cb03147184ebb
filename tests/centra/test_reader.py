"""What a plan reads from live Centra, and at what cost, against the emulator in-process: only
the lists the desired kinds need, every page of a long list, plugins only for stores that
exist and that desired plugins name, one run naming every permission the token lacks (under
the field a user knows), and the Order API probe per desired URI with its secret."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from centra_provision.centra.client import CentraClient
from centra_provision.centra.discovery import discover
from centra_provision.centra.ratelimit import ClientRateLimiter
from centra_provision.centra.reader import read_everything, read_live, read_stores
from centra_provision.emulator.app import Emulator, InProcessTransport
from centra_provision.emulator.backoffice import Backoffice
from centra_provision.emulator.seed import ALL_PERMISSIONS, create_token
from centra_provision.errors import CentraPermissionError
from centra_provision.manifest.secrets import SecretValue
from centra_provision.resources import Resource
from centra_provision.resources.live import LiveState
from centra_provision.source import SourceDocument

URL = "https://emulator.invalid/graphql"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    # Room for every request of the module: a 429 here would count as a request sent.
    emu = Emulator(":memory:", products=0, requests_per_10s=10_000, mutations_per_10s=10_000)
    office = Backoffice(emu.state)
    office.save_plugin(
        {
            "store": "Retail",
            "type": "order_api",
            "name": "Global-e",
            "status": "ACTIVE",
            "settings": {"uri": "globale", "secretKey": "right-secret"},
        }
    )
    office.save_plugin(
        {"store": "Wholesale", "type": "webhook", "name": "Hook", "status": "ACTIVE"}
    )
    office.save_attribute_type({"name": "Fit", "definition": {"elements": {}}})
    office.save_tax_group({"name": "Standard", "status": "ACTIVE", "defaultInStores": []})
    yield emu
    emu.state.close()


def res(kind: str, name: str, state: str = "present", **spec: Any) -> Resource:
    doc = SourceDocument("t.yaml", {"kind": kind, "metadata": {"name": name}, "spec": spec})
    return Resource(kind, name, (name,), spec, state, doc)


class TooManyRequests(Exception):
    """More requests than any read of these tests needs: a read that does not end."""


class Counted(InProcessTransport):
    """The emulator in-process, refusing to serve more than `limit` requests."""

    def __init__(self, emulator: Emulator, limit: int = 30, log: list[Any] | None = None) -> None:
        super().__init__(emulator)
        self.left = limit
        self.log = log  # each request's JSON body, when given

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.log is not None:
            self.log.append(json.loads(request.content))
        self.left -= 1
        if self.left < 0:
            raise TooManyRequests
        return await super().handle_async_request(request)


def _read(
    emulator: Emulator,
    resources: list[Resource],
    secrets: dict[tuple[str, str], Any] | None = None,
    permissions: list[str] | None = None,
    log: list[Any] | None = None,
) -> tuple[LiveState | BaseException, int, int]:
    """read_live's result (or error), GraphQL requests sent, other requests sent."""
    token = emulator.admin_token
    if permissions is not None:
        _, token = create_token(emulator.state, "limited", permissions)

    async def go() -> tuple[LiveState | BaseException, int, int]:
        limiter = ClientRateLimiter(requests=100_000, mutations=100_000)
        async with CentraClient(
            URL, token, transport=Counted(emulator, log=log), limiter=limiter
        ) as client:
            caps = await discover(client, None)
            client.count.sent = 0
            try:
                result: LiveState | BaseException = await read_live(
                    client, caps, resources, secrets or {}
                )
            except CentraPermissionError as exc:
                result = exc
            return result, client.count.sent, client.count.other

    return asyncio.run(go())


def test_stores_and_warehouses_alone_cost_one_request_and_a_confirming_one(
    emulator: Emulator,
) -> None:
    live, sent, other = _read(emulator, [res("Store", "Retail")])
    assert isinstance(live, LiveState)
    assert sorted(live.stores) == ["Retail", "Wholesale"]
    assert sorted(live.warehouses) == ["Retail Warehouse", "Wholesale Warehouse"]
    assert (
        live.entries("taxGroups") == {}
        and live.entries("attributeTypes") == {}
        and live.markets == {}
    )
    assert (
        live.entries("pricelists") == {}
        and live.entries("shippingOptions") == {}
        and live.currencies == {}
    )
    assert live.plugins == {} and live.probes == {}
    # Two stores on a page of 100: Centra is not known to fill pages of 100, so a second
    # page confirms the end (both lists travel in it).
    assert (sent, other) == (2, 0)


def test_each_kind_reads_its_own_lists(emulator: Emulator) -> None:
    live, _, _ = _read(emulator, [res("AttributeType", "a")])
    assert isinstance(live, LiveState) and list(live.entries("attributeTypes")) == ["Fit"]
    assert not live.entries("taxGroups")
    live, _, _ = _read(emulator, [res("TaxGroup", "t")])
    assert isinstance(live, LiveState) and list(live.entries("taxGroups")) == ["Standard"]
    assert not live.entries("attributeTypes")
    assert not live.markets
    for kind in ("Pricelist", "ShippingOption"):
        live, _, _ = _read(emulator, [res(kind, "x")])
        assert isinstance(live, LiveState)
        assert sorted(live.markets) == ["Global-e", "Sweden", "Wholesale"]
        assert "SEK" in live.currencies and live.entries("pricelists")
        assert sorted(live.entries("shippingOptions")) == ["Express", "Standard"]
        assert not live.entries("taxGroups") and not live.entries("attributeTypes")


def test_a_long_list_is_read_page_by_page(emulator: Emulator) -> None:
    warehouse = dict(emulator.state.all("warehouse")[0])
    warehouse.pop("id", None)
    names = [f"Extra {i:03}" for i in range(199)]
    for name in names:
        emulator.state.insert("warehouse", {**warehouse, "name": name})
    try:
        live, sent, _ = _read(emulator, [res("Store", "Retail")])
    finally:
        for row in emulator.state.all("warehouse"):
            if row["name"] in names:
                emulator.state.delete("warehouse", row["id"])
    assert isinstance(live, LiveState) and len(live.warehouses) == 201
    assert sent == 3  # 100 + 100 + 1 rows; stores dropped out after page 1


def test_lists_centra_does_not_page_are_read_once(emulator: Emulator) -> None:
    """attributeTypes takes no limit or page: a full first answer is not a reason to ask for
    a second page (which would be the same list again, for ever)."""
    names = [f"Extra {i:03}" for i in range(120)]
    for name in names:
        emulator.state.insert("attribute_type", {"name": name, "definition": {"elements": {}}})
    log: list[Any] = []
    try:
        live, sent, _ = _read(emulator, [res("AttributeType", "a")], log=log)
    finally:
        for row in emulator.state.all("attribute_type"):
            if row["name"] in names:
                emulator.state.delete("attribute_type", row["id"])
    assert isinstance(live, LiveState) and len(live.entries("attributeTypes")) == 121
    assert sent == 2  # the second page is for stores and warehouses only
    page_two = log[-1]["variables"]
    assert page_two["page"] == 2 and not page_two["withAttributeTypes"]
    assert page_two["withStores"] and page_two["withWarehouses"]


def test_plugins_are_read_for_the_stores_desired_plugins_name(emulator: Emulator) -> None:
    resources = [
        res("OrderApiPlugin", "ge", store="Retail", uri="globale"),
        res("WebhookPlugin", "hook", store="Nowhere"),
    ]
    live, sent, _ = _read(emulator, resources)
    assert isinstance(live, LiveState)
    assert set(live.plugins) == {("Retail", "orderApi"), ("Retail", "webhooks")}
    assert [p["name"] for p in live.plugins[("Retail", "orderApi")]] == ["Global-e"]
    assert live.plugins[("Retail", "webhooks")] == []
    assert sent == 4  # ReadLive and PluginsInStore, each confirmed by an empty page


def test_a_store_with_many_plugins_is_read_page_by_page(emulator: Emulator) -> None:
    hook = next(p for p in emulator.state.all("plugin") if p["name"] == "Hook")
    extra = {**hook}
    extra.pop("id", None)
    ids = [emulator.state.insert("plugin", {**extra, "name": f"Hook {i:03}"}) for i in range(100)]
    try:
        live, sent, _ = _read(emulator, [res("WebhookPlugin", "hook", store="Wholesale")])
    finally:
        for plugin_id in ids:
            emulator.state.delete("plugin", plugin_id)
    assert isinstance(live, LiveState)
    assert len(live.plugins[("Wholesale", "webhooks")]) == 101
    assert live.plugins[("Wholesale", "orderApi")] == []
    # ReadLive (2 pages), then plugins: page 1 (100 webhooks: a full page proves pages of 100
    # are filled) and page 2 (1 webhook, short of an honoured size: the end).
    assert sent == 4


def test_plugins_of_other_kinds_name_no_store(emulator: Emulator) -> None:
    live, sent, _ = _read(emulator, [res("TaxGroup", "t", store="Retail")])
    assert isinstance(live, LiveState) and live.plugins == {} and sent == 2


def test_the_order_api_probe_uses_each_desired_secret(emulator: Emulator) -> None:
    resources = [
        res("OrderApiPlugin", "ge", store="Retail", uri="globale"),
        res("OrderApiPlugin", "wrong", store="Retail", uri="wrongsecret"),
        res("OrderApiPlugin", "gone", state="absent", store="Retail", uri="absent"),
        res("OrderApiPlugin", "nosecret", store="Retail", uri="nosecret"),
        res("WebhookPlugin", "hook", store="Retail", uri="hook"),
    ]
    secrets = {
        ("OrderApiPlugin/ge", "secretKey"): SecretValue("env", "right-secret"),
        ("OrderApiPlugin/wrong", "secretKey"): SecretValue("env", "nope"),
        ("OrderApiPlugin/gone", "secretKey"): SecretValue("env", "right-secret"),
        ("OrderApiPlugin/nosecret", "secretKey"): SecretValue("env", None, "unset"),
        ("WebhookPlugin/hook", "secretKey"): SecretValue("env", "right-secret"),
    }
    live, _, other = _read(emulator, resources, secrets)
    assert isinstance(live, LiveState)
    assert live.probes == {"globale": 200, "wrongsecret": 404}
    assert live.probe_answers == {"globale": "ok", "wrongsecret": "no"}
    assert other == 2


def test_every_missing_permission_is_named_at_once(emulator: Emulator) -> None:
    allowed = [p for p in ALL_PERMISSIONS if p not in ("Warehouse:read", "TaxGroup:read")]
    exc, _, _ = _read(emulator, [res("TaxGroup", "t")], permissions=allowed)
    assert isinstance(exc, CentraPermissionError)
    assert exc.missing == ["TaxGroup:read", "Warehouse:read"]
    assert exc.paths == ["taxGroups", "warehouses"]


def test_a_denied_plugin_read_is_named_by_its_field(emulator: Emulator) -> None:
    allowed = [p for p in ALL_PERMISSIONS if p != "StorePlugin:read"]
    exc, _, other = _read(
        emulator,
        [res("OrderApiPlugin", "ge", store="Retail", uri="globale")],
        {("OrderApiPlugin/ge", "secretKey"): SecretValue("env", "right-secret")},
        permissions=allowed,
    )
    assert isinstance(exc, CentraPermissionError)
    assert (exc.missing, exc.paths) == (["StorePlugin:read"], ["storePlugins"])
    assert other == 0  # nothing is probed once a read was refused


def test_plugins_are_checked_even_when_lists_were_denied(emulator: Emulator) -> None:
    """The store a plugin names could not be read; plugins are read for some store anyway, so
    the one error names both missing permissions."""
    allowed = [p for p in ALL_PERMISSIONS if p not in ("Warehouse:read", "StorePlugin:read")]
    exc, _, _ = _read(
        emulator,
        [res("WebhookPlugin", "hook", store="Elsewhere")],
        permissions=allowed,
    )
    assert isinstance(exc, CentraPermissionError)
    assert exc.missing == ["StorePlugin:read", "Warehouse:read"]
    assert exc.paths == ["storePlugins", "warehouses"]


def test_without_desired_plugins_a_denial_reads_no_plugins(emulator: Emulator) -> None:
    allowed = [p for p in ALL_PERMISSIONS if p not in ("Warehouse:read", "StorePlugin:read")]
    exc, sent, _ = _read(emulator, [res("TaxGroup", "t")], permissions=allowed)
    assert isinstance(exc, CentraPermissionError)
    assert (exc.missing, exc.paths) == (["Warehouse:read"], ["warehouses"])
    assert sent == 4  # ReadLive, then stores, taxGroups and warehouses alone


def test_after_a_denial_shipping_options_are_not_checked(emulator: Emulator) -> None:
    allowed = [p for p in ALL_PERMISSIONS if p != "Warehouse:read"]
    exc, sent, _ = _read(emulator, [res("ShippingOption", "Standard")], permissions=allowed)
    assert isinstance(exc, CentraPermissionError)
    assert (exc.missing, exc.paths) == (["Warehouse:read"], ["warehouses"])
    # ReadLive, then each of its six lists alone to name every missing permission.
    assert sent == 7


def test_read_stores_reads_only_stores(emulator: Emulator) -> None:
    async def go() -> tuple[dict[str, Any], int]:
        async with CentraClient(
            URL, emulator.admin_token, transport=InProcessTransport(emulator)
        ) as client:
            caps = await discover(client, None)
            return await read_stores(client, caps), client.count.sent

    stores, sent = asyncio.run(go())
    assert sorted(stores) == ["Retail", "Wholesale"] and sent == 3
    assert stores["Wholesale"].type == "WHOLESALE"


def test_read_everything_reads_every_list_and_every_store_s_plugins(emulator: Emulator) -> None:
    async def go() -> LiveState:
        async with CentraClient(
            URL, emulator.admin_token, transport=InProcessTransport(emulator)
        ) as client:
            caps = await discover(client, None)
            return await read_everything(client, caps)

    live = asyncio.run(go())
    assert list(live.entries("taxGroups")) == ["Standard"] and list(
        live.entries("attributeTypes")
    ) == ["Fit"]
    assert sorted(live.markets) == ["Global-e", "Sweden", "Wholesale"]
    assert sorted(live.entries("shippingOptions")) == ["Express", "Standard"]
    assert {store for store, _ in live.plugins} == {"Retail", "Wholesale"}
    assert [p["name"] for p in live.plugins[("Wholesale", "webhooks")]] == ["Hook"]
    standard = live.shipping_checks["Standard"]
    assert standard["value:status"] == "ACTIVE"
    assert standard["value:storeType"] == "DIRECT_TO_CONSUMER"
    assert standard["value:currency"] == "SEK"
    assert standard["stores"] == {"Retail": True, "Wholesale": False}
    assert standard["markets"] == {"Sweden": True, "Global-e": True, "Wholesale": False}
