"""Every spelling that means the same thing is read as the same thing, and nothing else is:
the Order API's allowed endpoints in any letter case and with or without a slash; country
codes in any case, listed or excluded; a webhook URL whose host or Centra domain differs
only in case; pinned hosts in any case, with a trailing dot, comma- or space-separated; the
per-environment override variable of any spelling of an environment's name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from centra_provision.engine.endpoint import override_variable
from centra_provision.globale import webhook_url
from centra_provision.resources import countries
from centra_provision.resources.base import CheckContext, Resource
from centra_provision.resources.order_api_plugin import allows_orders
from centra_provision.resources.webhook_plugin import check_url
from centra_provision.source import SourceDocument
from centra_provision.urls import unpinned_host


def casings(word: str) -> st.SearchStrategy[str]:
    """The word with each letter in either case."""
    return st.tuples(*(st.sampled_from(sorted({c.lower(), c.upper()})) for c in word)).map("".join)


@given(
    verb=st.one_of(st.just(""), casings("get").map(lambda v: v + " ")),
    slash=st.sampled_from(["", "/"]),
    name=casings("orders"),
    pad=st.sampled_from(["", " ", "  "]),
)
def test_the_orders_endpoint_is_allowed_however_it_is_written(
    verb: str, slash: str, name: str, pad: str
) -> None:
    entry = f"{pad}{verb}{slash}{name}{pad}"
    assert allows_orders([entry])
    assert allows_orders(["POST /shipments", entry])


@pytest.mark.parametrize(
    "entry",
    ["POST orders", "GET /orders/1", "GET order", "orders/", "GET orders shipments", "", "GET"],
)
def test_other_endpoints_do_not_allow_orders(entry: str) -> None:
    allowed = allows_orders([entry])
    assert allowed == (entry == "orders/")  # a trailing slash is the same endpoint
    assert allows_orders("all") and not allows_orders("none") and not allows_orders([])


CODES = st.lists(st.sampled_from(["se", "SE", "Se", "no", "NO", "dk", "Dk", "FI"]), max_size=6)


@given(codes=CODES)
def test_country_codes_mean_the_same_in_any_case(codes: list[str]) -> None:
    upper = [c.upper() for c in codes]
    assert countries.expand(codes) == countries.expand(upper) == frozenset(upper)
    assert countries.expand({"allExcept": codes}) == countries.expand({"allExcept": upper})
    assert all(countries.is_valid(c) for c in codes)
    assert countries.compact(codes) == countries.compact(upper)


@pytest.mark.parametrize("code", ["S", "SEE", "XX", "xx", "S1", "", "Ö"])
def test_what_is_not_a_country_code_in_no_case(code: str) -> None:
    assert not countries.is_valid(code) and not countries.is_valid(code.swapcase())


QA = CheckContext("qa-int", "QA-INT", 1808, "sandbox.centraqa.com", frozenset({"Retail"}), None)


def _webhook(url: str) -> Resource:
    spec = {"store": "Retail", "url": url}
    doc = SourceDocument(
        "w.yaml", {"kind": "WebhookPlugin", "metadata": {"name": "w"}, "spec": spec}
    )
    return Resource("WebhookPlugin", "w", ("Retail", "w"), spec, "present", doc)


@pytest.mark.parametrize(
    "url",
    [
        webhook_url("QA-INT", 1808, "sandbox.centraqa.com"),
        webhook_url("QA-INT", 1808, "sandbox.centraqa.com").replace(
            "centra-int.bglobale.com", "CENTRA-INT.BGlobale.com"
        ),
        webhook_url("QA-INT", 1808, "SANDBOX.CentraQA.com"),
        "https://centra-int.bglobale.com/webhooks/v1/Webhooks/WebhookIntegrationApi"
        "?domain=sandbox.centraqa.com&merchantId=1808",
    ],
)
def test_a_webhook_url_spelled_differently_is_the_same_url(url: str) -> None:
    assert list(check_url(_webhook(url), QA)) == []


@pytest.mark.parametrize(
    "url",
    [
        webhook_url("QA-INT", 1809, "sandbox.centraqa.com"),
        webhook_url("QA-INT", 1808, "other.centraqa.com"),
        webhook_url("PROD", 1808, "sandbox.centraqa.com"),
        webhook_url("QA-INT", 1808, "sandbox.centraqa.com").replace("bglobale.com", "evil.com"),
    ],
)
def test_a_webhook_url_that_differs_is_refused(url: str) -> None:
    assert list(check_url(_webhook(url), QA)) != []


@pytest.mark.parametrize(
    "pins",
    [
        "sandbox.centraqa.com",
        "SANDBOX.CENTRAQA.COM",
        "sandbox.centraqa.com.",
        "other.example, sandbox.centraqa.com",
        "other.example  Sandbox.CentraQA.com,",
    ],
)
@pytest.mark.parametrize(
    "url", ["https://sandbox.centraqa.com/graphql", "https://SANDBOX.centraqa.COM./graphql"]
)
def test_a_pinned_host_is_matched_in_any_spelling(
    monkeypatch: pytest.MonkeyPatch, pins: str, url: str
) -> None:
    monkeypatch.setenv("PROVISION_CENTRA_HOSTS", pins)
    assert unpinned_host(url) is None
    assert unpinned_host("https://sandbox.centraqa.com.evil.example/graphql") is not None
    assert unpinned_host("https://centraqa.com/graphql") is not None


@pytest.mark.parametrize("name", ["qa-int", "QA-INT", "qa_int", "qa.int", "Qa-Int"])
def test_every_spelling_of_an_environment_has_one_override_variable(name: str) -> None:
    assert override_variable(name) == "PROVISION_CENTRA_URL_QA_INT"
    assert override_variable(name + "2") == "PROVISION_CENTRA_URL_QA_INT2"
