"""Shared wording for plans: symbols, value formatting, notes (used by text and Markdown)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from centra_provision.plans import Action, FieldChange, ResourceChange

SYMBOL = {"create": "+", "update": "~", "delete": "-", "no-op": " "}
FIELD_SYMBOL = {"changed": "~", "unknown": "?", "unchanged": " "}
MAX_LIST = 8


def endpoint_line(url: str, source: str, environment: str) -> str:
    """The header every plan and drift report starts with: which Centra, and why that one."""
    origin = f"from {source}; " if source else ""
    return f"Centra: {url} ({origin}environment {environment})"


def value(v: Any) -> str:
    if isinstance(v, list):
        if len(v) > MAX_LIST:
            return f"[{', '.join(map(str, v[:MAX_LIST]))}, … {len(v)} items]"
        return "[" + ", ".join(map(str, v)) + "]"
    if isinstance(v, str) and v.startswith("(") and v.endswith(")"):
        return v
    if isinstance(v, Decimal):
        return f"{v.normalize():f}"
    return json.dumps(v, default=str, ensure_ascii=False)


def list_delta(before: list[Any], after: list[Any]) -> str:
    added = [x for x in after if x not in before]
    removed = [x for x in before if x not in after]
    parts = []
    for sign, items in (("+", added), ("-", removed)):
        if items:
            shown = ", ".join(map(str, items[:MAX_LIST]))
            more = f", … {len(items)} in all" if len(items) > MAX_LIST else ""
            parts.append(f"{sign}[{shown}{more}]")
    return " ".join(parts) or "reordered"


def describe(change: ResourceChange, f: FieldChange) -> str:
    """`before -> after`, `= after`, or `(sensitive)`, as Terraform would show it."""
    if f.unresolved:
        text = f"unknown ({f.unresolved})"
    elif f.sensitive:
        text = "(sensitive)"
    elif change.action == Action.CREATE or f.before is None:
        text = value(f.after)
    elif isinstance(f.before, list) and isinstance(f.after, list):
        text = list_delta(f.before, f.after)
    else:
        text = f"{value(f.before)} -> {value(f.after)}"
    return text


def note(f: FieldChange, change: ResourceChange | None = None) -> str:
    if f.unresolved:
        return ""  # describe() already says why it is unknown
    if change is not None and change.action == Action.CREATE:
        return f" ({f.note})" if f.note else ("" if f.observed else " (write-only)")
    if f.observed:
        return f" ({f.note})" if f.note else ""
    if f.last_applied:
        return f" (write-only: Centra cannot show this; last applied {f.last_applied})"
    if f.note:
        return f" (write-only: Centra cannot show this; {f.note})"
    return " (write-only: Centra cannot show this)"


def field_symbol(change: ResourceChange, f: FieldChange) -> str:
    return "+" if change.action == Action.CREATE else FIELD_SYMBOL[f.status]
