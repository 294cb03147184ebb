"""`provision init ENV`: a new merchant's environment folder from a few facts (merchant id,
Centra URL, Global-e environment, stores), including the Global-e base, then validated like
any other. Nothing is left behind when it does not validate."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from centra_provision.errors import ProvisionError, UsageError
from centra_provision.manifest.desired import DesiredState, load_desired_state

STORE_TYPES = ("DIRECT_TO_CONSUMER", "WHOLESALE")


@dataclass(frozen=True)
class InitOptions:
    merchant_id: int
    centra_url: str
    globale_env: str  # QA-INT or PROD
    stores: tuple[str, ...]  # NAME or NAME:TYPE; the first is the default store
    warehouse: str
    vat_rate: Decimal = Decimal(25)
    own_markets: tuple[str, ...] = ()
    token_env: str | None = None
    domain: str | None = None
    includes: tuple[str, ...] = field(default=("base",))


def token_variable(env_name: str) -> str:
    """qa-int -> CENTRA_QA_INT_TOKEN, as the shipped environments name theirs."""
    return "CENTRA_" + re.sub(r"[^A-Z0-9]", "_", env_name.upper()) + "_TOKEN"


def _store(text: str) -> dict[str, str]:
    name, _, kind = text.partition(":")
    kind = (kind or "DIRECT_TO_CONSUMER").upper()
    if not name or kind not in STORE_TYPES:
        raise UsageError(f"--store {text!r}: expected NAME or NAME:TYPE ({', '.join(STORE_TYPES)})")
    return {"name": name, "type": kind}


def environment_document(name: str, options: InitOptions) -> dict[str, Any]:
    stores = [_store(s) for s in options.stores]
    if not stores:
        raise UsageError("name at least one store with --store NAME[:TYPE]")
    domain = options.domain or urlsplit(options.centra_url).hostname or ""
    rate = options.vat_rate
    return {
        "kind": "Environment",
        "metadata": {"name": name},
        "spec": {
            "description": f"Global-e {options.globale_env} for merchant {options.merchant_id}",
            "centra": {
                "url": options.centra_url,
                "tokenEnv": options.token_env or token_variable(name),
                "domain": domain,
            },
            "globale": {"environment": options.globale_env, "merchantId": options.merchant_id},
            "includes": list(options.includes),
            "stores": stores,
            "warehouses": [options.warehouse],
            "variables": {
                "defaultStore": stores[0]["name"],
                "primaryWarehouse": options.warehouse,
                "vatRate": int(rate) if rate == rate.to_integral_value() else float(rate),
                "ownMarkets": [m.upper() for m in options.own_markets],
            },
            "executor": "guided",
            "ledger": f".provision/{name}.ledger.json",
        },
    }


def scaffold(root: Path, name: str, options: InitOptions) -> tuple[Path, DesiredState]:
    """Write `root/name/environment.yaml` and validate the environment; on any error the
    folder is removed again and the error raised."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise UsageError(f"environment name {name!r}: lower-case letters, digits and dashes")
    folder = root / name
    if folder.exists():
        raise UsageError(f"{folder} already exists; nothing was written")
    missing = [i for i in options.includes if not (root / i).is_dir()]
    if missing:
        raise UsageError(
            f"the base {', '.join(missing)} is not under {root}; run init in a repository "
            "with the Global-e base (manifests/base)"
        )
    document = environment_document(name, options)
    folder.mkdir(parents=True)
    path = folder / "environment.yaml"
    header = (
        f"# {name}: Global-e {options.globale_env}, merchant {options.merchant_id}. Written by "
        "`provision init`; the Global-e defaults come from the base.\n"
    )
    path.write_text(header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    try:
        state = load_desired_state(root, name)
    except ProvisionError:
        shutil.rmtree(folder)
        raise
    return path, state
