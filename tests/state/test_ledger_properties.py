"""The ledger's guarantees over their whole input space, not one example each: every field of
a saved ledger is under its MAC (whichever is edited, the ledger is refused); a fingerprint
depends on every part of what keys it (value, sensitivity, key, salt, scrypt parameters) and
on nothing else (numbers by value, mapping order); a record is found by both parts of its
key and by nothing less; the binding holds for every spelling that names the same Centra and
refuses every other; and concurrent savers never lose each other's records."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from centra_provision.state.ledger import (
    KEY_ENV,
    Ledger,
    LedgerBindingError,
    LedgerError,
    canonical,
)

KEY = "ledger-properties-key-" + "e" * 40
URL = "https://merchant.centra.com/graphql"


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A saved ledger with records, a snapshot and a field of a newer version (made once:
    scrypt is slow on purpose)."""
    path = tmp_path_factory.mktemp("saved") / "qa-int.ledger.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_ENV, KEY)
        ledger = Ledger.load(path, "qa-int", URL)
        ledger.remember("TaxGroup/GE Local VAT", "rules[GE Local VAT].applyTaxPer", "x", "apply")
        ledger.remember("OrderApiPlugin/GE Order API", "secretKey", "s3cret", "apply", True)
        ledger.take_snapshot("TaxGroup/GE Local VAT", {"status": "ACTIVE", "rules": {}}, "apply")
        ledger.extra["newerField"] = {"kept": True}
        ledger.save()
    return dict(json.loads(path.read_text()))


def leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a scalar (and to every mapping and list, empty ones included)."""
    if isinstance(value, dict):
        yield path
        for k, v in value.items():
            yield from leaves(v, (*path, k))
    elif isinstance(value, list):
        yield path
        for i, v in enumerate(value):
            yield from leaves(v, (*path, i))
    else:
        yield path


def edited(value: Any) -> Any:
    """Another value of the same shape."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, dict):
        return {**value, "added": 1}
    if isinstance(value, list):
        return [*value, 1]
    return "x"


def put(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(body))
    node = copy
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return copy


def paths_of(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [p for p in leaves(body) if p and p != ("mac",)]


def test_every_field_and_every_nested_value_is_under_the_mac(
    saved: dict[str, Any], tmp_path: Path
) -> None:
    """Editing any one value anywhere in the file (the MAC left as it was) is refused; a
    mutant that leaves one field out of the MAC, or out of the parse, fails here."""
    path = tmp_path / "qa-int.ledger.json"
    accepted = []
    for where in paths_of(saved):
        original: Any = saved
        for part in where:
            original = original[part]
        path.write_text(json.dumps(put(saved, where, edited(original))))
        try:
            Ledger.load(path, "qa-int", URL)
        except LedgerError:
            continue
        accepted.append(where)
    assert accepted == []
    assert len(paths_of(saved)) > 30  # the walk reached records, snapshots and extras


def test_a_field_added_or_removed_anywhere_is_refused(
    saved: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "qa-int.ledger.json"
    mappings = [p for p in leaves(saved) if isinstance(_at(saved, p), dict)]
    assert len(mappings) > 8
    for where in mappings:
        node = _at(saved, where)
        path.write_text(json.dumps(put(saved, where, {**node, "smuggled": 1})))
        with pytest.raises(LedgerError):
            Ledger.load(path, "qa-int", URL)
        for key in node:
            if where == () and key == "snapshots":
                continue  # optional: tested below, with the MAC over what remains
            path.write_text(
                json.dumps(put(saved, where, {k: v for k, v in node.items() if k != key}))
            )
            with pytest.raises(LedgerError):
                Ledger.load(path, "qa-int", URL)


def _at(body: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        body = body[part]
    return body


def test_the_unedited_ledger_loads_with_everything_in_it(
    saved: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "qa-int.ledger.json"
    path.write_text(json.dumps(saved))
    ledger = Ledger.load(path, "qa-int", URL)
    assert ledger.matches(ledger.record("OrderApiPlugin/GE Order API", "secretKey") or {}, "s3cret")
    assert ledger.extra == {"newerField": {"kept": True}}
    assert ledger.snapshot("TaxGroup/GE Local VAT") is not None


# --- fingerprints --------------------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.text(max_size=8)
    | st.decimals(allow_nan=False, allow_infinity=False, places=3),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Ledger:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_ENV, KEY)
        return Ledger.load(tmp_path_factory.mktemp("fp") / "qa-int.ledger.json", "qa-int")


@given(a=JSON, b=JSON)
def test_fingerprints_are_equal_exactly_when_the_values_are(ledger: Ledger, a: Any, b: Any) -> None:
    same = canonical(a) == canonical(b)
    assert (ledger.fingerprint(a) == ledger.fingerprint(b)) == same


@given(
    n=st.integers(-(10**9), 10**9),
    exponent=st.integers(0, 4),
)
def test_numbers_are_fingerprinted_by_value_whatever_their_type(
    ledger: Ledger, n: int, exponent: int
) -> None:
    forms: list[Any] = [n, float(n), Decimal(n), Decimal(n).quantize(Decimal(1).scaleb(-exponent))]
    assert len({ledger.fingerprint(f) for f in forms}) == 1
    assert ledger.fingerprint(str(n)) != ledger.fingerprint(n)  # text is not a number
    assert ledger.fingerprint(n != 0) != ledger.fingerprint(int(n != 0))  # nor a boolean


@given(items=st.dictionaries(st.text(max_size=4), st.integers(), min_size=2, max_size=5))
def test_mapping_order_does_not_matter_but_list_order_does(
    ledger: Ledger, items: dict[str, int]
) -> None:
    reordered = dict(reversed(list(items.items())))
    assert ledger.fingerprint(items) == ledger.fingerprint(reordered)
    values = list(items.values())
    if values != values[::-1]:
        assert ledger.fingerprint(values) != ledger.fingerprint(values[::-1])


def test_a_fingerprint_depends_on_every_part_of_its_key(tmp_path: Path) -> None:
    """Key, salt, each scrypt parameter and the sensitive scheme each change it."""
    base = Ledger.load(tmp_path / "a.ledger.json", "qa-int")
    value = {"rate": Decimal("25"), "countries": ["SE", "NO"]}
    prints = {"base": base.fingerprint(value), "sensitive": base.fingerprint(value, True)}
    other_key = Ledger.load(tmp_path / "a.ledger.json", "qa-int")
    other_key.secret = b"another key"
    other_key._derive()
    prints["key"] = other_key.fingerprint(value)
    other_salt = Ledger.load(tmp_path / "b.ledger.json", "qa-int")
    prints["salt"] = other_salt.fingerprint(value)
    for name in ("n", "r", "p"):
        tuned = Ledger.load(tmp_path / "a.ledger.json", "qa-int")
        tuned.kdf = {**tuned.kdf, name: tuned.kdf[name] * 2}
        tuned._derive()
        prints[f"kdf.{name}"] = tuned.fingerprint(value)
    assert len(set(prints.values())) == len(prints), prints
    assert prints["sensitive"].startswith("scrypt:")
    assert prints["base"].startswith("hmac-sha256:")


# --- records and binding ---------------------------------------------------------------

ADDRESSES = st.sampled_from(["TaxGroup/GE Local VAT", "TaxGroup/ge local vat", "Pricelist/SEK"])
PATHS = st.sampled_from(["rate", "Rate", "rules[GE Local VAT].rate", "rules[ge local vat].rate"])


@given(address=ADDRESSES, path=PATHS, other_address=ADDRESSES, other_path=PATHS)
def test_a_record_is_found_by_both_parts_of_its_key_exactly(
    tmp_path_factory: pytest.TempPathFactory,
    ledger: Ledger,
    address: str,
    path: str,
    other_address: str,
    other_path: str,
) -> None:
    ledger.records.clear()
    ledger.remember(address, path, 1, "test")
    found = ledger.record(other_address, other_path)
    assert (found is not None) == (address == other_address and path == other_path)
    assert ledger.has(other_address) == (address == other_address)


SAME_CENTRA = [
    URL,
    URL + "/",
    "HTTPS://MERCHANT.CENTRA.COM/graphql",
    "https://Merchant.Centra.com/graphql/",
]
OTHER_CENTRA = [
    "https://other.centra.com/graphql",
    "https://merchant.centra.com:8443/graphql",
    "http://merchant.centra.com/graphql",
    "https://merchant.centra.com/graphql/v2",
    "embedded:.provision/local-centra.sqlite",
]


@pytest.mark.parametrize("spelling", SAME_CENTRA)
def test_every_spelling_of_the_bound_centra_opens_the_ledger(
    saved: dict[str, Any], tmp_path: Path, spelling: str
) -> None:
    path = tmp_path / "qa-int.ledger.json"
    path.write_text(json.dumps(saved))
    assert Ledger.load(path, "qa-int", spelling).exists


@pytest.mark.parametrize("other", OTHER_CENTRA)
def test_any_other_centra_is_refused(saved: dict[str, Any], tmp_path: Path, other: str) -> None:
    path = tmp_path / "qa-int.ledger.json"
    path.write_text(json.dumps(saved))
    with pytest.raises(LedgerBindingError, match="a ledger is bound to one Centra"):
        Ledger.load(path, "qa-int", other)


@pytest.mark.parametrize("other", ["QA-INT", "qa_int", "qa-int ", "prod", "local"])
def test_an_environment_is_named_exactly(saved: dict[str, Any], tmp_path: Path, other: str) -> None:
    path = tmp_path / "qa-int.ledger.json"
    path.write_text(json.dumps(saved))
    with pytest.raises(LedgerBindingError, match="belongs to environment qa-int"):
        Ledger.load(path, other, URL)


def test_concurrent_savers_lose_nothing(tmp_path: Path) -> None:
    """Four runners load the same ledger, each records its own field and saves at once:
    every field is in the file afterwards, and each save counted once."""
    path = tmp_path / "qa-int.ledger.json"
    first = Ledger.load(path, "qa-int", URL)
    first.remember("Pricelist/SEK", "comment", "start", "apply")
    first.save()
    runners = [Ledger.load(path, "qa-int", URL) for _ in range(4)]
    barrier = threading.Barrier(len(runners))
    errors: list[BaseException] = []

    def run(i: int, ledger: Ledger) -> None:
        ledger.remember(f"Pricelist/P{i}", "comment", f"runner {i}", "apply")
        barrier.wait()
        try:
            ledger.save()
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(runners)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    final = Ledger.load(path, "qa-int", URL)
    assert sorted(final.records) == [*(f"Pricelist/P{i}" for i in range(4)), "Pricelist/SEK"]
    for i in range(4):
        assert final.matches(final.record(f"Pricelist/P{i}", "comment") or {}, f"runner {i}")
    assert final.serial == 1 + len(runners)
