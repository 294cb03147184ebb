"""The desired state of one environment: load, merge, substitute, validate, type.

`load_desired_state` is the single entry point every command uses; it never touches
the network and never reads secret values. All problems of a run are collected and
raised together as one ManifestError.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from centra_provision.errors import Diagnostic, ManifestError
from centra_provision.manifest.environment import (
    EnvironmentConfig,
    check_environment,
    environment_config,
    find_environment_doc,
    load_folder,
    merge_layers,
    resolve_includes,
)
from centra_provision.manifest.merge import Substitution
from centra_provision.manifest.root import require_environment_folder
from centra_provision.manifest.schema import SCHEMA_KINDS, validate_document
from centra_provision.resources import KINDS, CheckContext, Resource
from centra_provision.source import SourceDocument


@dataclass(frozen=True)
class DesiredState:
    """What the manifests say one environment's Centra should hold."""

    environment: EnvironmentConfig
    resources: tuple[Resource, ...]
    # diff-env's expected differences declared by the bases: path pattern -> reason
    expected_differences: Mapping[str, str | None] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """A stable hash of the desired configuration (plans record what they were made from)."""
        body = [[r.kind, r.name, r.state, r.spec] for r in self.resources] + [
            self.environment.doc.data
        ]
        text = json.dumps(body, sort_keys=True, default=_json_default)
        return hashlib.sha256(text.encode()).hexdigest()


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def load_desired_state(root: Path, name: str) -> DesiredState:
    """Load and validate environment `name` under manifest root `root`."""
    folder = require_environment_folder(root, name)
    diags: list[Diagnostic] = []
    kinds = SCHEMA_KINDS
    env_layer = load_folder(folder, diags, kinds)
    env_doc = find_environment_doc(env_layer, name, diags)
    if diags:
        raise ManifestError(diags + _other_layer_errors(root, env_doc, env_layer))
    env = environment_config(env_doc, root)
    diags.extend(check_environment(env))
    spec = env_doc.data["spec"]
    bases = resolve_includes(root, list(spec.get("includes", [])), env_doc, diags, kinds)
    documents = merge_layers([*bases, env_layer], diags)
    substitution = Substitution(env.variables, env_doc)
    resources = []
    for doc in documents:
        before = len(substitution.errors)
        resource = _typed(substitution.apply_in_place(doc), diags)  # layers are not reused
        # A resource with an unresolved variable would only produce follow-on errors.
        if resource is not None and len(substitution.errors) == before:
            resources.append(resource)
    diags.extend(substitution.errors)
    diags.extend(_semantic(env, resources))
    if diags:
        raise ManifestError(diags)
    return DesiredState(env, tuple(resources), expected_differences(bases))


def _other_layer_errors(root: Path, env_doc: SourceDocument, env_layer: Any) -> list[Diagnostic]:
    """With a broken Environment document, still check the bases and the other documents, so
    that one run reports every error (a user should not fix the environment file only to meet
    the base's errors next). Variables are taken as written; errors about them are left out,
    since the Environment holding them is what is broken."""
    spec = env_doc.data.get("spec") if isinstance(env_doc.data, dict) else None
    if not isinstance(spec, dict):
        return []
    includes = spec.get("includes", [])
    variables = spec.get("variables", {})
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        return []
    diags: list[Diagnostic] = []
    bases = resolve_includes(root, includes, env_doc, diags, SCHEMA_KINDS)
    others = [d for d in merge_layers([*bases, env_layer], diags) if d is not env_doc]
    substitution = Substitution(variables if isinstance(variables, dict) else {}, env_doc)
    for doc in others:
        if doc.data.get("kind") != "Environment":
            _typed(substitution.apply(doc), diags)
    return diags


def expected_differences(layers: list[Any]) -> dict[str, str | None]:
    """`expectedDifferences` of the included bases: path pattern -> reason (for diff-env)."""
    out: dict[str, str | None] = {}
    for layer in layers:
        for doc in layer.documents:
            if doc.data.get("kind") == "Base":
                for item in (doc.data.get("spec") or {}).get("expectedDifferences") or []:
                    out[str(item["path"])] = item.get("reason")
    return out


def _typed(doc: SourceDocument, diags: list[Diagnostic]) -> Resource | None:
    kind = doc.data["kind"]
    errors = validate_document(doc, kind)
    if errors:
        diags.extend(errors)
        return None
    name, spec = doc.data["metadata"]["name"], doc.data["spec"]
    return Resource(
        kind=kind,
        name=name,
        identity=KINDS[kind].identity(name, spec),
        spec=spec,
        state=doc.data.get("state", "present"),
        doc=doc,
    )


def check_context(env: EnvironmentConfig) -> CheckContext:
    """What semantic rules and observations may know of the environment."""
    return CheckContext(
        environment=env.name,
        globale_env=env.globale_env,
        merchant_id=env.merchant_id,
        centra_domain=env.centra_domain,
        stores=env.store_names,
        warehouses=frozenset(env.warehouses) if env.warehouses is not None else None,
    )


def _semantic(env: EnvironmentConfig, resources: list[Resource]) -> list[Diagnostic]:
    ctx = check_context(env)
    diags: list[Diagnostic] = []
    seen: dict[tuple[str, tuple[str, ...]], Resource] = {}
    for res in resources:
        key = (res.kind, res.identity)
        if key in seen:
            first = seen[key].doc.mark(("metadata", "name"))
            diags.append(
                Diagnostic(
                    res.doc.mark(("metadata", "name")),
                    f"{res.address}: same identity {res.identity!r} as "
                    f"{seen[key].address} at {first.file}:{first.line}",
                )
            )
        seen.setdefault(key, res)
        diags.extend(KINDS[res.kind].check(res, ctx))
    diags.extend(_unique_order_api_uris(resources))
    return diags


def _unique_order_api_uris(resources: list[Resource]) -> list[Diagnostic]:
    """Two Order API plugins on one Centra with the same URI would shadow each other."""
    diags = []
    owners: dict[str, Resource] = {}
    for res in resources:
        if res.kind != "OrderApiPlugin" or res.state == "absent" or res.spec.get("uri") is None:
            continue  # a plugin whose URI is not declared yet (e.g. just imported) shadows none
        uri = str(res.spec["uri"])
        if uri in owners:
            diags.append(
                res.error(("uri",), f"uri '{uri}' is already used by {owners[uri].address}")
            )
        owners.setdefault(uri, res)
    return diags
