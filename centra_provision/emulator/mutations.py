"""Mutations that Centra's reference lists, each validating its input like Centra does:
a non-empty `userErrors` means nothing changed (the transaction rolls back)."""

from __future__ import annotations

import re
from typing import Any

from centra_provision.emulator.resolvers import Row, Views
from centra_provision.emulator.store import CentraState


class UserErrors(Exception):
    """Raised inside a mutation's transaction so that nothing it did is kept."""

    def __init__(self, errors: list[Row]) -> None:
        super().__init__("userErrors")
        self.errors = errors


def _err(message: str, *path: str) -> Row:
    return {"message": message, "path": list(path) or None}


class Mutations:
    def __init__(self, state: CentraState) -> None:
        self.state = state
        self.views = Views(state)

    def _run(self, payload_key: str | None, fn: Any, *args: Any) -> Row:
        """Run one mutation in a transaction: `userErrors` roll it back; `userWarnings`
        (AUTH:438: "all other issues") are reported beside a change that was made."""
        self._warnings: list[Row] = []
        try:
            with self.state.transaction():
                result = fn(*args)
        except UserErrors as exc:
            body: Row = {"userErrors": exc.errors, "userWarnings": []}
            if payload_key:
                body[payload_key] = None
            return body
        body = {"userErrors": [], "userWarnings": self._warnings}
        if payload_key:
            body[payload_key] = result
        return body

    # helpers --------------------------------------------------------------
    def _store(self, ref: Row | None, *path: str) -> Row:
        store = self.state.get("store", (ref or {}).get("id") or 0)
        if store is None:
            raise UserErrors([_err("Store not found", *path)])
        return store

    def _countries(self, refs: list[Row] | None, *path: str) -> list[int]:
        if not refs:
            return []
        by_code = {c["code"]: c["id"] for c in self.state.all("country")}
        ids = set(by_code.values())
        found, errors = [], []
        for i, ref in enumerate(refs):
            if (ref.get("id") is None) == (ref.get("code") is None):
                errors.append(_err("CountryInput takes exactly one of id and code", *path, str(i)))
                continue
            cid = ref["id"] if ref.get("id") is not None else by_code.get(str(ref["code"]).upper())
            if cid is None or cid not in ids:
                errors.append(
                    _err(f"Country not found: {ref.get('code') or ref.get('id')}", *path, str(i))
                )
            else:
                found.append(cid)
        if errors:
            raise UserErrors(errors)
        return found

    def _name(self, name: str | None, *path: str) -> None:
        if name is not None and not name.strip():
            raise UserErrors([_err("Name cannot be empty", *path)])

    # markets --------------------------------------------------------------
    def create_market(self, _root: Any, _info: Any, input: Row) -> Row:
        def go() -> Row:
            self._name(input["name"], "input", "name")
            store = self._store(input["store"], "input", "store")
            countries = self._countries(input.get("addCountries"), "input", "addCountries")
            self._countries_allowed(store["id"], countries, "market")
            self._check_market_countries(store["id"], countries, None)
            mid = self.state.insert(
                "market",
                {
                    "name": input["name"],
                    "storeId": store["id"],
                    "countries": countries,
                    "comment": input.get("comment"),
                    "externalId": input.get("externalId"),
                },
            )
            return self.views.market(self.state.get("market", mid) or {})

        return self._run("market", go)

    def _countries_allowed(self, store_id: int, countries: list[int], kind: str) -> None:
        """Only a direct-to-consumer store sells by country: the rule for every write path
        (create and update alike), so no update can reach a state create refuses."""
        store = self.state.get("store", store_id) or {}
        if countries and store.get("type") != "DIRECT_TO_CONSUMER":
            raise UserErrors(
                [
                    _err(
                        f"Countries can only be assigned to {kind}s of a direct-to-consumer store",
                        "input",
                        "addCountries",
                    )
                ]
            )

    def _check_market_countries(
        self, store_id: int, countries: list[int], market_id: int | None
    ) -> None:
        for m in self.state.all("market"):
            if m["storeId"] == store_id and m["id"] != market_id:
                clash = set(m["countries"]) & set(countries)
                if clash:
                    raise UserErrors(
                        [
                            _err(
                                f"Country is already assigned to market '{m['name']}'",
                                "input",
                                "addCountries",
                            )
                        ]
                    )

    def update_market(self, _root: Any, _info: Any, id: int, input: Row) -> Row:
        def go() -> Row:
            market = self.state.get("market", id)
            if market is None:
                raise UserErrors([_err("Market not found", "id")])
            self._name(input.get("name"), "input", "name")
            add = self._countries(input.get("addCountries"), "input", "addCountries")
            remove = self._countries(input.get("removeCountries"), "input", "removeCountries")
            self._countries_allowed(market["storeId"], add, "market")
            self._check_market_countries(market["storeId"], add, id)
            countries = [c for c in market["countries"] if c not in remove]
            countries += [c for c in add if c not in countries]
            for key in ("name", "comment", "externalId"):
                if input.get(key) is not None:
                    market[key] = input[key]
            market["countries"] = countries
            self.state.put("market", id, market)
            return self.views.market(market)

        return self._run("market", go)

    # pricelists -----------------------------------------------------------
    def _currency(self, code: str | None, *path: str) -> str:
        codes = {c["code"] for c in self.state.all("currency")}
        if code not in codes:
            raise UserErrors([_err(f"Currency not found: {code}", *path)])
        return str(code)

    def _shipping(self, ref: Row | None, *path: str) -> int | None:
        if ref is None:
            return None
        if self.state.get("shipping_option", ref.get("id") or 0) is None:
            raise UserErrors([_err("Shipping option not found", *path)])
        return int(ref["id"])

    def _check_pricelist_countries(
        self, store_id: int, countries: list[int], pricelist_id: int | None
    ) -> None:
        for p in self.state.all("pricelist"):
            if (
                p["storeId"] == store_id
                and p["id"] != pricelist_id
                and set(p["countries"]) & set(countries)
            ):
                raise UserErrors(
                    [
                        _err(
                            f"Country is already assigned to pricelist '{p['name']}'",
                            "input",
                            "addCountries",
                        )
                    ]
                )

    def create_pricelist(self, _root: Any, _info: Any, input: Row) -> Row:
        def go() -> Row:
            self._name(input["name"], "input", "name")
            store = self._store(input["store"], "input", "store")
            currency = self._currency(input["currencyIsoCode"], "input", "currencyIsoCode")
            countries = self._countries(input.get("addCountries"), "input", "addCountries")
            self._countries_allowed(store["id"], countries, "pricelist")
            self._check_pricelist_countries(store["id"], countries, None)
            pid = self.state.insert(
                "pricelist",
                {
                    "name": input["name"],
                    "status": input["status"],
                    "storeId": store["id"],
                    "currency": currency,
                    "countries": countries,
                    "comment": input.get("comment"),
                    "defaultShippingOption": self._shipping(
                        input.get("defaultShippingOption"), "input", "defaultShippingOption"
                    ),
                    "externalId": input.get("externalId"),
                },
            )
            return self.views.pricelist(self.state.get("pricelist", pid) or {})

        return self._run("pricelist", go)

    def update_pricelist(self, _root: Any, _info: Any, id: int, input: Row) -> Row:
        def go() -> Row:
            row = self.state.get("pricelist", id)
            if row is None:
                raise UserErrors([_err("Pricelist not found", "id")])
            self._name(input.get("name"), "input", "name")
            if input.get("currencyIsoCode") is not None:
                row["currency"] = self._currency(
                    input["currencyIsoCode"], "input", "currencyIsoCode"
                )
            if "defaultShippingOption" in input:
                row["defaultShippingOption"] = self._shipping(
                    input["defaultShippingOption"], "input", "defaultShippingOption"
                )
            add = self._countries(input.get("addCountries"), "input", "addCountries")
            remove = self._countries(input.get("removeCountries"), "input", "removeCountries")
            for i, cid in enumerate(remove):
                if cid not in row["countries"]:
                    self._warn("Country is not assigned to this pricelist", "removeCountries", i)
            self._countries_allowed(row["storeId"], add, "pricelist")
            self._check_pricelist_countries(row["storeId"], add, id)
            row["countries"] = [c for c in row["countries"] if c not in remove] + [
                c for c in add if c not in row["countries"]
            ]
            for key in ("name", "status", "comment", "externalId"):
                if input.get(key) is not None:
                    row[key] = input[key]
            if input.get("status") == "INACTIVE" and row["countries"]:
                self._warn(
                    f"Pricelist is inactive: its {len(row['countries'])} countries get no "
                    "prices from it",
                    "status",
                )
            self.state.put("pricelist", id, row)
            return self.views.pricelist(row)

        return self._run("pricelist", go)

    def delete_pricelist(self, _root: Any, _info: Any, id: int) -> Row:
        def go() -> None:
            if not self.state.delete("pricelist", id):
                raise UserErrors([_err("Pricelist not found", "id")])

        return self._run(None, go)

    def _warn(self, message: str, *path: str | int) -> None:
        """A userWarning; list positions in its path are integers."""
        self._warnings.append({"message": message, "path": ["input", *path]})

    # shipping options -----------------------------------------------------
    def _refs(self, kind: str, refs: list[Row] | None, *path: str) -> list[int]:
        ids = []
        for i, ref in enumerate(refs or []):
            if self.state.get(kind, ref.get("id") or 0) is None:
                raise UserErrors(
                    [_err(f"{kind.replace('_', ' ').capitalize()} not found", *path, str(i))]
                )
            ids.append(int(ref["id"]))
        return ids

    def create_shipping_option(self, _root: Any, _info: Any, input: Row) -> Row:
        def go() -> None:
            self._name(input["name"], "input", "name")
            currency = self._currency(input["currencyIsoCode"], "input", "currencyIsoCode")
            stores = self._refs("store", input.get("addStores"), "input", "addStores")
            markets = self._refs("market", input.get("addMarkets"), "input", "addMarkets")
            uri = input.get("uri") or _slug(input["name"])
            if any(s.get("uri") == uri for s in self.state.all("shipping_option")):
                raise UserErrors([_err(f"URI '{uri}' is already in use", "input", "uri")])
            self.state.insert(
                "shipping_option",
                {
                    "name": input["name"],
                    "status": input["status"],
                    "currency": currency,
                    "storeType": input["storeType"],
                    "comment": input.get("comment"),
                    "uri": uri,
                    "isPickupPoint": input["isPickupPoint"],
                    "stores": stores,
                    "markets": markets,
                },
            )

        return self._run(None, go)

    def update_shipping_option(self, _root: Any, _info: Any, id: int, input: Row) -> Row:
        def go() -> None:
            row = self.state.get("shipping_option", id)
            if row is None:
                raise UserErrors([_err("Shipping option not found", "id")])
            self._name(input.get("name"), "input", "name")
            if input.get("currencyIsoCode") is not None:
                row["currency"] = self._currency(
                    input["currencyIsoCode"], "input", "currencyIsoCode"
                )
            if input.get("uri") is not None and any(
                s.get("uri") == input["uri"] and s["id"] != id
                for s in self.state.all("shipping_option")
            ):
                raise UserErrors([_err(f"URI '{input['uri']}' is already in use", "input", "uri")])
            for key, kind in (("Stores", "store"), ("Markets", "market")):
                field = key.lower()
                add = self._refs(kind, input.get(f"add{key}"), "input", f"add{key}")
                remove = self._refs(kind, input.get(f"remove{key}"), "input", f"remove{key}")
                row[field] = [x for x in row[field] if x not in remove] + [
                    x for x in add if x not in row[field]
                ]
            for key in ("name", "status", "comment", "uri", "isPickupPoint"):
                if input.get(key) is not None:
                    row[key] = input[key]
            self.state.put("shipping_option", id, row)

        return self._run(None, go)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "shipping"
