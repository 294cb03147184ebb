"""The back office holds what the API cannot write; GraphQL shows it only as Centra does."""

from __future__ import annotations

import json
from pathlib import Path

from centra_provision.emulator.app import Emulator
from tests.support.emulator import EmulatorClient

CANARY = "canary-order-api-secret-6f1d0c"


def _order_api_plugin(api: EmulatorClient, status: str = "ACTIVE") -> int:
    response = api.office(
        "POST",
        "/plugins",
        {
            "store": "Retail",
            "type": "order_api",
            "name": "GE Order API",
            "status": status,
            "settings": {
                "uri": "ge-order-api",
                "secretKey": CANARY,
                "debugLogging": True,
                "stockUpdates": "Physical",
            },
        },
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_plugin_shows_only_what_centra_shows(api: EmulatorClient) -> None:
    plugin_id = _order_api_plugin(api)
    api.office(
        "POST",
        "/plugins",
        {
            "store": 1,
            "type": "webhook",
            "status": "INACTIVE",
            "name": "GE Integration Webhooks",
            "settings": {"url": "https://centra-int.bglobale.com/x"},
        },
    )
    body = api.gql(
        "{ all: storePlugins { id name status } "
        "api: storePlugins(where: {type: [API], storeId: [1], uri: {contains: "
        '"ge-order-api"}}) { id } '
        "hooks: storePlugins(where: {type: [WEBHOOKS], status: [INACTIVE]}) { name } "
        "other: storePlugins(where: {storeId: [2]}) { id } }"
    ).json()
    assert body["data"] == {
        "all": [
            {"id": plugin_id, "name": "GE Order API", "status": "ACTIVE"},
            {"id": plugin_id + 1, "name": "GE Integration Webhooks", "status": "INACTIVE"},
        ],
        "api": [{"id": plugin_id}],
        "hooks": [{"name": "GE Integration Webhooks"}],
        "other": [],
    }
    fields = api.data('{ __type(name: "StorePlugin") { fields { name } } }')
    assert [f["name"] for f in fields["__type"]["fields"]] == ["id", "status", "name"]
    assert CANARY not in json.dumps(api.office("GET", "/state").json())


def test_order_api_probe(api: EmulatorClient) -> None:
    plugin_id = _order_api_plugin(api)
    probe = "/api/ge-order-api/orders?limit=1"
    assert api.request("GET", probe, headers={"API-Authorization": CANARY}).status_code == 200
    assert api.request("GET", probe, headers={"API-Authorization": "wrong"}).status_code == 401
    assert (
        api.request(
            "GET", "/api/other/orders?limit=1", headers={"API-Authorization": CANARY}
        ).status_code
        == 404
    )
    api.office("PATCH", f"/plugins/{plugin_id}", {"status": "INACTIVE"})
    assert api.request("GET", probe, headers={"API-Authorization": CANARY}).status_code == 404


def test_attribute_types_from_the_guide_json(api: EmulatorClient) -> None:
    definition = (
        '{ "desc": "Global-e Voucher details", "readonly": false, "group": "voucher",'
        ' "elements": { "ge_successful_usages": { "type": "input", "desc": '
        '"Global-e Successful Usages" } } }'
    )
    created = api.office(
        "POST", "/attribute-types", {"name": "ge_voucher_details", "definition": definition}
    )
    assert created.status_code == 201
    found = api.data(
        '{ attributeTypes(where: {name: {contains: "ge_"}}) { name description '
        "isMapped isMulti elements { key description isMulti paramsJSON } } }"
    )
    assert found["attributeTypes"] == [
        {
            "name": "ge_voucher_details",
            "description": "Global-e Voucher details",
            "isMapped": False,
            "isMulti": False,
            "elements": [
                {
                    "key": "ge_successful_usages",
                    "description": "Global-e Successful Usages",
                    "isMulti": False,
                    "paramsJSON": "{}",
                }
            ],
        }
    ]
    bad = api.office("POST", "/attribute-types", {"name": "x", "definition": "{not json"})
    assert bad.status_code == 400
    assert api.office("DELETE", "/attribute-types/ge_voucher_details").status_code == 204
    assert api.data("{ attributeTypes { name } }") == {"attributeTypes": []}


def test_tax_group_and_rule(api: EmulatorClient) -> None:
    group = api.office(
        "POST",
        "/tax-groups",
        {"name": "GE Local VAT", "status": "ACTIVE", "defaultInStores": ["Retail"]},
    ).json()
    rule = api.office(
        "POST",
        f"/tax-groups/{group['id']}/rules",
        {
            "name": "GE Local VAT",
            "displayName": "GE Local VAT",
            "code": "VAT",
            "rate": 25,
            "applyTaxToShipping": True,
            "applyTaxToHandling": True,
            "countries": ["DE", "FR"],
        },
    )
    assert rule.status_code == 201, rule.text
    query = (
        '{ taxGroups(where: {name: {contains: "GE Local"}}) { id name status '
        "defaultInStores { name } rules { name displayName code rate applyTaxToShipping "
        "applyTaxToHandling countries { code } taxGroup { id } } } }"
    )
    groups = api.data(query)["taxGroups"]
    assert groups == [
        {
            "id": group["id"],
            "name": "GE Local VAT",
            "status": "ACTIVE",
            "defaultInStores": [{"name": "Retail"}],
            "rules": [
                {
                    "name": "GE Local VAT",
                    "displayName": "GE Local VAT",
                    "code": "VAT",
                    "rate": 25.0,
                    "applyTaxToShipping": True,
                    "applyTaxToHandling": True,
                    "countries": [{"code": "DE"}, {"code": "FR"}],
                    "taxGroup": {"id": group["id"]},
                }
            ],
        }
    ]
    api.office("PATCH", f"/tax-rules/{rule.json()['id']}", {"rate": 20.5})
    assert api.data(query)["taxGroups"][0]["rules"][0]["rate"] == 20.5
    assert api.office("PATCH", f"/tax-rules/{rule.json()['id']}", {"rate": 101}).status_code == 400
    assert (
        api.office(
            "POST",
            f"/tax-groups/{group['id']}/rules",
            {"name": "x", "displayName": "x", "code": "x", "rate": 1, "countries": ["XX"]},
        ).status_code
        == 400
    )


def test_back_office_requires_admin_credentials(api: EmulatorClient) -> None:
    assert api.request("GET", "/backoffice/api/state").status_code == 401
    wrong = {"Authorization": "Basic YWRtaW46bm9wZQ=="}
    assert api.request("GET", "/backoffice/api/state", headers=wrong).status_code == 401
    page = api.request("GET", "/backoffice/", headers=api.admin)
    assert page.status_code == 200 and "<h1>Centra emulator: back office</h1>" in page.text
    assert (
        api.office(
            "POST",
            "/plugins",
            {"store": "Nope", "type": "order_api", "name": "x", "status": "ACTIVE"},
        ).status_code
        == 400
    )


def test_state_survives_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "centra.sqlite")
    first = Emulator(path, products=5)
    api = EmulatorClient(first, None)
    _order_api_plugin(api)
    token, password = first.admin_token, first.backoffice_password
    first.state.close()
    second = Emulator(path, products=500)
    # The state keeps a token's digest, never a token or the back-office password: a new
    # process hands out new credentials, and the tokens issued before still work.
    assert second.admin_token not in (token, "")
    assert second.backoffice_password not in (password, "")
    assert second.state.product_count() == 5
    again = EmulatorClient(second, None)
    assert again.data("{ storePlugins { name } }") == {"storePlugins": [{"name": "GE Order API"}]}
    assert again.gql("{ stores { name } }", token=token).status_code == 200
    second.state.close()
