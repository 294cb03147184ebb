"""Property: whatever the input, loading manifests ends in a result or a ProvisionError with
one-line messages, never another exception (so never a traceback)."""

from __future__ import annotations

import os
import string
from decimal import Decimal
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from centra_provision.errors import ManifestError, ProvisionError
from centra_provision.manifest.desired import load_desired_state
from centra_provision.manifest.yamlio import load_documents
from tests.support.cases import TEMPLATE, build_case_tree

_LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"

# Example counts and randomness come from the profile loaded in conftest.py (derandomized
# "ci" by default, HYPOTHESIS_PROFILE=long for long runs); only the CI count is set here.
SETTINGS = settings(max_examples=settings().max_examples if _LONG else 150)

yaml_chars = st.sampled_from(list(string.printable) + list("&*!|>%@`{}[]:-#\u00e9\u2028\x85"))
yaml_like_text = st.lists(
    st.one_of(
        yaml_chars,
        st.sampled_from(
            [
                "kind: ",
                "spec:",
                "\n  ",
                "- ",
                "&a ",
                "*a",
                "!!binary ",
                "---\n",
                "<<: ",
                "${x}",
                "NO",
            ]
        ),
    ),
    max_size=80,
).map("".join)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=20),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "kind",
                    "metadata",
                    "name",
                    "spec",
                    "store",
                    "uri",
                    "rules",
                    "rate",
                    "countries",
                    "allExcept",
                    "status",
                    "secretKey",
                    "fromEnv",
                    "includes",
                    "x",
                ]
            ),
            children,
            max_size=5,
        ),
    ),
    max_leaves=20,
)
kinds = st.sampled_from(
    [
        "OrderApiPlugin",
        "WebhookPlugin",
        "AttributeType",
        "TaxGroup",
        "IntegrationToken",
        "Base",
        "Environment",
        "Other",
    ]
)


def _assert_one_line_messages(error: ProvisionError) -> None:
    for line in error.lines():
        assert line and "\n" not in line


@SETTINGS
@given(text=st.one_of(st.text(max_size=300), yaml_like_text))
def test_arbitrary_text_never_escapes(text: str) -> None:
    try:
        docs = load_documents(text, "fuzz.yaml")
    except ManifestError as exc:
        _assert_one_line_messages(exc)
        assert all(line.startswith("fuzz.yaml:") for line in exc.lines())
    else:
        assert docs


def _dump(value: object) -> str:
    def plain(v: object) -> object:
        if isinstance(v, Decimal):
            return float(v)
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v

    return yaml.safe_dump(plain(value), allow_unicode=True)


@SETTINGS
@given(kind=kinds, spec=documents, name=st.one_of(st.text(max_size=10), documents))
def test_arbitrary_documents_in_an_environment_never_escape(
    tmp_path_factory: object, kind: str, spec: object, name: object
) -> None:
    root = build_case_tree(TEMPLATE, Path(tmp_path_factory.mktemp("fuzz")))  # type: ignore[attr-defined]
    doc = {"kind": kind, "metadata": {"name": name}, "spec": spec}
    (root / "manifests" / "test" / "fuzz.yaml").write_text(_dump(doc))
    try:
        state = load_desired_state(root / "manifests", "test")
    except ProvisionError as exc:
        _assert_one_line_messages(exc)
    else:
        assert len(state.resources) >= 7


@SETTINGS
@given(doc=documents)
def test_arbitrary_environment_documents_never_escape(
    tmp_path_factory: object, doc: object
) -> None:
    root = build_case_tree(TEMPLATE, Path(tmp_path_factory.mktemp("fuzz")))  # type: ignore[attr-defined]
    env_file = root / "manifests" / "test" / "environment.yaml"
    env = yaml.safe_load(env_file.read_text())
    env["spec"]["variables"]["vatRate"] = doc if not isinstance(doc, Decimal) else str(doc)
    env["spec"]["includes"] = doc if isinstance(doc, list) else ["base"]
    env_file.write_text(_dump(env))
    try:
        load_desired_state(root / "manifests", "test")
    except ProvisionError as exc:
        _assert_one_line_messages(exc)
