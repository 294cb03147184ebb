"""IntegrationToken: the Integration API token Global-e uses (guide 1.1).

Centra's API can neither read nor write tokens' configuration, so this kind is always
guided; the token value is never stored by the tool.
"""

from __future__ import annotations

from centra_provision.resources.base import Resource, ResourceKind, by_name, check_store_refs
from centra_provision.resources.steps import StepContext, render_value, select_all

FIELDS = (
    ("description", "Description"),
    ("organizationName", "Organization name"),
    ("email", "Email"),
    ("phoneNumber", "Phone number"),
    ("integrationName", "Integration name"),
)


def guided_steps(res: Resource, action: str, paths: list[str], ctx: StepContext) -> list[str]:
    if action == "delete":
        return [f"System > API Tokens > {res.name}: revoke the token."]
    spec = res.spec
    lines = [
        "System > API Tokens > Create integration API token."
        if action == "create"
        else f"System > API Tokens > {res.name} > Edit."
    ]
    lines += [f"{label}: {spec[key]}" for key, label in FIELDS if key in spec]
    store_types = spec["storeTypes"]
    shown_types = store_types if store_types == "ALL" else render_value(store_types)
    lines.append(f"Store types: {shown_types}")
    if spec.get("stores"):
        lines.append(f"Stores: {', '.join(spec['stores'])}")
    lines.append(f"Read permissions: {select_all(spec['readPermissions'])}")
    lines.append(f"Update permissions: {select_all(spec['updatePermissions'])}")
    if spec.get("expiry"):
        lines.append(f"Expiry: {spec['expiry']}")
    if action == "create":
        lines.append(
            "Click Show, copy the token (Centra shows it only for a limited time) "
            f"and store it as the CI secret {ctx.token_env}; never in a manifest."
        )
    return lines


KIND = ResourceKind(
    name="IntegrationToken",
    identity=by_name,
    checks=(check_store_refs("stores"),),
    steps=guided_steps,
    order=60,
)
