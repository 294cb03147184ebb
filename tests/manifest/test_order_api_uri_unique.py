"""Two Order API plugins on one Centra may not share a URI (one would shadow the other); a
plugin whose URI is not declared yet, as `import` writes one, clashes with nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from centra_provision.errors import ManifestError
from centra_provision.manifest.desired import load_desired_state
from tests.support.centra import copy_manifests

WHOLESALE_PLUGIN = """\
kind: OrderApiPlugin
metadata: {{name: GE Order API (Wholesale)}}
spec:
  store: Wholesale
  status: ACTIVE
{uri}"""


def _with_second_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, uri: str) -> Path:
    copy_manifests(tmp_path, monkeypatch)
    (tmp_path / "manifests" / "qa-int" / "second.yaml").write_text(WHOLESALE_PLUGIN.format(uri=uri))
    return tmp_path / "manifests"


def test_a_second_plugin_with_the_same_uri_is_refused_at_its_uri(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _with_second_plugin(tmp_path, monkeypatch, "  uri: ge-order-api\n")
    with pytest.raises(ManifestError) as refused:
        load_desired_state(root, "qa-int")
    [line] = refused.value.lines()
    assert "second.yaml:6:" in line
    assert line.endswith("uri 'ge-order-api' is already used by OrderApiPlugin/GE Order API")


@pytest.mark.parametrize("uri", ["", "  # uri: <URI>\n"], ids=["absent", "placeholder"])
def test_plugins_whose_uri_is_not_declared_clash_with_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, uri: str
) -> None:
    root = _with_second_plugin(tmp_path, monkeypatch, uri)
    third = WHOLESALE_PLUGIN.format(uri=uri).replace("(Wholesale)", "(Wholesale 2)")
    (root / "qa-int" / "third.yaml").write_text(third)
    names = {r.name for r in load_desired_state(root, "qa-int").resources}
    assert {"GE Order API (Wholesale)", "GE Order API (Wholesale 2)"} <= names
