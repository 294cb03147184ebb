"""The stand-in for Centra's back office (AMS): where the configuration the Integration API
cannot write lives. JSON under /backoffice/api/, a plain HTML overview at /backoffice/.

What is set here shows through GraphQL only as far as Centra's API shows it (a plugin's
id/name/status, filterable by store/type/uri; attribute types' names and elements; tax
groups and rules), never the plugin settings or secrets.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from centra_provision.emulator.seed import ALL_PERMISSIONS, create_token
from centra_provision.emulator.store import CentraState

PLUGIN_TYPES = {"order_api": "API", "webhook": "WEBHOOKS"}
PLUGIN_STATUSES = ("ACTIVE", "INACTIVE")


class BadRequest(Exception):
    pass


def _store_id(state: CentraState, ref: Any) -> int:
    for store in state.all("store"):
        if ref in (store["id"], store["name"]):
            return int(store["id"])
    raise BadRequest(f"unknown store {ref!r}")


def _country_ids(state: CentraState, codes: Any) -> list[int]:
    if not isinstance(codes, list):
        raise BadRequest("countries must be a list of ISO codes")
    by_code = {c["code"]: c["id"] for c in state.all("country")}
    unknown = [c for c in codes if str(c).upper() not in by_code]
    if unknown:
        raise BadRequest(f"unknown countries {unknown}")
    return [by_code[str(c).upper()] for c in codes]


def _public_plugin(p: dict[str, Any]) -> dict[str, Any]:
    settings = dict(p.get("settings", {}))
    if "secretKey" in settings:
        settings["secretKey"] = "(set)" if settings["secretKey"] else ""
    return {**p, "settings": settings}


# The back office's collections (the names its JSON state uses) and their tables.
TABLES = {
    "plugins": "plugin",
    "attributeTypes": "attribute_type",
    "taxGroups": "tax_group",
    "taxRules": "tax_rule",
    "pricelists": "pricelist",
    "shippingOptions": "shipping_option",
    "tokens": "token",
    "stores": "store",
}


class Backoffice:
    def __init__(self, state: CentraState) -> None:
        self.state = state

    # by collection, as the back office's forms are reached by the tool's executor --------
    def records(self, collection: str) -> list[dict[str, Any]]:
        """Every record of one collection, as the back office shows it (no secret)."""
        if collection not in TABLES:
            raise BadRequest(f"the back office has no {collection}")
        rows = self.state.all(TABLES[collection])
        if collection == "plugins":
            return [_public_plugin(p) for p in rows]
        if collection == "tokens":
            return [{k: v for k, v in t.items() if k != "digest"} for t in rows]
        return rows

    def save(
        self, collection: str, body: dict[str, Any], record_id: int | None = None
    ) -> dict[str, Any]:
        """Save one form: a new record without `record_id`, an edit with it."""
        if collection == "plugins":
            return self.save_plugin(body, record_id)
        if collection == "attributeTypes":
            return self.save_attribute_type(body)
        if collection == "taxGroups":
            return self.save_tax_group(body, record_id)
        if collection == "taxRules":
            rule = {k: v for k, v in body.items() if k != "groupId"}
            return self.save_tax_rule(rule, body.get("groupId"), record_id)
        if collection == "pricelists":
            return self.save_pricelist(body, record_id)
        if collection == "tokens" and record_id is None:
            return self.create_token(body)
        raise BadRequest(f"the back office cannot save {collection}")

    def delete(self, collection: str, record_id: int) -> bool:
        if collection == "taxGroups":
            return self.delete_tax_group(record_id)
        if collection not in TABLES or collection == "stores":
            raise BadRequest(f"the back office cannot delete {collection}")
        return self.state.delete(TABLES[collection], record_id)

    # plugins --------------------------------------------------------------
    def save_plugin(self, body: dict[str, Any], plugin_id: int | None = None) -> dict[str, Any]:
        current = self.state.get("plugin", plugin_id) if plugin_id else None
        if plugin_id and current is None:
            raise KeyError(plugin_id)
        data = dict(current or {})
        if "store" in body:
            data["storeId"] = _store_id(self.state, body["store"])
        if "type" in body:
            if body["type"] not in PLUGIN_TYPES:
                raise BadRequest(f"plugin type must be one of {sorted(PLUGIN_TYPES)}")
            data["kind"], data["type"] = body["type"], PLUGIN_TYPES[body["type"]]
        for key in ("name", "status"):
            if key in body:
                data[key] = body[key]
        if "settings" in body:
            if not isinstance(body["settings"], dict):
                raise BadRequest("settings must be an object")
            data["settings"] = {**data.get("settings", {}), **body["settings"]}
        missing = [k for k in ("storeId", "type", "name", "status") if k not in data]
        if missing:
            raise BadRequest(f"missing {', '.join(missing)}")
        if data["status"] not in PLUGIN_STATUSES:
            raise BadRequest(f"status must be one of {PLUGIN_STATUSES}")
        uri = data.get("settings", {}).get("uri")
        if uri and any(
            p.get("settings", {}).get("uri") == uri and p["id"] != plugin_id
            for p in self.state.all("plugin")
            if p["type"] == "API"
        ):
            raise BadRequest(f"an Order API plugin already uses URI {uri!r}")
        with self.state.transaction():
            if plugin_id:
                self.state.put("plugin", plugin_id, data)
            else:
                plugin_id = self.state.insert("plugin", data)
        return _public_plugin({**data, "id": plugin_id})

    # attribute types ------------------------------------------------------
    def save_attribute_type(self, body: dict[str, Any], name: str | None = None) -> dict[str, Any]:
        existing = {a["name"]: a for a in self.state.all("attribute_type")}
        name = name or body.get("name")
        if not isinstance(name, str) or not name:
            raise BadRequest("name is required")
        definition = body.get("definition")
        if isinstance(definition, str):
            try:
                definition = json.loads(definition)
            except json.JSONDecodeError as exc:
                raise BadRequest(f"definition is not valid JSON: {exc.msg}") from None
        if not isinstance(definition, dict) or not isinstance(definition.get("elements"), dict):
            raise BadRequest("definition must be an object with elements")
        data = {"name": name, "definition": definition}
        with self.state.transaction():
            if name in existing:
                self.state.put("attribute_type", existing[name]["id"], data)
            else:
                self.state.insert("attribute_type", data)
        return data

    def delete_attribute_type(self, name: str) -> bool:
        for a in self.state.all("attribute_type"):
            if a["name"] == name:
                return self.state.delete("attribute_type", a["id"])
        return False

    # tax ------------------------------------------------------------------
    def save_tax_group(self, body: dict[str, Any], group_id: int | None = None) -> dict[str, Any]:
        data = dict(self.state.get("tax_group", group_id) or {}) if group_id else {}
        if group_id and not data:
            raise KeyError(group_id)
        for key in ("name", "status"):
            if key in body:
                data[key] = body[key]
        if "defaultInStores" in body:
            data["defaultInStores"] = [_store_id(self.state, s) for s in body["defaultInStores"]]
        if not data.get("name") or data.get("status") not in PLUGIN_STATUSES:
            raise BadRequest("name and status (ACTIVE or INACTIVE) are required")
        with self.state.transaction():
            if group_id:
                self.state.put("tax_group", group_id, data)
            else:
                group_id = self.state.insert("tax_group", data)
        return {**data, "id": group_id}

    def delete_tax_group(self, group_id: int) -> bool:
        with self.state.transaction():
            for rule in self.state.all("tax_rule"):
                if rule["groupId"] == group_id:
                    self.state.delete("tax_rule", rule["id"])
            return self.state.delete("tax_group", group_id)

    RULE_FIELDS = (
        "name",
        "displayName",
        "code",
        "rate",
        "applyTaxToShipping",
        "applyTaxToHandling",
        "applyTaxPer",
        "includeTax",
        "includeShippingCostInOrderTotal",
    )

    def save_tax_rule(
        self, body: dict[str, Any], group_id: int | None = None, rule_id: int | None = None
    ) -> dict[str, Any]:
        data = dict(self.state.get("tax_rule", rule_id) or {}) if rule_id else {}
        if rule_id and not data:
            raise KeyError(rule_id)
        if group_id is not None:
            if self.state.get("tax_group", group_id) is None:
                raise KeyError(group_id)
            data["groupId"] = group_id
        for key in self.RULE_FIELDS:
            if key in body:
                data[key] = body[key]
        if "countries" in body:
            data["countries"] = _country_ids(self.state, body["countries"])
        data.setdefault("createdAt", datetime.now(UTC).replace(microsecond=0).isoformat())
        missing = [k for k in ("name", "displayName", "code", "rate", "countries") if k not in data]
        if missing:
            raise BadRequest(f"missing {', '.join(missing)}")
        if not isinstance(data["rate"], int | float) or not 0 <= data["rate"] <= 100:
            raise BadRequest("rate must be a number from 0 to 100")
        data.setdefault("applyTaxToShipping", False)
        data.setdefault("applyTaxToHandling", False)
        with self.state.transaction():
            if rule_id:
                self.state.put("tax_rule", rule_id, data)
            else:
                rule_id = self.state.insert("tax_rule", data)
        return {**data, "id": rule_id}

    # pricelists and shipping options (also writable through the API) -----
    def save_pricelist(
        self, body: dict[str, Any], pricelist_id: int | None = None
    ) -> dict[str, Any]:
        data = dict(self.state.get("pricelist", pricelist_id) or {}) if pricelist_id else {}
        if pricelist_id and not data:
            raise KeyError(pricelist_id)
        for key in ("name", "status", "comment"):
            if key in body:
                data[key] = body[key]
        if "store" in body:
            data["storeId"] = _store_id(self.state, body["store"])
        if "currency" in body:
            if body["currency"] not in {c["code"] for c in self.state.all("currency")}:
                raise BadRequest(f"unknown currency {body['currency']!r}")
            data["currency"] = body["currency"]
        if "countries" in body:
            data["countries"] = _country_ids(self.state, body["countries"])
        if "defaultShippingOption" in body:
            ref = body["defaultShippingOption"]
            found = [
                s["id"] for s in self.state.all("shipping_option") if ref in (s["id"], s["name"])
            ]
            if ref is not None and not found:
                raise BadRequest(f"unknown shipping option {ref!r}")
            data["defaultShippingOption"] = found[0] if found else None
        missing = [k for k in ("name", "status", "storeId", "currency") if k not in data]
        if missing:
            raise BadRequest(f"missing {', '.join(missing)}")
        data.setdefault("countries", [])
        with self.state.transaction():
            if pricelist_id:
                self.state.put("pricelist", pricelist_id, data)
            else:
                pricelist_id = self.state.insert("pricelist", data)
        return {**data, "id": pricelist_id}

    # tokens ---------------------------------------------------------------
    def create_token(self, body: dict[str, Any]) -> dict[str, Any]:
        permissions = body.get("permissions", list(ALL_PERMISSIONS))
        if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
            raise BadRequest("permissions must be a list of strings")
        expires = _expiry(body.get("expiresAt"))
        with self.state.transaction():
            token_id, token = create_token(
                self.state,
                str(body.get("name", "token")),
                permissions,
                expires,
                stores=body.get("stores", []),
                storeTypes=body.get("storeTypes", "ALL"),
            )
        return {"id": token_id, "token": token, "permissions": permissions}

    def snapshot(self) -> dict[str, Any]:
        return {name: self.records(name) for name in TABLES if name != "stores"}


def _expiry(value: Any) -> str | None:
    """An ISO 8601 moment with its UTC offset, normalised; refused here rather than stored
    and failing every later request (a naive time has no meaning across time zones)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadRequest(
            f"expiresAt must be an ISO 8601 date-time with a UTC offset, e.g. "
            f"2030-01-01T00:00:00+00:00 (got {value!r})"
        )
    return moment.astimezone(UTC).isoformat()


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadRequest("body must be JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


def routes(office: Backoffice) -> list[Route]:
    """The back-office routes; the app wraps them with the admin credential check."""

    async def handle(request: Request) -> Response:
        p = request.path_params
        method, name = request.method, request.scope["route_name"]
        try:
            if name == "state":
                return JSONResponse(office.snapshot())
            if name == "plugins":
                return JSONResponse(office.save_plugin(await _json(request)), 201)
            if name == "plugin":
                if method == "DELETE":
                    return _deleted(office.state.delete("plugin", p["id"]))
                return JSONResponse(office.save_plugin(await _json(request), p["id"]))
            if name == "attribute_types":
                return JSONResponse(office.save_attribute_type(await _json(request)), 201)
            if name == "attribute_type":
                if method == "DELETE":
                    return _deleted(office.delete_attribute_type(p["name"]))
                return JSONResponse(office.save_attribute_type(await _json(request), p["name"]))
            if name == "tax_groups":
                return JSONResponse(office.save_tax_group(await _json(request)), 201)
            if name == "tax_group":
                if method == "DELETE":
                    return _deleted(office.delete_tax_group(p["id"]))
                return JSONResponse(office.save_tax_group(await _json(request), p["id"]))
            if name == "tax_rules":
                return JSONResponse(office.save_tax_rule(await _json(request), p["id"]), 201)
            if name == "tax_rule":
                if method == "DELETE":
                    return _deleted(office.state.delete("tax_rule", p["id"]))
                return JSONResponse(office.save_tax_rule(await _json(request), None, p["id"]))
            if name == "pricelist":
                if method == "DELETE":
                    return _deleted(office.state.delete("pricelist", p["id"]))
                return JSONResponse(office.save_pricelist(await _json(request), p["id"]))
            if name == "shipping_option":
                return _deleted(office.state.delete("shipping_option", p["id"]))
            if name == "tokens":
                return JSONResponse(office.create_token(await _json(request)), 201)
            if name == "token":
                return _deleted(office.state.delete("token", p["id"]))
        except BadRequest as exc:
            return JSONResponse({"error": str(exc)}, 400)
        except KeyError:
            return JSONResponse({"error": "not found"}, 404)
        return JSONResponse({"error": "not found"}, 404)  # pragma: no cover

    def route(path: str, name: str, methods: list[str]) -> Route:
        async def endpoint(request: Request) -> Response:
            request.scope["route_name"] = name
            return await handle(request)

        return Route("/backoffice/api" + path, endpoint, methods=methods, name=name)

    async def page(_request: Request) -> Response:
        return HTMLResponse(_html(office.snapshot()))

    return [
        Route("/backoffice/", page, methods=["GET"]),
        route("/state", "state", ["GET"]),
        route("/plugins", "plugins", ["POST"]),
        route("/plugins/{id:int}", "plugin", ["PUT", "PATCH", "DELETE"]),
        route("/attribute-types", "attribute_types", ["POST"]),
        route("/attribute-types/{name}", "attribute_type", ["PUT", "DELETE"]),
        route("/tax-groups", "tax_groups", ["POST"]),
        route("/tax-groups/{id:int}", "tax_group", ["PUT", "PATCH", "DELETE"]),
        route("/tax-groups/{id:int}/rules", "tax_rules", ["POST"]),
        route("/tax-rules/{id:int}", "tax_rule", ["PUT", "PATCH", "DELETE"]),
        route("/pricelists/{id:int}", "pricelist", ["PUT", "PATCH", "DELETE"]),
        route("/shipping-options/{id:int}", "shipping_option", ["DELETE"]),
        route("/tokens", "tokens", ["POST"]),
        route("/tokens/{id:int}", "token", ["DELETE"]),
    ]


def _deleted(ok: bool) -> Response:
    return Response(status_code=204) if ok else JSONResponse({"error": "not found"}, 404)


def _html(snapshot: dict[str, Any]) -> str:
    parts = [
        "<!doctype html><title>Centra emulator back office</title>",
        "<h1>Centra emulator: back office</h1>",
    ]
    for section, rows in snapshot.items():
        parts.append(f"<h2>{html.escape(section)}</h2><ul>")
        for row in rows:
            label = row.get("name", row.get("id"))
            parts.append(
                f"<li><b>{html.escape(str(label))}</b> "
                f"<code>{html.escape(json.dumps(row, default=str))}</code></li>"
            )
        parts.append("</ul>")
    return "\n".join(parts)
