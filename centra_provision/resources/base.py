"""What every resource kind provides, and the resolved resource value itself."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from centra_provision.errors import Diagnostic, Mark
from centra_provision.manifest.yamlio import Path_, SourceDocument


@dataclass(frozen=True)
class Resource:
    """One desired resource after merging, variable substitution and schema validation."""

    kind: str
    name: str
    identity: tuple[str, ...]
    spec: Mapping[str, Any]
    state: str
    doc: SourceDocument = field(compare=False, repr=False)

    @property
    def address(self) -> str:
        """`Kind/name`, the handle users type (`--target`, `attest`)."""
        return f"{self.kind}/{self.name}"

    def mark(self, *path: str | int) -> Mark:
        return self.doc.mark(("spec", *path))

    def error(self, path: tuple[str | int, ...], message: str) -> Diagnostic:
        """A diagnostic at `spec.<path>` of this resource, prefixed with its address."""
        return Diagnostic(self.doc.mark(("spec", *path)), f"{self.address}: {message}")


@dataclass(frozen=True)
class CheckContext:
    """What semantic rules may consult: the environment, never the network."""

    environment: str
    globale_env: str
    merchant_id: int
    centra_domain: str
    stores: frozenset[str]
    warehouses: frozenset[str] | None


Check = Callable[[Resource, CheckContext], Iterable[Diagnostic]]


@dataclass(frozen=True)
class ResourceKind:
    """A manifest kind: how to name it, where its secrets are, which rules apply."""

    name: str
    identity: Callable[[str, Mapping[str, Any]], tuple[str, ...]]
    secret_paths: tuple[Path_, ...] = ()
    checks: tuple[Check, ...] = ()

    def check(self, resource: Resource, ctx: CheckContext) -> list[Diagnostic]:
        return [d for rule in self.checks for d in rule(resource, ctx)]


def by_name(name: str, _spec: Mapping[str, Any]) -> tuple[str, ...]:
    return (name,)


def by_store_and_plugin_name(name: str, spec: Mapping[str, Any]) -> tuple[str, ...]:
    """Plugins are identified by (store, plugin name), as Centra lists them per store."""
    return (str(spec.get("store", "")), str(spec.get("pluginName", name)))


def check_store_refs(*paths: str) -> Check:
    """A rule: every store named at these spec paths is one the environment declares."""

    def rule(res: Resource, ctx: CheckContext) -> Iterable[Diagnostic]:
        for key in paths:
            value = res.spec.get(key)
            names = value if isinstance(value, list) else [value] if value is not None else []
            for i, store in enumerate(names):
                if store not in ctx.stores:
                    where = (key, i) if isinstance(value, list) else (key,)
                    known = ", ".join(sorted(ctx.stores)) or "none"
                    yield res.error(
                        where, f"unknown store '{store}' (environment declares: {known})"
                    )

    return rule
