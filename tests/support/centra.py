"""Makes an emulator hold what the shipped manifests describe, through its back office
(as a person following the guide would), so plans can be tested against a converged
Centra and against deliberate drift."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp

from centra_provision.emulator.app import Emulator
from centra_provision.manifest.desired import DesiredState, check_context, load_desired_state
from centra_provision.resources import KINDS, countries
from centra_provision.resources.base import ObserveContext
from centra_provision.resources.base import plain as _plain
from centra_provision.resources.live import LiveState
from centra_provision.state.ledger import Ledger
from tests.support.emulator import EmulatorClient, served
from tests.support.paths import REPO


def configure(emulator: Emulator, desired: DesiredState, secret: str) -> None:
    office = emulator.backoffice
    for res in desired.resources:
        spec: dict[str, Any] = dict(res.spec)
        if res.kind == "OrderApiPlugin":
            settings = {k: v for k, v in spec.items() if k not in ("store", "status")}
            settings["secretKey"] = secret
            office.save_plugin(
                {
                    "store": spec["store"],
                    "type": "order_api",
                    "name": res.name,
                    "status": spec["status"],
                    "settings": _plain(settings),
                }
            )
        elif res.kind == "WebhookPlugin":
            office.save_plugin(
                {
                    "store": spec["store"],
                    "type": "webhook",
                    "name": res.name,
                    "status": spec["status"],
                    "settings": {"url": "set", **_plain(spec)},
                }
            )
        elif res.kind == "AttributeType":
            office.save_attribute_type({"name": res.name, "definition": _plain(spec)})
        elif res.kind == "TaxGroup":
            group = office.save_tax_group(
                {
                    "name": res.name,
                    "status": spec["status"],
                    "defaultInStores": spec.get("defaultInStores", []),
                }
            )
            for rule in spec["rules"]:
                office.save_tax_rule(
                    {
                        **_plain(rule),
                        "rate": float(rule["rate"]),
                        "countries": sorted(countries.expand(rule["countries"])),
                    },
                    group["id"],
                )


def record_write_only(ledger: Ledger, desired: DesiredState, secret: str) -> None:
    """What apply would have recorded: every write-only field (and URI and secret) as applied."""
    ctx = ObserveContext(LiveState(), {}, check_context(desired.environment))
    for res in desired.resources:
        for state in KINDS[res.kind].observe(res, ctx).fields:
            if not state.observed or state.path in ("uri", "secretKey"):
                value = secret if state.path == "secretKey" else state.desired
                ledger.remember(res.address, state.path, value, "test", state.sensitive)
    ledger.save()


def copy_manifests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, catalogue: bool = False
) -> Path:
    """The shipped manifests copied into tmp_path, which becomes the working directory, so a
    test may edit them and its ledger lands in tmp_path; with `catalogue`, QA-INT also gets
    the local environment's API-managed kinds. Returns the copy's manifest root."""
    shutil.copytree(REPO / "manifests", tmp_path / "manifests")
    if catalogue:
        shutil.copy(
            REPO / "manifests" / "local" / "catalogue.yaml",
            tmp_path / "manifests" / "qa-int" / "catalogue.yaml",
        )
    monkeypatch.chdir(tmp_path)
    return tmp_path / "manifests"


def converge_qa_int(emulator: Emulator, manifests: Path, secret: str) -> None:
    """QA-INT done by hand as the guide says, and its write-only fields recorded in the ledger
    as an apply would have: a Centra with nothing left to change."""
    desired = load_desired_state(manifests, "qa-int")
    configure(emulator, desired, secret)
    record_write_only(Ledger.load(desired.environment.ledger, "qa-int"), desired, secret)


@contextmanager
def served_as_qa_int(
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    secret: str | None = None,
    front: ASGIApp | None = None,
) -> Iterator[EmulatorClient]:
    """The emulator on loopback as QA-INT's Centra (endpoint and token, and the Order API
    secret when given, set the way an operator would); its state is closed once the test is
    done with it. Without `secret` the variable is left as it is: reads need no secret.
    `front` is served instead of the emulator: a layer in front of it (tests.support.page_cap)."""
    with served(front or emulator) as url:
        monkeypatch.setenv("PROVISION_CENTRA_URL_QA_INT", f"{url}/graphql")
        monkeypatch.setenv("CENTRA_QA_INT_TOKEN", emulator.admin_token)
        if secret is not None:
            monkeypatch.setenv("GE_ORDER_API_SECRET", secret)
        yield EmulatorClient(emulator, url)
    emulator.state.close()
