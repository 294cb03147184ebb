"""Two environments' desired configuration side by side, only where they differ, on the same
engine as the plan (deepdiff over trees keyed like the manifests, paths in manifest terms).

A resource only one environment has is one line ("only in qa-int"). Differences the
merchant expects between environments (hosts, merchant ids, endpoints, secret references,
ledgers) are declared once, as `expectedDifferences` in a base, and hidden unless asked for;
anything else is flagged as a possible promotion mistake (a setting changed in one
environment and not carried to the other).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from centra_provision.engine.paths import KEYED, changed_leaves, render
from centra_provision.globale import HOSTS, webhook_url
from centra_provision.manifest.desired import DesiredState, load_desired_state

ENVIRONMENT = "Environment"


@dataclass(frozen=True)
class EnvDifference:
    """One difference: a field (`Kind/name.path`, or `Environment/path`) with each side's
    value, or a whole resource only one side has (`only_in` names that side)."""

    path: str
    a: Any
    b: Any
    expected: bool
    only_in: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class EnvDiff:
    a: str
    b: str
    differences: tuple[EnvDifference, ...]

    @property
    def surprising(self) -> tuple[EnvDifference, ...]:
        return tuple(d for d in self.differences if not d.expected)

    @property
    def expected(self) -> tuple[EnvDifference, ...]:
        return tuple(d for d in self.differences if d.expected)


def keyed(value: Any) -> Any:
    """Keyed lists (tax rules) as maps by name, so they compare by key, never by position."""
    if isinstance(value, Mapping):
        return {
            str(k): (
                {str(item.get("name")): keyed(item) for item in v if isinstance(item, Mapping)}
                if k in KEYED and isinstance(v, list)
                else keyed(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [keyed(v) for v in value]
    return value


def tree(state: DesiredState) -> dict[str, Any]:
    """The desired configuration: the environment's values (with what they derive) and every
    resource's spec, by address."""
    env = state.environment
    out: dict[str, Any] = {
        ENVIRONMENT: {
            "centra": {
                "url": env.centra_url or f"embedded:{env.embedded_state}",
                "tokenEnv": env.token_env,
                "domain": env.centra_domain,
            },
            "globale": {"environment": env.globale_env, "merchantId": env.merchant_id},
            "executor": env.executor,
            "ledger": str(env.doc.data["spec"]["ledger"]),  # as written, not resolved
            "derived": {
                "webhookUrl": webhook_url(env.globale_env, env.merchant_id, env.centra_domain),
                "gemHost": HOSTS[env.globale_env].gem,
            },
        }
    }
    for res in state.resources:
        out[res.address] = {"state": res.state, **keyed(dict(res.spec))}
    return out


def _expected(path: str, patterns: Mapping[str, str | None]) -> tuple[bool, str | None]:
    """The first pattern that matches, and its reason. `*` and `?` are wildcards; brackets
    are literal, so a path written as diff-env prints it (`rules[GE Local VAT].rate`)
    matches itself instead of being read as a character class."""
    for pattern, reason in patterns.items():
        if fnmatchcase(path, pattern.replace("[", "[[]")):
            return True, reason
    return False, None


def diff_environments(root: Path, a: str, b: str) -> EnvDiff:
    left_state, right_state = load_desired_state(root, a), load_desired_state(root, b)
    patterns = {**right_state.expected_differences, **left_state.expected_differences}
    left, right = tree(left_state), tree(right_state)
    out: list[EnvDifference] = []
    for address in sorted(set(left) | set(right), key=lambda x: (x != ENVIRONMENT, x)):
        if address not in right or address not in left:
            side = a if address in left else b
            expected, reason = _expected(address, patterns)
            out.append(EnvDifference(address, None, None, expected, side, reason))
            continue
        sep = "/" if address == ENVIRONMENT else "."
        for segments, va, vb in changed_leaves(left[address], right[address]):
            path = f"{address}{sep}{render(segments)}"
            expected, reason = _expected(path, patterns)
            out.append(EnvDifference(path, va, vb, expected, None, reason))
    return EnvDiff(a, b, tuple(out))
