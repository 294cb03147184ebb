"""The JSON Schemas shipped with the package, and jsonschema errors as one-line diagnostics."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from centra_provision.errors import Diagnostic
from centra_provision.resources import KINDS
from centra_provision.source import SourceDocument

# The documents a manifest may hold: the layers, then every resource kind; each has
# schemas/<kind>.json.
SCHEMA_KINDS = ("Environment", "Base", *KINDS)


@cache
def schema_text(kind: str) -> str:
    return (resources.files("centra_provision.manifest") / "schemas" / f"{kind}.json").read_text()


@cache
def _validator(kind: str) -> Draft202012Validator:
    schema = json.loads(schema_text(kind))
    # Decimals from the YAML loader are numbers; bool is never a number.
    checker = Draft202012Validator.TYPE_CHECKER.redefine(
        "number",
        lambda _c, v: isinstance(v, int | float | Decimal) and not isinstance(v, bool),
    )
    cls = jsonschema.validators.extend(Draft202012Validator, type_checker=checker)
    return cls(schema)


@cache
def _fast(kind: str) -> Any:
    """The kind's schema compiled to Python by fastjsonschema: some 10x faster than
    jsonschema on a valid document, so a 3,000-document environment validates in a fraction
    of the time. It only says valid or not; the messages come from jsonschema."""
    import fastjsonschema

    return fastjsonschema.compile(json.loads(schema_text(kind)))


# Compiling a kind costs 2-30 ms: worth it only for environments with many documents of a
# kind (a shipped environment has one or two each, and validate must start fast).
COMPILE_AFTER = 32
_seen: dict[str, int] = {}


def _fast_valid(kind: str, data: Any) -> bool:
    _seen[kind] = _seen.get(kind, 0) + 1
    if _seen[kind] <= COMPILE_AFTER:
        return False
    from fastjsonschema import JsonSchemaException

    try:
        _fast(kind)(data)
    except JsonSchemaException:
        return False
    except Exception:  # a compiled check that trips over a value: let jsonschema decide
        return False
    return True


def validate_document(doc: SourceDocument, kind: str) -> list[Diagnostic]:
    """Every schema violation of one document, each as `file:line:col: Kind name: message`.
    Past the first few documents of a kind, one the compiled schema accepts has none (the two
    agree: tests/manifest/test_schema_fast_path.py); only a rejected one pays for jsonschema."""
    if _fast_valid(kind, doc.data):
        return []
    label = _label(doc, kind)
    errors = sorted(_validator(kind).iter_errors(doc.data), key=lambda e: list(map(str, e.path)))
    return [d for e in errors for d in _diagnostics(doc, label, e)]


def _label(doc: SourceDocument, kind: str) -> str:
    meta = doc.data.get("metadata") if isinstance(doc.data, dict) else None
    name = meta.get("name") if isinstance(meta, dict) else None
    return f"{kind}/{name}" if isinstance(name, str) else kind


def _where(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "document"


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, Decimal) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _diagnostics(doc: SourceDocument, label: str, err: ValidationError) -> list[Diagnostic]:
    path = tuple(err.absolute_path)
    if err.validator in ("oneOf", "anyOf") and err.context:
        if all(tuple(e.absolute_path) == path for e in err.context):
            options = " or ".join(_describe(s) for s in err.validator_value)
            message = f"{_where(path)}: {_short(err.instance)} is not valid (expected {options})"
            return [Diagnostic(doc.mark(path), f"{label}: {message}")]
        return _diagnostics(doc, label, best_match(err.context))
    where = _where(path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = set(err.schema.get("properties", {}))
        return [
            Diagnostic(
                doc.key_mark((*path, key)),
                f"{label}: unknown key '{key}' in {where}{_did_you_mean(key, allowed)}",
            )
            for key in err.instance
            if key not in allowed
        ]
    message = _message(err, where)
    return [Diagnostic(doc.mark(path), f"{label}: {message}")]


def _did_you_mean(word: str, choices: Iterable[Any]) -> str:
    """`; did you mean 'debugLogging'?` for the nearest spelling (case-insensitive), or ""."""
    words = {str(c).lower(): str(c) for c in choices}
    near = difflib.get_close_matches(word.lower(), list(words), n=1, cutoff=0.75)
    return f"; did you mean '{words[near[0]]}'?" if near else ""


def _describe(schema: Any) -> str:
    """A few words for one alternative of a oneOf, for messages."""
    if not isinstance(schema, dict):
        return "a value"
    if "const" in schema:
        return repr(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    if "required" in schema and schema.get("type") == "object":
        return "a mapping with " + ", ".join(schema["required"])
    kind = schema.get("type")
    return {"array": "a list", "object": "a mapping"}.get(str(kind), f"a {kind or 'value'}")


def _message(err: ValidationError, where: str) -> str:
    schema = err.schema if isinstance(err.schema, dict) else {}
    if schema.get("x-secret") and not isinstance(err.instance, dict):
        return (
            f"{where} is a secret and must not be literal; "
            "use {fromEnv: NAME} or {fromFile: PATH}"
        )
    if err.validator == "required":
        missing = str(err.message).split("'")[1] if "'" in str(err.message) else err.message
        return f"missing required key '{missing}' in {where}"
    if err.validator in ("enum", "const"):
        options = schema.get("enum") or [schema.get("const")]
        hint = _did_you_mean(err.instance, options) if isinstance(err.instance, str) else ""
        return f"{where}: {_short(err.instance)} is not one of {', '.join(map(str, options))}{hint}"
    if err.validator == "type":
        return f"{where}: expected {err.validator_value}, got {_short(err.instance)}"
    return f"{where}: {_shorten(err.message)}"


def _shorten(message: str) -> str:
    return message if len(message) <= 160 else message[:157] + "..."


def combined_schema() -> str:
    """One schema for any manifest document: dispatches on `kind` to each kind's schema."""
    defs = {kind: json.loads(schema_text(kind)) for kind in SCHEMA_KINDS}
    for sub in defs.values():
        sub.pop("$schema", None)
    combined = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://centra-provision.dev/schemas/manifest.json",
        "title": "centra-provision manifest document",
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"enum": list(SCHEMA_KINDS)}},
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
                "then": {"$ref": defs[kind]["$id"]},
            }
            for kind in SCHEMA_KINDS
        ],
        "$defs": defs,
    }
    return json.dumps(combined, indent=2)
