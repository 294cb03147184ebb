"""IntegrationToken: the Integration API token Global-e uses (guide 1.1).

Centra's API can neither read nor write tokens' configuration, so this kind is always
guided; the token value is never stored by the tool. The manifest carries what the guide's
form asks for: General (description, organization name, email, phone number, integration
name), Restrictions (store types, stores) and Permissions (read, update), and the expiry:
a date or a duration, Centra's default being 30 days ("Access token has an obligatory
expiration time", "Expiration time is optional - the default value equals 30 days", AUTH:14,
AUTH:25). Once a token is recorded as made, plan and drift warn 14 days before it expires.

This is the merchant's token FOR GLOBAL-E. It is not the token this tool reads Centra with
(the Environment's centra.tokenEnv), and the runbook says so.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from centra_provision.plans import Action
from centra_provision.resources.base import (
    BackOfficeContext,
    FieldState,
    NoteContext,
    Observation,
    ObserveContext,
    Resource,
    ResourceKind,
    by_name,
    check_store_refs,
    flatten,
)
from centra_provision.resources.steps import StepContext, render_value, select_all

GENERAL = (
    ("description", "Description"),
    ("organizationName", "Organization name"),
    ("email", "Email"),
    ("phoneNumber", "Phone number"),
    ("integrationName", "Integration name"),
)
DEFAULT_EXPIRY = "30d"  # AUTH:25
WARN_DAYS = 14
_DURATION = re.compile(r"^(?:([1-9][0-9]*)d|P([1-9][0-9]*)D)$")


def expiry_of(res: Resource) -> str:
    return str(res.spec.get("expiry", DEFAULT_EXPIRY))


def expires_on(expiry: str, made_at: datetime) -> date:
    """The day a token made at `made_at` with this expiry stops working."""
    duration = _DURATION.match(expiry)
    if duration:
        return (made_at + timedelta(days=int(duration.group(1) or duration.group(2)))).date()
    return date.fromisoformat(expiry)


def expiry_note(res: Resource, made_at: str | None, today: date | None = None) -> str | None:
    """A warning when the recorded token expires within WARN_DAYS (or has expired)."""
    if made_at is None:
        return None
    today = today or datetime.now(UTC).date()
    try:
        ends = expires_on(expiry_of(res), datetime.fromisoformat(made_at))
    except ValueError:
        return None
    left = (ends - today).days
    if left > WARN_DAYS:
        return None
    when = f"expired on {ends}" if left < 0 else f"expires on {ends} (in {left} days)"
    return (
        f"{res.address}: the token given to Global-e {when}: create a new one (System > API "
        "Tokens), give it to Global-e, then revoke the old one"
    )


def observe(res: Resource, _ctx: ObserveContext) -> Observation:
    """Write-only, as Centra cannot show tokens; the expiry with Centra's default filled in,
    so that the ledger records what Centra was asked for."""
    spec = {**res.spec, "expiry": expiry_of(res)}
    return Observation(None, None, tuple(FieldState(p, v, False) for p, v in flatten(spec)))


def guided_steps(res: Resource, action: str, paths: list[str], ctx: StepContext) -> list[str]:
    if action == Action.DELETE:
        return [f"System > API Tokens > {res.name}: revoke the token."]
    spec = res.spec
    lines = [
        "System > API Tokens > Create integration API token."
        if action == Action.CREATE
        else f"System > API Tokens > {res.name} > Edit."
    ]
    for key, label in GENERAL:
        value = spec.get(key)
        lines.append(f"General > {label}: {value if value else '(ask the merchant)'}")
    store_types = spec["storeTypes"]
    shown_types = store_types if store_types == "ALL" else render_value(store_types)
    lines.append(f"Restrictions > Store types: {shown_types}")
    if spec.get("stores"):
        lines.append(f"Restrictions > Stores: {', '.join(spec['stores'])}")
    lines.append(f"Permissions > Read permissions: {select_all(spec['readPermissions'])}")
    lines.append(f"Permissions > Update permissions: {select_all(spec['updatePermissions'])}")
    lines.append(f"Expiration time: {_shown_expiry(expiry_of(res))}")
    if action == Action.CREATE:
        lines.append(
            "Click Show and copy the token (Centra shows it only for a limited time). This "
            "token is for Global-e: give it to Global-e through their onboarding channel; "
            "never put it in a manifest, a CI variable or a log."
        )
        lines.append(
            f"It is NOT the token this tool reads Centra with ({ctx.token_env}): that one is "
            "a separate Integration API token you create for the tool; do not replace it."
        )
    return lines


def _shown_expiry(expiry: str) -> str:
    duration = _DURATION.match(expiry)
    if duration:
        days = duration.group(1) or duration.group(2)
        default = " (Centra's default)" if expiry == DEFAULT_EXPIRY else ""
        return f"{days} days from today{default}"
    return expiry


def expiry_warning(res: Resource, ctx: NoteContext) -> list[str]:
    """Integration tokens expire (AUTH:14): warn 14 days before the expiry the ledger
    recorded when the token was made (the same expiry the manifest still asks for)."""
    if res.state != "present":
        return []
    made_at = ctx.recorded_at(res.address, "expiry", expiry_of(res))
    note = expiry_note(res, made_at) if made_at is not None else None
    return [note] if note else []


def backoffice(res: Resource, action: Action, ctx: BackOfficeContext) -> None:
    """Made once, by name; the value the back office shows is discarded: the tool never
    stores a token."""
    tokens = [t for t in ctx.office.records("tokens") if t["name"] == res.name]
    if action == Action.DELETE:
        for token in tokens:
            ctx.office.delete("tokens", token["id"])
        return
    if not tokens:
        body = {"name": res.name, "stores": res.spec.get("stores", [])}
        ctx.office.save("tokens", {**body, "storeTypes": res.spec["storeTypes"]})


KIND = ResourceKind(
    name="IntegrationToken",
    identity=by_name,
    checks=(check_store_refs("stores"),),
    observe=observe,
    steps=guided_steps,
    order=60,
    backoffice=backoffice,
    notes=expiry_warning,
)
