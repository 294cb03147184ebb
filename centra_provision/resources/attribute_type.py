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
from centra_provision.resources.base import CheckContext, Resource, ResourceKind, by_name

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def check_name(res: Resource, _ctx: CheckContext) -> Iterable[Diagnostic]:
    if not _NAME.match(res.name):
        yield Diagnostic(
            res.doc.mark(("metadata", "name")),
            f"{res.address}: attribute type names are lower_snake_case identifiers",
        )


def definition_json(spec: Mapping[str, Any]) -> str:
    """The attribute-type definition as Centra's back office takes it (guide format)."""
    ordered = {
        "desc": spec["desc"],
        "readonly": bool(spec.get("readonly", False)),
        "group": spec["group"],
        "elements": {
            key: {"type": element["type"], "desc": element["desc"]}
            for key, element in spec["elements"].items()
        },
    }
    return json.dumps(ordered, ensure_ascii=False)


KIND = ResourceKind(name="AttributeType", identity=by_name, checks=(check_name,))
