"""Two runners writing one ledger: a save that lost the race re-reads what the other wrote
and replays its own changes on it (its salt, scrypt parameters, serial and version, never
its own stale copy), refuses a ledger that now belongs to another Centra or environment,
gives up in one line when the ledger keeps changing, and leaves memory as it was when the
store refuses the write. Local files, in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from centra_provision.state.backend import BackendError
from centra_provision.state.ledger import SAVE_ATTEMPTS, Ledger, LedgerBindingError, LedgerError

KEY = "ledger-race-key-" + "c" * 40
CENTRA = "https://qa-int.centra.example/graphql"


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVISION_LEDGER_KEY", KEY)


def test_a_lost_race_adopts_the_winners_ledger_and_replays_its_own_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The winner wrote first with another salt and older scrypt parameters (as an older
    release did). The loser must write with the winner's, or its own next load would call the
    ledger written with another key."""
    monkeypatch.chdir(tmp_path)
    absolute = tmp_path / "state" / "qa-int.ledger.json"
    loser = Ledger.load(absolute, "qa-int", CENTRA)
    winner = Ledger.load("state/qa-int.ledger.json", "qa-int", CENTRA)
    assert winner.salt == loser.salt  # one file, however its folder is named
    winner.salt = "00" * 16
    winner.kdf = {"name": "scrypt", "n": 2**10, "r": 8, "p": 1}  # as an older run wrote it
    winner._derive()
    winner.remember("TaxGroup/GE Local VAT", "applyTaxPer", "PRODUCT", "apply")
    winner.save()
    loser.remember("OrderApiPlugin/GE Order API", "secretKey", "s3cr3t", "apply", True)
    loser.take_snapshot("OrderApiPlugin/GE Order API", {"active": True}, "apply")
    loser.save()
    assert (loser.ledger_id, loser.salt, loser.kdf) == (
        winner.ledger_id,
        winner.salt,
        winner.kdf,
    )
    assert loser.serial == 2
    final = Ledger.load(absolute, "qa-int", CENTRA)  # the key check and MAC hold
    assert (final.serial, final.ledger_id, final.kdf) == (2, winner.ledger_id, winner.kdf)
    assert set(final.records) == {"TaxGroup/GE Local VAT", "OrderApiPlugin/GE Order API"}
    secret = final.records["OrderApiPlugin/GE Order API"]["secretKey"]
    assert final.matches(secret, "s3cr3t") and not final.matches(secret, "other")
    assert final.matches(final.records["TaxGroup/GE Local VAT"]["applyTaxPer"], "PRODUCT")
    assert final.snapshot("OrderApiPlugin/GE Order API") is not None
    loser.remember("Pricelist/SEK", "comment", "x", "apply")
    loser.save()  # it holds the version it wrote: no conflict, no re-read
    assert Ledger.load(absolute, "qa-int", CENTRA).serial == 3


def test_a_lost_race_never_takes_over_another_centras_ledger(tmp_path: Path) -> None:
    location = tmp_path / "qa-int.ledger.json"
    loser = Ledger.load(location, "qa-int", CENTRA)
    winner = Ledger.load(location, "qa-int", "https://prod.centra.example/graphql")
    winner.remember("TaxGroup/GE Local VAT", "applyTaxPer", "PRODUCT", "apply")
    winner.save()
    written = location.read_bytes()
    loser.remember("TaxGroup/GE Local VAT", "applyTaxPer", "ORDER", "apply")
    with pytest.raises(LedgerBindingError) as info:
        loser.save()
    assert str(info.value) == (
        f"ledger {location} records Centra https://prod.centra.example/graphql, but this run "
        f"talks to {CENTRA}; a ledger is bound to one Centra"
    )
    assert location.read_bytes() == written


def test_a_lost_race_never_takes_over_another_environments_ledger(tmp_path: Path) -> None:
    location = tmp_path / "shared.ledger.json"
    loser = Ledger.load(location, "qa-int", CENTRA)
    winner = Ledger.load(location, "prod", CENTRA)
    winner.remember("TaxGroup/GE Local VAT", "applyTaxPer", "PRODUCT", "apply")
    winner.save()
    loser.remember("TaxGroup/GE Local VAT", "applyTaxPer", "ORDER", "apply")
    with pytest.raises(LedgerBindingError, match="belongs to environment prod, not qa-int"):
        loser.save()
    assert json.loads(location.read_bytes())["environment"] == "prod"


def test_a_ledger_that_keeps_changing_is_given_up_in_one_line(tmp_path: Path) -> None:
    """Another runner writes again every time this one re-reads: after SAVE_ATTEMPTS
    lost races the save stops, and nothing of this run was written over theirs."""
    location = tmp_path / "qa-int.ledger.json"
    other = Ledger.load(location, "qa-int", CENTRA)
    busy = Ledger.load(location, "qa-int", CENTRA)
    writes = []

    def race(ledger: Ledger) -> None:
        ledger.records.setdefault("Pricelist/SEK", {})
        writes.append(len(writes))
        other.remember("Pricelist/EUR", "comment", f"write {len(writes)}", "apply")
        other.save()

    busy.mutate(race)
    with pytest.raises(LedgerError) as info:
        busy.save()
    assert str(info.value) == (
        f"ledger {location} kept changing while writing it ({SAVE_ATTEMPTS} attempts)"
    )
    stored = Ledger.load(location, "qa-int", CENTRA)
    assert stored.serial == SAVE_ATTEMPTS + 1 == len(writes)
    assert "Pricelist/SEK" not in stored.records


def test_a_refused_write_leaves_the_ledger_as_it_was(tmp_path: Path) -> None:
    """The store refuses (here: the folder became a file): the error is the store's, and
    the ledger in memory is unchanged, so a retry once the store is back writes serial 1."""
    folder = tmp_path / "state"
    location = folder / "qa-int.ledger.json"
    ledger = Ledger.load(location, "qa-int", CENTRA)
    ledger.remember("TaxGroup/GE Local VAT", "applyTaxPer", "PRODUCT", "apply")
    folder.write_text("not a folder")
    with pytest.raises(BackendError, match=f"^ledger {location}: cannot write: "):
        ledger.save()
    assert (ledger.ledger_id, ledger.serial, ledger.updated_at) == (None, 0, None)
    folder.unlink()
    ledger.save()
    stored = Ledger.load(location, "qa-int", CENTRA)
    assert (stored.serial, stored.ledger_id) == (1, ledger.ledger_id)
    assert stored.ledger_id is not None and len(stored.ledger_id) == 32


def test_the_ledger_file_is_reviewable_json(tmp_path: Path) -> None:
    """Sorted keys, two-space indent, a final newline: a ledger's change reads as a small
    diff in the store's version history, like Terraform state."""
    location = tmp_path / "qa-int.ledger.json"
    ledger = Ledger.load(location, "qa-int", CENTRA)
    ledger.remember("TaxGroup/GE Local VAT", "applyTaxPer", "PRODUCT", "apply")
    ledger.save()
    text = location.read_text()
    body = json.loads(text)
    assert text == json.dumps(body, indent=2, sort_keys=True) + "\n"
    assert (body["serial"], body["environment"], body["centraUrl"]) == (1, "qa-int", CENTRA)
    assert body["updatedAt"] == ledger.updated_at is not None
