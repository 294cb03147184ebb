"""JSON Schemas (draft 2020-12) of every `--format json` output, printed by
`provision schema --output KIND`, so that CI scripts can check what they parse. Each output
carries `formatVersion`; a change that could break a reader raises it."""

from __future__ import annotations

import json
from typing import Any

VERSION = {"const": 1}
TEXT = {"type": "string"}
TEXT_OR_NULL = {"type": ["string", "null"]}
FLAG = {"type": "boolean"}
COUNT = {"type": "integer", "minimum": 0}
# A field's value as plan, drift and apply print it: numbers are numbers (a rate is 25).
VALUE: dict[str, Any] = {}


def _object(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "required": sorted(required),
        "properties": {**required, **(optional or {})},
    }


def _list(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


FIELD = _object(
    {
        "path": TEXT,
        "before": VALUE,
        "after": VALUE,
        "observed": FLAG,
        "status": {"enum": ["changed", "unknown", "unchanged"]},
    }
)
CHANGE = _object(
    {
        "kind": TEXT,
        "name": TEXT,
        "action": {"enum": ["create", "update", "delete", "no-op"]},
        "executor": {"enum": ["api", "guided", "backoffice"]},
        "fields": _list(FIELD),
    }
)
VALIDATION = _object(
    {
        "formatVersion": VERSION,
        "environment": TEXT,
        "valid": FLAG,
        "resources": _list(TEXT),
        "errors": _list(
            _object(
                {
                    "file": TEXT_OR_NULL,
                    "line": {"type": ["integer", "null"]},
                    "col": {"type": ["integer", "null"]},
                    "message": TEXT,
                }
            )
        ),
    }
)

OUTPUTS: dict[str, dict[str, Any]] = {
    "plan": _object(
        {
            "formatVersion": VERSION,
            "environment": TEXT,
            "centraUrl": TEXT,
            "manifestDigest": TEXT,
            "createdAt": TEXT,
            "changes": _list(CHANGE),
            "summary": _object(
                {
                    k: COUNT
                    for k in ("create", "update", "delete", "no-op", "guided", "backoffice", "api")
                }
            ),
        },
        {"centraUrlSource": TEXT, "notes": _list(TEXT)},
    ),
    "validate": {
        "oneOf": [
            VALIDATION,
            _object({"formatVersion": VERSION, "environments": _list(VALIDATION)}),
        ]
    },
    "drift": _object(
        {
            "formatVersion": VERSION,
            "environment": TEXT,
            "centraUrl": TEXT,
            "drifted": COUNT,
            "resources": _list(
                _object(
                    {
                        "address": TEXT,
                        "drifted": FLAG,
                        "reason": TEXT,
                        "fields": _list(
                            _object(
                                {
                                    "path": TEXT,
                                    "observed": FLAG,
                                    "centra": VALUE,
                                    "manifests": VALUE,
                                }
                            )
                        ),
                    }
                )
            ),
        },
        {"centraUrlSource": TEXT, "unmanaged": COUNT, "notes": _list(TEXT)},
    ),
    "apply": _object(
        {
            "formatVersion": VERSION,
            "environment": TEXT,
            "outcomes": _list(
                _object(
                    {
                        "address": TEXT,
                        "action": TEXT,
                        "executor": TEXT,
                        "outcome": {"enum": ["done", "failed", "pending", "skipped"]},
                        "message": TEXT,
                    },
                    {"verified": COUNT, "attested": COUNT},
                )
            ),
            "refused": _list(TEXT),
            "runbook": TEXT_OR_NULL,
            "converged": FLAG,
            "remaining": _list(TEXT),
            "exitCode": {"enum": [0, 1, 3]},
        }
    ),
    "envs": _object(
        {
            "formatVersion": VERSION,
            "environments": _list(
                _object(
                    {
                        "name": TEXT,
                        "globaleEnvironment": TEXT_OR_NULL,
                        "merchantId": {"type": ["integer", "null"]},
                        "problem": TEXT_OR_NULL,
                    }
                )
            ),
        }
    ),
    "diff-env": _object(
        {
            "formatVersion": VERSION,
            "differences": _list(
                _object(
                    {
                        "path": TEXT,
                        "a": VALUE,
                        "b": VALUE,
                        "expected": FLAG,
                        "onlyIn": TEXT_OR_NULL,
                        "reason": TEXT_OR_NULL,
                    }
                )
            ),
        }
    ),
    "storefront": _object(
        {
            "formatVersion": VERSION,
            "environment": TEXT,
            "globaleEnvironment": TEXT,
            "merchantId": {"type": "integer"},
            "script": TEXT,
            "css": TEXT,
        }
    ),
    "state-list": _object(
        {
            "formatVersion": VERSION,
            "location": TEXT,
            "environment": TEXT,
            "serial": COUNT,
            "resources": _list(_object({"address": TEXT, "fields": _list({"type": "object"})})),
        }
    ),
    "state-show": _object(
        {"formatVersion": VERSION, "address": TEXT, "fields": _list({"type": "object"})}
    ),
}


def output_schema(kind: str) -> str:
    body = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://centra-provision.dev/schemas/output/{kind}.json",
        "title": f"provision {kind.replace('-', ' ')} --format json",
        **OUTPUTS[kind],
    }
    return json.dumps(body, indent=2) + "\n"
