"""A saved plan (`plan --out FILE`, then `apply FILE`) runs only where and as it was made:
against the same environment, Centra and ledger version, with the same manifests, and only
the changes a fresh plan makes exactly as saved. Resources that changed in Centra since are
refused; an edited plan file is refused whole, so editing can only ever lose changes."""

from __future__ import annotations

from pathlib import Path

from centra_provision.errors import ProvisionError
from centra_provision.plans import Plan, ResourceChange, planfile


class StalePlanError(ProvisionError):
    """A saved plan no longer matches the manifests."""


def _stale(saved: Plan, fresh: Plan) -> tuple[str, ...]:
    now = {c.address: c.live_fingerprint for c in fresh.changes}
    return tuple(
        c.address
        for c in saved.pending
        if c.address in now and now[c.address] != c.live_fingerprint
    )


def check_binding(saved: Plan, fresh: Plan) -> None:
    """A saved plan runs only against the environment, Centra and ledger version it was
    made with."""
    if saved.environment != fresh.environment:
        raise StalePlanError(
            f"the saved plan is for {saved.environment}, not {fresh.environment}; nothing "
            "was applied"
        )
    if saved.centra_url != fresh.centra_url:
        raise StalePlanError(
            f"the saved plan was made against {saved.centra_url}, but this run talks to "
            f"{fresh.centra_url}; nothing was applied"
        )
    old, new = saved.ledger, fresh.ledger
    if old is None or new is None or not same_place(old.location, new.location):
        raise StalePlanError(
            f"the saved plan was made with ledger {old.location if old else '(none)'}, not "
            f"{new.location if new else '(none)'}; nothing was applied"
        )
    if old.ledger_id != new.ledger_id or old.serial != new.serial:
        raise StalePlanError(
            f"the ledger {new.location} changed since the plan was saved (version "
            f"{old.serial}, now {new.serial}); plan again"
        )


def same_place(saved: str, fresh: str) -> bool:
    """A local ledger is one file however its folder was named (relative, absolute, through a
    symlink); a shared one is its URL."""
    if "://" in saved or "://" in fresh:
        return saved == fresh
    return Path(saved).resolve() == Path(fresh).resolve()


def select_saved(
    saved: Plan, fresh: Plan, digest: str
) -> tuple[tuple[ResourceChange, ...], tuple[str, ...]]:
    """The fresh plan's changes that the saved plan approved, minus stale resources. Every
    other approved change must be exactly what the fresh plan makes."""
    check_binding(saved, fresh)
    if saved.manifest_digest != digest:
        raise StalePlanError("the manifests changed since the plan was saved; plan again")
    refused = _stale(saved, fresh)
    now = {c.address: c for c in fresh.pending}
    approved = [c for c in saved.pending if c.address not in refused]
    differ = [
        c.address
        for c in approved
        if c.address not in now or planfile.canonical(now[c.address]) != planfile.canonical(c)
    ]
    if differ:
        raise StalePlanError(
            f"the saved plan's changes to {', '.join(differ)} are not what a fresh plan makes "
            "(was the plan file edited?); nothing was applied; plan again"
        )
    names = {c.address for c in approved}
    return tuple(c for c in fresh.pending if c.address in names), refused
