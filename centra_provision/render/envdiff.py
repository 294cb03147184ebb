"""diff-env's output: text for people, JSON for scripts. Expected differences (declared by
the bases) only with --all; a resource only one environment has is one line."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from centra_provision.render.plan_text import value
from centra_provision.values import number

if TYPE_CHECKING:
    from centra_provision.engine.envdiff import EnvDiff, EnvDifference


def shown(diff: EnvDiff, show_all: bool) -> list[EnvDifference]:
    return [d for d in diff.differences if show_all or not d.expected]


def _side(v: Any) -> str:
    return "(absent)" if v is None else value(v)


def envdiff_text(diff: EnvDiff, show_all: bool = False) -> str:
    lines = []
    for d in shown(diff, show_all):
        flag = "expected" if d.expected else "CHECK   "
        why = f"  ({d.reason})" if d.expected and d.reason else ""
        if d.only_in is not None:
            lines.append(f"{flag} {d.path}: only in {d.only_in}{why}")
        else:
            lines += [
                f"{flag} {d.path}{why}",
                f"           {diff.a}: {_side(d.a)}",
                f"           {diff.b}: {_side(d.b)}",
            ]
    n, hidden = len(diff.surprising), 0 if show_all else len(diff.expected)
    summary = (
        f"{len(diff.differences)} differences, {n} possible promotion mistake"
        f"{'s' if n != 1 else ''}"
    )
    if hidden:
        summary += f" ({hidden} expected, hidden: --all shows them)"
    return "\n".join([*lines, summary]) + "\n"


def envdiff_json(diff: EnvDiff, show_all: bool = False) -> str:
    body = [
        {
            "path": d.path,
            "a": d.a,
            "b": d.b,
            "expected": d.expected,
            "onlyIn": d.only_in,
            "reason": d.reason,
        }
        for d in shown(diff, show_all)
    ]
    document = {"formatVersion": 1, "differences": body}
    return json.dumps(document, indent=2, default=_plain) + "\n"


def _plain(v: Any) -> Any:
    """Manifest decimals as JSON numbers (25, 7.7), anything else as text."""
    return number(v) if isinstance(v, Decimal) else str(v)
