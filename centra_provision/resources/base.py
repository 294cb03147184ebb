"""What every resource kind provides, and the resolved resource value itself.

A kind is one module under `resources/` holding everything about it: identity, secret
fields, semantic rules, the lists it reads and how they parse, how it is observed, the
back-office steps (for a person and for the emulator's back office), its API operations,
what a snapshot keeps and what `import` writes. The engine, the executors and the Centra
client read those through `ResourceKind`; none of them names a kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from centra_provision.errors import Diagnostic
from centra_provision.plans import Action
from centra_provision.resources.live import LiveList, LiveState
from centra_provision.resources.steps import StepContext
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
    # Recorded in the ledger even though observed: Centra shows it only through an answer
    # that may not come (the Order API's URI, seen only by the probe).
    kept: bool = False

    @property
    def recorded(self) -> bool:
        """Whether the ledger records this field when it is applied."""
        return self.desired is not None and (not self.observed or self.sensitive or self.kept)


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

    live: LiveState
    secrets: Mapping[tuple[str, str], Any]  # (address, path) -> SecretValue
    check: CheckContext


Observe = Callable[[Resource, ObserveContext], Observation]


def _unobservable(res: Resource, _ctx: ObserveContext) -> Observation:
    return Observation(None, None, tuple(FieldState(p, v, False) for p, v in flatten(res.spec)))


@dataclass(frozen=True)
class ApiOperation:
    """A change Centra's API can make: the mutation (reference name) capability discovery
    must find, by the input or payload type that names it; the `.graphql` document that
    sends it; and its variables for one resource (names resolved to ids through the live
    state; `changed` holds the paths of an update's changed fields)."""

    mutation: str
    found_by: str
    document: str
    variables: Callable[[Resource, LiveState, frozenset[str]], dict[str, Any]]


class BackOffice(Protocol):
    """The back office's records, as the `backoffice` executor reaches them: the embedded
    emulator's stand-in for Centra's AMS screens, by collection (`plugins`, `taxGroups`,
    `taxRules`, `attributeTypes`, `pricelists`, `shippingOptions`, `tokens`, `stores`)."""

    def records(self, collection: str) -> list[dict[str, Any]]: ...

    def save(
        self, collection: str, body: dict[str, Any], record_id: int | None = None
    ) -> dict[str, Any]: ...

    def delete(self, collection: str, record_id: int) -> bool: ...


@dataclass(frozen=True)
class BackOfficeContext:
    """What a kind's back-office step may use: the back office, the resolved secrets (a
    secret is typed into the form, never stored by the tool) and the environment."""

    office: BackOffice
    secrets: Mapping[tuple[str, str], Any]
    check: CheckContext

    def find(self, collection: str, **match: Any) -> dict[str, Any] | None:
        """The record whose fields equal `match` (a back-office step finds what exists by
        identity first, so running it again never duplicates anything)."""
        return next(
            (
                r
                for r in self.office.records(collection)
                if all(r.get(k) == v for k, v in match.items())
            ),
            None,
        )

    def put(
        self,
        collection: str,
        action: Action,
        match: dict[str, Any],
        body: Callable[[], dict[str, Any]],
    ) -> dict[str, Any] | None:
        """One record's form, the record found by `match` first: on delete it is removed
        (when it is there); otherwise the form is saved over it, or as a new record.
        Returns what was saved (None on delete)."""
        existing = self.find(collection, **match)
        if action == Action.DELETE:
            if existing is not None:
                self.office.delete(collection, existing["id"])
            return None
        return self.office.save(collection, body(), existing["id"] if existing else None)

    def store_id(self, name: str) -> int:
        store = self.find("stores", name=name)
        if store is None:
            raise KeyError(f"store '{name}' does not exist")
        return int(store["id"])


class StepFailed(Exception):
    """A back-office step that cannot be done; its message says why."""


BackOfficeStep = Callable[[Resource, Action, BackOfficeContext], None]


@dataclass(frozen=True)
class CentraRequest:
    """A change Centra makes on the merchant's request (PROD attribute types are deployed by
    Centra): the kind, the verb and name to ask for, and the definition to send."""

    kind: str
    verb: str
    name: str
    definition: str | None


# (resource, action, context) -> the request to send Centra, or None: a person does it.
Request = Callable[[Resource, Action, StepContext], CentraRequest | None]
# (every request of the kind, Centra domain, merchant id) -> the merged step's title and lines
RequestStep = Callable[[list[CentraRequest], str, int], tuple[str, list[str]]]


@dataclass(frozen=True)
class NoteContext:
    """What a plan's notes about one resource may consult: the live state, and when the
    ledger recorded a value for a field (None unless it recorded exactly that value)."""

    live: LiveState
    recorded_at: Callable[[str, str, Any], str | None]
    variables: Mapping[str, Any] = field(default_factory=dict)  # the environment's


Notes = Callable[[Resource, NoteContext], Iterable[str]]
PlanNotes = Callable[[NoteContext], Iterable[str]]
GuidedSteps = Callable[[Resource, Action, list[str], StepContext], list[str]]


@dataclass(frozen=True)
class ImportedDocument:
    """A manifest document `import` writes for something Centra has: every field Centra
    shows as a value, every field it cannot show as a commented placeholder."""

    file: str
    kind: str
    name: str
    spec: dict[str, Any]
    placeholders: tuple[str, ...] = ()

    @property
    def address(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class ResourceKind:
    """A manifest kind: how to name it, where its secrets are, which rules apply, what it
    reads from Centra and how to observe it there, and how each executor changes it."""

    name: str
    identity: Callable[[str, Mapping[str, Any]], tuple[str, ...]]
    secret_paths: tuple[Path_, ...] = ()
    checks: tuple[Check, ...] = ()
    observe: Observe = _unobservable
    steps: GuidedSteps | None = None
    order: int = 50
    # Reading: the lists it needs (its own and others'), and the readers beyond lists.
    reads: tuple[LiveList, ...] = ()
    extra_reads: frozenset[str] = frozenset()  # "plugins", "orderApiProbe", "shippingChecks"
    plugin_type: str | None = None  # a plugin kind: its key in LiveState.plugins
    # The spec key holding the name Centra knows it by, when the document's name differs
    # (two stores' plugins of one name): `import` drops it where the names agree.
    name_key: str | None = None
    # Changing it: by API (the operations Centra has), by the emulator's back office, or by
    # Centra on request (all of a run's requests merged into one message).
    api: Mapping[Action, ApiOperation] = field(default_factory=dict)
    backoffice: BackOfficeStep | None = None
    request: Request | None = None
    request_step: RequestStep | None = None
    # Remembering and adopting it: the snapshot drift compares, the documents import writes.
    shown: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    adopt: Callable[[LiveState], list[ImportedDocument]] | None = None
    # What a plan says beside the changes: about one resource (the Order API probe's answer,
    # a token expiring), or once per plan that holds the kind (markets without a pricelist).
    notes: Notes | None = None
    plan_notes: PlanNotes | None = None

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


# Spec keys that name something Centra must have before the resource can exist: a store by
# its name, a warehouse by its name (whatever the kind, the manifests use these keys).
STORE_KEYS = ("store", "stores", "defaultInStores")
WAREHOUSE_KEYS = ("primaryWarehouse",)


def live_references(res: Resource) -> list[tuple[str, str]]:
    """(`store` or `warehouse`, name) for every store and warehouse the resource names."""
    found: list[tuple[str, str]] = []
    for what, keys in (("store", STORE_KEYS), ("warehouse", WAREHOUSE_KEYS)):
        for key in keys:
            value = res.spec.get(key)
            names = value if isinstance(value, list) else [value]
            found += [(what, n) for n in names if isinstance(n, str)]
    return found


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


def plain(value: Any) -> Any:
    """Manifest values as JSON a form takes (decimals as numbers)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
