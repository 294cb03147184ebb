"""The back-office executor: the `local` environment performs guided steps itself, through
the embedded emulator's back office, so `provision apply -e local` converges with no person.
It finds what exists by identity first, so running it again never duplicates anything."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from centra_provision.emulator.backoffice import Backoffice, BadRequest
from centra_provision.emulator.seed import ALL_PERMISSIONS
from centra_provision.plans import Action, ExecutorKind, Outcome, ResourceChange, StepOutcome
from centra_provision.resources import Resource, countries, pricelist
from centra_provision.resources.attribute_type import definition_json
from centra_provision.resources.base import CheckContext
from centra_provision.resources.webhook_plugin import effective_url


class StepFailed(Exception):
    pass


def plain(value: Any) -> Any:
    """Manifest values as JSON the back office takes (decimals as numbers)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


class BackofficeExecutor:
    def __init__(
        self, office: Backoffice, secrets: dict[tuple[str, str], Any], check: CheckContext
    ) -> None:
        self.office = office
        self.secrets = secrets
        self.check = check

    def run(self, change: ResourceChange, res: Resource) -> StepOutcome:
        handler = getattr(self, f"_{res.kind}")
        try:
            handler(res, change.action)
        except (StepFailed, BadRequest, KeyError) as exc:
            return StepOutcome(
                res.address, change.action, ExecutorKind.BACKOFFICE, Outcome.FAILED, str(exc)
            )
        return StepOutcome(res.address, change.action, ExecutorKind.BACKOFFICE, Outcome.DONE)

    def _plugin_id(self, store: str, kind: str, name: str) -> int | None:
        store_id = next(s["id"] for s in self.office.state.all("store") if s["name"] == store)
        for p in self.office.snapshot()["plugins"]:
            if p["storeId"] == store_id and p.get("kind") == kind and p["name"] == name:
                return int(p["id"])
        return None

    def _save_plugin(self, res: Resource, action: str, kind: str, settings: dict[str, Any]) -> None:
        store, name = res.identity
        plugin_id = self._plugin_id(store, kind, name)
        if action == Action.DELETE:
            if plugin_id is not None:
                self.office.state.delete("plugin", plugin_id)
            return
        body = {
            "store": store,
            "type": kind,
            "name": name,
            "status": res.spec["status"],
            "settings": plain(settings),
        }
        self.office.save_plugin(body, plugin_id)

    def _OrderApiPlugin(self, res: Resource, action: str) -> None:
        secret = self.secrets.get((res.address, "secretKey"))
        if action != Action.DELETE and not getattr(secret, "value", None):
            raise StepFailed(
                f"{res.address}: the secret API key is unavailable "
                f"({getattr(secret, 'problem', 'not resolved')})"
            )
        settings = {
            k: v
            for k, v in res.spec.items()
            if k not in ("store", "status", "pluginName", "secretKey")
        }
        settings["secretKey"] = getattr(secret, "value", None)
        self._save_plugin(res, action, "order_api", settings)

    def _WebhookPlugin(self, res: Resource, action: str) -> None:
        settings = {k: v for k, v in res.spec.items() if k not in ("store", "status", "pluginName")}
        settings["url"] = effective_url(res, self.check)
        self._save_plugin(res, action, "webhook", settings)

    def _AttributeType(self, res: Resource, action: str) -> None:
        if action == Action.DELETE:
            self.office.delete_attribute_type(res.name)
            return
        self.office.save_attribute_type({"name": res.name, "definition": definition_json(res.spec)})

    def _TaxGroup(self, res: Resource, action: str) -> None:
        snapshot = self.office.snapshot()
        group = next((g for g in snapshot["taxGroups"] if g["name"] == res.name), None)
        if action == Action.DELETE:
            if group is not None:
                self.office.delete_tax_group(group["id"])
            return
        saved = self.office.save_tax_group(
            {
                "name": res.name,
                "status": res.spec["status"],
                "defaultInStores": res.spec.get("defaultInStores", []),
            },
            group["id"] if group else None,
        )
        rules = {r["name"]: r for r in snapshot["taxRules"] if r["groupId"] == saved["id"]}
        for rule in res.spec["rules"]:
            body = {**plain(rule), "countries": sorted(countries.expand(rule["countries"]))}
            existing = rules.get(rule["name"])
            if existing:
                self.office.save_tax_rule(body, None, existing["id"])
            else:
                self.office.save_tax_rule(body, saved["id"])

    def _IntegrationToken(self, res: Resource, action: str) -> None:
        tokens = [t for t in self.office.snapshot()["tokens"] if t["name"] == res.name]
        if action == Action.DELETE:
            for t in tokens:
                self.office.state.delete("token", t["id"])
            return
        if not tokens:
            # The value is discarded: the tool never stores a token.
            self.office.create_token(
                {
                    "name": res.name,
                    "permissions": list(ALL_PERMISSIONS),
                    "stores": res.spec.get("stores", []),
                    "storeTypes": res.spec["storeTypes"],
                }
            )

    def _Pricelist(self, res: Resource, action: str) -> None:
        store, name = res.identity
        existing = next(
            (
                p
                for p in self.office.snapshot()["pricelists"]
                if p["name"] == name and p["storeId"] == self._store_id(store)
            ),
            None,
        )
        if action == Action.DELETE:
            if existing is not None:
                self.office.state.delete("pricelist", existing["id"])
            return
        body: dict[str, Any] = {
            "name": name,
            "status": res.spec["status"],
            "store": store,
            "currency": res.spec["currency"],
            "countries": pricelist.desired_countries(res),
        }
        if "defaultShippingOption" in res.spec:
            body["defaultShippingOption"] = res.spec["defaultShippingOption"]
        if "comment" in res.spec:
            body["comment"] = res.spec["comment"]
        self.office.save_pricelist(body, existing["id"] if existing else None)

    def _ShippingOption(self, res: Resource, action: str) -> None:
        existing = [s for s in self.office.snapshot()["shippingOptions"] if s["name"] == res.name]
        if action != Action.DELETE:
            raise StepFailed(f"{res.address}: shipping options are changed through the API")
        for option in existing:
            self.office.state.delete("shipping_option", option["id"])

    def _store_id(self, store: str) -> int:
        return int(next(s["id"] for s in self.office.state.all("store") if s["name"] == store))
