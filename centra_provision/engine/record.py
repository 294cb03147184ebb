"""What the ledger records after a step: the write-only fields of a resource that was just
changed (by API, by the back office, seen done by `--wait`, or attested), and a snapshot of
what Centra shows of every resource that converged."""

from __future__ import annotations

from centra_provision.engine.session import EnvironmentSession
from centra_provision.manifest.desired import check_context
from centra_provision.plans import Action, Plan, ResourceChange
from centra_provision.resources import KINDS, Resource
from centra_provision.resources.base import ObserveContext
from centra_provision.resources.live import LiveState
from centra_provision.state.snapshot import record_snapshots


def record_applied(
    session: EnvironmentSession,
    change: ResourceChange,
    res: Resource,
    source: str,
    live: LiveState | None = None,
) -> None:
    """Remember every field Centra cannot show (and those it shows only through the Order
    API probe: the URI and the secret; `FieldState.recorded`).

    With `live` (what --wait just read), each field's source says how it is known:
    `wait:observed` when live Centra proved it (the Order API probe answers for the URI and
    the secret), `wait:attested` when it is recorded on the word of the person who did the
    step, because Centra cannot show it."""
    ledger = session.ledger
    if change.action == Action.DELETE:
        ledger.forget(res.address)
        return
    ctx = ObserveContext(live or LiveState(), session.secrets, check_context(session.environment))
    for state in KINDS[res.kind].observe(res, ctx).fields:
        if state.recorded:
            how = source
            if live is not None:
                how = f"{source}:{'observed' if state.observed else 'attested'}"
            ledger.remember(res.address, state.path, state.desired, how, state.sensitive)


def snapshot_converged(
    session: EnvironmentSession, plan: Plan, live: LiveState, source: str
) -> None:
    """Keep what Centra shows of every resource that now matches the manifests, for drift's
    changes outside the manifests."""
    converged = {c.address for c in plan.changes if c.action == Action.NOOP}
    ctx = ObserveContext(live, session.secrets, check_context(session.environment))
    resources = [r for r in session.resources if r.address in converged]
    if record_snapshots(session.ledger, resources, ctx, source):
        session.ledger.save()
