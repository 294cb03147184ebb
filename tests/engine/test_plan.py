"""`provision plan` end to end: the embedded local environment, and QA-INT pointed at the
emulator over real HTTP, converged and drifted, with every preflight failure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from centra_provision.emulator.app import Emulator
from centra_provision.engine.planner import plan_environment
from centra_provision.engine.session import RunOptions
from centra_provision.plans import planfile
from tests.support.centra import (
    converge_qa_int,
    served_as_qa_int,
)
from tests.support.cli import run
from tests.support.emulator import EmulatorClient

SECRET = "order-api-secret-for-tests-0001"


@pytest.fixture
def qa_emulator(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    emulator = Emulator(":memory:", products=5)
    with served_as_qa_int(emulator, monkeypatch, SECRET) as client:
        yield client


def converge(api: EmulatorClient, workdir: Path) -> None:
    converge_qa_int(api.emulator, workdir / "manifests", SECRET)


def test_local_plan_on_a_fresh_machine(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["plan", "-e", "local", "--detailed-exitcode"], capsys)
    assert (code, err) == (2, "")
    for address in (
        "AttributeType/ge_order_details",
        "AttributeType/ge_customer_coupon",
        "AttributeType/ge_voucher_details",
        "TaxGroup/GE Local VAT",
        "OrderApiPlugin/GE Order API",
        "WebhookPlugin/GE Integration Webhooks",
        "IntegrationToken/Global-e integration",
    ):
        assert f"+ {address}  (executor: backoffice)" in out
    assert "+ ShippingOption/GE Express  (executor: api)" in out
    assert "+ Pricelist/Wholesale SEK  (executor: api)" in out
    assert "Pricelist/Global-e SEK" not in out  # the seed already matches it
    assert out.rstrip().endswith(
        "Plan: 9 to create, 0 to update, 0 to delete; 7 by back office, 2 by API"
    )
    assert (workdir / ".provision" / "local-centra.sqlite").exists()
    code, out, _ = run(["plan", "-e", "local", "--format", "json"], capsys)
    body = json.loads(out)
    assert code == 0 and body["formatVersion"] == 1
    assert body["summary"] == {
        "create": 9,
        "update": 0,
        "delete": 0,
        "no-op": 1,
        "guided": 0,
        "backoffice": 7,
        "api": 2,
    }
    # rateLimits, introspection, ReadLive's page 1 and the page 2 that confirms its short
    # lists ended, PluginsInStore (no plugins yet: its first page is empty, the end).
    assert body["requests"] == 5


def test_converged_qa_int_has_no_changes(
    qa_emulator: EmulatorClient, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    converge(qa_emulator, workdir)
    code, out, err = run(["plan", "-e", "qa-int", "--detailed-exitcode"], capsys)
    assert (code, err) == (0, "")
    assert (
        f"Centra: {qa_emulator.base_url}/graphql "
        "(from PROVISION_CENTRA_URL_QA_INT; environment qa-int)" in out
    )
    assert "No changes. Live Centra matches the manifests." in out
    stats = qa_emulator.stats()
    assert stats["operation.IntrospectionQuery"] == 1
    # Each read's short first page is confirmed by a second (Centra is not known to fill
    # pages of 100; see test_page_capping.py for a Centra that caps them).
    assert stats["operation.ReadLive"] == 2 and stats["operation.PluginsInStore"] == 2


def test_drift_is_shown_field_by_field(
    qa_emulator: EmulatorClient, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    converge(qa_emulator, workdir)
    office = qa_emulator.emulator.backoffice
    rule = office.state.all("tax_rule")[0]
    office.save_tax_rule({"rate": 20.5}, None, rule["id"])
    plugin = next(p for p in office.state.all("plugin") if p["type"] == "API")
    office.save_plugin({"settings": {"secretKey": "rotated-by-hand"}}, plugin["id"])
    code, out, _ = run(["plan", "-e", "qa-int", "--detailed-exitcode"], capsys)
    assert code == 2
    assert "~ TaxGroup/GE Local VAT  (executor: guided)" in out
    assert "~ rules[GE Local VAT].rate = 20.5 -> 25" in out
    assert "~ secretKey = (sensitive)" in out
    assert "rotated-by-hand" not in out and SECRET not in out
    assert out.rstrip().endswith("Plan: 0 to create, 2 to update, 0 to delete; 2 guided, 0 by API")


def test_write_only_changes_come_from_the_ledger(
    qa_emulator: EmulatorClient, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    converge(qa_emulator, workdir)
    path = workdir / "manifests" / "base" / "order-api-plugin.yaml"
    path.write_text(path.read_text().replace("debugLogging: true", "debugLogging: false"))
    code, out, _ = run(["plan", "-e", "qa-int", "--detailed-exitcode"], capsys)
    assert code == 2
    line = next(x for x in out.splitlines() if "debugLogging" in x)
    assert line.strip().startswith(
        "~ debugLogging = (differs from last applied) -> false "
        "(write-only: Centra cannot show this; last applied 20"
    )


def test_markdown_and_target(
    qa_emulator: EmulatorClient, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        ["plan", "-e", "qa-int", "--format", "markdown", "--target", "TaxGroup/GE Local VAT"],
        capsys,
    )
    assert code == 0
    assert "| `+` | `TaxGroup/GE Local VAT` | guided | 11 |" in out
    assert "OrderApiPlugin" not in out
    code, _, err = run(["plan", "-e", "qa-int", "--target", "TaxGroup/Nope"], capsys)
    assert code == 1 and err.startswith("error: unknown target TaxGroup/Nope (known: ")


def test_plan_out_file_round_trips(
    qa_emulator: EmulatorClient, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:

    code, _out, _ = run(["plan", "-e", "qa-int", "--out", "plan.json"], capsys)
    saved = planfile.from_json(json.loads((workdir / "plan.json").read_text()))
    assert code == 0 and saved.environment == "qa-int" and len(saved.changes) == 7
    assert planfile.to_json(saved) == json.loads((workdir / "plan.json").read_text())
    assert all(c.live_fingerprint is None for c in saved.changes)


def test_verbose_reports_discovered_names(
    qa_emulator: EmulatorClient, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["plan", "-e", "qa-int", "-v"], capsys)
    assert code == 0
    assert "  discovered query storePlugins as storePlugins" in out
    assert "  discovered mutation createPricelist as createPricelist" in out
    assert "Requests sent: 5 GraphQL, 1 other (Order API probe)" in out


def test_missing_token_env_var(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["plan", "-e", "qa-int"], capsys)
    assert (code, out) == (1, "")
    assert err == (
        "error: environment variable CENTRA_QA_INT_TOKEN is not set (the Centra "
        "Integration API token for qa-int)\n"
    )


def test_refused_token(
    qa_emulator: EmulatorClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CENTRA_QA_INT_TOKEN", "wrong")
    code, _, err = run(["plan", "-e", "qa-int"], capsys)
    assert code == 1
    assert err == (
        f"error: Centra refused the token from CENTRA_QA_INT_TOKEN (HTTP 403) at "
        f"{qa_emulator.base_url}/graphql: set CENTRA_QA_INT_TOKEN to a valid Integration "
        "API token for this Centra\n"
    )


def test_token_lacking_permissions(
    qa_emulator: EmulatorClient,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    converge(qa_emulator, workdir)
    token = qa_emulator.emulator.backoffice.create_token(
        {
            "name": "weak",
            "permissions": [
                "Store:read",
                "Warehouse:read",
                "TaxGroup:read",
                "StorePlugin:read",
            ],
        }
    )["token"]
    monkeypatch.setenv("CENTRA_QA_INT_TOKEN", token)
    code, _, err = run(["plan", "-e", "qa-int"], capsys)
    assert code == 1
    # Every missing permission in one line, though Centra stops at the first denied list.
    assert err == (
        "error: the Centra token lacks permissions: Attribute:read, TaxRule:read "
        "(needed to read attributeTypes, taxGroups.rules); `provision plan` needs them "
        "(see `provision doctor`)\n"
    )


def test_missing_store_is_an_error(
    qa_emulator: EmulatorClient, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = workdir / "manifests" / "qa-int" / "environment.yaml"
    env.write_text(
        env.read_text()
        .replace("defaultStore: Retail", "defaultStore: Outlet")
        .replace("{name: Wholesale,", "{name: Outlet,")
    )
    code, _, err = run(["plan", "-e", "qa-int"], capsys)
    assert code == 1
    assert err.startswith(
        "error: IntegrationToken/Global-e integration: store 'Outlet' does "
        "not exist in Centra; OrderApiPlugin/GE Order API: store 'Outlet'"
    )


def test_retries_then_gives_up(qa_emulator: EmulatorClient, workdir: Path) -> None:
    from centra_provision.centra.client import RetryPolicy
    from centra_provision.errors import CentraUnavailable

    qa_emulator.faults(storm_requests=2, storm_retry_after=0)
    fast = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05)
    plan = plan_environment(
        workdir / "manifests",
        "qa-int",
        RunOptions(url_override=f"{qa_emulator.base_url}/graphql", retry=fast),
    )
    # rateLimits + 4 reads (ReadLive confirmed by a second page) + 2 refused; the probe is
    # not GraphQL
    assert plan.requests == 7
    assert qa_emulator.stats()["status.429"] == 2
    qa_emulator.faults(error_rate=1.0)
    with pytest.raises(CentraUnavailable, match=r"kept failing \(HTTP 503\) after 4 attempts"):
        plan_environment(
            workdir / "manifests",
            "qa-int",
            RunOptions(url_override=f"{qa_emulator.base_url}/graphql", retry=fast),
        )


def test_dropped_connections_are_retried_for_reads(
    qa_emulator: EmulatorClient, workdir: Path
) -> None:
    from centra_provision.centra.client import RetryPolicy

    qa_emulator.faults(drop_rate=0.5, seed=3)
    fast = RetryPolicy(attempts=10, base_delay=0.01, max_delay=0.05)
    plan = plan_environment(
        workdir / "manifests",
        "qa-int",
        RunOptions(url_override=f"{qa_emulator.base_url}/graphql", retry=fast),
    )
    assert len(plan.changes) == 7 and qa_emulator.stats().get("dropped", 0) >= 1
