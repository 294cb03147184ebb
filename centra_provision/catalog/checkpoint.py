"""The catalog export's checkpoint: pages fully written and where the file ended after them,
and the products already written (a bitmap), so `--resume` continues after an interruption
without writing a product twice."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from centra_provision.errors import ProvisionError


class CheckpointError(ProvisionError):
    """A checkpoint that does not belong to this export."""


class SeenProducts:
    """A bitmap of product ids: memory proportional to the largest id / 8, not to rows."""

    def __init__(self) -> None:
        self.bits = bytearray()

    def add(self, pid: int) -> bool:
        """Mark pid seen; True if it was new."""
        byte, bit = divmod(pid, 8)
        if byte >= len(self.bits):
            self.bits.extend(b"\0" * (byte - len(self.bits) + 1024))
        if self.bits[byte] >> bit & 1:
            return False
        self.bits[byte] |= 1 << bit
        return True


@dataclass
class Checkpoint:
    """Pages fully written, and where the file ended after them: an append-only log beside
    the output (a header line, then one line per page with the ids it wrote), so the bytes
    written grow with the products, not with products x pages. A line torn by a kill is
    ignored on load and cut off before the next append."""

    path: Path | None
    key: str
    pages: int = 0
    offset: int = 0
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    rows: int = 0
    products: int = 0
    seen: SeenProducts = field(default_factory=SeenProducts)
    length: int = 0  # bytes of whole lines in the log

    def start(self) -> None:
        """A new log: just the header."""
        self._write({"key": self.key, "started": self.started, "offset": self.offset}, "wb")

    def append(self, pages: int, offset: int, rows: int, products: int, ids: list[int]) -> None:
        self.pages, self.offset, self.rows, self.products = pages, offset, rows, products
        self._write(
            {"page": pages, "offset": offset, "rows": rows, "products": products, "ids": ids},
            "r+b",
        )

    def _write(self, entry: dict[str, Any], mode: str) -> None:
        if self.path is None:
            return
        line = (json.dumps(entry, separators=(",", ":")) + "\n").encode()
        with self.path.open(mode) as fh:
            fh.truncate(self.length)  # drop a torn line a kill left behind
            fh.seek(self.length)
            fh.write(line)
        self.length += len(line)

    @classmethod
    def load(cls, path: Path, key: str) -> Checkpoint:
        unusable = CheckpointError(f"no usable checkpoint at {path}; run without --resume")
        try:
            lines = path.read_bytes().split(b"\n")  # the last piece is empty or torn
            header = json.loads(lines[0])
        except (OSError, ValueError):
            raise unusable from None
        if not isinstance(header, dict) or header.get("key") != key:
            raise CheckpointError(
                f"checkpoint {path} belongs to another export (store, "
                "statuses or page size differ); run without --resume"
            )
        try:
            checkpoint = cls(path, key, started=header["started"], offset=header["offset"])
            if datetime.fromisoformat(checkpoint.started).tzinfo is None:
                raise ValueError("the start time has no UTC offset")
            for entry in map(json.loads, lines[1:-1]):
                checkpoint.pages, checkpoint.offset = entry["page"], entry["offset"]
                checkpoint.rows, checkpoint.products = entry["rows"], entry["products"]
                for pid in entry["ids"]:
                    checkpoint.seen.add(pid)
        except (ValueError, KeyError, TypeError, IndexError):
            raise unusable from None
        if len(lines) < 2:
            raise unusable
        checkpoint.length = sum(len(line) + 1 for line in lines[:-1])
        return checkpoint
