"""ISO 3166-1 country sets: `[SE, NO]` or `{allExcept: [SE]}`, expanded with pycountry."""

from __future__ import annotations

from functools import cache
from typing import Any

import pycountry


@cache
def all_codes() -> frozenset[str]:
    """Every alpha-2 code (built once: a 3,000-document validate asked 1,500 times)."""
    return frozenset(c.alpha_2 for c in pycountry.countries)


def is_valid(code: str) -> bool:
    return code.upper() in all_codes()


def listed_codes(value: Any) -> list[str]:
    """The codes a set literally names (the list, or the exclusions)."""
    if isinstance(value, dict):
        return list(value.get("allExcept", []))
    return list(value) if isinstance(value, list) else []


def expand(value: Any) -> frozenset[str]:
    """The concrete set of alpha-2 codes a country set denotes."""
    if isinstance(value, dict):
        return all_codes() - {c.upper() for c in value.get("allExcept", [])}
    return frozenset(c.upper() for c in value)


def compact(codes: Any) -> Any:
    """The short way to write a country set: `{allExcept: [SE]}` rather than 248 codes, when
    the set holds more than half of all countries; the sorted list otherwise."""
    chosen = {str(c).upper() for c in codes}
    everything = all_codes()
    if len(chosen) > len(everything) // 2 and chosen <= everything:
        return {"allExcept": sorted(everything - chosen)}
    return sorted(chosen)
