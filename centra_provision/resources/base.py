"""What every resource kind provides, and the resolved resource value itself."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from centra_provision.errors import Diagnostic
from centra_provision.source import Mark, Path_, SourceDocument


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
class FieldState:
    """One field of one resource: what the manifests want and, if Centra shows it, what is
    there. `observed=False` means write-only: only the ledger can say what was set."""

    path: str
    desired: Any
    observed: bool
    live: Any = None
    sensitive: bool = False
    unavailable: str | None = None  # why the desired value is unknown (an unset secret)


@dataclass(frozen=True)
class Observation:
    """How a resource stands in live Centra: exists (None: Centra cannot tell), the live
    entry (for fingerprints) and its fields."""

    exists: bool | None
    entry: Any
    fields: tuple[FieldState, ...]


@dataclass(frozen=True)
class ObserveContext:
    """What observing a resource may use: the live state, resolved secrets, the
    environment's derived values."""

    live: Any  # resources.live.LiveState
    secrets: Mapping[tuple[str, str], Any]  # (address, path) -> SecretValue
    check: CheckContext


Observe = Callable[[Resource, ObserveContext], Observation]


def _unobservable(res: Resource, _ctx: ObserveContext) -> Observation:
    return Observation(None, None, tuple(FieldState(p, v, False) for p, v in flatten(res.spec)))


@dataclass(frozen=True)
class ResourceKind:
    """A manifest kind: how to name it, where its secrets are, which rules apply, how to
    observe it in live Centra."""

    name: str
    identity: Callable[[str, Mapping[str, Any]], tuple[str, ...]]
    secret_paths: tuple[Path_, ...] = ()
    checks: tuple[Check, ...] = ()
    observe: Observe = _unobservable
    steps: Callable[..., list[str]] | None = None
    order: int = 50

    def check(self, resource: Resource, ctx: CheckContext) -> list[Diagnostic]:
        return [d for rule in self.checks for d in rule(resource, ctx)]


def flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Nested mappings as (dotted path, leaf) pairs; lists stay whole values."""
    if isinstance(value, Mapping) and (value or not prefix):
        out: list[tuple[str, Any]] = []
        for key, item in value.items():
            out += flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return out
    return [(prefix, value)]


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
