"""The apply journal: one JSON line before and one after every step, flushed to disk, so an
interrupted apply leaves a record of where it stopped. The next apply reads live Centra
again and converges from there; the journal is for people and audits."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class Journal:
    def __init__(self, path: Path, apply_id: str) -> None:
        self.path = path
        self.apply_id = apply_id

    def write(self, **entry: Any) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"at": datetime.now(UTC).isoformat(), "apply": self.apply_id, **entry}, sort_keys=True
        )
        with self.path.open("a") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())


def journal_path_for(ledger: Path) -> Path:
    return ledger.with_name(ledger.name.removesuffix(".json") + ".journal.jsonl")
