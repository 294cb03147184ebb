"""Which Centra an environment talks to and why, in the words the plan header prints: the
--centra-url flag over the environment's own override variable over environment.yaml; an
embedded environment is never redirected (refused, not ignored)."""

from __future__ import annotations

from pathlib import Path

import pytest

from centra_provision.engine.endpoint import endpoint, override_variable
from centra_provision.errors import UsageError
from centra_provision.manifest.environment import EnvironmentConfig, RateLimits
from centra_provision.source import SourceDocument


def env(name: str, url: str | None) -> EnvironmentConfig:
    return EnvironmentConfig(
        name=name,
        centra_url=url,
        embedded_state=None,
        embedded_products=0,
        token_env="CENTRA_TOKEN",
        centra_domain="d.example",
        globale_env="QA-INT",
        merchant_id=1,
        includes=(),
        stores=(),
        warehouses=None,
        variables={},
        executor="local",
        ledger=Path("ledger.json"),
        rate_limits=RateLimits(),
        doc=SourceDocument("environment.yaml", {}),
    )


@pytest.mark.parametrize(
    ("name", "variable"),
    [
        ("qa-int", "PROVISION_CENTRA_URL_QA_INT"),
        ("prod", "PROVISION_CENTRA_URL_PROD"),
        ("eu.west 2", "PROVISION_CENTRA_URL_EU_WEST_2"),
        ("Ümlaut", "PROVISION_CENTRA_URL__MLAUT"),
    ],
)
def test_each_environment_has_its_own_override_variable(name: str, variable: str) -> None:
    assert override_variable(name) == variable


def test_the_flag_wins_then_the_variable_then_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    qa = env("qa-int", "https://file.example/graphql")
    monkeypatch.delenv("PROVISION_CENTRA_URL_QA_INT", raising=False)
    assert endpoint(qa) == ("https://file.example/graphql", "environment.yaml centra.url")
    monkeypatch.setenv("PROVISION_CENTRA_URL_QA_INT", "")
    assert endpoint(qa) == ("https://file.example/graphql", "environment.yaml centra.url")
    monkeypatch.setenv("PROVISION_CENTRA_URL_QA_INT", "https://var.example/graphql")
    assert endpoint(qa) == ("https://var.example/graphql", "PROVISION_CENTRA_URL_QA_INT")
    assert endpoint(qa, "https://flag.example/graphql") == (
        "https://flag.example/graphql",
        "--centra-url",
    )
    assert endpoint(qa, "") == ("https://var.example/graphql", "PROVISION_CENTRA_URL_QA_INT")
    # Another environment's variable does not redirect this one.
    monkeypatch.setenv("PROVISION_CENTRA_URL_PROD", "https://prod.example/graphql")
    monkeypatch.delenv("PROVISION_CENTRA_URL_QA_INT")
    assert endpoint(qa)[0] == "https://file.example/graphql"


def test_an_embedded_environment_is_not_redirected(monkeypatch: pytest.MonkeyPatch) -> None:
    local = env("local", None)
    monkeypatch.delenv("PROVISION_CENTRA_URL_LOCAL", raising=False)
    assert endpoint(local) == (None, "environment.yaml centra.embedded")
    with pytest.raises(UsageError) as info:
        endpoint(local, "https://flag.example/graphql")
    assert str(info.value) == (
        "--centra-url cannot redirect environment local: it uses the embedded emulator; "
        "unset --centra-url or give local a centra.url"
    )
    monkeypatch.setenv("PROVISION_CENTRA_URL_LOCAL", "https://var.example/graphql")
    with pytest.raises(UsageError, match=r"^PROVISION_CENTRA_URL_LOCAL cannot redirect "):
        endpoint(local)
