"""A ledger file that cannot be trusted is refused in one line, never a traceback and never
taken for "no ledger yet": not JSON, not an object, format 1, an unknown format, a field of
the wrong type, edited key material; and where the key must come from."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from centra_provision.state.backend import open_backend
from centra_provision.state.ledger import (
    KEY_ENV,
    Ledger,
    LedgerError,
    LedgerKeyError,
    key_file_for,
    ledger_secret,
)

KEY = "ledger-refusal-key-" + "d" * 40


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)


@pytest.fixture(scope="module")
def sound(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The body of a sound ledger (made once: scrypt is slow on purpose)."""
    folder = tmp_path_factory.mktemp("sound")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_ENV, KEY)
        ledger = Ledger.load(folder / "sound.ledger.json", "qa-int")
        ledger.remember("TaxGroup/GE Local VAT", "applyTaxPer", "PRODUCT", "apply")
        ledger.save()
    return dict(json.loads((folder / "sound.ledger.json").read_text()))


@pytest.fixture
def good(sound: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """A copy of the sound ledger's body, also written at tmp_path/sound.ledger.json."""
    (tmp_path / "sound.ledger.json").write_text(json.dumps(sound))
    return json.loads(json.dumps(sound))  # type: ignore[no-any-return]


def refusal(tmp_path: Path, content: bytes) -> str:
    path = tmp_path / "qa-int.ledger.json"
    path.write_bytes(content)
    with pytest.raises(LedgerError) as info:
        Ledger.load(path, "qa-int")
    return str(info.value).replace(str(path), "LEDGER")


UNKNOWN = "ledger LEDGER is unreadable or of an unknown format"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "ledger LEDGER is not JSON"),
        (b'{"formatVersion": 2', "ledger LEDGER is not JSON"),
        (b"[]", UNKNOWN),
        (b'"ledger"', UNKNOWN),
        (b"null", UNKNOWN),
        (b"2", UNKNOWN),
        (b"{}", UNKNOWN),
        (
            b'{"formatVersion": 1, "key": "x"}',
            "ledger LEDGER is of format 1, which kept its key inside it; remove it and run "
            "`provision apply` (or `attest`) again to record the fields anew",
        ),
    ],
)
def test_a_file_that_is_no_ledger_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    assert refusal(tmp_path, content) == message


@pytest.mark.parametrize(
    "damage",
    [
        {"formatVersion": 3},
        {"formatVersion": "2"},
        {"ledgerId": 7},
        {"environment": None},
        {"salt": 0},
        {"kdf": "scrypt"},
        {"serial": "1"},
        {"keyCheck": None},
        {"resources": []},
        {"snapshots": []},
        {"kdf": {}},
        {"kdf": {"name": "scrypt", "n": 3, "r": 8, "p": 1}},
        {"kdf": {"name": "scrypt", "n": "16384", "r": 8, "p": 1}},
        {"salt": "not hex"},
    ],
)
def test_a_damaged_field_is_refused(
    tmp_path: Path, good: dict[str, Any], damage: dict[str, Any]
) -> None:
    assert refusal(tmp_path, json.dumps({**good, **damage}).encode()) == UNKNOWN


@pytest.mark.parametrize(
    "missing", ["ledgerId", "environment", "salt", "kdf", "serial", "keyCheck", "resources"]
)
def test_a_missing_field_is_refused(tmp_path: Path, good: dict[str, Any], missing: str) -> None:
    body = {k: v for k, v in good.items() if k != missing}
    assert refusal(tmp_path, json.dumps(body).encode()) == UNKNOWN


def test_snapshots_are_optional_and_unknown_fields_are_kept(
    tmp_path: Path, good: dict[str, Any]
) -> None:
    """A ledger from before snapshots existed still loads (its MAC was made without them);
    a field a newer version added survives this version's save."""
    location = tmp_path / "sound.ledger.json"
    body = {k: v for k, v in good.items() if k not in ("snapshots", "mac")}
    body["futureField"] = {"kept": True}
    ledger = Ledger.load(location, "qa-int")
    body["mac"] = ledger._mac(body)  # as a version without snapshots signed it
    location.write_text(json.dumps(body))
    old = Ledger.load(location, "qa-int")
    assert old.snapshots == {} and old.extra == {"futureField": {"kept": True}}
    assert old.matches(old.records["TaxGroup/GE Local VAT"]["applyTaxPer"], "PRODUCT")
    old.save()
    assert json.loads(location.read_text())["futureField"] == {"kept": True}
    assert Ledger.load(location, "qa-int").serial == 2


def test_an_edited_ledger_and_a_wrong_key_are_told_apart(
    tmp_path: Path, good: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    location = tmp_path / "sound.ledger.json"
    location.write_text(json.dumps({**good, "serial": good["serial"] + 5}))
    with pytest.raises(LedgerError) as info:
        Ledger.load(location, "qa-int")
    assert str(info.value) == (
        f"ledger {location} was changed outside provision (its MAC does not match); restore "
        "it from the store's version history"
    )
    location.write_text(json.dumps(good))
    monkeypatch.setenv(KEY_ENV, KEY + "-other")
    with pytest.raises(LedgerKeyError) as info:
        Ledger.load(location, "qa-int")
    assert str(info.value) == (
        f"ledger {location} was written with another key: set {KEY_ENV} to the key it was "
        "written with"
    )


def test_a_local_ledger_keeps_its_generated_key_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    location = tmp_path / "state" / "local.ledger.json"
    key_file = key_file_for(location)
    assert key_file == tmp_path / "state" / "local.ledger.key"
    assert key_file_for(tmp_path / "local.state") == tmp_path / "local.state.key"
    ledger = Ledger.load(location, "local")
    key = key_file.read_text()
    assert len(key) == 65 and key.endswith("\n") and int(key, 16) > 0
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    ledger.remember("TaxGroup/GE Local VAT", "applyTaxPer", "PRODUCT", "apply")
    ledger.save()
    assert key.strip().encode() not in location.read_bytes()
    assert ledger_secret(open_backend(location), True) == key.strip().encode()
    assert Ledger.load(location, "local").serial == 1  # the same key, read back
    key_file.unlink()
    with pytest.raises(LedgerKeyError) as info:
        Ledger.load(location, "local")
    assert str(info.value) == (
        f"ledger {location} exists but its key file {key_file} does not: restore it, or "
        f"set {KEY_ENV} to the key the ledger was written with"
    )
    key_file.mkdir()
    with pytest.raises(LedgerKeyError) as info:
        Ledger.load(location, "local")
    assert str(info.value) == f"ledger key file {key_file}: Is a directory"


def test_a_shared_ledger_needs_its_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(LedgerKeyError) as info:
        Ledger.load("s3://team-state/qa-int.ledger.json", "qa-int")
    assert str(info.value) == (
        f"{KEY_ENV} is not set: the ledger s3://team-state/qa-int.ledger.json is shared, so "
        "its key must come from the environment (a CI secret), never from the store"
    )
    monkeypatch.setenv(KEY_ENV, "")
    with pytest.raises(LedgerKeyError):
        Ledger.load("s3://team-state/qa-int.ledger.json", "qa-int")
