"""The compiled schemas (fastjsonschema, used once a kind has many documents) accept exactly
what jsonschema accepts, on every document of the invalid cases and of fuzzed manifests."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import tests.support.manifest_fuzzer as fuzz
from centra_provision.errors import ManifestError
from centra_provision.manifest import schema
from centra_provision.manifest.yamlio import load_file
from tests.support.cases import CASES


def _documents(root: Path) -> list[object]:
    out: list[object] = []
    for path in sorted(root.rglob("*.y*ml")):
        try:
            out.extend(doc.data for doc in load_file(path))
        except ManifestError:
            continue
    return out


def test_compiled_schemas_agree_with_jsonschema(tmp_path: Path) -> None:
    corpus = _documents(CASES)
    template = fuzz._template()
    rng = random.Random(3)
    for n in range(120):
        root = tmp_path / f"case-{n}"
        files = {rel: [fuzz._copy(d) for d in docs] for rel, docs in template.items()}
        notes = [fuzz._mutate(rng, files) for _ in range(2)]
        fuzz._write_tree(rng, root, files, notes)
        corpus.extend(_documents(root / "manifests"))
        shutil.rmtree(root)
    checked = 0
    for data in corpus:
        kind = data.get("kind") if isinstance(data, dict) else None
        for k in [kind] if kind in schema.SCHEMA_KINDS else schema.SCHEMA_KINDS[:3]:
            fast = schema._fast(k)
            try:
                fast(data)
                fast_ok = True
            except Exception:
                fast_ok = False
            slow_ok = not any(True for _ in schema._validator(k).iter_errors(data))
            assert fast_ok == slow_ok, (k, data)
            checked += 1
    assert checked > 500
