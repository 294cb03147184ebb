"""Manifest values as plain JSON: what the plan file, the ledger's snapshots and the JSON
outputs write. Decimals are numbers (a rate of 25 is `25`, 7.7 is `7.7`, as the manifests
say them), tuples are lists, mapping keys are text."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def number(value: Decimal) -> int | float:
    """A manifest decimal as a JSON number: an integer when it is one."""
    return int(value) if value == value.to_integral_value() else float(value)


def jsonable(value: Any) -> Any:
    """The value with every decimal a number, every tuple a list, every key a string."""
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
