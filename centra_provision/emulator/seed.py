"""A deterministic sample merchant: two stores, warehouses, markets, pricelists, shipping
options, every ISO country, currencies and N products with displays, variants and sizes."""

from __future__ import annotations

import hashlib
import random
import secrets
from datetime import UTC, datetime, timedelta

import pycountry

from centra_provision.emulator.store import CentraState

ALL_PERMISSIONS = (  # every permission the emulator's fields and mutations check
    "Store:read",
    "StorePlugin:read",
    "Attribute:read",
    "TaxGroup:read",
    "TaxRule:read",
    "Market:read",
    "Market:write",
    "Pricelist:read",
    "Pricelist:write",
    "Warehouse:read",
    "ShippingOption:read",
    "ShippingOption:write",
    "Country:read",
    "Currency:read",
    "Product:read",
    "Display:read",
    "Campaign:read",  # PIM:175 permissionsUsed
    "AllocationRule:read",  # PIM:175
    "BrickAndMortar:read",  # ERP:851
)
EU = frozenset(
    (
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    )
)
CURRENCIES = (
    ("SEK", "Swedish krona", 1.0, True),
    ("EUR", "Euro", 11.5, False),
    ("USD", "US dollar", 10.6, False),
    ("GBP", "Pound sterling", 13.4, False),
    ("NOK", "Norwegian krone", 1.0, False),
    ("DKK", "Danish krone", 1.54, False),
)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    state: CentraState,
    name: str,
    permissions: list[str],
    expires_at: str | None = None,
    **extra: object,
) -> tuple[int, str]:
    """A new Integration API token; only its digest is kept."""
    token = secrets.token_urlsafe(32)
    token_id = state.insert(
        "token",
        {
            "name": name,
            "digest": token_digest(token),
            "permissions": permissions,
            "expiresAt": expires_at,
            **extra,
        },
    )
    return token_id, token


def seed(state: CentraState, products: int = 200, rng_seed: int = 42) -> None:
    """Fill an empty state once; a seeded state is left alone."""
    if state.get_meta("seeded"):
        if state.get_meta("admin_token") is None:
            _session_credentials(state)
        return
    with state.transaction():
        _configuration(state)
        _catalog(state, products, random.Random(rng_seed))
        _session_credentials(state)
        state.set_meta("seeded", EPOCH.isoformat())


# Continents of the countries a Global-e merchant ships to most; the rest stay null, as
# Country.continent is nullable (DTC:282-288 selects it).
CONTINENTS = {
    **dict.fromkeys(
        [
            "AT",
            "BE",
            "BG",
            "CH",
            "CY",
            "CZ",
            "DE",
            "DK",
            "EE",
            "ES",
            "FI",
            "FR",
            "GB",
            "GR",
            "HR",
            "HU",
            "IE",
            "IS",
            "IT",
            "LT",
            "LU",
            "LV",
            "MT",
            "NL",
            "NO",
            "PL",
            "PT",
            "RO",
            "SE",
            "SI",
            "SK",
        ],
        "Europe",
    ),
    **dict.fromkeys(["US", "CA", "MX"], "North America"),
    **dict.fromkeys(["AU", "NZ"], "Oceania"),
    **dict.fromkeys(["CN", "JP", "KR", "SG", "HK", "IN", "AE", "SA", "IL"], "Asia"),
    **dict.fromkeys(["BR", "AR", "CL"], "South America"),
    **dict.fromkeys(["ZA", "EG", "NG"], "Africa"),
}
# A few states and provinces (Country.states, DTC:286-288; Warehouse.state, ERP:814).
STATES = {
    "US": (("California", "CA"), ("Nevada", "NV"), ("New York", "NY"), ("Texas", "TX")),
    "CA": (("Ontario", "ON"), ("Quebec", "QC"), ("British Columbia", "BC")),
    "AU": (("New South Wales", "NSW"), ("Victoria", "VIC")),
}


def _states(state: CentraState, codes: list[str]) -> None:
    for country, states in STATES.items():
        for name, code in states:
            state.insert(
                "country_state",
                {"name": name, "code": code, "countryId": codes.index(country) + 1},
            )


def _session_credentials(state: CentraState) -> None:
    """An admin token and back-office password for this process. The state keeps only the
    token's digest and never the password, so each process that opens a state file gets
    its own (printed by `emulator serve`)."""
    _, token = create_token(state, "emulator admin", list(ALL_PERMISSIONS))
    state.set_meta("admin_token", token)
    state.set_meta("backoffice_password", secrets.token_urlsafe(16))


def _configuration(state: CentraState) -> None:
    """The merchant the emulator plays: two stores, every country, two warehouses, three
    currencies, markets, shipping options and pricelists."""
    state.insert("store", {"name": "Retail", "type": "DIRECT_TO_CONSUMER"})
    state.insert("store", {"name": "Wholesale", "type": "WHOLESALE"})
    codes = sorted(c.alpha_2 for c in pycountry.countries)
    _countries(state, codes)
    _states(state, codes)
    _warehouses(state, codes)
    for code, name, rate, is_base in CURRENCIES:
        state.insert("currency", {"code": code, "name": name, "rate": rate, "isBase": is_base})
    se = codes.index("SE") + 1
    others = [i + 1 for i, c in enumerate(codes) if c != "SE"]
    _markets(state, se, others)
    _shipping_options(state)
    _pricelists(state, se, others)


def _countries(state: CentraState, codes: list[str]) -> None:
    for code in codes:
        country = pycountry.countries.get(alpha_2=code)
        name = getattr(country, "common_name", None) or country.name  # type: ignore[union-attr]
        state.insert(
            "country",
            {"code": code, "name": name, "isEU": code in EU, "continent": CONTINENTS.get(code)},
        )


def _warehouses(state: CentraState, codes: list[str]) -> None:
    for name, at, hidden in (
        ("Retail Warehouse", "SE", False),
        ("Wholesale Warehouse", "US", True),
    ):
        state.insert(
            "warehouse",
            {
                "name": name,
                "status": "ACTIVE",
                "stockOwnership": "THIRD_PARTY",
                "allocationPolicy": "CHECK_FIRST",
                "stockMaster": "EXTERNAL",
                "isHiddenFromStockView": hidden,
                "isConsignation": False,
                "threshold": 1,
                "countryId": codes.index(at) + 1,
                "stateId": 2 if at == "US" else None,  # Nevada, as in ERP:842-845
                "zipCode": None,
            },
        )


def _markets(state: CentraState, se: int, others: list[int]) -> None:
    rule = state.insert("allocation_rule", {"name": "Ship from Retail Warehouse"})
    state.insert(
        "market",
        {
            "name": "Sweden",
            "storeId": 1,
            "countries": [se],
            "comment": None,
            "allocationRuleId": rule,
        },
    )
    state.insert(
        "market",
        {
            "name": "Global-e",
            "storeId": 1,
            "countries": others,
            "comment": "Markets operated by Global-e",
        },
    )
    state.insert("market", {"name": "Wholesale", "storeId": 2, "countries": [], "comment": None})
    for name, markets in (("Spring sale", [1]), ("Global-e launch", [2])):
        state.insert("campaign", {"name": name, "marketIds": markets})


def _shipping_options(state: CentraState) -> None:
    for name, uri in (("Standard", "standard"), ("Express", "express")):
        state.insert(
            "shipping_option",
            {
                "name": name,
                "status": "ACTIVE",
                "currency": "SEK",
                "storeType": "DIRECT_TO_CONSUMER",
                "comment": None,
                "uri": uri,
                "isPickupPoint": False,
                "stores": [1],
                "markets": [1, 2],
            },
        )


def _pricelists(state: CentraState, se: int, others: list[int]) -> None:
    for name, store, currency, countries, default in (
        ("SEK", 1, "SEK", [se], 1),
        ("Global-e SEK", 1, "SEK", others, 1),
        ("Wholesale EUR", 2, "EUR", [], None),
    ):
        state.insert(
            "pricelist",
            {
                "name": name,
                "status": "ACTIVE",
                "storeId": store,
                "currency": currency,
                "countries": countries,
                "defaultShippingOption": default,
                "comment": None,
            },
        )


def _catalog(state: CentraState, count: int, rng: random.Random) -> None:
    n_countries = len(state.all("country"))
    products, variants, sizes, displays, items = [], [], [], [], []
    vid = sid = did = iid = 0
    for pid in range(1, count + 1):
        created = EPOCH + timedelta(minutes=pid)
        updated = created + timedelta(minutes=rng.randrange(0, 100_000))
        number = f"P{pid:06d}"
        country = rng.randrange(1, n_countries + 1) if rng.random() < 0.8 else None
        status = "ACTIVE" if rng.random() < 0.9 else "INACTIVE"
        products.append(
            (
                pid,
                f"Product {pid}",
                status,
                number,
                country,
                created.isoformat(),
                updated.isoformat(),
            )
        )
        product_variants = []
        for v in range(1, rng.randrange(1, 3) + 1):
            vid += 1
            product_variants.append(vid)
            variants.append((vid, pid, f"Colour {v}", f"V{v}", "ACTIVE"))
            for size in ("S", "M", "L")[: rng.randrange(1, 4)]:
                sid += 1
                sizes.append(
                    (
                        sid,
                        vid,
                        size,
                        f"Size {size}",
                        f"{number}V{v}{size}",
                        f"{7350000000000 + sid}",
                    )
                )
        for store in (1, 2) if pid % 3 == 0 else (1,):
            did += 1
            desc = (
                f'Product {pid}, "quoted", café – line one\nline two'
                if pid % 7 == 0
                else (f"Description of product {pid}")
            )
            displays.append(
                (
                    did,
                    pid,
                    store,
                    f"Product {pid}",
                    desc,
                    "ACTIVE",
                    f"product-{pid}-{store}",
                    updated.isoformat(),
                )
            )
            for v in product_variants:
                iid += 1
                items.append((iid, did, v))
    db = state.db
    db.executemany("INSERT INTO product VALUES (?,?,?,?,?,?,?)", products)
    db.executemany("INSERT INTO variant VALUES (?,?,?,?,?)", variants)
    db.executemany("INSERT INTO size VALUES (?,?,?,?,?,?)", sizes)
    db.executemany("INSERT INTO display VALUES (?,?,?,?,?,?,?,?)", displays)
    db.executemany("INSERT INTO display_item VALUES (?,?,?)", items)
