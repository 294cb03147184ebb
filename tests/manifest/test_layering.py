"""Layering as an author sees it: an environment's document deep-merges onto the bases' one
of the same kind and name (mappings key by key, anything else replaces whole, `null` removes
a key, a secret reference replaces whole), and every error points at the file, line and
column the offending value (or key) finally came from."""

from __future__ import annotations

from centra_provision.manifest.merge import merge_documents
from centra_provision.manifest.yamlio import load_documents
from centra_provision.source import Mark
from tests.support.cases import TEMPLATE
from tests.support.layers import (
    BASE_PLUGIN,
    BASE_WEBHOOK,
    OVERRIDES,
    PLUGIN,
    WEBHOOK,
    Tree,
    overlay,
)

# --- what the merged document holds ---------------------------------------------------


def test_null_removes_the_key_the_base_set_and_keeps_the_others(tree: Tree) -> None:
    tree.write(OVERRIDES, overlay("  debugLogging: null\n  returnOther: false\n"))
    assert tree.spec("OrderApiPlugin", "GE Order API") == {
        "store": "Retail",
        "status": "ACTIVE",
        "uri": "ge-order-api",
        "secretKey": {"fromEnv": "GE_ORDER_API_SECRET"},
        "primaryWarehouse": "Retail Warehouse",
        "stockUpdates": "Physical",
        "returnOther": False,
    }


def test_null_for_a_key_no_layer_set_is_no_change(tree: Tree) -> None:
    tree.write(OVERRIDES, overlay("  stockUpdates: null\n  bundlesInOrders: null\n"))
    spec = tree.spec("OrderApiPlugin", "GE Order API")
    assert "stockUpdates" not in spec
    assert "bundlesInOrders" not in spec
    assert spec["debugLogging"] is True


def test_null_inside_a_nested_mapping_removes_only_that_key(tree: Tree) -> None:
    tree.write(
        OVERRIDES,
        overlay(
            "  eventTriggers:\n    return: null\n    shipment: true\n",
            "WebhookPlugin",
            "GE Integration Webhooks",
        ),
    )
    assert tree.spec("WebhookPlugin", "GE Integration Webhooks")["eventTriggers"] == {
        "order": True,
        "shipment": True,
        "customer": False,
        "account": False,
        "checkFirst": False,
        "allocationRequest": False,
    }


def test_an_empty_mapping_changes_nothing_of_the_base_mapping(tree: Tree) -> None:
    tree.write(
        OVERRIDES, overlay("  eventTriggers: {}\n", "WebhookPlugin", "GE Integration Webhooks")
    )
    assert tree.spec("WebhookPlugin", "GE Integration Webhooks")["eventTriggers"] == {
        "order": True,
        "shipment": False,
        "customer": False,
        "account": False,
        "checkFirst": False,
        "allocationRequest": False,
        "return": True,
    }


def test_a_list_replaces_the_base_list_whole(tree: Tree) -> None:
    tree.write(
        OVERRIDES,
        overlay(
            "  stores: [Retail]\n  readPermissions: [Order]\n",
            "IntegrationToken",
            "Global-e integration",
        ),
    )
    spec = tree.spec("IntegrationToken", "Global-e integration")
    assert spec["stores"] == ["Retail"]
    assert spec["readPermissions"] == ["Order"]  # a list over a mapping: replaced, not merged
    assert spec["updatePermissions"] == {"allExcept": ["Anonymize:write"]}


def test_a_from_env_reference_replaces_a_base_from_file_whole(tree: Tree) -> None:
    tree.write(BASE_PLUGIN, PLUGIN.replace("{fromEnv: GE_ORDER_API_SECRET}", "{fromFile: k}"))
    tree.write(OVERRIDES, overlay("  secretKey: {fromEnv: PROD_SECRET}\n"))
    assert tree.spec("OrderApiPlugin", "GE Order API")["secretKey"] == {"fromEnv": "PROD_SECRET"}


def test_a_from_file_reference_replaces_a_base_from_env_whole(tree: Tree) -> None:
    tree.write(OVERRIDES, overlay("  secretKey:\n    fromFile: secrets/order-api\n"))
    assert tree.spec("OrderApiPlugin", "GE Order API")["secretKey"] == {
        "fromFile": "secrets/order-api"
    }


def test_a_reference_naming_both_sources_still_replaces_whole(tree: Tree) -> None:
    """The base's mapping (a stray key included) is gone: the only error is the later
    layer's own, at its own line."""
    tree.write(BASE_PLUGIN, PLUGIN.replace("{fromEnv: GE_ORDER_API_SECRET}", "{fromEnv: A, x: 1}"))
    tree.write(OVERRIDES, overlay("  secretKey: {fromEnv: B, fromFile: f}\n"))
    assert tree.errors() == [
        f"{OVERRIDES}:5:14: OrderApiPlugin/GE Order API: spec.secretKey: "
        "{'fromEnv': 'B', 'fromFile': 'f'} has too many properties"
    ]


def test_layers_leave_each_other_unchanged(tree: Tree) -> None:
    """The merged document is new: a second environment's load sees the base as written."""
    tree.write(OVERRIDES, overlay("  debugLogging: null\n  uri: other\n"))
    assert tree.spec("OrderApiPlugin", "GE Order API")["uri"] == "other"
    tree.write(OVERRIDES, overlay("  returnOther: false\n"))
    spec = tree.spec("OrderApiPlugin", "GE Order API")
    assert (spec["uri"], spec["debugLogging"]) == ("ge-order-api", True)


# --- where errors point -------------------------------------------------------------


def test_an_error_in_an_overriding_value_points_at_the_environment_file(tree: Tree) -> None:
    tree.write(OVERRIDES, overlay("  returnOther: false\n  stockUpdates: Sometimes\n"))
    assert tree.errors() == [
        f"{OVERRIDES}:6:17: OrderApiPlugin/GE Order API: spec.stockUpdates: 'Sometimes' is "
        "not one of Physical"
    ]


def test_an_error_in_an_inherited_value_points_at_the_base_file(tree: Tree) -> None:
    tree.write(BASE_PLUGIN, PLUGIN.replace("stockUpdates: Physical", "stockUpdates: Sometimes"))
    tree.write(OVERRIDES, overlay("  returnOther: false\n  uri: ge-order-api-2\n"))
    assert tree.errors() == [
        f"{BASE_PLUGIN}:11:17: OrderApiPlugin/GE Order API: spec.stockUpdates: 'Sometimes' "
        "is not one of Physical"
    ]


def test_an_unknown_key_added_by_the_environment_points_at_that_key(tree: Tree) -> None:
    tree.write(OVERRIDES, overlay("  returnOther: false\n  debugLoging: true\n"))
    assert tree.errors() == [
        f"{OVERRIDES}:6:3: OrderApiPlugin/GE Order API: unknown key 'debugLoging' in spec; "
        "did you mean 'debugLogging'?"
    ]


def test_an_unknown_key_inherited_from_the_base_points_at_the_base_key(tree: Tree) -> None:
    tree.write(BASE_PLUGIN, PLUGIN + "  stockUpdate: Physical\n")
    tree.write(OVERRIDES, overlay("  returnOther: false\n"))
    assert tree.errors() == [
        f"{BASE_PLUGIN}:13:3: OrderApiPlugin/GE Order API: unknown key 'stockUpdate' in spec; "
        "did you mean 'stockUpdates'?"
    ]


def test_an_unknown_key_inside_an_overridden_mapping_points_at_the_environment(
    tree: Tree,
) -> None:
    tree.write(
        OVERRIDES,
        overlay(
            "  eventTriggers:\n    order: false\n    refund: true\n",
            "WebhookPlugin",
            "GE Integration Webhooks",
        ),
    )
    assert tree.errors() == [
        f"{OVERRIDES}:7:5: WebhookPlugin/GE Integration Webhooks: unknown key 'refund' in "
        "spec.eventTriggers"
    ]


def test_a_bad_value_in_a_merged_mapping_points_at_the_layer_that_gave_it(tree: Tree) -> None:
    tree.write(
        OVERRIDES,
        overlay("  eventTriggers:\n    order: 'yes'\n", "WebhookPlugin", "GE Integration Webhooks"),
    )
    tree.write(
        BASE_WEBHOOK, (TEMPLATE / BASE_WEBHOOK).read_text().replace("account: false", "account: 0")
    )
    assert tree.errors() == [
        f"{BASE_WEBHOOK}:14:14: WebhookPlugin/GE Integration Webhooks: "
        "spec.eventTriggers.account: expected boolean, got 0",
        f"{OVERRIDES}:6:12: WebhookPlugin/GE Integration Webhooks: "
        "spec.eventTriggers.order: expected boolean, got 'yes'",
    ]


def test_a_replaced_list_keeps_no_position_of_the_base_list(tree: Tree) -> None:
    """The environment's shorter list replaces the base's: its bad item is reported at the
    environment's line, and no position of the base's items survives under it."""
    tree.write(
        OVERRIDES,
        overlay("  stores:\n    - ''\n", "IntegrationToken", "Global-e integration"),
    )
    assert tree.errors() == [
        f"{OVERRIDES}:6:7: IntegrationToken/Global-e integration: spec.stores[0]: '' should "
        "be non-empty"
    ]


def test_a_required_key_removed_by_null_is_reported_where_it_was_removed(tree: Tree) -> None:
    tree.write(OVERRIDES, overlay("  status: null\n"))
    assert tree.errors() == [
        f"{OVERRIDES}:5:3: OrderApiPlugin/GE Order API: missing required key 'status' in spec"
    ]


def test_an_unknown_key_both_layers_map_points_at_the_later_layers_key(tree: Tree) -> None:
    """A mapping under a misspelt key in the base and in the environment merges; the error
    names the key where the environment wrote it, not the mapping's first value."""
    tree.write(
        BASE_WEBHOOK,
        (TEMPLATE / BASE_WEBHOOK).read_text() + "  eventTrigger:\n    order: true\n",
    )
    tree.write(OVERRIDES, overlay("  store: Retail\n  eventTrigger:\n    order: false\n", *WEBHOOK))
    assert tree.errors() == [
        f"{OVERRIDES}:6:3: WebhookPlugin/GE Integration Webhooks: unknown key 'eventTrigger' "
        "in spec; did you mean 'eventTriggers'?"
    ]


def test_merging_builds_a_new_document_with_each_value_at_its_own_file() -> None:
    base = load_documents("spec:\n  a: {b: [1]}\n  l: [x]\n", "base.yaml")[0]
    over = load_documents("spec:\n  a: {c: [2]}\n  l: [[y]]\n", "env.yaml")[0]
    merged = merge_documents(base, over)
    assert merged.data == {"spec": {"a": {"b": [1], "c": [2]}, "l": [["y"]]}}
    assert base.data == {"spec": {"a": {"b": [1]}, "l": ["x"]}}
    assert over.data == {"spec": {"a": {"c": [2]}, "l": [["y"]]}}
    assert merged.file == "env.yaml"
    assert merged.mark(("spec", "a", "b", 0)) == Mark("base.yaml", 2, 11)
    assert merged.mark(("spec", "a", "c", 0)) == Mark("env.yaml", 2, 11)
    assert merged.mark(("spec", "a")) == Mark("env.yaml", 2, 6)
    assert merged.mark(("spec", "l", 0, 0)) == Mark("env.yaml", 3, 8)
