"""Secret references: `{fromEnv: NAME}` or `{fromFile: PATH}`, resolved only when needed
(never by validation), and never printed: outputs carry fingerprints instead."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from centra_provision.manifest.files import FileProblem, read_limited

MAX_SECRET_BYTES = 64 * 1024


@dataclass(frozen=True)
class SecretValue:
    """A resolved secret, or why it is unavailable. `repr` never shows the value."""

    source: str
    value: str | None
    problem: str | None = None

    def __repr__(self) -> str:
        return f"SecretValue({self.source!r}, {'set' if self.value else 'unset'})"

    __str__ = __repr__


def describe(ref: Any) -> str:
    """Where the secret comes from, for messages and runbooks (never the value)."""
    if isinstance(ref, dict) and "fromEnv" in ref:
        return f"the value of {ref['fromEnv']}"
    if isinstance(ref, dict) and "fromFile" in ref:
        return f"the contents of {ref['fromFile']}"
    return "a secret"


def resolve(ref: Any, base_dir: Path) -> SecretValue:
    """The secret's value; `fromFile` paths are relative to `base_dir` (the repo root)."""
    source = describe(ref)
    if isinstance(ref, dict) and "fromEnv" in ref:
        name = str(ref["fromEnv"])
        value = os.environ.get(name)
        state = "is empty" if value == "" else "is not set"
        return SecretValue(source, value or None, None if value else f"{name} {state}")
    if isinstance(ref, dict) and "fromFile" in ref:
        path = base_dir / str(ref["fromFile"])
        try:
            value = read_limited(path, MAX_SECRET_BYTES, "secret file").decode().strip()
        except FileProblem as exc:
            return SecretValue(source, None, f"{ref['fromFile']}: {exc}")
        except UnicodeDecodeError:
            return SecretValue(source, None, f"{ref['fromFile']}: not valid UTF-8")
        return SecretValue(source, value or None, None if value else f"{ref['fromFile']} is empty")
    return SecretValue(source, None, "not a secret reference")
