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


# The guide's "Storefront Configuration": the module script, loaded asynchronously, and CSS.
_SCRIPT = """<script id="globaleScript">
(function () {{
var s = document.createElement('script');
s.type = 'text/javascript';
s.async = true;
s.src = '//{host}/includes/js/{merchant_id}';
document.getElementsByTagName('head')[0].appendChild(s);
}})();
</script>"""
_CSS = '<link id="GEPIStyles" rel="stylesheet" href="//{host}/includes/css/{merchant_id}" />'


def storefront(globale_env: str, merchant_id: int) -> dict[str, str]:
    """The GEM script and CSS tags for one environment and merchant, as the guide gives them
    (integration hosts for QA-INT, production hosts for PROD)."""
    host = HOSTS[globale_env].gem
    return {
        "scriptUrl": f"//{host}/includes/js/{merchant_id}",
        "cssUrl": f"//{host}/includes/css/{merchant_id}",
        "script": _SCRIPT.format(host=host, merchant_id=merchant_id),
        "css": _CSS.format(host=host, merchant_id=merchant_id),
    }
