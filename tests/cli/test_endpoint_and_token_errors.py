"""the endpoint override is per environment and the plan header says
where the endpoint came from; token errors name the variable and tell empty from unset."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from centra_provision.emulator.app import Emulator
from tests.support.cli import run
from tests.support.emulator import EmulatorClient, served


@pytest.fixture
def qa(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    emulator = Emulator(":memory:", products=3)
    with served(emulator) as url:
        monkeypatch.setenv("CENTRA_QA_INT_TOKEN", emulator.admin_token)
        monkeypatch.setenv("GE_ORDER_API_SECRET", "endpoint-test-secret")
        yield EmulatorClient(emulator, url)
    emulator.state.close()


def test_per_environment_variable_is_named_in_the_header(
    qa: EmulatorClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PROVISION_CENTRA_URL_QA_INT", f"{qa.base_url}/graphql")
    code, out, err = run(["plan", "-e", "qa-int"], capsys)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (
        f"Centra: {qa.base_url}/graphql (from PROVISION_CENTRA_URL_QA_INT; environment qa-int)"
    )


def test_flag_wins_and_is_named_in_the_header(
    qa: EmulatorClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PROVISION_CENTRA_URL_QA_INT", "http://127.0.0.1:9/graphql")
    url = f"{qa.base_url}/graphql"
    code, out, _ = run(["plan", "-e", "qa-int", "--centra-url", url], capsys)
    assert code == 0
    assert out.splitlines()[0] == f"Centra: {url} (from --centra-url; environment qa-int)"


def test_override_for_one_environment_leaves_the_others_alone(
    qa: EmulatorClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PROVISION_CENTRA_URL_QA_INT", f"{qa.base_url}/graphql")
    code, out, err = run(["plan", "-e", "local"], capsys)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (
        "Centra: embedded emulator (.provision/local-centra.sqlite) "
        "(from environment.yaml centra.embedded; environment local)"
    )
    # PROD is not redirected: it still wants its own token for its own URL.
    code, out, err = run(["plan", "-e", "prod"], capsys)
    assert (code, out) == (1, "")
    assert err == (
        "error: environment variable CENTRA_PROD_TOKEN is not set (the Centra "
        "Integration API token for prod)\n"
    )


def test_override_refused_for_an_embedded_environment(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PROVISION_CENTRA_URL_LOCAL", "http://127.0.0.1:9/graphql")
    code, out, err = run(["plan", "-e", "local"], capsys)
    assert (code, out) == (1, "")
    assert err == (
        "error: PROVISION_CENTRA_URL_LOCAL cannot redirect environment local: it uses the "
        "embedded emulator; unset PROVISION_CENTRA_URL_LOCAL or give local a centra.url\n"
    )
    monkeypatch.delenv("PROVISION_CENTRA_URL_LOCAL")
    code, _, err = run(
        ["drift", "-e", "local", "--centra-url", "http://127.0.0.1:9/graphql"], capsys
    )
    assert code == 1
    assert err.startswith("error: --centra-url cannot redirect environment local:")
    assert not (workdir / ".provision" / "local-centra.sqlite").exists()


def test_global_variable_is_ignored_with_a_warning(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PROVISION_CENTRA_URL", "http://127.0.0.1:9/graphql")
    code, out, err = run(["plan", "-e", "local"], capsys)
    assert code == 0
    assert err == (
        "warning: PROVISION_CENTRA_URL is ignored: endpoint overrides are per environment "
        "(PROVISION_CENTRA_URL_<ENV>, e.g. PROVISION_CENTRA_URL_QA_INT) or --centra-url\n"
    )
    assert out.startswith("Centra: embedded emulator")


def test_empty_token_variable_is_called_empty(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CENTRA_QA_INT_TOKEN", "")
    code, _, err = run(["plan", "-e", "qa-int"], capsys)
    assert code == 1
    assert err == (
        "error: environment variable CENTRA_QA_INT_TOKEN is empty (the Centra "
        "Integration API token for qa-int)\n"
    )


def test_every_missing_permission_in_one_run(
    qa: EmulatorClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """ReadLive is denied, yet the plugin read still runs, so StorePlugin:read is named now and
    not in a second round, and under the field a user knows rather than a batch alias."""
    token = qa.emulator.backoffice.create_token(
        {"name": "weak", "permissions": ["Store:read", "Warehouse:read", "TaxGroup:read"]}
    )["token"]
    monkeypatch.setenv("CENTRA_QA_INT_TOKEN", token)
    code, out, err = run(["plan", "-e", "qa-int", "--centra-url", f"{qa.base_url}/graphql"], capsys)
    assert (code, out) == (1, "")
    assert err == (
        "error: the Centra token lacks permissions: Attribute:read, StorePlugin:read "
        "(needed to read attributeTypes, storePlugins); `provision plan` needs them "
        "(see `provision doctor`)\n"
    )


def test_a_denial_names_the_subcommand_that_needs_it(
    qa: EmulatorClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    token = qa.emulator.backoffice.create_token(
        {"name": "no-products", "permissions": ["Store:read", "Display:read", "Market:read"]}
    )["token"]
    monkeypatch.setenv("CENTRA_QA_INT_TOKEN", token)
    url = f"{qa.base_url}/graphql"
    code, _, err = run(
        ["catalog", "export", "-e", "qa-int", "-o", "-", "--centra-url", url], capsys
    )
    assert code == 1
    assert "lacks permission" in err and "; `provision catalog export` needs " in err
