"""The AST edits that turn the shipped .graphql templates into the requests sent: root fields
renamed to a live schema's names (the reference name stays the response key), a template
repeated per key with its aliases and variables suffixed, several operations merged into
one request, and unused root fields dropped with the variables only they used. Each edit is
checked on the printed document, the text that goes on the wire."""

from __future__ import annotations

import pytest
from graphql import parse, print_ast
from graphql.language import FieldNode, NameNode, OperationDefinitionNode

from centra_provision.centra import operations

TEMPLATE = """
query Pair($a: Int!, $b: [Int!]) {
  first: things(where: {id: $a}) { id }
  second(limit: $b) { id child(x: $a) { id } }
  ...Extra
}
fragment Extra on Query { other }
"""


def _text(source: str) -> str:
    return print_ast(parse(source))


def test_load_reads_a_shipped_template_without_locations() -> None:
    doc = operations.load("plugins_in_store")
    assert doc.loc is None
    op = operations.operation(doc)
    assert op.name is not None and op.name.value == "PluginsInStore"
    assert operations.response_keys(doc) == ["orderApi", "webhooks"]
    assert operations.load("plugins_in_store") is doc


def test_a_document_must_hold_exactly_one_operation() -> None:
    with pytest.raises(AssertionError, match="one operation per file"):
        operations.operation(parse("query A { a } query B { b }"))
    with pytest.raises(AssertionError, match="one operation per file"):
        operations.operation(parse("fragment F on Query { a }"))


def test_replace_copies_a_node_with_changes_and_without_location() -> None:
    field = parse("{ a(x: 1) { b } }").definitions[0].selection_set.selections[0]  # type: ignore[attr-defined]
    assert isinstance(field, FieldNode) and field.loc is not None
    copy = operations.replace(field, alias=NameNode(value="z"))
    assert copy is not field and type(copy) is FieldNode and copy.loc is None
    assert (copy.alias.value, copy.name.value) == ("z", "a")  # type: ignore[union-attr]
    assert copy.arguments == field.arguments and copy.selection_set == field.selection_set
    assert field.alias is None  # the original is untouched


def test_rename_roots_aliases_the_reference_name() -> None:
    doc = parse(TEMPLATE, no_location=True)
    renamed = operations.rename_roots(doc, {"second": "secondV2", "things": "thingsV2"})
    assert operations.text(renamed) == _text(
        """
        query Pair($a: Int!, $b: [Int!]) {
          first: thingsV2(where: {id: $a}) { id }
          second: secondV2(limit: $b) { id child(x: $a) { id } }
        }
        fragment Extra on Query { other }
        """
    )
    assert operations.response_keys(renamed) == ["first", "second"]


def test_rename_roots_leaves_fields_without_a_new_name_alone() -> None:
    doc = parse("query Q { a b: c }", no_location=True)
    assert operations.text(operations.rename_roots(doc, {"x": "y"})) == _text("query Q { a b: c }")
    assert operations.text(operations.rename_roots(doc, {"a": "a"})) == _text("query Q { a b: c }")


def test_instance_suffixes_every_alias_and_variable() -> None:
    doc = parse(TEMPLATE, no_location=True)
    assert operations.text(operations.instance(doc, "s7")) == _text(
        """
        query Pair($a_s7: Int!, $b_s7: [Int!]) {
          s7_first: things(where: {id: $a_s7}) { id }
          s7_second: second(limit: $b_s7) { id child(x: $a_s7) { id } }
        }
        fragment Extra on Query { other }
        """
    )


def test_instance_of_a_template_without_variables() -> None:
    doc = parse("query Q { a b: c }", no_location=True)
    assert operations.text(operations.instance(doc, "k")) == _text("query Q { k_a: a k_b: c }")


def test_instance_renames_only_the_template_variables() -> None:
    doc = parse("query Q($a: Int) { f(x: $a, y: $ab) }", no_location=True)
    assert operations.text(operations.instance(doc, "k")) == _text(
        "query Q($a_k: Int) { k_f: f(x: $a_k, y: $ab) }"
    )


def test_combine_merges_fields_and_variables_in_order() -> None:
    template = operations.load("plugins_in_store")
    merged = operations.combine(
        "PluginsInStore", [operations.instance(template, "s1"), operations.instance(template, "s2")]
    )
    op = operations.operation(merged)
    assert isinstance(op, OperationDefinitionNode) and op.operation.value == "query"
    assert op.name is not None and op.name.value == "PluginsInStore"
    assert operations.response_keys(merged) == [
        "s1_orderApi",
        "s1_webhooks",
        "s2_orderApi",
        "s2_webhooks",
    ]
    assert [v.variable.name.value for v in op.variable_definitions] == [
        "storeId_s1",
        "limit_s1",
        "page_s1",
        "storeId_s2",
        "limit_s2",
        "page_s2",
    ]
    assert len(merged.definitions) == 1


def test_combine_names_the_result_and_takes_templates_without_variables() -> None:
    merged = operations.combine(
        "Both", [parse("query A { a }", no_location=True), parse("query B { b }", no_location=True)]
    )
    assert operations.text(merged) == _text("query Both { a b }")


def test_keep_roots_drops_fields_and_the_variables_only_they_use() -> None:
    doc = parse(TEMPLATE, no_location=True)
    assert operations.text(operations.keep_roots(doc, {"first"})) == _text(
        """
        query Pair($a: Int!) { first: things(where: {id: $a}) { id } }
        fragment Extra on Query { other }
        """
    )
    # A variable used only below a root field is still used.
    assert operations.text(operations.keep_roots(doc, {"second"})) == _text(
        """
        query Pair($a: Int!, $b: [Int!]) { second(limit: $b) { id child(x: $a) { id } } }
        fragment Extra on Query { other }
        """
    )


def test_keep_roots_matches_response_keys_not_field_names() -> None:
    doc = parse(TEMPLATE, no_location=True)
    assert operations.response_keys(operations.keep_roots(doc, {"things", "other"})) == []
    assert operations.response_keys(operations.keep_roots(doc, {"first", "second"})) == [
        "first",
        "second",
    ]


def test_keep_roots_of_a_paged_batch_keeps_what_is_still_pending() -> None:
    template = operations.load("plugins_in_store")
    merged = operations.combine(
        "PluginsInStore", [operations.instance(template, k) for k in ("s1", "s2")]
    )
    kept = operations.keep_roots(merged, {"s2_webhooks"})
    op = operations.operation(kept)
    assert operations.response_keys(kept) == ["s2_webhooks"]
    assert [v.variable.name.value for v in op.variable_definitions] == [
        "storeId_s2",
        "limit_s2",
        "page_s2",
    ]
    assert op.name is not None and op.name.value == "PluginsInStore"
