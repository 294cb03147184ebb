"""`catalog export --resume` from every state a kill can leave, not a chosen few: after k
whole page lines of the checkpoint, the CSV holds anything from page k's end up to the end
of page k+1 (Python's buffer may have reached the disk part way through a page), or page
k+1's rows whole and its checkpoint line torn at any byte. Resuming from any of them gives
exactly the CSV an uninterrupted export writes, whatever the bytes past the checkpoint are
(rows of a catalog that changed since, or junk), and so does a resume that is itself killed
and resumed again."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from centra_provision.catalog.checkpoint import Checkpoint
from centra_provision.catalog.export import ExportOptions, export_catalog
from centra_provision.centra.client import RetryPolicy
from centra_provision.emulator.app import Emulator
from tests.support.centra import copy_manifests
from tests.support.emulator import served

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)


@dataclass(frozen=True)
class Export:
    """An uninterrupted export: its CSV, and its checkpoint log's lines as they stood
    after the last page (header first)."""

    csv: bytes
    lines: list[bytes]

    def offset(self, k: int) -> int:
        """Where the CSV ended once k pages were recorded (k = 0: after the header)."""
        return int(json.loads(self.lines[k])["offset"])

    @property
    def pages(self) -> int:
        return len(self.lines) - 1


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, Export]]:
    """A working tree, a served shop of 40 products and a whole export of it (5 per page)."""
    root = tmp_path_factory.mktemp("shop")
    with pytest.MonkeyPatch.context() as patch:
        copy_manifests(root, patch)
        emulator = Emulator(":memory:", products=40, requests_per_10s=10_000)
        with served(emulator) as url:
            patch.setenv("CENTRA_QA_INT_TOKEN", emulator.admin_token)
            TOKENS[url] = emulator.admin_token
            whole = _export_capturing_log(patch, url, root / "whole.csv")
            yield root, url, whole
        emulator.state.close()


def _options(url: str, out: Path, **extra: Any) -> ExportOptions:
    return ExportOptions(
        output=str(out), url_override=f"{url}/graphql", retry=FAST, page_size=5, **extra
    )


def _export_capturing_log(patch: pytest.MonkeyPatch, url: str, out: Path) -> Export:
    """Export, keeping a copy of the checkpoint log after every append (a finished export
    deletes it)."""
    log = out.with_name(out.name + ".checkpoint.json")
    copy = out.with_name("log-copy")
    real = Checkpoint.append

    def append(self: Checkpoint, *args: Any) -> None:
        real(self, *args)
        shutil.copyfile(log, copy)

    with patch.context() as inner:
        inner.setattr(Checkpoint, "append", append)
        export_catalog(Path("manifests"), "qa-int", _options(url, out))
    return Export(out.read_bytes(), copy.read_bytes().splitlines(keepends=True))


@pytest.fixture
def token(shop: tuple[Path, str, Export], monkeypatch: pytest.MonkeyPatch) -> None:
    """The shop's token for this test (every test starts with a clean environment)."""
    monkeypatch.setenv("CENTRA_QA_INT_TOKEN", TOKENS[shop[1]])


TOKENS: dict[str, str] = {}


class Killed(Exception):
    """Stands for the resumed export dying too."""


def _resume_from(
    shop: tuple[Path, str, Export], csv: bytes, log: bytes, kills: tuple[int, ...] = ()
) -> bytes:
    """Resume from this state; each resume in `kills` dies while recording that page (its
    line torn, longer than a whole line); the last resume finishes. The CSV at the end."""
    root, url, _ = shop
    out = root / "part.csv"
    out.write_bytes(csv)
    out.with_name(out.name + ".checkpoint.json").write_bytes(log)
    for page in kills:
        with pytest.MonkeyPatch.context() as patch, pytest.raises(Killed):
            patch.setattr(Checkpoint, "append", _dying_at(page))
            export_catalog(Path("manifests"), "qa-int", _options(url, out, resume=True))
    export_catalog(Path("manifests"), "qa-int", _options(url, out, resume=True))
    assert not out.with_name(out.name + ".checkpoint.json").exists()
    return out.read_bytes()


def _dying_at(page: int) -> Any:
    real = Checkpoint.append

    def append(self: Checkpoint, pages: int, *rest: Any) -> None:
        if pages == page:
            assert self.path is not None
            with self.path.open("r+b") as fh:
                fh.seek(self.length)
                fh.write(b'{"page":' + str(pages).encode() + b',"offset":' + b"1" * 300)
            raise Killed
        real(self, pages, *rest)

    return append


@st.composite
def crash_states(draw: st.DrawFn, whole: Export) -> tuple[bytes, bytes]:
    """(CSV on disk, checkpoint log on disk) as a kill at some moment leaves them."""
    k = draw(st.integers(0, whole.pages - 1))
    log = b"".join(whole.lines[: k + 1])
    end = whole.offset(k + 1)
    if draw(st.booleans()):  # killed while recording page k+1: its rows are whole
        torn = whole.lines[k + 1]
        csv, log = whole.csv[:end], log + torn[: draw(st.integers(0, len(torn) - 1))]
    else:  # killed while writing page k+1's rows
        csv = whole.csv[: draw(st.integers(whole.offset(k), end))]
    if draw(st.booleans()):  # what lies past the checkpoint is not what will be written
        rest = len(whole.csv) - whole.offset(k)  # shorter, or longer than what follows
        size = draw(st.integers(0, rest) | st.integers(rest + 1, rest + 64))
        csv = csv[: whole.offset(k)] + draw(st.binary(min_size=size, max_size=size))
    return csv, log


def test_the_whole_export_has_pages_to_cut(shop: tuple[Path, str, Export]) -> None:
    whole = shop[2]
    assert whole.pages >= 6 and len(whole.csv) > whole.offset(whole.pages - 1) > whole.offset(0)


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
@pytest.mark.usefixtures("token")
def test_resuming_from_any_crash_state_writes_the_whole_export(
    shop: tuple[Path, str, Export], data: st.DataObject
) -> None:
    whole = shop[2]
    csv, log = data.draw(crash_states(whole))
    recorded = log.count(b"\n") - 1  # whole page lines (a torn one has no newline)
    kills = data.draw(st.lists(st.integers(recorded + 1, whole.pages), max_size=2, unique=True))
    assert _resume_from(shop, csv, log, tuple(sorted(kills))) == whole.csv


@pytest.mark.usefixtures("token")
@pytest.mark.parametrize("where", ["first", "last"])
@pytest.mark.parametrize("how", ["rows cut", "line torn"])
def test_resuming_from_the_first_and_last_pages_writes_the_whole_export(
    shop: tuple[Path, str, Export], where: str, how: str
) -> None:
    whole = shop[2]
    k = 0 if where == "first" else whole.pages - 1
    log = b"".join(whole.lines[: k + 1])
    if how == "rows cut":
        csv = whole.csv[: (whole.offset(k) + whole.offset(k + 1)) // 2]
    else:
        csv, log = whole.csv[: whole.offset(k + 1)], log + whole.lines[k + 1][:-1]
    assert _resume_from(shop, csv, log) == whole.csv
