"""`catalog export --resume` after the worst interruptions: rows written past the checkpoint,
a checkpoint line torn by a kill; and a checkpoint that only ever appends."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from centra_provision.catalog.checkpoint import Checkpoint
from centra_provision.catalog.export import ExportOptions, export_catalog
from centra_provision.centra.client import RetryPolicy
from centra_provision.emulator.app import Emulator
from tests.support.centra import copy_manifests
from tests.support.emulator import EmulatorClient, served

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)


class Killed(Exception):
    """Stands for the process dying at that point."""


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    copy_manifests(tmp_path, monkeypatch)
    emulator = Emulator(":memory:", products=130, requests_per_10s=10_000)
    with served(emulator) as url:
        monkeypatch.setenv("CENTRA_QA_INT_TOKEN", emulator.admin_token)
        yield EmulatorClient(emulator, url)
    emulator.state.close()


def options(api: EmulatorClient, out: str, **extra: Any) -> ExportOptions:
    return ExportOptions(
        output=out, url_override=f"{api.base_url}/graphql", retry=FAST, page_size=9, **extra
    )


def read_rows(path: Path) -> list[tuple[str, ...]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [tuple(r) for r in csv.reader(fh)]


def export(api: EmulatorClient, out: str, **extra: Any) -> None:
    export_catalog(Path("manifests"), "qa-int", options(api, out, **extra))


def killed_at_page(monkeypatch: pytest.MonkeyPatch, page: int, torn: bytes = b"") -> list[int]:
    """Die while recording `page`: its rows are already in the CSV, its checkpoint line is
    missing or (with `torn`) half written. Returns the CSV sizes seen at each record."""
    real = Checkpoint.append
    sizes: list[int] = []

    def append(self: Checkpoint, pages: int, offset: int, *rest: Any) -> None:
        sizes.append(offset)
        if pages == page:
            if torn and self.path is not None:
                with self.path.open("ab") as fh:
                    fh.write(torn)
            raise Killed()
        real(self, pages, offset, *rest)

    monkeypatch.setattr(Checkpoint, "append", append)
    return sizes


@pytest.mark.parametrize("torn", [b"", b'{"page":3,"offset":99'])
def test_resume_cuts_rows_written_past_the_checkpoint(
    shop: EmulatorClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, torn: bytes
) -> None:
    export(shop, "full.csv")
    with monkeypatch.context() as patch:
        sizes = killed_at_page(patch, 3, torn)
        with pytest.raises(Killed):
            export(shop, "part.csv", concurrency=1)
    part = tmp_path / "part.csv"
    assert part.stat().st_size == sizes[-1] > sizes[-2]  # page 3's rows are past the checkpoint
    export(shop, "part.csv", resume=True)
    full = read_rows(tmp_path / "full.csv")
    assert read_rows(part) == full
    assert len(full) == len(set(full)) > 100
    assert not (tmp_path / "part.csv.checkpoint.json").exists()


def test_resume_after_two_kills(
    shop: EmulatorClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A resumed export that dies again resumes again: the torn line of the first kill must
    not corrupt what the second run appended after it."""
    export(shop, "full.csv")
    with monkeypatch.context() as patch:
        killed_at_page(patch, 2, b'{"page":2,"offset":' + b"9" * 400)
        with pytest.raises(Killed):
            export(shop, "part.csv", concurrency=1)
    with monkeypatch.context() as patch:
        killed_at_page(patch, 6, b'{"pa')
        with pytest.raises(Killed):
            export(shop, "part.csv", resume=True, concurrency=1)
    export(shop, "part.csv", resume=True)
    assert read_rows(tmp_path / "part.csv") == read_rows(tmp_path / "full.csv")


def test_resume_when_the_catalog_shrank_meanwhile(
    shop: EmulatorClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Products deactivated between the kill and the resume: the resumed run writes fewer
    bytes than the dead one had, so nothing of the dead run may survive past the pages it
    checkpointed."""
    with monkeypatch.context() as patch:
        killed_at_page(patch, 3)
        with pytest.raises(Killed):
            export(shop, "part.csv", concurrency=1)
    db = shop.emulator.state.db
    order = [r[0] for r in db.execute(ACTIVE_IN_EXPORT_ORDER)]
    db.executemany(
        "UPDATE product SET status = 'INACTIVE' WHERE id = ?", [(i,) for i in order[20:]]
    )
    export(shop, "part.csv", resume=True)
    export(shop, "fresh.csv")
    assert read_rows(tmp_path / "part.csv") == read_rows(tmp_path / "fresh.csv")


# The export pages by id (ProductSort id_ASC) where Centra offers it, as the emulator does.
ACTIVE_IN_EXPORT_ORDER = "SELECT id FROM product WHERE status = 'ACTIVE' ORDER BY id ASC"


def test_checkpoint_only_appends(
    shop: EmulatorClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each page adds its own line and leaves what was there untouched, so an export writes
    checkpoint bytes in proportion to its products (not products x pages)."""
    snapshots: list[bytes] = []
    real = Checkpoint.append

    def append(self: Checkpoint, *args: Any) -> None:
        real(self, *args)
        assert self.path is not None
        snapshots.append(self.path.read_bytes())

    monkeypatch.setattr(Checkpoint, "append", append)
    export(shop, "out.csv")
    assert len(snapshots) > 10
    for before, after in itertools.pairwise(snapshots):
        assert after.startswith(before)
        assert len(after) - len(before) < 9 * 12 + 80  # one line: at most 9 ids of a page
