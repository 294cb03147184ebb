"""Field paths in the manifest's own terms, and nested values compared through deepdiff.

A path names a field as a manifest author would: `elements.ge_order_id.desc` for a map,
`rules[GE Local VAT].rate` for a list the manifests key by name (never by position). The
engine compares trees with deepdiff and renders its paths back into these terms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from deepdiff import DeepDiff
from deepdiff.model import DiffLevel

Segments = tuple[str, ...]

# Lists the manifests key by name (a rule is found by its name, wherever it stands).
KEYED = frozenset({"rules"})
# Lists that mean a set: order carries no meaning, only membership does.
SETS = frozenset({"countries", "allExcept", "defaultInStores", "stores", "markets"})

_TOKEN = re.compile(r"\[([^\]]*)\]|([^.\[\]]+)")


def parse(path: str) -> Segments:
    """`rules[GE Local VAT].rate` -> ("rules", "GE Local VAT", "rate")."""
    return tuple(
        m.group(1) if m.group(1) is not None else m.group(2) for m in _TOKEN.finditer(path)
    )


def render(segments: Iterable[object]) -> str:
    """The inverse of `parse`; list positions (deepdiff's ints) are dropped: an item of a
    set is reported on the set itself."""
    out = ""
    parent = None
    for seg in segments:
        if isinstance(seg, int):
            break
        text = str(seg)
        if parent in KEYED:
            out += f"[{text}]"
        else:
            out += f".{text}" if out else text
        parent = text
    return out


def comparable(value: Any) -> Any:
    """Numbers as normalised decimals (25 == 25.0 == 25.00, 7.7 == 7.70), containers
    recursively; everything else as it is."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value)).normalize()
    if isinstance(value, Mapping):
        return {str(k): comparable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [comparable(v) for v in value]
    return value


def _is_set(level: DiffLevel) -> bool:
    segments = level.path(output_format="list")
    return bool(segments) and segments[-1] in SETS


def differing(a: Mapping[str, Any], b: Mapping[str, Any]) -> set[Segments]:
    """Where two trees differ, as the segments of the nearest path above each difference
    that is not a list position (an added country is a change of `countries`)."""
    diff = DeepDiff(comparable(a), comparable(b), view="tree", ignore_order_func=_is_set)
    found: set[Segments] = set()
    for levels in diff.values():
        for level in levels:
            segments = level.path(output_format="list")
            cut = next((i for i, s in enumerate(segments) if isinstance(s, int)), len(segments))
            found.add(tuple(str(s) for s in segments[:cut]))
    return found


def put(tree: dict[str, Any], segments: Segments, value: Any) -> None:
    """Set tree[s0][s1]...[sn] = value, making the maps on the way."""
    node = tree
    for seg in segments[:-1]:
        node = node.setdefault(seg, {})
    node[segments[-1]] = value


def get(tree: Any, segments: Segments) -> Any:
    for seg in segments:
        if not isinstance(tree, Mapping) or seg not in tree:
            return None
        tree = tree[seg]
    return tree


def leaves(tree: Any, prefix: Segments = ()) -> Iterator[tuple[Segments, Any]]:
    """(segments, value) for every non-map value under `tree` (lists are values)."""
    if isinstance(tree, Mapping) and tree:
        for key, value in tree.items():
            yield from leaves(value, (*prefix, str(key)))
    else:
        yield prefix, tree


def _is_value(v: Any) -> bool:
    return not isinstance(v, Mapping) or not v


def changed_leaves(a: Any, b: Any) -> list[tuple[Segments, Any, Any]]:
    """Where two trees differ, leaf by leaf (a map only one side has is each of its leaves:
    an element added is its `elements.<key>.desc`), with each side's value (None: absent).
    A value that is a map on the other side is reported too, against None: `countries`
    turned from `{allExcept: [SE]}` into `[SE]` is `countries.allExcept` [SE] -> None and
    `countries` None -> [SE], not the removed leaf alone."""
    found: dict[Segments, tuple[Any, Any]] = {}
    for prefix in differing(a, b):
        paths = {p for p, _ in leaves(get(a, prefix), prefix)}
        paths |= {p for p, _ in leaves(get(b, prefix), prefix)}
        for segments in paths:
            va, vb = get(a, segments), get(b, segments)
            if not _is_value(va) or not _is_value(vb):
                # A map's own leaves speak for it (a path comes from one side's leaves, so the
                # other side is the map); the value facing it, if any, is shown alone.
                if va is None or vb is None:
                    continue
                va, vb = (va if _is_value(va) else None), (vb if _is_value(vb) else None)
            if segments == prefix or comparable(va) != comparable(vb):
                found[segments] = (va, vb)
    return [(s, *found[s]) for s in sorted(found)]
