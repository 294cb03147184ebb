"""How much randomness a secret holds, so `validate` can warn about weak ones.

The ledger's fingerprints of a secret are slow to compute (scrypt), but a secret a person
chose can still be guessed: anything under 128 bits of randomness is reported (never the
value). The estimate is the alphabet the value draws from, raised to its length: generous
for random keys (`provision secret generate` gives 256 bits of hex), low for words."""

from __future__ import annotations

import math
import os
import string
from pathlib import Path

from centra_provision.engine.secret_refs import resolve_secrets
from centra_provision.manifest.desired import DesiredState
from centra_provision.state.ledger import KEY_ENV

MIN_BITS = 128
HEX = frozenset(string.hexdigits)
CLASSES = (
    frozenset(string.digits),
    frozenset(string.ascii_lowercase),
    frozenset(string.ascii_uppercase),
    frozenset(string.punctuation),
)


def estimated_bits(value: str) -> int:
    if not value:
        return 0
    if len(set(value)) < 8:
        return int(len(value) * math.log2(max(2, len(set(value)))))  # 'aaaa…', '0101…'
    if set(value) <= HEX:
        alphabet = 16 if set(value) - set(string.digits) else 10
    else:
        alphabet = sum(len(c) for c in CLASSES if set(value) & c)
        alphabet += 100 if any(ch not in string.printable for ch in value) else 0
    return int(len(value) * math.log2(alphabet))


def weak_secrets(desired: DesiredState, repo_root: Path) -> list[str]:
    """One warning per referenced secret (and the ledger key) under 128 bits."""
    warnings = []
    for (address, path), secret in sorted(resolve_secrets(desired.resources, repo_root).items()):
        if secret.value is not None and (bits := estimated_bits(secret.value)) < MIN_BITS:
            warnings.append(
                f"{address} {path}: {secret.source} holds about {bits} bits of randomness, "
                f"under {MIN_BITS}; use `provision secret generate`"
            )
    key = os.environ.get(KEY_ENV)
    if key and (bits := estimated_bits(key)) < MIN_BITS:
        warnings.append(
            f"{KEY_ENV} holds about {bits} bits of randomness, under {MIN_BITS}; use "
            "`provision secret generate`"
        )
    return warnings
