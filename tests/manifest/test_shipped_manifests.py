"""The manifests we ship validate, and carry the guide's values exactly."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from centra_provision.globale import webhook_url
from centra_provision.manifest.desired import load_desired_state
from centra_provision.resources import countries
from centra_provision.resources.attribute_type import definition_json
from tests.support.paths import REPO

ROOT = REPO / "manifests"

GUIDE_ORDER_DETAILS = (
    '{ "desc": "Global-E Information", "readonly": false, "group": "order", "elements": { '
    '"ge_order_id": { "type": "input", "desc": "Global-E Order Id" }, "ge_order_total": { '
    '"type": "input", "desc": "Global-E Order Total" }, "ge_order_shipping": { "type": "input", '
    '"desc": "Global-E Order Shipping" }, "ge_order_duties": { "type": "input", "desc": '
    '"Global-E Order Duties" }, "ge_order_delivery_days": { "type": "input", "desc": '
    '"Global-E delivery in days" }, "canceled_by_ge": { "type": "boolean", "desc": '
    '"Canceled by Global-E" }, "code_vouchers": { "type": "input", "desc": "Code Vouchers" }, '
    '"automatic_vouchers": { "type": "input", "desc": "Automatic Vouchers" }, "free_shipping": '
    '{ "type": "input", "desc": "Free Shipping" }, "ge_cart_item_ids_mapping": { "type": '
    '"textarea", "desc": "Global-E CartItemIds mapping" }, "ge_cart_item_id_to_price_mapping": '
    '{ "type": "textarea", "desc": "Global-E CartItemId to Price mapping" }, '
    '"centra_to_ge_cart_mapping": { "type": "textarea", "desc": "Centra to Global-E order '
    'items mapping" } } }'
)
GUIDE_CUSTOMER_COUPON = (
    '{ "desc": "Coupons used by GE orders", "readonly": false, "group": "customer", '
    '"elements": { "ge_coupon_usage": { "type": "textarea", "desc": "Coupons used by GE '
    'orders" } } }'
)
GUIDE_VOUCHER_DETAILS = (
    '{ "desc": "Global-e Voucher details", "readonly": false, "group": "voucher", "elements": '
    '{ "ge_successful_usages": { "type": "input", "desc": "Global-e Successful Usages" } } }'
)


@pytest.mark.parametrize("env", ["local", "qa-int", "prod"])
def test_shipped_environment_is_valid(env: str) -> None:
    state = load_desired_state(ROOT, env)
    extra = ["Pricelist/Global-e SEK", "Pricelist/Wholesale SEK", "ShippingOption/GE Express"]
    assert sorted(r.address for r in state.resources) == sorted(
        [
            *(extra if env == "local" else []),
            "AttributeType/ge_customer_coupon",
            "AttributeType/ge_order_details",
            "AttributeType/ge_voucher_details",
            "IntegrationToken/Global-e integration",
            "OrderApiPlugin/GE Order API",
            "TaxGroup/GE Local VAT",
            "WebhookPlugin/GE Integration Webhooks",
        ]
    )


def _by_address(env: str) -> dict[str, dict]:  # type: ignore[type-arg]
    return {r.address: dict(r.spec) for r in load_desired_state(ROOT, env).resources}


@pytest.mark.parametrize(
    ("name", "guide_json"),
    [
        ("ge_order_details", GUIDE_ORDER_DETAILS),
        ("ge_customer_coupon", GUIDE_CUSTOMER_COUPON),
        ("ge_voucher_details", GUIDE_VOUCHER_DETAILS),
    ],
)
def test_attribute_types_equal_the_guide_json(name: str, guide_json: str) -> None:
    spec = _by_address("qa-int")[f"AttributeType/{name}"]
    assert json.loads(definition_json(spec)) == json.loads(guide_json)
    assert list(json.loads(definition_json(spec))["elements"]) == list(
        json.loads(guide_json)["elements"]
    )


def test_order_api_plugin_has_every_guide_setting() -> None:
    spec = _by_address("qa-int")["OrderApiPlugin/GE Order API"]
    assert spec == {
        "store": "Retail",
        "status": "ACTIVE",
        "uri": "ge-order-api",
        "secretKey": {"fromEnv": "GE_ORDER_API_SECRET"},
        "markets": "all",
        "debugLogging": True,
        "primaryWarehouse": "Retail Warehouse",
        "stockUpdates": "Physical",
        "limitShipmentsByWarehouse": False,
        "orderStatuses": "all",
        "returnWaitingForPayment": True,
        "returnOnHold": True,
        "ordersStartingWith": "Oldest",
        "returnInternalComment": True,
        "returnOther": True,
        "productsReturnCostPrice": True,
        "returnUnconfirmedAllocations": False,
        "productsTaxForCountry": "None",
        "bundlesInShipments": "Only containing items",
        "bundlesInOrders": "Only containing items",
        "shipmentWithMissingItems": "Keep items in order",
        "allowedEndpoints": "all",
    }


def test_tax_group_follows_guide_and_expands_countries() -> None:
    spec = _by_address("qa-int")["TaxGroup/GE Local VAT"]
    rule = spec["rules"][0]
    assert (spec["status"], spec["defaultInStores"]) == ("ACTIVE", ["Retail"])
    assert rule["rate"] == 25 and isinstance(rule["rate"], int | Decimal)
    assert rule["countries"] == {"allExcept": ["SE"]}
    expanded = countries.expand(rule["countries"])
    assert "SE" not in expanded and "NO" in expanded and "GB" in expanded
    assert len(expanded) == len(countries.all_codes()) - 1 == 248
    assert (
        rule["code"],
        rule["applyTaxPer"],
        rule["applyTaxToShipping"],
        rule["applyTaxToHandling"],
        rule["includeShippingCostInOrderTotal"],
    ) == ("VAT", "Ship-to country", True, True, True)


def test_webhook_plugin_and_derived_url() -> None:
    spec = _by_address("qa-int")["WebhookPlugin/GE Integration Webhooks"]
    assert spec["eventTriggers"] == {
        "order": True,
        "shipment": False,
        "customer": False,
        "account": False,
        "checkFirst": False,
        "allocationRequest": False,
        "return": True,
    }
    assert webhook_url("QA-INT", 1808, "sandbox.centraqa.com") == (
        "https://centra-int.bglobale.com/webhooks/v1/Webhooks/WebhookIntegrationApi"
        "?merchantId=1808&domain=sandbox.centraqa.com"
    )
    assert webhook_url("PROD", 1808, "sandbox.centraqa.com").startswith(
        "https://centra.global-e.com/webhooks/v1/"
    )


def test_token_permissions_follow_guide() -> None:
    spec = _by_address("prod")["IntegrationToken/Global-e integration"]
    assert spec["readPermissions"] == {"allExcept": ["CENTRAIP", "CentraIP Details"]}
    assert spec["updatePermissions"] == {"allExcept": ["Anonymize:write"]}
    assert spec["storeTypes"] == "ALL"


def test_environments_carry_their_globale_identity() -> None:
    qa = load_desired_state(ROOT, "qa-int").environment
    prod = load_desired_state(ROOT, "prod").environment
    assert (qa.globale_env, qa.merchant_id, qa.centra_domain) == (
        "QA-INT",
        1808,
        "sandbox.centraqa.com",
    )
    assert prod.globale_env == "PROD" and prod.executor == "guided"
    assert load_desired_state(ROOT, "local").environment.executor == "backoffice"
