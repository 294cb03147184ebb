"""The template manifests in a temporary folder, with files replaced or added per test, for
tests of layering, variables and validation of hand-written trees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from centra_provision.errors import ManifestError
from centra_provision.manifest.desired import DesiredState, load_desired_state
from tests.support.cases import TEMPLATE, build_case_tree

BASE_PLUGIN = "manifests/base/order-api-plugin.yaml"
BASE_WEBHOOK = "manifests/base/webhook-plugin.yaml"
OVERRIDES = "manifests/test/overrides.yaml"
WEBHOOK = ("WebhookPlugin", "GE Integration Webhooks")

# The base's GE Order API (the template's), short enough to count lines in.
PLUGIN = """\
kind: OrderApiPlugin
metadata:
  name: GE Order API
spec:
  store: ${defaultStore}
  status: ACTIVE
  uri: ge-order-api
  secretKey: {fromEnv: GE_ORDER_API_SECRET}
  debugLogging: true
  primaryWarehouse: ${primaryWarehouse}
  stockUpdates: Physical
  returnOther: true
"""


class Tree:
    """The template manifests in a temporary folder (the working directory), with files
    replaced or added per test."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def load(self) -> DesiredState:
        return load_desired_state(Path("manifests"), "test")

    def spec(self, kind: str, name: str) -> dict[str, Any]:
        found = [r for r in self.load().resources if r.kind == kind and r.name == name]
        assert len(found) == 1
        return found[0].spec

    def errors(self) -> list[str]:
        with pytest.raises(ManifestError) as caught:
            self.load()
        return caught.value.lines()


def make_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tree:
    """The template tree in tmp_path (the working directory), with the base's plugin."""
    build_case_tree(TEMPLATE, tmp_path)
    monkeypatch.chdir(tmp_path)
    t = Tree(tmp_path)
    t.write(BASE_PLUGIN, PLUGIN)
    return t


def overlay(spec: str, kind: str = "OrderApiPlugin", name: str = "GE Order API") -> str:
    return f"kind: {kind}\nmetadata:\n  name: {name}\nspec:\n{spec}"
