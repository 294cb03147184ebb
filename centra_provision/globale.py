"""Global-e facts from the integration guide: hosts per environment and derived URLs."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass(frozen=True)
class GlobaleHosts:
    """The hosts one Global-e environment uses (guide: webhook table and storefront snippets)."""

    webhooks: str
    gem: str


HOSTS: dict[str, GlobaleHosts] = {
    "QA-INT": GlobaleHosts(webhooks="centra-int.bglobale.com", gem="intgepi.bglobale.com"),
    "PROD": GlobaleHosts(webhooks="centra.global-e.com", gem="gepi.global-e.com"),
}

WEBHOOK_PATH = "/webhooks/v1/Webhooks/WebhookIntegrationApi"


def webhook_url(globale_env: str, merchant_id: int, centra_domain: str) -> str:
    """The guide's webhook URL: https://{host}/webhooks/v1/...?merchantId={id}&domain={domain}."""
    query = urlencode({"merchantId": merchant_id, "domain": centra_domain})
    return f"https://{HOSTS[globale_env].webhooks}{WEBHOOK_PATH}?{query}"


def environment_of_host(host: str) -> str | None:
    """Which Global-e environment a host belongs to, if any."""
    for name, hosts in HOSTS.items():
        if host in (hosts.webhooks, hosts.gem):
            return name
    return None
