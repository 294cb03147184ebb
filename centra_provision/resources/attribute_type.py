"""AttributeType: the custom attribute types of guide 1.2 and 1.7.

The spec is exactly the JSON Centra's System > Configurations takes, so the guided
step can paste it verbatim.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from centra_provision.errors import Diagnostic
from centra_provision.plans import Action
from centra_provision.resources.base import (
    BackOfficeContext,
    CentraRequest,
    CheckContext,
    FieldState,
    ImportedDocument,
    Observation,
    ObserveContext,
    Resource,
    ResourceKind,
    by_name,
)
from centra_provision.resources.live import LiveList, LiveState, Rows
from centra_provision.resources.steps import FENCE, StepContext

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _parse(rows: Rows) -> dict[str, dict[str, Any]]:
    return {
        a["name"]: {
            "description": a["description"],
            "elements": {e["key"]: e["description"] for e in a["elements"]},
        }
        for a in rows
    }


# Centra does not page attribute types.
ATTRIBUTE_TYPES = LiveList("attributeTypes", "AttributeType", "read_attribute_types", _parse)


def check_name(res: Resource, _ctx: CheckContext) -> Iterable[Diagnostic]:
    if not _NAME.match(res.name):
        yield Diagnostic(
            res.doc.mark(("metadata", "name")),
            f"{res.address}: attribute type names are lower_snake_case identifiers",
        )


def definition_json(spec: Mapping[str, Any]) -> str:
    """The attribute-type definition as Centra's back office takes it (guide format)."""
    ordered: dict[str, Any] = {"desc": spec["desc"], "readonly": bool(spec.get("readonly", False))}
    if "group" in spec:
        ordered["group"] = spec["group"]
    ordered["elements"] = {
        key: {**({"type": element["type"]} if "type" in element else {}), "desc": element["desc"]}
        for key, element in spec["elements"].items()
    }
    return json.dumps(ordered, ensure_ascii=False)


def observe(res: Resource, ctx: ObserveContext) -> Observation:
    """Centra shows the description and each element's key and description; the element
    types, the group and the readonly flag are write-only. The definition is pasted whole,
    so an element Centra has that the manifest lacks is a change too."""
    entry = ctx.live.entries(ATTRIBUTE_TYPES.field).get(res.name)
    live_elements: dict[str, str] = entry["elements"] if entry else {}
    fields = [
        FieldState("desc", res.spec["desc"], True, entry["description"] if entry else None),
        FieldState("readonly", bool(res.spec.get("readonly", False)), False),
    ]
    if "group" in res.spec:
        fields.append(FieldState("group", res.spec["group"], False))
    for key, element in res.spec["elements"].items():
        fields.append(
            FieldState(f"elements.{key}.desc", element["desc"], True, live_elements.get(key))
        )
        if "type" in element:
            fields.append(FieldState(f"elements.{key}.type", element["type"], False))
    for key in sorted(set(live_elements) - set(res.spec["elements"])):
        fields.append(FieldState(f"elements.{key}.desc", None, True, live_elements[key]))
    return Observation(entry is not None, entry, tuple(fields))


def guided_steps(res: Resource, action: str, paths: list[str], ctx: StepContext) -> list[str]:
    """QA: System > Configurations, pasting the definition (a fenced block). In PROD Centra
    deploys attribute types on request; the guided executor merges those requests into one
    message."""
    if action == Action.DELETE:
        return [f"System > Configurations > {res.name}: delete the attribute type."]
    head = (
        "System > Configurations > Create attribute type."
        if action == Action.CREATE
        else f"System > Configurations > {res.name} > Edit."
    )
    pretty = json.dumps(json.loads(definition_json(res.spec)), indent=2, ensure_ascii=False)
    return [
        head,
        f"Name: {res.name}",
        "Select Text from the dropdown menu.",
        "Paste into the text field:",
        "```json",
        *pretty.splitlines(),
        "```",
        "Click Save.",
    ]


def backoffice(res: Resource, action: Action, ctx: BackOfficeContext) -> None:
    def form() -> dict[str, Any]:
        return {"name": res.name, "definition": definition_json(res.spec)}

    ctx.put("attributeTypes", action, {"name": res.name}, form)


def shown(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "desc": entry["description"],
        "elements": {key: {"desc": desc} for key, desc in entry["elements"].items()},
    }


def adopt(live: LiveState) -> list[ImportedDocument]:
    placeholders = (
        "readonly: <true|false>",
        "group: <order|customer|voucher|...>",
        "elements.<key>.type: <input|textarea|boolean|...> for each element",
    )
    return [
        ImportedDocument("attribute-types.yaml", "AttributeType", name, shown(a), placeholders)
        for name, a in sorted(live.entries(ATTRIBUTE_TYPES.field).items())
    ]


REQUEST_VERBS = {"create": "Add", "update": "Update", "delete": "Remove"}


def request(res: Resource, action: Action, ctx: StepContext) -> CentraRequest | None:
    """In PROD, Centra deploys attribute types: the change is a request, not a step."""
    if ctx.globale_env != "PROD":
        return None
    definition = None if action == Action.DELETE else definition_json(res.spec)
    return CentraRequest(KIND_NAME, REQUEST_VERBS[action], res.name, definition)


def request_step(
    requests: list[CentraRequest], centra_domain: str, merchant_id: int
) -> tuple[str, list[str]]:
    """One message to Centra for every attribute type of the run."""
    names = ", ".join(r.name for r in requests)
    lines = [
        "In PROD, Centra deploys attribute types: send Centra this one request.",
        "Send this message to Centra (support ticket or your Centra contact):",
        FENCE + "text",
        f"Please deploy these custom attribute types (Text) in the store configuration of "
        f"{centra_domain} (Global-e merchant {merchant_id}), exactly as on QA-INT:",
    ]
    for i, req in enumerate(requests, 1):
        lines.append("")
        if req.definition is None:
            lines.append(f"{i}. {req.verb} `{req.name}`.")
        else:
            lines.append(f"{i}. {req.verb} `{req.name}` with this definition:")
            pretty = json.dumps(json.loads(req.definition), indent=2, ensure_ascii=False)
            lines += pretty.splitlines()
    lines.append(FENCE)
    return f"Ask Centra to deploy the attribute types {names}", lines


KIND_NAME = "AttributeType"
KIND = ResourceKind(
    name=KIND_NAME,
    identity=by_name,
    checks=(check_name,),
    observe=observe,
    steps=guided_steps,
    order=10,
    reads=(ATTRIBUTE_TYPES,),
    backoffice=backoffice,
    shown=shown,
    adopt=adopt,
    request=request,
    request_step=request_step,
)
