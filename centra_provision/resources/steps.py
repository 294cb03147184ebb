"""Back-office steps in the guide's own words (pure text, no I/O).

A guided change becomes exact steps for one merchant and environment: where to click,
then only the fields that differ, with values ready to paste. Secrets are named, never
shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# A step's line "```json" opens a block to paste verbatim, "```" closes it.
FENCE = "```"


@dataclass(frozen=True)
class StepContext:
    """What steps may mention: environment names, never secret values."""

    environment: str
    globale_env: str
    merchant_id: int
    centra_domain: str
    token_env: str
    secret_sources: dict[str, str]  # field path -> "the value of GE_ORDER_API_SECRET"


def yes_no(value: Any) -> str:
    return "Yes" if value else "No"


def select_all(value: Any) -> str:
    if value == "all":
        return "Select ALL"
    if isinstance(value, dict) and "allExcept" in value:
        return "Select ALL except " + ", ".join(map(str, value["allExcept"]))
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def percent(value: Any) -> str:
    return f"{Decimal(str(value)).normalize():f}%"


def render_value(value: Any) -> str:
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)
