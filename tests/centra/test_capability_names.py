"""Which live name answers for each reference name, decided by type (a list query by the
type it returns, a mutation by its input or payload type, or by its documented name), with
the reference name winning whenever the live schema has it; documents validated once per
schema hash and remembered in an on-disk cache keyed by endpoint, which a junk or stale
cache never breaks. Discovery runs against the emulator in-process."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from graphql import build_schema, get_introspection_query, graphql_sync, parse

from centra_provision.centra import discovery, operations
from centra_provision.centra.client import CentraClient
from centra_provision.centra.discovery import (
    Capabilities,
    cache_path,
    capabilities_from,
    discover,
    schema_hash,
)
from centra_provision.emulator.app import Emulator, InProcessTransport
from centra_provision.errors import CapabilityError

BASE = """
type Store { id: Int! name: String! }
type Pricelist { id: Int! }
type PricelistDeletePayload { ok: Boolean }
input PricelistCreateInput { name: String! }
input MarketUpdateInput { name: String }
"""


def _introspect(sdl: str) -> dict[str, Any]:
    result = graphql_sync(build_schema(BASE + sdl), get_introspection_query())
    assert result.errors is None and result.data is not None
    return result.data


def test_a_list_query_is_found_by_the_type_it_returns() -> None:
    caps = capabilities_from(
        _introspect("type Query { shops: [Store!]! one: Store many: [Pricelist] }")
    )
    assert caps.queries == {"stores": "shops", "pricelists": "many"}


def test_a_query_that_returns_one_object_is_not_a_list_query() -> None:
    caps = capabilities_from(_introspect("type Query { store: Store! pricelist: Pricelist }"))
    assert caps.queries == {}


def test_the_first_candidate_is_kept_unless_the_reference_name_exists() -> None:
    first = capabilities_from(_introspect("type Query { a: [Store] b: [Store] }"))
    assert first.queries == {"stores": "a"}
    for sdl in (
        "type Query { a: [Store] stores: [Store] b: [Store] }",
        "type Query { stores: [Store] a: [Store] }",
    ):
        assert capabilities_from(_introspect(sdl)).queries == {"stores": "stores"}


def test_a_mutation_is_found_by_its_input_type() -> None:
    caps = capabilities_from(
        _introspect(
            "type Query { a: Int } type Mutation {"
            " addPricelist(x: Int, input: PricelistCreateInput!): Pricelist"
            " editMarket(input: [MarketUpdateInput!]): Boolean"
            " other(input: PricelistCreateInput): Pricelist"
            " unrelated(id: Int!): Boolean }"
        )
    )
    assert caps.mutations == {"createPricelist": "addPricelist", "updateMarket": "editMarket"}


def test_the_reference_name_of_a_mutation_wins() -> None:
    caps = capabilities_from(
        _introspect(
            "type Query { a: Int } type Mutation {"
            " addPricelist(input: PricelistCreateInput!): Pricelist"
            " createPricelist(input: PricelistCreateInput!): Pricelist }"
        )
    )
    assert caps.mutations == {"createPricelist": "createPricelist"}


def test_a_delete_is_found_by_its_payload_or_its_documented_name() -> None:
    by_payload = capabilities_from(
        _introspect(
            "type Query { a: Int } type Mutation { drop(id: Int!): PricelistDeletePayload }"
        )
    )
    assert by_payload.mutations == {"deletePricelist": "drop"}
    by_name = capabilities_from(
        _introspect("type Query { a: Int } type Mutation { deletePricelist(id: Int!): Boolean }")
    )
    assert by_name.mutations == {"deletePricelist": "deletePricelist"}
    both = capabilities_from(
        _introspect(
            "type Query { a: Int } type Mutation {"
            " drop(id: Int!): PricelistDeletePayload deletePricelist(id: Int!): Boolean }"
        )
    )
    assert both.mutations == {"deletePricelist": "deletePricelist"}


def test_a_schema_without_mutations_offers_none() -> None:
    caps = capabilities_from(_introspect("type Query { shops: [Store] }"))
    assert caps.mutations == {} and not caps.has_mutation("createPricelist")
    assert caps.report() == [("query", "stores", "shops")]


def test_report_lists_queries_then_mutations_sorted() -> None:
    caps = Capabilities(
        "h", {"stores": "shops", "markets": "m"}, {"deletePricelist": "d", "b": "c"}
    )
    assert caps.report() == [
        ("query", "markets", "m"),
        ("query", "stores", "shops"),
        ("mutation", "b", "c"),
        ("mutation", "deletePricelist", "d"),
    ]
    assert caps.has_mutation("b") and not caps.has_mutation("c")


def test_the_schema_hash_ignores_key_order() -> None:
    data = _introspect("type Query { shops: [Store] }")
    expected = schema_hash(data)
    assert len(expected) == 64 and expected == capabilities_from(data).schema_hash
    reordered = dict(reversed(list(data.items())))
    assert schema_hash(reordered) == expected
    assert schema_hash({"__schema": {}}) != expected


def test_the_schema_hash_changes_with_what_the_tool_looks_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A cache of derived names is stale when a new kind reads a new list, even against
    the same schema."""
    data = _introspect("type Query { shops: [Store] }")
    before = schema_hash(data)
    monkeypatch.setitem(discovery.LIST_QUERIES, "Brand", "brands")
    assert schema_hash(data) != before
    monkeypatch.delitem(discovery.LIST_QUERIES, "Brand")
    monkeypatch.setitem(discovery.MUTATIONS, "BrandCreateInput", "createBrand")
    assert schema_hash(data) != before


@pytest.mark.parametrize("reply", [{}, {"__schema": 42}, {"__schema": {"types": "x"}}])
def test_junk_is_not_a_schema(reply: dict[str, Any]) -> None:
    with pytest.raises(CapabilityError) as info:
        capabilities_from(reply)
    text = str(info.value)
    assert text.startswith("Centra's introspection reply is not a GraphQL schema (")
    assert text.endswith("): is the URL Centra's Integration API?")
    inner = text.removeprefix("Centra's introspection reply is not a GraphQL schema (")
    assert len(inner.removesuffix("): is the URL Centra's Integration API?")) <= 200


def test_a_long_reason_for_junk_is_cut_to_200_characters() -> None:
    junk = {"__schema": {"queryType": {"name": "Q" * 400}, "types": []}}
    with pytest.raises(CapabilityError) as info:
        capabilities_from(junk)
    inner = str(info.value).split(" schema (", 1)[1].rsplit("): is the URL", 1)[0]
    assert len(inner) == 200 and inner.endswith("...")


# --- prepare: validation once per schema, remembered on disk ---------------------------------

SDL = "type Query { shops(id: Int): [Store!]! }"


def test_prepare_renames_validates_and_remembers(tmp_path: Path) -> None:
    caps = capabilities_from(_introspect(SDL))
    caps.cache_file = tmp_path / "deep" / "caps.json"
    doc = caps.prepare(parse("query Q { stores { id } }", no_location=True))
    text = operations.text(doc)
    assert text == operations.text(parse("query Q { stores: shops { id } }"))
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert caps.validated == {digest}
    assert caps.cache_file.read_text() == json.dumps(
        {
            "schemaHash": caps.schema_hash,
            "queries": {"stores": "shops"},
            "mutations": {},
            "listArgs": {"stores": ["id"]},
            "idSorts": {},
            "validated": [digest],
        },
        indent=2,
        sort_keys=True,
    )


def test_an_invalid_document_names_at_most_three_problems() -> None:
    caps = capabilities_from(_introspect(SDL))
    with pytest.raises(CapabilityError) as info:
        caps.prepare(parse("query Q { a b c d }", no_location=True))
    assert str(info.value) == (
        "the live Centra schema cannot answer what the tool needs to read: "
        "Cannot query field 'a' on type 'Query'.; Cannot query field 'b' on type 'Query'.; "
        "Cannot query field 'c' on type 'Query'."
    )
    assert caps.validated == set()


def test_a_document_validated_before_is_not_validated_again() -> None:
    """The cache's promise: a digest on record skips validation (no schema is built)."""
    doc = parse("query Q { gone }", no_location=True)
    digest = hashlib.sha256(operations.text(doc).encode()).hexdigest()
    caps = Capabilities("h", validated={digest})  # no introspection: building would fail
    assert operations.text(caps.prepare(doc)) == operations.text(doc)


def test_save_without_a_cache_file_writes_nothing(tmp_path: Path) -> None:
    caps = capabilities_from(_introspect(SDL))
    caps.prepare(parse("query Q { stores { id } }", no_location=True))
    assert caps.cache_file is None and list(tmp_path.iterdir()) == []


def test_an_unwritable_cache_does_not_fail(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    caps = capabilities_from(_introspect(SDL))
    caps.cache_file = tmp_path / "file" / "caps.json"
    caps.prepare(parse("query Q { stores { id } }", no_location=True))
    assert len(caps.validated) == 1


# --- discover: one introspection, cached by endpoint and schema hash -------------------------

URL = "https://emulator.invalid/graphql"


def _discover(emulator: Emulator, cache_dir: Path | None) -> tuple[Capabilities, int]:
    async def go() -> tuple[Capabilities, int]:
        async with CentraClient(
            URL, emulator.admin_token, transport=InProcessTransport(emulator)
        ) as c:
            caps = await discover(c, cache_dir)
            return caps, c.count.sent

    return asyncio.run(go())


@pytest.fixture(scope="module")
def emulator() -> Any:
    emu = Emulator(":memory:", products=0)
    yield emu
    emu.state.close()


def test_the_cache_file_is_named_by_the_endpoint(tmp_path: Path) -> None:
    digest = hashlib.sha256(URL.encode()).hexdigest()[:16]
    assert cache_path(tmp_path, URL) == tmp_path / f"capabilities-{digest}.json"
    assert cache_path(tmp_path, URL + "x") != cache_path(tmp_path, URL)


def test_discover_without_a_cache(emulator: Emulator) -> None:
    caps, sent = _discover(emulator, None)
    assert sent == 1 and caps.cache_file is None and caps.introspection is not None
    assert caps.queries["stores"] == "stores" and caps.schema_hash == schema_hash(
        caps.introspection
    )


def test_discover_writes_then_trusts_its_cache(tmp_path: Path, emulator: Emulator) -> None:
    first, _ = _discover(emulator, tmp_path / "cache")
    path = cache_path(tmp_path / "cache", URL)
    assert first.cache_file == path
    body = json.loads(path.read_text())
    assert body == {
        "schemaHash": first.schema_hash,
        "queries": first.queries,
        "mutations": first.mutations,
        "listArgs": first.list_args,
        "idSorts": first.id_sorts,
        "validated": [],
    }
    assert first.list_args["pricelists"] == ["where", "sort", "limit", "page"]
    assert first.id_sorts["pricelists"] == "id_ASC"
    body["queries"]["stores"] = "fromCache"
    body["validated"] = ["abc"]
    body["pages"] = {"honoured": {"stores": 100}}  # not kept between runs: not read
    path.write_text(json.dumps(body))
    second, sent = _discover(emulator, tmp_path / "cache")
    assert sent == 1 and second.queries["stores"] == "fromCache"
    assert second.validated == {"abc"} and second.mutations == first.mutations
    assert second.pages.honoured == {}
    assert second.cache_file == path and second.introspection == first.introspection
    assert json.loads(path.read_text())["queries"]["stores"] == "fromCache"  # not rewritten


def test_a_cache_missing_its_lists_reads_as_empty(tmp_path: Path, emulator: Emulator) -> None:
    first, _ = _discover(emulator, tmp_path)
    cache_path(tmp_path, URL).write_text(json.dumps({"schemaHash": first.schema_hash}))
    caps, _ = _discover(emulator, tmp_path)
    assert (caps.queries, caps.mutations, caps.validated) == ({}, {}, set())


@pytest.mark.parametrize(
    "damage",
    [{"listArgs": [1]}, {"listArgs": {"stores": 3}}, {"idSorts": "x"}, {"queries": [1]}],
)
def test_a_damaged_cache_is_discovered_afresh(
    tmp_path: Path, emulator: Emulator, damage: dict[str, Any]
) -> None:
    first, _ = _discover(emulator, tmp_path)
    path = cache_path(tmp_path, URL)
    path.write_text(json.dumps({**json.loads(path.read_text()), **damage}))
    caps, _ = _discover(emulator, tmp_path)
    assert caps.queries == first.queries and caps.list_args == first.list_args


@pytest.mark.parametrize(
    "content", ["not json", "[1, 2]", json.dumps({"schemaHash": "stale", "queries": {"a": "b"}})]
)
def test_a_junk_or_stale_cache_is_replaced(
    tmp_path: Path, emulator: Emulator, content: str
) -> None:
    path = cache_path(tmp_path, URL)
    path.write_text(content)
    caps, _ = _discover(emulator, tmp_path)
    assert caps.queries["stores"] == "stores"
    assert json.loads(path.read_text())["schemaHash"] == caps.schema_hash
