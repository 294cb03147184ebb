"""List the names the emulator serves that Centra's reference marks `unconfirmed`.

Run: python scripts/served_unconfirmed_names.py [path/to/centra-integration-api.graphql]
Such names (and their shapes) should be confirmed by introspecting a live Centra before
anything relies on them; the client finds them by type through introspection instead.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from graphql import build_schema

from centra_provision.emulator.graphql_api import sdl

DEFAULT = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "reference"
    / ("centra-integration-api.graphql")
)
BLOCK = re.compile(r"^(type|input|enum|interface)\s+(\w+)")
FIELD = re.compile(r"^\s+(\w+)\b[^#]*#\s*(.*unconfirmed.*)$")


def unconfirmed(reference: str) -> list[tuple[str, str, str]]:
    found, current = [], None
    for line in reference.splitlines():
        block = BLOCK.match(line)
        if block:
            current = block.group(2)
            continue
        if line.startswith("}"):
            current = None
            continue
        field = FIELD.match(line)
        if current and field:
            found.append((current, field.group(1), field.group(2).strip()))
    return found


def main() -> None:
    reference = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    schema = build_schema(sdl())
    for type_name, field, note in unconfirmed(reference.read_text()):
        gql_type = schema.get_type(type_name)
        served = gql_type is not None and field in (
            getattr(gql_type, "fields", None) or getattr(gql_type, "values", None) or {}
        )
        if served:
            print(f"{type_name}.{field}\t{note}")


if __name__ == "__main__":
    main()
