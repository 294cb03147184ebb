"""`${name}` in a resource's spec takes the environment's variable: a whole `${name}` keeps
the variable's type (a list stays a list), `${name}` inside text is interpolated, `$${` is a
literal `${`; an unknown or non-scalar variable is an error at the value that uses it, and an
error about a substituted value points at the variable's definition in environment.yaml."""

from __future__ import annotations

from centra_provision.manifest.merge import Substitution
from centra_provision.manifest.yamlio import load_documents
from centra_provision.source import Mark
from tests.support.cases import TEMPLATE
from tests.support.layers import OVERRIDES, PLUGIN, Tree, overlay

ENV = "manifests/test/environment.yaml"
HOOK = "manifests/test/hook.yaml"
BASE_PLUGIN = "manifests/base/order-api-plugin.yaml"
WEBHOOK = ("WebhookPlugin", "GE Integration Webhooks")
TOKEN = ("IntegrationToken", "Global-e integration")


def webhook(spec: str) -> str:
    return overlay(spec, *WEBHOOK)


def set_variables(tree: Tree, variables: str) -> None:
    text = (TEMPLATE / ENV).read_text()
    head, _, tail = text.partition("  variables:\n")
    tail = tail[tail.index("  executor:") :]
    tree.write(ENV, head + variables + tail)


def test_a_whole_variable_keeps_its_type(tree: Tree) -> None:
    spec = tree.spec("TaxGroup", "GE Local VAT")
    assert spec["defaultInStores"] == ["Retail"]
    rule = spec["rules"][0]
    assert rule["rate"] == 25 and isinstance(rule["rate"], int)
    assert rule["countries"] == {"allExcept": ["SE", "NO"]}
    plugin = tree.spec("OrderApiPlugin", "GE Order API")
    assert (plugin["store"], plugin["primaryWarehouse"]) == ("Retail", "Retail Warehouse")


def test_variables_inside_text_are_interpolated_and_double_dollar_is_literal(
    tree: Tree,
) -> None:
    tree.write(
        OVERRIDES, webhook("  pluginName: ge ${defaultStore} ${vatRate} $${defaultStore} $x\n")
    )
    assert tree.spec(*WEBHOOK)["pluginName"] == "ge Retail 25 ${defaultStore} $x"


def test_a_lone_escaped_variable_stays_literal(tree: Tree) -> None:
    tree.write(OVERRIDES, webhook("  pluginName: $${vatRate}\n"))
    assert tree.spec(*WEBHOOK)["pluginName"] == "${vatRate}"


def test_only_the_spec_is_substituted(tree: Tree) -> None:
    tree.write(
        "manifests/test/extra.yaml",
        "kind: WebhookPlugin\nmetadata:\n  name: hook ${vatRate}\nspec:\n"
        "  store: ${defaultStore}\n  status: INACTIVE\n  pluginName: rate ${vatRate}\n",
    )
    assert tree.spec("WebhookPlugin", "hook ${vatRate}") == {
        "store": "Retail",
        "status": "INACTIVE",
        "pluginName": "rate 25",
    }


def test_an_unknown_variable_is_an_error_at_the_value_naming_the_known_ones(
    tree: Tree,
) -> None:
    tree.write(OVERRIDES, overlay("  uri: ${defaultstore}\n  store: x-${nope}-y\n"))
    known = "(defined: defaultStore, ownMarkets, primaryWarehouse, vatRate)"
    assert tree.errors() == [
        f"{OVERRIDES}:5:8: unknown variable 'defaultstore' {known}",
        f"{OVERRIDES}:6:10: unknown variable 'nope' {known}",
    ]


def test_a_malformed_variable_name_is_an_unknown_variable(tree: Tree) -> None:
    tree.write(OVERRIDES, overlay("  uri: a${1st}b${}c${vat Rate}\n"))
    known = "(defined: defaultStore, ownMarkets, primaryWarehouse, vatRate)"
    assert tree.errors() == [
        f"{OVERRIDES}:5:8: unknown variable '' {known}",
        f"{OVERRIDES}:5:8: unknown variable '1st' {known}",
        f"{OVERRIDES}:5:8: unknown variable 'vat Rate' {known}",
    ]


def test_with_no_variables_the_error_says_none_are_defined(tree: Tree) -> None:
    set_variables(tree, "")
    errors = tree.errors()
    assert f"{BASE_PLUGIN}:5:10: unknown variable 'defaultStore' (defined: none)" in errors


def test_a_list_or_mapping_cannot_be_interpolated_into_text(tree: Tree) -> None:
    set_variables(
        tree,
        "  variables:\n    defaultStore: Retail\n    primaryWarehouse: Retail Warehouse\n"
        "    vatRate: 25\n    ownMarkets: [SE, NO]\n    hosts: {a: b}\n",
    )
    tree.write(OVERRIDES, overlay("  uri: x-${ownMarkets}\n  store: ${hosts}s\n"))
    assert tree.errors() == [
        f"{OVERRIDES}:5:8: variable 'ownMarkets' is a list and cannot be interpolated into a "
        "string",
        f"{OVERRIDES}:6:10: variable 'hosts' is a dict and cannot be interpolated into a string",
    ]


def test_an_error_in_a_substituted_value_points_at_the_variable(tree: Tree) -> None:
    set_variables(
        tree,
        "  variables:\n    defaultStore: Retail\n    primaryWarehouse: Retail Warehouse\n"
        "    vatRate: 'high'\n    ownMarkets: [SE, NO]\n    tokenStores: [Retail, '']\n",
    )
    tree.write(OVERRIDES, overlay("  stores: ${tokenStores}\n", *TOKEN))
    assert tree.errors() == [
        f"{ENV}:19:14: TaxGroup/GE Local VAT: spec.rules[0].rate: expected number, got 'high'",
        f"{ENV}:21:27: IntegrationToken/Global-e integration: spec.stores[1]: '' should be "
        "non-empty",
    ]


def test_apply_leaves_the_input_document_as_it_was() -> None:
    """`apply` (used when a broken Environment forces a second pass) copies: the document it
    was given keeps its own values and positions."""
    env = load_documents(
        "kind: Environment\nspec:\n  variables:\n    n: 7\n    l: [a, b]\n", "env.yaml"
    )[0]
    doc = load_documents("kind: X\nspec:\n  n: ${n}\n  l: ${l}\n  s: n=${n}\n", "x.yaml")[0]
    marks = dict(doc.marks)
    sub = Substitution(env.data["spec"]["variables"], env)
    out = sub.apply(doc)
    assert out.data["spec"] == {"n": 7, "l": ["a", "b"], "s": "n=7"}
    assert doc.data["spec"] == {"n": "${n}", "l": "${l}", "s": "n=${n}"}
    assert doc.marks == marks
    assert out.mark(("spec", "n")) == Mark("env.yaml", 4, 8)
    assert out.mark(("spec", "l", 1)) == Mark("env.yaml", 5, 12)
    assert out.mark(("spec", "s")) == Mark("x.yaml", 5, 6)
    assert out.key_mark(("spec", "l")) == Mark("x.yaml", 4, 3)
    assert sub.errors == []
    again = sub.apply(doc)  # each call starts from the document's own marks
    assert again.mark(("spec", "n")) == Mark("env.yaml", 4, 8)
    assert doc.mark(("spec", "n")) == Mark("x.yaml", 3, 6)


def test_apply_in_place_substitutes_the_document_itself() -> None:
    env = load_documents("spec:\n  variables:\n    n: 7\n", "env.yaml")[0]
    doc = load_documents("kind: X\nspec:\n  n: ${n}\n  m: ['${n}']\n", "x.yaml")[0]
    out = Substitution(env.data["spec"]["variables"], env).apply_in_place(doc)
    assert out is doc
    assert doc.data["spec"] == {"n": 7, "m": [7]}
    assert doc.mark(("spec", "m", 0)) == Mark("env.yaml", 3, 8)
    assert doc.mark(("spec", "m")) == Mark("x.yaml", 4, 6)


def test_a_document_without_a_spec_is_left_alone() -> None:
    env = load_documents("spec:\n  variables:\n    n: 7\n", "env.yaml")[0]
    sub = Substitution(env.data["spec"]["variables"], env)
    for text in ("kind: X\nmeta: ${n}\n", "- ${n}\n", "${n}\n"):
        doc = load_documents(text, "x.yaml")[0]
        before = doc.data
        assert sub.apply(doc).data == before
    nested = load_documents("a:\n  b: ${n}\n  c: ${n}\n", "x.yaml")[0]
    assert sub.apply(nested, ("a", "b")).data == {"a": {"b": 7, "c": "${n}"}}
    assert sub.apply_in_place(nested, ("a", "z")).data == {"a": {"b": "${n}", "c": "${n}"}}


def test_with_a_broken_environment_the_bases_are_still_checked_with_positions(
    tree: Tree,
) -> None:
    """A broken Environment document does not hide the other files' errors: a base's unknown
    key is reported at the key, and a value using a variable at the variable."""
    text = (TEMPLATE / ENV).read_text().replace("  executor: guided\n", "  executor: robot\n")
    tree.write(ENV, text.replace("vatRate: 25", "vatRate: high"))
    tree.write(BASE_PLUGIN, PLUGIN + "  debugloging: true\n")
    errors = tree.errors()
    assert errors[:2] == [
        f"{BASE_PLUGIN}:13:3: OrderApiPlugin/GE Order API: unknown key 'debugloging' in spec; "
        "did you mean 'debugLogging'?",
        f"{ENV}:19:14: TaxGroup/GE Local VAT: spec.rules[0].rate: expected number, got 'high'",
    ]
    assert errors[2].startswith(f"{ENV}:21:13: Environment/test: spec.executor: 'robot' ")


def test_a_value_with_an_unresolved_variable_is_shown_as_written(tree: Tree) -> None:
    """Other errors about such a value quote it as the author wrote it, `${...}` and all."""
    tree.write(OVERRIDES, overlay("  stockUpdates: x-${nope}\n"))
    tree.write(HOOK, webhook("  version: v${ownMarkets}\n"))
    assert tree.errors() == [
        f"{HOOK}:5:12: WebhookPlugin/GE Integration Webhooks: spec.version: 'v${{ownMarkets}}' "
        "is not one of Integration API",
        f"{HOOK}:5:12: variable 'ownMarkets' is a list and cannot be interpolated into a string",
        f"{OVERRIDES}:5:17: OrderApiPlugin/GE Order API: spec.stockUpdates: 'x-${{nope}}' is "
        "not one of Physical",
        f"{OVERRIDES}:5:17: unknown variable 'nope' (defined: defaultStore, ownMarkets, "
        "primaryWarehouse, vatRate)",
    ]
