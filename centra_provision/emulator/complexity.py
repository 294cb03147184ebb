"""Query complexity: what one request costs in the QUERY_COMPLEXITY buckets.

Centra computes a complexity for every request before running it, reports it as
`extensions.complexity` (RATE:12, e.g. RATE:161, PIM:2117) and charges it to two buckets
(RATE:66-75). Its formula is not published, only its shape: nested lists "significantly
increase query complexity" (RATE:20-45) and mutations cost far more than the same selection
read by a query (PIM:175 `createMarket` 164 against PIM:239 `market` 53 for the same
fragment; every mutation example in ERP/PIM reports 112 or more). This module is the
emulator's own estimate with that shape:

- every selected field costs 1 plus what its selection costs;
- a field that returns a list and takes `limit` multiplies its selection's cost by the limit
  asked for (a literal or a variable), else by the argument's declared default, else by the
  page size the emulator serves without a limit (20);
- a list without a `limit` argument is counted once (its size cannot be known before running);
- every root field of a mutation adds MUTATION_COST;
- `__typename` is free; introspection fields are counted like any other field.

`complexity()` needs a validated document: it is called after validation and before
execution, so a request too costly for a bucket is refused without running.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef

MUTATION_COST = 100
DEFAULT_PAGE = 20


def complexity(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
) -> int:
    """The complexity of the operation `operation_name` (or the only one) of `document`."""
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    op = next((o for o in ops if o.name and o.name.value == operation_name), None) or (
        ops[0] if ops else None
    )
    if op is None:
        return 0
    walk = _Walk(schema, document, variables or {})
    root = schema.mutation_type if op.operation == OperationType.MUTATION else schema.query_type
    if op.operation == OperationType.SUBSCRIPTION:
        root = schema.subscription_type
    if root is None:
        return 0
    cost = walk.selection(root, op.selection_set, set())
    if op.operation == OperationType.MUTATION:
        cost += MUTATION_COST * walk.root_fields(op.selection_set)
    return cost


class _Walk:
    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def root_fields(self, selection_set: SelectionSetNode) -> int:
        return sum(
            1
            for s in selection_set.selections
            if isinstance(s, FieldNode) and s.name.value != "__typename"
        )

    def selection(
        self, parent: GraphQLNamedType, selection_set: SelectionSetNode, seen: set[str]
    ) -> int:
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total += self.field(parent, node, seen)
            elif isinstance(node, InlineFragmentNode):
                inner = self._type(node.type_condition.name.value) if node.type_condition else None
                total += self.selection(inner or parent, node.selection_set, seen)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:  # validation forbids cycles; be safe
                    continue
                inner = self._type(fragment.type_condition.name.value) or parent
                total += self.selection(inner, fragment.selection_set, seen | {name})
        return total

    def field(self, parent: GraphQLNamedType, node: FieldNode, seen: set[str]) -> int:
        name = node.name.value
        if name == "__typename":
            return 0
        definition = self._field(parent, name)
        if definition is None or node.selection_set is None:
            return 1
        inner = self.selection(get_named_type(definition.type), node.selection_set, seen)
        return 1 + self._multiplier(definition, node) * inner

    def _multiplier(self, definition: GraphQLField, node: FieldNode) -> int:
        # graphql-core 3.2's stubs need the ignore, 3.3's do not: both are supported.
        if not isinstance(get_nullable_type(definition.type), GraphQLList):  # type: ignore[arg-type, unused-ignore]
            return 1
        argument = definition.args.get("limit")
        if argument is None:
            return 1
        given = next((a.value for a in node.arguments or () if a.name.value == "limit"), None)
        value: Any = None
        if isinstance(given, IntValueNode):
            value = int(given.value)
        elif isinstance(given, VariableNode):
            value = self.variables.get(given.name.value)
        if value is None:
            value = argument.default_value if isinstance(argument.default_value, int) else None
        return max(0, value) if isinstance(value, int) else DEFAULT_PAGE

    def _field(self, parent: GraphQLNamedType, name: str) -> GraphQLField | None:
        if name == "__schema" and parent is self.schema.query_type:
            return SchemaMetaFieldDef
        if name == "__type" and parent is self.schema.query_type:
            return TypeMetaFieldDef
        fields = getattr(parent, "fields", None)
        return fields.get(name) if isinstance(fields, dict) else None

    def _type(self, name: str) -> GraphQLNamedType | None:
        return self.schema.get_type(name)
