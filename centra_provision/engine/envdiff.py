"""Two environments' desired configuration side by side, only where they differ.

Expected differences between QA-INT and PROD are hosts, merchant ids, domains, endpoints,
secret references and ledgers; anything else is flagged as a possible promotion mistake
(a setting changed in one environment and not carried to the other).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from centra_provision.globale import HOSTS, webhook_url
from centra_provision.manifest.desired import DesiredState, load_desired_state
from centra_provision.resources.base import flatten

EXPECTED = re.compile(
    r"^Environment/(centra\.(url|embedded.*|tokenEnv|domain|rateLimits.*)|globale\.|ledger$|"
    r"executor$|description$|derived\.)|\.(secretKey)\.(fromEnv|fromFile)$|\.url$"
)


@dataclass(frozen=True)
class EnvDifference:
    path: str
    a: Any
    b: Any
    expected: bool


def rendered(state: DesiredState) -> dict[str, Any]:
    """The desired configuration as flat paths: environment, derived values, resources."""
    env = state.environment
    out: dict[str, Any] = {
        "Environment/centra.url": env.centra_url or f"embedded:{env.embedded_state}",
        "Environment/centra.tokenEnv": env.token_env,
        "Environment/centra.domain": env.centra_domain,
        "Environment/globale.environment": env.globale_env,
        "Environment/globale.merchantId": env.merchant_id,
        "Environment/executor": env.executor,
        "Environment/ledger": str(env.ledger.name),
        "Environment/derived.webhookUrl": webhook_url(
            env.globale_env, env.merchant_id, env.centra_domain
        ),
        "Environment/derived.gemHost": HOSTS[env.globale_env].gem,
    }
    for res in state.resources:
        for path, value in flatten(dict(res.spec)):
            out[f"{res.address}.{path}"] = value
    return out


def diff_environments(root: Path, a: str, b: str) -> list[EnvDifference]:
    left, right = rendered(load_desired_state(root, a)), rendered(load_desired_state(root, b))
    missing = object()
    diffs = []
    for path in sorted(set(left) | set(right)):
        va, vb = left.get(path, missing), right.get(path, missing)
        if va != vb:
            diffs.append(
                EnvDifference(
                    path,
                    None if va is missing else va,
                    None if vb is missing else vb,
                    bool(EXPECTED.search(path)),
                )
            )
    return diffs
