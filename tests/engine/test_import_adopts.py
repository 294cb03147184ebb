"""`provision import` of a Centra holding what the base does not declare: a second store's
plugins with the same name, an extra attribute type, tax group, pricelist and shipping option.
The written manifests are the contract (the operator reviews and commits them), so they are
compared exactly: full specs for what the base lacks, each with the commented placeholders
for what Centra cannot show, and the adopted root validates and shows no drift."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pycountry
import pytest

from centra_provision.emulator.app import Emulator
from centra_provision.manifest.desired import load_desired_state
from tests.support.centra import configure, copy_manifests
from tests.support.cli import run
from tests.support.emulator import EmulatorClient, served

SECRET = "CANARY-adopt-unknown-6b1f"
NOTE = "A card note written by the customer at checkout, printed on the gift card"
CREATE_SHIPPING = (
    "mutation($i: ShippingOptionCreateInput!) { createShippingOption(input: $i) "
    "{ userErrors { message } } }"
)


def _hand_configured(emulator: Emulator, manifests: Path) -> None:
    """QA-INT as the base says, minus one attribute type, plus what nobody declared."""
    configure(emulator, load_desired_state(manifests, "qa-int"), SECRET)
    office = emulator.backoffice
    assert office.delete_attribute_type("ge_customer_coupon")
    for store, status in (("Retail", "ACTIVE"), ("Wholesale", "INACTIVE")):
        office.save_plugin(
            {
                "store": store,
                "type": "webhook",
                "name": "Legacy Webhooks",
                "status": status,
                "settings": {"url": "https://legacy.example/hook"},
            }
        )
    office.save_plugin(
        {
            "store": "Wholesale",
            "type": "order_api",
            "name": "Wholesale Order API",
            "status": "ACTIVE",
            "settings": {"uri": "wholesale-order-api", "secretKey": SECRET},
        }
    )
    office.save_attribute_type(
        {
            "name": "ge_gift_wrap",
            "definition": {
                "desc": "Gåvoinslagning",
                "readonly": True,
                "group": "order",
                "elements": {
                    "wrap": {"type": "boolean", "desc": "Wrap it"},
                    "note": {"type": "textarea", "desc": NOTE},
                },
            },
        }
    )
    group = office.save_tax_group(
        {"name": "Wholesale VAT", "status": "INACTIVE", "defaultInStores": ["Wholesale"]}
    )
    office.save_tax_rule(
        {
            "name": "DE VAT",
            "displayName": "German VAT",
            "code": "DE19",
            "rate": 19.5,
            "countries": ["DE", "AT"],
            "applyTaxToShipping": True,
        },
        group["id"],
    )
    everywhere = [c.alpha_2 for c in pycountry.countries if c.alpha_2 not in ("SE", "NO")]
    office.save_tax_rule(
        {
            "name": "Almost all",
            "displayName": "Rest",
            "code": "R",
            "rate": 7,
            "countries": everywhere,
            "applyTaxToHandling": True,
        },
        group["id"],
    )
    office.save_pricelist(
        {
            "name": "Norway NOK",
            "status": "INACTIVE",
            "store": "Retail",
            "currency": "NOK",
            "countries": ["NO"],
            "defaultShippingOption": "Express",
        }
    )


@pytest.fixture
def centra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[EmulatorClient, str]]:
    """The hand-configured Centra served on loopback; yields its client and GraphQL URL
    (given with --centra-url: no variable redirects QA-INT)."""
    manifests = copy_manifests(tmp_path, monkeypatch)
    emulator = Emulator(":memory:", products=0)
    _hand_configured(emulator, manifests)
    with served(emulator) as url:
        client = EmulatorClient(emulator, url)
        freight = {
            "name": "Wholesale Freight",
            "status": "INACTIVE",
            "currencyIsoCode": "EUR",
            "storeType": "WHOLESALE",
            "isPickupPoint": False,
            "addStores": [{"id": 2}],
            "addMarkets": [{"id": 3}],
        }
        assert client.data(CREATE_SHIPPING, {"i": freight}) == {
            "createShippingOption": {"userErrors": []}
        }
        monkeypatch.setenv("CENTRA_QA_INT_TOKEN", emulator.admin_token)
        monkeypatch.setenv("GE_ORDER_API_SECRET", SECRET)
        yield client, f"{url}/graphql"
    emulator.state.close()


WEBHOOK_PLACEHOLDERS = (
    "  # Centra cannot show these; fill them in from the back office:\n"
    "  # url: <webhook URL> (derived from the environment when left out)\n"
    "  # version: Integration API\n"
    "  # eventTriggers: {order: <true|false>, ...}\n"
)
PLUGINS = (
    "kind: WebhookPlugin\n"
    "metadata: {name: Legacy Webhooks (Retail)}\n"
    "spec: {store: Retail, status: ACTIVE, pluginName: Legacy Webhooks}\n"
    + WEBHOOK_PLACEHOLDERS
    + "---\n"
    "kind: OrderApiPlugin\n"
    "metadata: {name: Wholesale Order API}\n"
    "spec: {store: Wholesale, status: ACTIVE}\n"
    "  # Centra cannot show these; fill them in from the back office:\n"
    "  # uri: <URI>\n"
    "  # secretKey: {fromEnv: <ENV VAR>}\n"
    "  # markets: all\n"
    "  # debugLogging: <true|false>\n"
    "  # primaryWarehouse: <warehouse>\n"
    "  # stockUpdates: <Physical|...>\n"
    "  # limitShipmentsByWarehouse: <true|false>\n"
    "  # orderStatuses: all\n"
    "  # returnWaitingForPayment: <true|false>\n"
    "  # returnOnHold: <true|false>\n"
    "  # ordersStartingWith: <Oldest|Newest>\n"
    "  # returnInternalComment: <true|false>\n"
    "  # returnOther: <true|false>\n"
    "  # productsReturnCostPrice: <true|false>\n"
    "  # returnUnconfirmedAllocations: <true|false>\n"
    "  # productsTaxForCountry: <...>\n"
    "  # bundlesInShipments: <...>\n"
    "  # bundlesInOrders: <...>\n"
    "  # shipmentWithMissingItems: <...>\n"
    "  # allowedEndpoints: all\n"
    "---\n"
    "kind: WebhookPlugin\n"
    "metadata: {name: Legacy Webhooks (Wholesale)}\n"
    "spec: {store: Wholesale, status: INACTIVE, pluginName: Legacy Webhooks}\n"
    + WEBHOOK_PLACEHOLDERS
)
ATTRIBUTE_TYPES = (
    "kind: AttributeType\n"
    "metadata: {name: ge_gift_wrap}\n"
    "spec:\n"
    "  desc: Gåvoinslagning\n"
    "  elements:\n"
    "    wrap: {desc: Wrap it}\n"
    f"    note: {{desc: '{NOTE}'}}\n"  # 91 characters: one line up to 100
    "  # Centra cannot show these; fill them in from the back office:\n"
    "  # readonly: <true|false>\n"
    "  # group: <order|customer|voucher|...>\n"
    "  # elements.<key>.type: <input|textarea|boolean|...> for each element\n"
)
TAX_GROUPS = (
    "kind: TaxGroup\n"
    "metadata: {name: Wholesale VAT}\n"
    "spec:\n"
    "  status: INACTIVE\n"
    "  defaultInStores: [Wholesale]\n"
    "  rules:\n"
    "  - name: Almost all\n"
    "    displayName: Rest\n"
    "    code: R\n"
    "    countries: {allExcept: ['NO', SE]}\n"
    "    rate: 7\n"
    "    applyTaxToShipping: false\n"
    "    applyTaxToHandling: true\n"
    "  - name: DE VAT\n"
    "    displayName: German VAT\n"
    "    code: DE19\n"
    "    countries: [AT, DE]\n"
    "    rate: 19.5\n"
    "    applyTaxToShipping: true\n"
    "    applyTaxToHandling: false\n"
    "  # Centra cannot show these; fill them in from the back office:\n"
    "  # rules[*].applyTaxPer: Ship-to country\n"
    "  # rules[*].includeTax: <...>\n"
    "  # rules[*].includeShippingCostInOrderTotal: <true|false>\n"
)


def _pricelist(name: str, body: str) -> str:
    return (
        f"kind: Pricelist\nmetadata: {{name: {name}}}\nspec:\n{body}"
        "  # Centra cannot show these; fill them in from the back office:\n"
        "  # comment: <...>\n"
    )


PRICELISTS = "---\n".join(
    (
        _pricelist(
            "Global-e SEK",
            "  store: Retail\n  status: ACTIVE\n  currency: SEK\n"
            "  countries: {allExcept: [SE]}\n  defaultShippingOption: Standard\n",
        ),
        _pricelist(
            "Norway NOK",
            "  store: Retail\n  status: INACTIVE\n  currency: NOK\n"
            "  countries: ['NO']\n  defaultShippingOption: Express\n",
        ),
        _pricelist(
            "SEK",
            "  store: Retail\n  status: ACTIVE\n  currency: SEK\n"
            "  countries: [SE]\n  defaultShippingOption: Standard\n",
        ),
        # no default shipping option in Centra: none written
        _pricelist(
            "Wholesale EUR",
            "  store: Wholesale\n  status: ACTIVE\n  currency: EUR\n  countries: []\n",
        ),
    )
)


def _shipping(name: str, body: str) -> str:
    return (
        f"kind: ShippingOption\nmetadata: {{name: {name}}}\nspec:\n{body}"
        "  # Centra cannot show these; fill them in from the back office:\n"
        "  # isPickupPoint: <true|false>\n"
        "  # comment: <...>\n"
    )


RETAIL_SHIPPING = (
    "  currency: SEK\n  storeType: DIRECT_TO_CONSUMER\n  stores: [Retail]\n"
    "  markets: [Global-e, Sweden]\n"
)
SHIPPING_OPTIONS = "---\n".join(
    (
        _shipping("Express", "  status: ACTIVE\n  uri: express\n" + RETAIL_SHIPPING),
        _shipping("Standard", "  status: ACTIVE\n  uri: standard\n" + RETAIL_SHIPPING),
        _shipping(
            "Wholesale Freight",
            "  status: INACTIVE\n  uri: wholesale-freight\n  currency: EUR\n"
            "  storeType: WHOLESALE\n  stores: [Wholesale]\n  markets: [Wholesale]\n",
        ),
    )
)
ENVIRONMENT = (
    "kind: Environment\n"
    "metadata:\n"
    "  name: qa-int\n"
    "spec:\n"
    "  description: Global-e QA-INT integration environment\n"
    "  centra:\n"
    "    url: https://sandbox.centraqa.com/graphql\n"
    "    tokenEnv: CENTRA_QA_INT_TOKEN\n"
    "    domain: sandbox.centraqa.com\n"
    "  globale:\n"
    "    environment: QA-INT\n"
    "    merchantId: 1808\n"
    "  includes:\n"
    "  - base\n"
    "  stores:\n"
    "  - name: Retail\n"
    "    type: DIRECT_TO_CONSUMER\n"
    "  - name: Wholesale\n"
    "    type: WHOLESALE\n"
    "  warehouses:\n"
    "  - Retail Warehouse\n"
    "  variables:\n"
    "    defaultStore: Retail\n"
    "    primaryWarehouse: Retail Warehouse\n"
    "    vatRate: 25\n"
    "    ownMarkets:\n"
    "    - SE\n"
    "  executor: guided\n"
    "  ledger: .provision/qa-int.ledger.json\n"
)
WRITTEN = {
    "attribute-types.yaml": ATTRIBUTE_TYPES,
    "environment.yaml": ENVIRONMENT,
    "plugins.yaml": PLUGINS,
    "pricelists.yaml": PRICELISTS,
    "shipping-options.yaml": SHIPPING_OPTIONS,
    "tax-groups.yaml": TAX_GROUPS,
}
REPORT = [
    *(
        f"imported {address} -> adopted/qa-int/{file}"
        for address, file in (
            ("WebhookPlugin/Legacy Webhooks (Retail)", "plugins.yaml"),
            ("OrderApiPlugin/Wholesale Order API", "plugins.yaml"),
            ("WebhookPlugin/Legacy Webhooks (Wholesale)", "plugins.yaml"),
            ("AttributeType/ge_gift_wrap", "attribute-types.yaml"),
            ("TaxGroup/Wholesale VAT", "tax-groups.yaml"),
            ("Pricelist/Global-e SEK", "pricelists.yaml"),
            ("Pricelist/Norway NOK", "pricelists.yaml"),
            ("Pricelist/SEK", "pricelists.yaml"),
            ("Pricelist/Wholesale EUR", "pricelists.yaml"),
            ("ShippingOption/Express", "shipping-options.yaml"),
            ("ShippingOption/Standard", "shipping-options.yaml"),
            ("ShippingOption/Wholesale Freight", "shipping-options.yaml"),
        )
    ),
    *(
        f"as base  {address} (Centra shows what the base says; nothing written)"
        for address in (
            "OrderApiPlugin/GE Order API",
            "WebhookPlugin/GE Integration Webhooks",
            "AttributeType/ge_order_details",
            "AttributeType/ge_voucher_details",
            "TaxGroup/GE Local VAT",
        )
    ),
    "missing  AttributeType/ge_customer_coupon (in the base, not in Centra: plan will create it)",
    "as base  IntegrationToken/Global-e integration (Centra cannot show it; kept as the base says)",
    "17 resources in Centra: 12 written under adopted/qa-int, 5 as the base says",
]


def test_what_the_base_lacks_is_written_in_full_with_placeholders(
    centra: tuple[EmulatorClient, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, url = centra
    code, out, err = run(
        ["import", "-e", "qa-int", "--output", "adopted", "--centra-url", url], capsys
    )
    assert (code, err) == (0, "")
    assert out.splitlines() == ["copied base adopted/base", *REPORT]
    folder = tmp_path / "adopted" / "qa-int"
    assert {p.name: p.read_text() for p in folder.iterdir()} == WRITTEN
    # the base beside it, as it was; nothing else left in the repository
    base = tmp_path / "manifests" / "base"
    assert {p.name: p.read_text() for p in (tmp_path / "adopted" / "base").iterdir()} == {
        p.name: p.read_text() for p in base.iterdir()
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == [".provision", "adopted", "manifests"]

    code, out, _ = run(["validate", "-e", "qa-int", "--manifests", "adopted"], capsys)
    assert code == 0 and out.startswith("OK: 19 resources in qa-int\n")
    # the ledger the import snapshotted into is bound to the Centra it read (--centra-url)
    code, out, _ = run(
        ["drift", "-e", "qa-int", "--manifests", "adopted", "--centra-url", url], capsys
    )
    assert code == 2, out  # only what the base declares and Centra lacks
    assert "AttributeType/ge_customer_coupon" in out
    assert out.splitlines()[-1] == (
        "Drift: 1 of 19 resources differ from the manifests; 0 changed outside the manifests"
    )


def test_force_replaces_and_record_remembers_the_adopted_values(
    centra: tuple[EmulatorClient, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, url = centra
    args = ["import", "-e", "qa-int", "--output", "adopted", "--centra-url", url]
    assert run(args, capsys)[0] == 0
    monkeypatch.setenv("PROVISION_CENTRA_URL_QA_INT", url)
    code, out, _ = run(["state", "show", "-e", "qa-int", "AttributeType/ge_gift_wrap"], capsys)
    assert code == 0
    assert out.splitlines()[1:] == [  # without --record: what Centra showed, no field records
        "  what Centra showed (imported "
        + out.split("(imported ")[1].split(")")[0]
        + '): {"desc": "Gåvoinslagning", "elements": {"note": {"desc": "'
        + NOTE
        + '"}, "wrap": {"desc": "Wrap it"}}}'
    ]

    code, out, err = run([*args, "--force", "--record"], capsys)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:7] == [f"replaced adopted/qa-int/{name}" for name in sorted(WRITTEN)] + [
        REPORT[0]  # the base is already beside it: not copied again
    ]
    assert lines[6:] == REPORT
    folder = tmp_path / "adopted" / "qa-int"
    assert {p.name: p.read_text() for p in folder.iterdir()} == WRITTEN
    code, out, _ = run(["state", "show", "-e", "qa-int", "AttributeType/ge_gift_wrap"], capsys)
    assert code == 0
    fields = [line.split()[:2] for line in out.splitlines()[1:-1]]
    assert fields == [
        ["desc", "imported"],
        ["elements.note.desc", "imported"],
        ["elements.wrap.desc", "imported"],
    ]
    code, out, _ = run(["state", "show", "-e", "qa-int", "TaxGroup/Wholesale VAT"], capsys)
    paths = [line.split()[0] for line in out.splitlines()[1:-1]]
    assert code == 0 and "rules" in paths and "defaultInStores" in paths


def test_a_folder_without_manifests_is_written_into(
    centra: tuple[EmulatorClient, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Notes and folders are not manifests: nothing to refuse, and they are kept."""
    _, url = centra
    folder = tmp_path / "adopted" / "qa-int"
    (folder / "old.yaml").mkdir(parents=True)
    (folder / "README.md").write_text("# our notes\n")
    code, out, err = run(
        ["import", "-e", "qa-int", "--output", "adopted", "--centra-url", url], capsys
    )
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "copied base adopted/base"
    assert (folder / "README.md").read_text() == "# our notes\n"
    assert (folder / "old.yaml").is_dir()


def test_the_bases_plugin_repeated_in_another_store_keeps_the_bases_name(
    centra: tuple[EmulatorClient, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only the other store's copy is named with its store: the adopted manifests must not
    declare the base's plugin a second time (same store and plugin name)."""
    client, url = centra
    client.emulator.backoffice.save_plugin(
        {
            "store": "Wholesale",
            "type": "webhook",
            "name": "GE Integration Webhooks",
            "status": "INACTIVE",
            "settings": {"url": "https://legacy.example/hook"},
        }
    )
    code, out, err = run(
        ["import", "-e", "qa-int", "--output", "adopted", "--centra-url", url], capsys
    )
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert (
        "imported WebhookPlugin/GE Integration Webhooks (Wholesale) -> adopted/qa-int/plugins.yaml"
        in lines
    )
    assert (
        "as base  WebhookPlugin/GE Integration Webhooks (Centra shows what the base says; "
        "nothing written)" in lines
    )
    assert not any("GE Integration Webhooks (Retail)" in line for line in lines)
    written = (tmp_path / "adopted" / "qa-int" / "plugins.yaml").read_text()
    assert (
        "kind: WebhookPlugin\n"
        "metadata: {name: GE Integration Webhooks (Wholesale)}\n"
        "spec: {store: Wholesale, status: INACTIVE, pluginName: GE Integration Webhooks}\n"
        + WEBHOOK_PLACEHOLDERS
    ) in written
    code, out, err = run(["validate", "-e", "qa-int", "--manifests", "adopted"], capsys)
    assert (code, err) == (0, ""), err
    assert out.startswith("OK: 20 resources in qa-int\n")
