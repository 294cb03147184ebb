"""Building a plan (sqlmesh's PlanBuilder): desired state + live Centra + ledger -> Plan.

`plan_environment` is all the CLI calls; executing a plan is a separate object.
"""

from __future__ import annotations

import asyncio
import dataclasses
import fnmatch
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from centra_provision.centra.client import RequestCount, RetryPolicy
from centra_provision.centra.connect import Connection, endpoint, open_centra
from centra_provision.centra.discovery import Capabilities, discover
from centra_provision.centra.live import read_live
from centra_provision.engine.diff import resource_change
from centra_provision.engine.secret_refs import resolve_secrets
from centra_provision.errors import ProvisionError, UsageError
from centra_provision.manifest import secrets
from centra_provision.manifest.desired import DesiredState, check_context, load_desired_state
from centra_provision.manifest.environment import EnvironmentConfig
from centra_provision.plans import Action, ExecutorKind, LedgerIdentity, Plan, ResourceChange
from centra_provision.resources import KINDS, Resource, integration_token
from centra_provision.resources.base import ObserveContext
from centra_provision.resources.live import LiveState
from centra_provision.resources.order_api_plugin import probe_notes
from centra_provision.state.ledger import Ledger

# What Centra's API can write, by (kind, action): the mutation (reference name) it takes.
# Pricelist updates and deletes are missing on purpose: the reference does not transcribe
# PricelistUpdatePayload or PricelistDeletePayload, so no valid document can ask for their
# userErrors; they stay guided until it does.
API_MUTATIONS: dict[tuple[str, Action], str] = {
    ("Pricelist", Action.CREATE): "createPricelist",
    ("Pricelist", Action.UPDATE): "updatePricelist",  # PIM:2135-2150
    ("Pricelist", Action.DELETE): "deletePricelist",  # PIM:2204-2208
    ("ShippingOption", Action.CREATE): "createShippingOption",
    ("ShippingOption", Action.UPDATE): "updateShippingOption",
}


class LivePrerequisiteError(ProvisionError):
    """Something the manifests assume exists in Centra (a store, a warehouse) does not."""


@dataclass(frozen=True)
class PlanOptions:
    url_override: str | None = None
    targets: tuple[str, ...] = ()
    retry: RetryPolicy | None = None


def matches(address: str, target: str) -> bool:
    """`--target` names a resource (`TaxGroup/GE Local VAT`), a kind (`TaxGroup`), or a glob
    over addresses (`AttributeType/ge_*`, `*Plugin/*`)."""
    if "/" not in target:
        return fnmatch.fnmatchcase(address.split("/", 1)[0], target)
    return fnmatch.fnmatchcase(address, target)


def select(resources: tuple[Resource, ...], targets: tuple[str, ...]) -> tuple[Resource, ...]:
    """Resources named by `--target` (all when none given); a target that names nothing is
    an error listing what there is."""
    if not targets:
        return resources
    unknown = [t for t in targets if not any(matches(r.address, t) for r in resources)]
    if unknown:
        known = ", ".join(sorted({r.address for r in resources}))
        raise UsageError(f"unknown target {', '.join(unknown)} (known: {known})")
    return tuple(r for r in resources if any(matches(r.address, t) for t in targets))


def executor_for(
    kind: str, action: Action, caps: Capabilities, environment_executor: ExecutorKind
) -> ExecutorKind:
    """API where the live schema has the mutation for this change, else the environment's."""
    needed = API_MUTATIONS.get((kind, action))
    if needed and caps.has_mutation(needed):
        return ExecutorKind.API
    return environment_executor


def token_expiry(resources: tuple[Resource, ...], ledger: Ledger) -> list[str]:
    """Integration tokens expire (AUTH:14): warn 14 days before the expiry the ledger
    recorded when the token was made (the same expiry the manifest still asks for)."""
    notes = []
    for res in resources:
        if res.kind != "IntegrationToken" or res.state != "present":
            continue
        record = ledger.record(res.address, "expiry")
        if record and ledger.matches(record, integration_token.expiry_of(res)):
            note = integration_token.expiry_note(res, record.get("at"))
            if note:
                notes.append(note)
    return notes


def market_coverage(
    env: EnvironmentConfig, resources: tuple[Resource, ...], live: LiveState
) -> tuple[str, ...]:
    """Guide, "Calculating Prices": every country a Global-e market serves needs an active
    pricelist in the base currency (checked on live data, per store)."""
    if not any(r.kind in ("Pricelist", "ShippingOption") for r in resources):
        return ()
    base = live.base_currency
    own = {str(c).upper() for c in env.variables.get("ownMarkets", []) or []}
    notes = []
    for store in sorted({m["store"] for m in live.markets.values()}):
        served = {
            c for m in live.markets.values() if m["store"] == store for c in m["countries"]
        } - own
        covered = {
            c
            for (s, _), p in live.pricelists.items()
            if s == store and p["status"] == "ACTIVE" and p["currency"] == base
            for c in p["countries"]
        }
        missing = sorted(served - covered)
        if missing:
            shown = ", ".join(missing[:10]) + (
                f", … {len(missing)} in all" if len(missing) > 10 else ""
            )
            notes.append(
                f"warning: store {store}: {len(missing)} countries of Global-e markets "
                f"have no active pricelist in the base currency {base}: {shown}"
            )
    return tuple(notes)


def check_prerequisites(resources: tuple[Resource, ...], live: LiveState) -> None:
    problems = []
    for res in resources:
        store = res.spec.get("store")
        if isinstance(store, str) and store not in live.stores:
            problems.append(f"{res.address}: store '{store}' does not exist in Centra")
        for store in [*(res.spec.get("defaultInStores") or []), *(res.spec.get("stores") or [])]:
            if store not in live.stores:
                problems.append(f"{res.address}: store '{store}' does not exist in Centra")
        warehouse = res.spec.get("primaryWarehouse")
        if isinstance(warehouse, str) and warehouse not in live.warehouses:
            problems.append(f"{res.address}: warehouse '{warehouse}' does not exist in Centra")
    if problems:
        raise LivePrerequisiteError("; ".join(sorted(set(problems))))


def build_plan(
    desired: DesiredState,
    resources: tuple[Resource, ...],
    live: LiveState,
    caps: Capabilities,
    ledger: Ledger,
    resolved: dict[tuple[str, str], Any],
    shown_url: str,
    count: RequestCount,
    source: str = "",
) -> Plan:
    """The pure part: everything read, now compare."""
    env = desired.environment
    ctx = ObserveContext(live, resolved, check_context(env))
    changes: list[ResourceChange] = []
    for res in sorted(resources, key=lambda r: (KINDS[r.kind].order, r.name, r.identity)):
        observation = KINDS[res.kind].observe(res, ctx)
        change = resource_change(res, observation, ledger, env.executor)
        executor = executor_for(res.kind, change.action, caps, env.executor)
        changes.append(dataclasses.replace(change, executor=executor))
    return Plan(
        environment=env.name,
        centra_url=shown_url,
        manifest_digest=desired.digest,
        created_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        changes=tuple(changes),
        discovered=tuple(caps.report()),
        requests=count.sent,
        other_requests=count.other,
        notes=(
            *market_coverage(env, resources, live),
            *probe_notes(resources, live),
            *token_expiry(resources, ledger),
        ),
        centra_url_source=source,
        ledger=LedgerIdentity(ledger.location, ledger.ledger_id, ledger.serial),
    )


@dataclass
class PlanSession:
    """Everything one run needs to plan (again and again, for apply and --wait) against one
    open connection: desired state, selected resources, ledger, resolved secrets."""

    desired: DesiredState
    resources: tuple[Resource, ...]
    ledger: Ledger
    secrets: dict[tuple[str, str], secrets.SecretValue]
    repo_root: Path
    conn: Connection
    caps: Capabilities | None = None

    async def plan(self) -> tuple[Plan, LiveState]:
        if self.caps is None:
            self.caps = await discover(self.conn.client, self.repo_root / ".provision" / "cache")
        live = await read_live(self.conn.client, self.caps, self.resources, self.secrets)
        check_prerequisites(self.resources, live)
        plan = build_plan(
            self.desired,
            self.resources,
            live,
            self.caps,
            self.ledger,
            self.secrets,
            self.conn.shown_url,
            self.conn.client.count,
            self.conn.url_source,
        )
        return plan, live


def centra_binding(env: EnvironmentConfig, url_override: str | None = None) -> str:
    """The Centra a ledger is bound to: the URL this run talks to, or the embedded
    emulator's state file."""
    url, _ = endpoint(env, url_override)
    return url if url is not None else f"embedded:{env.embedded_state}"


def load_ledger(env: EnvironmentConfig, url_override: str | None = None) -> Ledger:
    return Ledger.load(env.ledger_location, env.name, centra_binding(env, url_override))


def prepare(
    root: Path, env_name: str, targets: tuple[str, ...] = (), url_override: str | None = None
) -> tuple[DesiredState, tuple[Resource, ...], Ledger, dict[tuple[str, str], secrets.SecretValue]]:
    desired = load_desired_state(root, env_name)
    resources = select(desired.resources, targets)
    ledger = load_ledger(desired.environment, url_override)
    return desired, resources, ledger, resolve_secrets(resources, root.resolve().parent)


def plan_environment(root: Path, env_name: str, options: PlanOptions | None = None) -> Plan:
    """Load the manifests, read live Centra, diff, and return the plan."""
    return plan_with_live(root, env_name, options)[0]


def plan_with_live(
    root: Path, env_name: str, options: PlanOptions | None = None
) -> tuple[Plan, LiveState, PlanSession]:
    """The plan, the live state it was made from and its session (drift compares the live
    state with the ledger's snapshots too)."""
    options = options or PlanOptions()
    desired, resources, ledger, resolved = prepare(
        root, env_name, options.targets, options.url_override
    )
    repo_root = root.resolve().parent

    async def run() -> tuple[Plan, LiveState, PlanSession]:
        async with open_centra(
            desired.environment, repo_root, options.url_override, options.retry
        ) as conn:
            session = PlanSession(desired, resources, ledger, resolved, repo_root, conn)
            plan, live = await session.plan()
            return plan, live, session

    return asyncio.run(run())


def reveal_secret(root: Path, env_name: str, name: str) -> str:
    """The value of one referenced secret, found by field path, env var name or file path."""
    desired = load_desired_state(root, env_name)
    resolved = resolve_secrets(desired.resources, root.resolve().parent)
    for (_, path), value in resolved.items():
        if name in (path, value.source.split(" ")[-1]):
            if value.value is None:
                raise UsageError(f"secret {name} is unavailable: {value.problem}")
            return value.value
    known = sorted({v.source.split(" ")[-1] for v in resolved.values()})
    raise UsageError(f"no secret named {name} in {env_name} (known: {', '.join(known)})")
