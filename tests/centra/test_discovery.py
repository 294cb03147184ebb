"""Capability discovery finds queries by return type and mutations by input type, so a
wrong guess of a name in the reference cannot break a run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import build_schema, get_introspection_query, graphql_sync

from centra_provision.centra import operations
from centra_provision.centra.discovery import Capabilities, _read_cache, capabilities_from
from centra_provision.centra.reader import read_document
from centra_provision.emulator.graphql_api import sdl
from centra_provision.errors import CapabilityError
from centra_provision.resources import LIVE_LISTS


def _introspect(text: str) -> dict:  # type: ignore[type-arg]
    result = graphql_sync(build_schema(text), get_introspection_query())
    assert result.errors is None and result.data is not None
    return result.data


def test_names_found_by_type_not_by_name() -> None:
    renamed = re.sub(r"\bstorePlugins\(", "plugins(", sdl())
    renamed = re.sub(r"\bcreatePricelist\(", "addPricelist(", renamed)
    caps = capabilities_from(_introspect(renamed))
    assert caps.queries["storePlugins"] == "plugins"
    assert caps.mutations["createPricelist"] == "addPricelist"
    assert caps.queries["taxGroups"] == "taxGroups"
    assert "createAccessToken" not in caps.mutations  # the emulator has no token mutation
    doc = caps.prepare(
        operations.combine(
            "PluginsInStore", [operations.instance(operations.load("plugins_in_store"), "s1")]
        )
    )
    text = operations.text(doc)
    assert "s1_orderApi: plugins(" in text and "storePlugins" not in text


def test_a_missing_read_is_a_clear_error() -> None:
    broken = sdl().replace(
        "type StorePlugin {\n  id: Int!\n  status: Status!\n", "type StorePlugin {\n  id: Int!\n"
    )
    assert broken != sdl()
    caps = capabilities_from(_introspect(broken))
    with pytest.raises(CapabilityError, match="Cannot query field 'status' on type 'StorePlugin'"):
        caps.prepare(operations.load("plugins_in_store"))


def test_missing_list_query_is_a_clear_error() -> None:
    without = re.sub(r"\n  taxGroups\(.*\n", "\n", sdl())
    caps = capabilities_from(_introspect(without))
    assert "taxGroups" not in caps.queries
    with pytest.raises(CapabilityError, match="Cannot query field 'taxGroups' on type 'Query'"):
        caps.prepare(read_document(list(LIVE_LISTS.values())))


def test_cache_is_keyed_by_schema_hash(tmp_path: Path) -> None:
    data = _introspect(sdl())
    caps = capabilities_from(data)
    caps.cache_file = tmp_path / "caps.json"
    caps.prepare(read_document(list(LIVE_LISTS.values())))
    cached = _read_cache(tmp_path / "caps.json", caps.schema_hash)
    assert isinstance(cached, Capabilities) and cached.validated == caps.validated
    assert cached.queries == caps.queries
    assert _read_cache(tmp_path / "caps.json", "another-hash") is None
