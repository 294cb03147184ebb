"""Environments: find one under the manifest root, load its folder and its bases, merge.

`manifests/<env>/` holds exactly one `Environment` document plus resource documents;
its `includes` name base folders (relative to the root), which may include others
through a `Base` document. Bases are layered first, in order; the environment last.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from centra_provision.errors import Diagnostic, ManifestError
from centra_provision.manifest.files import FileProblem, path_problem, safe_resolve
from centra_provision.manifest.merge import merge_documents
from centra_provision.manifest.root import MANIFEST_SUFFIXES, shown_path
from centra_provision.manifest.schema import validate_document
from centra_provision.manifest.yamlio import load_file
from centra_provision.plans import ExecutorKind
from centra_provision.source import Mark, SourceDocument
from centra_provision.urls import is_loopback, is_object_store_url, url_problem

LAYER_KINDS = ("Environment", "Base")


@dataclass
class Layer:
    """One folder's documents, in file order."""

    folder: str
    documents: list[SourceDocument] = field(default_factory=list)


@dataclass(frozen=True)
class RateLimits:
    """A Centra rate-limit tier; Growth by default (60 requests, 20 mutations per 10 s)."""

    requests: int = 60
    mutations: int = 20
    interval_seconds: int = 10


@dataclass(frozen=True)
class EnvironmentConfig:
    """The validated `Environment` document."""

    name: str
    centra_url: str | None
    embedded_state: str | None
    embedded_products: int
    token_env: str
    centra_domain: str
    globale_env: str
    merchant_id: int
    includes: tuple[str, ...]
    stores: tuple[tuple[str, str], ...]
    warehouses: tuple[str, ...] | None
    variables: dict[str, Any]
    executor: ExecutorKind
    ledger: Path  # the local ledger, or where the local journal goes for a remote one
    rate_limits: RateLimits
    doc: SourceDocument = field(compare=False, repr=False)
    ledger_url: str | None = None  # s3://, gs://, az://: the ledger shared by CI runners

    @property
    def ledger_location(self) -> str | Path:
        return self.ledger_url or self.ledger

    @property
    def store_names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.stores)


def _kind_of(doc: SourceDocument) -> str | None:
    return doc.data.get("kind") if isinstance(doc.data, dict) else None


def _name_of(doc: SourceDocument) -> str | None:
    meta = doc.data.get("metadata") if isinstance(doc.data, dict) else None
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) else None


def load_folder(folder: Path, diags: list[Diagnostic], known_kinds: Iterable[str]) -> Layer:
    """Every manifest document of a folder (not recursive), with shape errors collected."""
    layer = Layer(shown_path(folder))
    known = set(known_kinds)
    try:
        entries = sorted(p for p in folder.iterdir() if p.name.endswith(MANIFEST_SUFFIXES))
    except OSError as exc:
        diags.append(Diagnostic(Mark(layer.folder, 1, 1), f"cannot list folder: {exc.strerror}"))
        return layer
    for path in entries:
        try:
            docs = load_file(path, shown_path(path))
        except ManifestError as exc:
            diags.extend(exc.diagnostics)
            continue
        for doc in docs:
            if _check_shape(doc, known, diags):
                layer.documents.append(doc)
    return layer


def _check_shape(doc: SourceDocument, known: set[str], diags: list[Diagnostic]) -> bool:
    if not isinstance(doc.data, dict):
        diags.append(
            Diagnostic(
                doc.mark(()), "a manifest document is a mapping with kind, metadata and spec"
            )
        )
        return False
    kind = doc.data.get("kind")
    if kind is None:
        diags.append(Diagnostic(doc.mark(()), "missing required key 'kind'"))
        return False
    if not isinstance(kind, str) or kind not in known:
        diags.append(
            Diagnostic(
                doc.mark(("kind",)), f"unknown kind {kind!r} (known: {', '.join(sorted(known))})"
            )
        )
        return False
    if _name_of(doc) is None:
        diags.extend(
            validate_document(doc, kind)
            or [Diagnostic(doc.mark(("metadata",)), f"{kind}: metadata.name must be a string")]
        )
        return False
    return True


def find_environment_doc(layer: Layer, name: str, diags: list[Diagnostic]) -> SourceDocument:
    """The single `Environment` document of an environment folder."""
    found = [d for d in layer.documents if _kind_of(d) == "Environment"]
    for doc in layer.documents:
        if _kind_of(doc) == "Base":
            diags.append(
                Diagnostic(
                    doc.mark(("kind",)),
                    "Base documents belong in a base folder, not in an environment folder",
                )
            )
    if not found:
        # A file of the folder that failed to load may be the one holding it: its errors
        # say what to fix, a "no Environment document" beside them would only mislead.
        missing = Diagnostic(Mark(layer.folder, 1, 1), f"no Environment document in {layer.folder}")
        raise ManifestError(diags or [missing])
    for extra in found[1:]:
        first = found[0].mark(())
        diags.append(
            Diagnostic(
                extra.mark(()), f"second Environment document (first at {first.file}:{first.line})"
            )
        )
    doc = found[0]
    diags.extend(validate_document(doc, "Environment"))
    if _name_of(doc) != name:
        diags.append(
            Diagnostic(
                doc.mark(("metadata", "name")),
                f"Environment name '{_name_of(doc)}' does not match its folder '{name}'",
            )
        )
    return doc


def resolve_includes(
    root: Path,
    includes: list[str],
    origin: SourceDocument,
    diags: list[Diagnostic],
    known_kinds: Iterable[str],
) -> list[Layer]:
    """The base layers an environment includes, depth-first, each once; cycles are errors."""
    layers: list[Layer] = []
    seen: set[str] = set()
    kinds = list(known_kinds)

    def visit(
        names: list[str], doc: SourceDocument, path: tuple[str, ...], stack: list[str]
    ) -> None:
        for i, name in enumerate(names):
            mark = doc.mark((*path, i))
            if name in stack:
                cycle = " -> ".join([*stack[stack.index(name) :], name])
                diags.append(Diagnostic(mark, f"include cycle: {cycle}"))
                continue
            if name in seen:
                continue
            problem = include_problem(root, name)
            if problem is not None:
                diags.append(Diagnostic(mark, problem))
                continue
            folder = root / name
            if not folder.is_dir():
                diags.append(
                    Diagnostic(
                        mark, f"included base '{name}' is not a folder under {shown_path(root)}"
                    )
                )
                continue
            seen.add(name)
            layer = load_folder(folder, diags, kinds)
            bases = [d for d in layer.documents if _kind_of(d) == "Base"]
            for d in layer.documents:
                if _kind_of(d) == "Environment":
                    diags.append(
                        Diagnostic(
                            d.mark(("kind",)),
                            "an Environment document cannot be included as a base",
                        )
                    )
            for base in bases[:1]:
                diags.extend(validate_document(base, "Base"))
                spec = base.data.get("spec")
                inner = spec.get("includes") if isinstance(spec, dict) else None
                if isinstance(inner, list) and all(isinstance(x, str) for x in inner):
                    visit(inner, base, ("spec", "includes"), [*stack, name])
            layers.append(layer)

    visit(includes, origin, ("spec", "includes"), [origin_name(origin)])
    return layers


def include_problem(root: Path, name: str) -> str | None:
    """Why an include name cannot name a base folder under `root`, asked before the OS is
    (a NUL byte, an over-long name or a symlink loop must be a message, not a crash)."""
    shown = name if len(name) <= 60 else name[:57] + "..."
    problem = path_problem(name)
    if problem is not None:
        return f"include {shown!r} {problem}"
    try:
        inside = safe_resolve(root / name).is_relative_to(safe_resolve(root))
    except FileProblem as exc:
        return f"include {shown!r}: {exc}"
    return None if inside else f"include '{name}' leaves the manifest root"


def origin_name(doc: SourceDocument) -> str:
    return _name_of(doc) or "environment"


def merge_layers(layers: list[Layer], diags: list[Diagnostic]) -> list[SourceDocument]:
    """Resource documents after layering; duplicates within one layer are errors."""
    merged: dict[tuple[str, str], SourceDocument] = {}
    for layer in layers:
        local: dict[tuple[str, str], SourceDocument] = {}
        for doc in layer.documents:
            kind, name = _kind_of(doc), _name_of(doc)
            if kind in LAYER_KINDS or kind is None or name is None:
                continue
            key = (kind, name)
            if key in local:
                first = local[key].mark(("metadata", "name"))
                diags.append(
                    Diagnostic(
                        doc.mark(("metadata", "name")),
                        f"duplicate {kind}/{name} (first defined at {first.file}:{first.line})",
                    )
                )
                continue
            local[key] = doc
            merged[key] = merge_documents(merged[key], doc) if key in merged else doc
    return list(merged.values())


def environment_config(doc: SourceDocument, root: Path) -> EnvironmentConfig:
    """The typed view of a schema-valid Environment document."""
    spec = doc.data["spec"]
    centra, globale = spec["centra"], spec["globale"]
    embedded = centra.get("embedded")
    limits = centra.get("rateLimits", {})
    return EnvironmentConfig(
        name=doc.data["metadata"]["name"],
        centra_url=centra.get("url"),
        embedded_state=(embedded or {}).get("stateFile", ".provision/local-centra.sqlite")
        if embedded is not None
        else None,
        embedded_products=(embedded or {}).get("products", 200),
        token_env=centra["tokenEnv"],
        centra_domain=centra["domain"],
        globale_env=globale["environment"],
        merchant_id=globale["merchantId"],
        includes=tuple(spec.get("includes", [])),
        stores=tuple((s["name"], s["type"]) for s in spec.get("stores", [])),
        warehouses=tuple(spec["warehouses"]) if "warehouses" in spec else None,
        variables=dict(spec.get("variables", {})),
        executor=ExecutorKind(spec["executor"]),
        ledger=(
            root.parent / ".provision" / f"{doc.data['metadata']['name']}.ledger.json"
            if is_object_store_url(spec["ledger"])
            else root.parent / spec["ledger"]
        ),
        ledger_url=spec["ledger"] if is_object_store_url(spec["ledger"]) else None,
        rate_limits=RateLimits(
            limits.get("requests", 60),
            limits.get("mutations", 20),
            limits.get("intervalSeconds", 10),
        ),
        doc=doc,
    )


def check_environment(env: EnvironmentConfig) -> list[Diagnostic]:
    """Rules on the Environment document itself."""
    diags: list[Diagnostic] = []
    problem = url_problem(env.centra_url) if env.centra_url is not None else None
    if problem is not None:
        diags.append(Diagnostic(env.doc.mark(("spec", "centra", "url")), f"Centra URL {problem}"))
    elif env.centra_url is not None:
        parts = urlsplit(env.centra_url)
        if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
            diags.append(
                Diagnostic(
                    env.doc.mark(("spec", "centra", "url")),
                    "Centra URL must use https:// (http:// only on loopback)",
                )
            )
    ledger = str(env.doc.data["spec"]["ledger"])
    if "://" in ledger and not is_object_store_url(ledger):
        diags.append(
            Diagnostic(
                env.doc.mark(("spec", "ledger")),
                "ledger must be a path or an s3://, gs:// or az:// URL",
            )
        )
    elif is_object_store_url(ledger) and not ledger.split("://", 1)[1].strip("/").count("/"):
        diags.append(
            Diagnostic(
                env.doc.mark(("spec", "ledger")),
                "ledger URL must name a bucket and an object key (s3://BUCKET/KEY)",
            )
        )
    if env.executor == ExecutorKind.BACKOFFICE and env.embedded_state is None:
        diags.append(
            Diagnostic(
                env.doc.mark(("spec", "executor")),
                "executor 'backoffice' needs the embedded emulator (spec.centra.embedded)",
            )
        )
    names = [name for name, _ in env.stores]
    for i, name in enumerate(names):
        if name in names[:i]:
            diags.append(
                Diagnostic(env.doc.mark(("spec", "stores", i)), f"store '{name}' declared twice")
            )
    return diags
