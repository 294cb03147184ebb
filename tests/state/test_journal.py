"""The apply journal's file, as people and audit tools read it: beside the ledger, one
JSON object per line with sorted keys, every line stamped with the time (UTC) and the
apply it belongs to, appended across applies, its folder made when missing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from centra_provision.state.journal import Journal, journal_path_for


@pytest.mark.parametrize(
    ("ledger", "journal"),
    [
        (".provision/qa-int.ledger.json", ".provision/qa-int.ledger.journal.jsonl"),
        ("state/prod.json", "state/prod.journal.jsonl"),
        ("state/prod.ledger", "state/prod.ledger.journal.jsonl"),
        ("a.json.json", "a.json.journal.jsonl"),
    ],
)
def test_the_journal_sits_beside_its_ledger(ledger: str, journal: str) -> None:
    assert journal_path_for(Path(ledger)) == Path(journal)


def test_each_step_is_one_stamped_line_appended(tmp_path: Path) -> None:
    path = tmp_path / "new" / ".provision" / "qa-int.ledger.journal.jsonl"
    before = datetime.now(UTC)
    first = Journal(path, "apply-1")
    first.write(phase="begin", address="Pricelist/SEK", zeta=1, action="create")
    first.write(phase="end", address="Pricelist/SEK", ok=True)
    Journal(path, "apply-2").write(phase="begin", address="Market/EU")
    after = datetime.now(UTC)
    lines = path.read_text().split("\n")
    assert lines[-1] == "" and len(lines) == 4
    entries = [json.loads(line) for line in lines[:-1]]
    for line, entry in zip(lines, entries, strict=False):
        assert line == json.dumps(entry, sort_keys=True)  # sorted keys, one line each
        at = datetime.fromisoformat(entry.pop("at"))
        assert at.utcoffset() is not None and before <= at <= after
    assert entries == [
        {
            "apply": "apply-1",
            "phase": "begin",
            "address": "Pricelist/SEK",
            "zeta": 1,
            "action": "create",
        },
        {"apply": "apply-1", "phase": "end", "address": "Pricelist/SEK", "ok": True},
        {"apply": "apply-2", "phase": "begin", "address": "Market/EU"},
    ]
