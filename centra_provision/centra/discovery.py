"""Capability discovery: which queries and mutations the live Centra has.

Many names in Centra's reference are unconfirmed while the types they return or take are
confirmed. So a list query is found by the type it returns (the Query field returning
`[StorePlugin!]!`) and a mutation by the input type it takes (`PricelistCreateInput`); the
documents we send are then adapted to the discovered names, so a wrong guess of a name can
never break a run. One introspection request per run; the derived capabilities are cached on
disk by endpoint and schema hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    build_client_schema,
    validate,
)

from centra_provision.centra import operations
from centra_provision.centra.client import CentraClient
from centra_provision.centra.paging import PageKnowledge
from centra_provision.centra.transport import printable
from centra_provision.errors import CapabilityError
from centra_provision.resources import API_OPERATIONS, KINDS
from centra_provision.resources.live import SHARED

# Reference name of the list query for each type the tool reads: the client's own (the
# catalog export's, and the lists every plan shares), then every kind's.
LIST_QUERIES = {
    **{read.type: read.field for read in SHARED},
    "Country": "countries",
    "Product": "products",
    "Display": "displays",
    **{read.type: read.field for kind in KINDS.values() for read in kind.reads},
    "StorePlugin": "storePlugins",
}
# Reference name of the mutation for each input type the tool may send: every kind's API
# operations (and markets and access tokens, which only discovery reports today).
MUTATIONS = {
    "MarketCreateInput": "createMarket",
    "MarketUpdateInput": "updateMarket",
    "AccessTokenCreateInput": "createAccessToken",
    **{op.found_by: op.mutation for op in API_OPERATIONS.values() if op.found_by.endswith("Input")},
}
# A mutation that takes no input type is found by the payload type it returns, or else by its
# documented name (deletePricelist(id: 36), PIM:2204-2208).
MUTATIONS_BY_PAYLOAD = {
    op.found_by: op.mutation for op in API_OPERATIONS.values() if not op.found_by.endswith("Input")
}


# Bumped when the cache file gains what an older file lacks (2: list arguments and id
# sorts): an older file is then stale, not half-read.
CACHE_FORMAT = 2


@dataclass
class Capabilities:
    """What the live schema offers, in the reference's terms."""

    schema_hash: str
    queries: dict[str, str] = field(default_factory=dict)  # reference name -> live name
    mutations: dict[str, str] = field(default_factory=dict)  # reference name -> live name
    # reference list name -> the live field's argument names, and the id sort it offers
    list_args: dict[str, list[str]] = field(default_factory=dict)
    id_sorts: dict[str, str] = field(default_factory=dict)
    # Learnt by reading, for this run only: a Centra may lower its cap between runs, and
    # a short page trusted on stale knowledge would truncate a list.
    pages: PageKnowledge = field(default_factory=PageKnowledge)
    introspection: dict[str, Any] | None = None
    validated: set[str] = field(default_factory=set)  # hashes of documents known valid
    cache_file: Path | None = None
    _schema: GraphQLSchema | None = None

    def has_mutation(self, reference_name: str) -> bool:
        return reference_name in self.mutations

    @property
    def schema(self) -> GraphQLSchema:
        if self._schema is None:
            assert self.introspection is not None
            self._schema = build_client_schema(self.introspection)  # type: ignore[arg-type]
        return self._schema

    def prepare(self, doc: DocumentNode) -> DocumentNode:
        """The document fitted to the live schema: lists given only the paging and sort
        arguments their live fields take (sorted by id where they can be), roots renamed to
        live names; validated against the live schema (once per schema: documents already
        validated against this schema hash are remembered on disk)."""
        fitted = operations.adapt_lists(doc, self.list_args, self.id_sorts)
        renamed = operations.rename_roots(fitted, {**self.queries, **self.mutations})
        digest = hashlib.sha256(operations.text(renamed).encode()).hexdigest()
        if digest in self.validated:
            return renamed
        errors = validate(self.schema, renamed)
        if errors:
            raise CapabilityError(
                "the live Centra schema cannot answer what the tool needs to read: "
                + "; ".join(printable(e.message) for e in errors[:3])
            )
        self.validated.add(digest)
        self.save()
        return renamed

    def save(self) -> None:
        if self.cache_file is None:
            return
        try:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            self.cache_file.write_text(
                json.dumps(
                    {
                        "schemaHash": self.schema_hash,
                        "queries": self.queries,
                        "mutations": self.mutations,
                        "listArgs": self.list_args,
                        "idSorts": self.id_sorts,
                        "validated": sorted(self.validated),
                    },
                    indent=2,
                    sort_keys=True,
                )
            )
        except OSError:
            pass  # a cache is an optimisation; a read-only tree must not fail a plan

    def report(self) -> list[tuple[str, str, str]]:
        """(kind, reference name, live name) for `plan -v`."""
        rows = [("query", ref, live) for ref, live in sorted(self.queries.items())]
        return rows + [("mutation", ref, live) for ref, live in sorted(self.mutations.items())]


def _unwrap(gql_type: Any) -> tuple[Any, bool]:
    is_list = False
    while isinstance(gql_type, GraphQLNonNull | GraphQLList):
        is_list = is_list or isinstance(gql_type, GraphQLList)
        gql_type = gql_type.of_type
    return gql_type, is_list


def _id_sort(arg: GraphQLArgument | None) -> str | None:
    """`id_ASC` when the list's `sort` argument offers it (Centra's examples sort by
    `[id_ASC]`, PIM:2007): the one order documented to be stable."""
    if arg is None:
        return None
    enum, _ = _unwrap(arg.type)
    return "id_ASC" if isinstance(enum, GraphQLEnumType) and "id_ASC" in enum.values else None


def schema_hash(introspection: dict[str, Any]) -> str:
    """The live schema together with what the tool looks for in it: a cache of derived
    names is stale when either changes (a new kind reads a new list)."""
    looked_for = [CACHE_FORMAT, LIST_QUERIES, MUTATIONS, MUTATIONS_BY_PAYLOAD]
    text = json.dumps([introspection, looked_for], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def capabilities_from(introspection: dict[str, Any]) -> Capabilities:
    caps = Capabilities(schema_hash(introspection), introspection=introspection)
    try:
        schema = caps.schema
    except Exception as exc:  # graphql-core raises TypeError, KeyError, GraphQLError... on junk
        raise CapabilityError(
            "Centra's introspection reply is not a GraphQL schema "
            f"({printable(exc, 200)}): is the URL Centra's Integration API?"
        ) from None
    if schema.query_type is not None:
        for name, fld in schema.query_type.fields.items():
            named, is_list = _unwrap(fld.type)
            ref = LIST_QUERIES.get(named.name) if is_list else None
            if ref and (ref not in caps.queries or name == ref):
                caps.queries[ref] = name
                caps.list_args[ref] = list(fld.args)
                sort = _id_sort(fld.args.get("sort"))
                if sort is not None:
                    caps.id_sorts[ref] = sort
                else:
                    caps.id_sorts.pop(ref, None)
    if schema.mutation_type is not None:
        for name, fld in schema.mutation_type.fields.items():
            payload, _ = _unwrap(fld.type)
            refs = [MUTATIONS.get(_unwrap(arg.type)[0].name) for arg in fld.args.values()]
            refs.append(MUTATIONS_BY_PAYLOAD.get(payload.name))
            if name in MUTATIONS_BY_PAYLOAD.values():
                refs.append(name)
            for ref in refs:
                if ref and (ref not in caps.mutations or name == ref):
                    caps.mutations[ref] = name
    return caps


async def discover(client: CentraClient, cache_dir: Path | None) -> Capabilities:
    """One introspection request. When the cache holds this endpoint at this schema hash,
    the derived names and validated documents come from it (no schema is built)."""
    doc = operations.load("introspection")
    data = await client.execute(operations.text(doc), operation_name="IntrospectionQuery")
    path = cache_path(cache_dir, client.url) if cache_dir is not None else None
    cached = _read_cache(path, schema_hash(data)) if path is not None else None
    caps = cached or capabilities_from(data)
    caps.introspection, caps.cache_file = data, path
    if cached is None:
        caps.save()
    return caps


def cache_path(cache_dir: Path, url: str) -> Path:
    return cache_dir / f"capabilities-{hashlib.sha256(url.encode()).hexdigest()[:16]}.json"


def _read_cache(path: Path, current_hash: str) -> Capabilities | None:
    try:
        body = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(body, dict) or body.get("schemaHash") != current_hash:
        return None
    try:
        return Capabilities(
            current_hash,
            dict(body.get("queries", {})),
            dict(body.get("mutations", {})),
            list_args={k: list(v) for k, v in dict(body.get("listArgs", {})).items()},
            id_sorts=dict(body.get("idSorts", {})),
            validated=set(body.get("validated", [])),
        )
    except (TypeError, ValueError):  # a damaged cache is no cache: discover afresh
        return None
