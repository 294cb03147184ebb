"""The Integration API: the SDL in schema.graphql executed by graphql-core, with Centra's
per-field permissions (`errors[].extensions.category == "authorization"`), and the
`extensions` every response carries: `complexity` (RATE:12) and `permissionsUsed`."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    build_ast_schema,
    execute,
    parse,
    validate,
)
from graphql.validation.validate import assert_valid_sdl

from centra_provision.emulator.mutations import Mutations
from centra_provision.emulator.resolvers import QueryResolvers
from centra_provision.emulator.store import CentraState

# Which permission each field needs (Centra's reference notes "perm X:read" per field).
FIELD_PERMISSIONS = {
    "Query.stores": "Store:read",
    "Query.storePlugins": "StorePlugin:read",
    "Query.attributeTypes": "Attribute:read",
    "AttributeType.elements": "Attribute:read",
    "Query.taxGroups": "TaxGroup:read",
    "TaxGroup.rules": "TaxRule:read",
    "TaxGroup.defaultInStores": "Store:read",
    "Query.markets": "Market:read",
    "Query.market": "Market:read",
    "Market.assignedToCountries": "Country:read",
    "Market.campaigns": "Campaign:read",
    "Market.allocationRule": "AllocationRule:read",
    "Warehouse.brickAndMortar": "BrickAndMortar:read",
    "Warehouse.country": "Country:read",
    "Query.displayItems": "Display:read",
    "Counters.products": "Product:read",
    "Display.markets": "Market:read",
    "Display.product": "Product:read",
    "Display.store": "Store:read",
    "Display.taxGroup": "TaxGroup:read",
    "Query.pricelists": "Pricelist:read",
    "Pricelist.assignedToCountries": "Country:read",
    "Pricelist.defaultShippingOption": "ShippingOption:read",
    "Query.warehouses": "Warehouse:read",
    "Query.shippingOptions": "ShippingOption:read",
    "Query.countries": "Country:read",
    "Query.currencies": "Currency:read",
    "Query.products": "Product:read",
    "Query.product": "Product:read",
    "Query.displays": "Display:read",
    "Market.displays": "Display:read",
    "Product.displays": "Display:read",
    "Mutation.createMarket": "Market:write",
    "Mutation.updateMarket": "Market:write",
    "Mutation.createPricelist": "Pricelist:write",
    "Mutation.updatePricelist": "Pricelist:write",
    "Mutation.deletePricelist": "Pricelist:write",
    "Mutation.createShippingOption": "ShippingOption:write",
    "Mutation.updateShippingOption": "ShippingOption:write",
}


# A document longer than this is refused while parsing, before it can cost seconds of CPU
# (Centra publishes no such bound; the tool's largest batched read is far below it).
MAX_TOKENS = 50_000
# Longest list any argument may hold (ids in a filter, countries to add, ...).
MAX_LIST_ITEMS = 1_000
log = logging.getLogger("centra_provision.emulator")


@cache
def sdl() -> str:
    return (resources.files("centra_provision.emulator") / "schema.graphql").read_text()


@cache
def _sdl_document() -> DocumentNode:
    """The SDL parsed and checked once per process; each emulator builds its own schema
    from it (the schema carries that emulator's resolvers)."""
    document = parse(sdl())
    assert_valid_sdl(document)
    return document


def _rename_page(fn: Callable[..., Any]) -> Callable[..., Any]:
    def resolve(root: Any, info: Any, **args: Any) -> Any:
        if "page" in args:
            args["page_no"] = args.pop("page")
        return fn(root, info, **args)

    return resolve


def _rate_limits(_root: Any, info: Any) -> Any:
    return info.context.rate_limits()


def build_api_schema(state: CentraState, without: frozenset[str] = frozenset()) -> GraphQLSchema:
    """The schema with this state's resolvers attached; `without` names fields
    (`Mutation.createPricelist`) an older Centra release does not have."""
    schema = build_ast_schema(_sdl_document(), assume_valid_sdl=True)
    queries, mutations = QueryResolvers(state), Mutations(state)
    wiring: dict[str, Callable[..., Any]] = {
        **queries.list_queries(),
        "attributeTypes": queries.attribute_types,
        "market": queries.market,
        "countries": queries.countries,
        "currencies": queries.currencies,
        "products": queries.products,
        "product": queries.product,
        "displays": queries.displays,
        "displayItems": queries.display_items,
        "counters": queries.counters,
        "rateLimits": _rate_limits,
    }
    assert schema.query_type and schema.mutation_type
    for name, fn in wiring.items():
        schema.query_type.fields[name].resolve = _rename_page(fn)
    writes: dict[str, Callable[..., Any]] = {
        "createMarket": mutations.create_market,
        "updateMarket": mutations.update_market,
        "createPricelist": mutations.create_pricelist,
        "updatePricelist": mutations.update_pricelist,
        "deletePricelist": mutations.delete_pricelist,
        "createShippingOption": mutations.create_shipping_option,
        "updateShippingOption": mutations.update_shipping_option,
    }
    for name, write in writes.items():
        schema.mutation_type.fields[name].resolve = write
    for name in without:
        type_name, _, field_name = name.partition(".")
        fields = getattr(schema.get_type(type_name), "fields", None)
        if fields is None or field_name not in fields:
            raise ValueError(f"the emulator's schema has no field {name}")
        del fields[field_name]
    return schema


@dataclass
class RequestContext:
    """Per request: the caller's permissions, what it used, and the rate-limit view."""

    permissions: frozenset[str]
    rate_limits: Callable[[], list[dict[str, Any]]]
    complexity: int = 0
    used: set[str] = field(default_factory=set)


def permission_middleware(next_: Callable[..., Any], root: Any, info: Any, **args: Any) -> Any:
    needed = FIELD_PERMISSIONS.get(f"{info.parent_type.name}.{info.field_name}")
    if needed:
        ctx: RequestContext = info.context
        ctx.used.add(needed)
        if needed not in ctx.permissions:
            raise GraphQLError(
                f"Missing permission {needed} for field {info.field_name}",
                extensions={"category": "authorization", "permission": needed},
            )
    for name, value in args.items():
        _bounded(value, name)
    return next_(root, info, **args)


def _bounded(value: Any, path: str) -> None:
    """Refuse a list argument longer than MAX_LIST_ITEMS, naming it (a filter of 260,000
    ids would otherwise reach SQLite and answer with its own error text)."""
    if isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            raise GraphQLError(
                f"Argument {path} has {len(value)} values; at most {MAX_LIST_ITEMS} are "
                "allowed, split the request",
                extensions={"category": "validation"},
            )
        for item in value:
            _bounded(item, path)
    elif isinstance(value, dict):
        for key, item in value.items():
            _bounded(item, f"{path}.{key}")


def _public(error: GraphQLError) -> dict[str, Any]:
    """A resolver's own failure (a bug, or the database refusing) never shows its text:
    clients see that the field failed and where, as from any server."""
    if error.original_error is None or isinstance(error.original_error, GraphQLError):
        return dict(error.formatted)
    log.error("internal error at %s", error.path, exc_info=error.original_error)
    formatted = dict(error.formatted)
    formatted["message"] = "Internal server error"
    formatted["extensions"] = {"category": "internal"}
    return formatted


@dataclass(frozen=True)
class Parsed:
    document: DocumentNode | None
    operation_name: str
    is_mutation: bool
    errors: list[Any]
    # Every root field is __schema or __type and nothing varies: the answer is the same for
    # every emulator (one SDL) and every caller, so it is computed once per process.
    introspection_only: bool = False
    source: str = ""


class _Bounded(OrderedDict[Any, Any]):
    """A process-wide cache that keeps the `size` newest entries: a long-running `emulator
    serve` answering many distinct documents must not grow without end."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def keep(self, key: Any, value: Any) -> Any:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)
        return value


_INTROSPECTIONS = _Bounded(64)


def _introspect(
    schema: GraphQLSchema, parsed: Parsed, operation_name: Any, release: frozenset[str]
) -> Any:
    key = (release, parsed.source, operation_name)
    if key not in _INTROSPECTIONS:
        assert parsed.document is not None
        result = execute(schema, parsed.document, operation_name=operation_name)
        if hasattr(result, "__await__") or result.errors:  # pragma: no cover - static schema
            raise RuntimeError("introspection failed")
        return _INTROSPECTIONS.keep(key, result.data)
    return _INTROSPECTIONS[key]


# Parsing and validating depend only on the query and the schema, which every emulator of
# one release shares (the SDL, less the fields `without` names): once per process for each
# distinct document (clients repeat their queries).
_PARSED = _Bounded(512)


def parsed_request(
    schema: GraphQLSchema, query: Any, operation_name: Any, release: frozenset[str] = frozenset()
) -> Parsed:
    key = (release, query, operation_name)
    found: Parsed | None = _PARSED.get(key) if isinstance(query, str) else None
    if found is not None:
        return found
    parsed = parse_request(schema, query, operation_name)
    if parsed.document is not None:
        _PARSED.keep(key, parsed)
    return parsed


def parse_request(schema: GraphQLSchema, query: Any, operation_name: Any) -> Parsed:
    """Parse and validate; the operation's name (for request counters) and kind."""
    if not isinstance(query, str) or not query.strip():
        return Parsed(None, "invalid", False, [{"message": "Missing query"}])
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError as exc:
        return Parsed(None, "invalid", False, [exc.formatted])
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    op = next((o for o in ops if o.name and o.name.value == operation_name), None) or (
        ops[0] if ops else None
    )
    name = (op.name.value if op and op.name else None) or "anonymous"
    errors = validate(schema, document)
    roots = [s for s in (op.selection_set.selections if op else ()) if isinstance(s, FieldNode)]
    return Parsed(
        document,
        name,
        bool(op and op.operation == OperationType.MUTATION),
        [e.formatted for e in errors],
        bool(roots)
        and not (op and op.variable_definitions)
        and all(f.name.value in ("__schema", "__type") for f in roots),
        query,
    )


def run(
    schema: GraphQLSchema,
    parsed: Parsed,
    variables: Any,
    operation_name: Any,
    context: RequestContext,
    release: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Execute a parsed request; the response body as Centra shapes it."""
    body: dict[str, Any]
    if parsed.errors or parsed.document is None:
        body = {"errors": parsed.errors}
    elif parsed.introspection_only:
        body = {"data": _introspect(schema, parsed, operation_name, release)}
    else:
        result = execute(
            schema,
            parsed.document,
            variable_values=variables if isinstance(variables, dict) else None,
            operation_name=operation_name if isinstance(operation_name, str) else None,
            context_value=context,
            middleware=[permission_middleware],
        )
        if hasattr(result, "__await__"):  # pragma: no cover - no async resolvers here
            raise RuntimeError("async execution is not supported")
        body = {"data": result.data}
        if result.errors:
            body["errors"] = [_public(e) for e in result.errors]
    body["extensions"] = {"complexity": context.complexity, "permissionsUsed": sorted(context.used)}
    return body
