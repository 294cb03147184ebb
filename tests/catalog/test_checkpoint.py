"""The resumable export's checkpoint log, file by file: what `--resume` accepts (a header,
whole page lines, a torn last line), what it refuses with one line (a missing, empty or
damaged log, another export's log), and that appending after a resume continues the log
where its whole lines end. Plus the seen-products bitmap the log feeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from centra_provision.catalog.checkpoint import Checkpoint, CheckpointError, SeenProducts

KEY = "0123456789abcdef"
STARTED = "2026-11-27T10:00:00.123456+00:00"
HEADER = b'{"key":"0123456789abcdef","started":"2026-11-27T10:00:00.123456+00:00","offset":81}\n'
PAGE_1 = b'{"page":1,"offset":400,"rows":6,"products":2,"ids":[3,17]}\n'
PAGE_2 = b'{"page":2,"offset":700,"rows":9,"products":3,"ids":[8]}\n'


def log(tmp_path: Path, *parts: bytes) -> Path:
    path = tmp_path / "catalog.csv.checkpoint.json"
    path.write_bytes(b"".join(parts))
    return path


def unusable(path: Path) -> str:
    return f"no usable checkpoint at {path}; run without --resume"


def test_a_new_log_is_a_header_line_then_one_line_per_page(tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv.checkpoint.json"
    checkpoint = Checkpoint(path, KEY, offset=81, started=STARTED)
    checkpoint.start()
    assert path.read_bytes() == HEADER
    checkpoint.append(1, 400, 6, 2, [3, 17])
    checkpoint.append(2, 700, 9, 3, [8])
    assert path.read_bytes() == HEADER + PAGE_1 + PAGE_2
    assert (checkpoint.pages, checkpoint.offset, checkpoint.rows, checkpoint.products) == (
        2,
        700,
        9,
        3,
    )
    assert checkpoint.length == len(HEADER + PAGE_1 + PAGE_2)


def test_start_replaces_an_older_log(tmp_path: Path) -> None:
    path = log(tmp_path, HEADER, PAGE_1, b"junk of an older run")
    Checkpoint(path, KEY, offset=81, started=STARTED).start()
    assert path.read_bytes() == HEADER


def test_an_export_to_stdout_keeps_no_log(tmp_path: Path) -> None:
    checkpoint = Checkpoint(None, KEY)
    checkpoint.start()
    checkpoint.append(1, 0, 6, 2, [3, 17])
    assert checkpoint.pages == 1 and list(tmp_path.iterdir()) == []


def test_resume_reads_every_whole_page_line(tmp_path: Path) -> None:
    path = log(tmp_path, HEADER, PAGE_1, PAGE_2)
    checkpoint = Checkpoint.load(path, KEY)
    assert (checkpoint.path, checkpoint.key, checkpoint.started) == (path, KEY, STARTED)
    assert (checkpoint.pages, checkpoint.offset, checkpoint.rows, checkpoint.products) == (
        2,
        700,
        9,
        3,
    )
    assert checkpoint.length == path.stat().st_size
    for pid in (3, 17, 8):  # every page's products are known written: never twice
        assert not checkpoint.seen.add(pid)
    assert checkpoint.seen.add(4) and checkpoint.seen.add(16) and checkpoint.seen.add(9)


def test_resume_after_a_kill_before_the_first_page(tmp_path: Path) -> None:
    checkpoint = Checkpoint.load(log(tmp_path, HEADER), KEY)
    assert (checkpoint.pages, checkpoint.offset, checkpoint.rows, checkpoint.products) == (
        0,
        81,
        0,
        0,
    )
    assert checkpoint.started == STARTED and checkpoint.length == len(HEADER)
    assert checkpoint.seen.add(3)


@pytest.mark.parametrize(
    "torn",
    [
        b'{"page":3,"offset":99',
        b'{"page":3,"offset":900,"rows":12,"products":4,"ids":[5]}',  # whole but no newline
        b"\x00\x00\x00",
    ],
)
def test_a_torn_last_line_is_ignored_and_overwritten(tmp_path: Path, torn: bytes) -> None:
    path = log(tmp_path, HEADER, PAGE_1, torn)
    checkpoint = Checkpoint.load(path, KEY)
    assert (checkpoint.pages, checkpoint.offset, checkpoint.rows) == (1, 400, 6)
    assert checkpoint.length == len(HEADER + PAGE_1)
    assert checkpoint.seen.add(5)  # the torn line's products were never committed
    checkpoint.append(2, 700, 9, 3, [8])
    assert path.read_bytes() == HEADER + PAGE_1 + PAGE_2
    again = Checkpoint.load(path, KEY)
    assert (again.pages, again.offset, again.rows, again.products) == (2, 700, 9, 3)


def test_appending_after_a_resume_continues_the_log(tmp_path: Path) -> None:
    path = log(tmp_path, HEADER, PAGE_1, PAGE_2)
    checkpoint = Checkpoint.load(path, KEY)
    checkpoint.append(3, 900, 12, 4, [5])
    page_3 = b'{"page":3,"offset":900,"rows":12,"products":4,"ids":[5]}\n'
    assert path.read_bytes() == HEADER + PAGE_1 + PAGE_2 + page_3
    resumed = Checkpoint.load(path, KEY)
    assert (resumed.pages, resumed.offset, resumed.rows, resumed.products) == (3, 900, 12, 4)
    assert not resumed.seen.add(3) and not resumed.seen.add(8) and not resumed.seen.add(5)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\n",
        b"not json\n",
        HEADER.rstrip(b"\n"),  # a header without its newline was torn
        b'{"key":"0123456789abcdef","offset":81}\n',  # no start time
        b'{"key":"0123456789abcdef","started":"x"}\n',  # no offset
        b'{"key":"0123456789abcdef","started":"yesterday","offset":81}\n',
        b'{"key":"0123456789abcdef","started":"2026-11-27T10:00:00","offset":81}\n',
        b'{"key":"0123456789abcdef","started":1764237600,"offset":81}\n',
        HEADER + b"garbage\n" + PAGE_2,  # a damaged line before the end
        HEADER + b'{"page":1,"offset":400,"rows":6,"products":2}\n',  # no ids
        HEADER + b'{"offset":400,"rows":6,"products":2,"ids":[]}\n',
        HEADER + b'{"page":1,"rows":6,"products":2,"ids":[]}\n',
        HEADER + b'{"page":1,"offset":400,"products":2,"ids":[]}\n',
        HEADER + b'{"page":1,"offset":400,"rows":6,"ids":[]}\n',
        HEADER + b'{"page":1,"offset":400,"rows":6,"products":2,"ids":5}\n',
        HEADER + b'{"page":1,"offset":400,"rows":6,"products":2,"ids":["5"]}\n',
        HEADER + b"[1, 2]\n",
    ],
)
def test_a_damaged_log_is_refused_in_one_line(tmp_path: Path, content: bytes) -> None:
    path = log(tmp_path, content)
    with pytest.raises(CheckpointError) as info:
        Checkpoint.load(path, KEY)
    assert str(info.value) == unusable(path)


def test_a_missing_log_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "nothing.checkpoint.json"
    with pytest.raises(CheckpointError) as info:
        Checkpoint.load(path, KEY)
    assert str(info.value) == unusable(path)
    with pytest.raises(CheckpointError) as info:
        Checkpoint.load(tmp_path, KEY)  # a folder where the log should be
    assert str(info.value) == unusable(tmp_path)


@pytest.mark.parametrize(
    "header",
    [
        HEADER.replace(KEY.encode(), b"fedcba9876543210"),
        b'{"started":"x","offset":0}\n',
        b'{"KEY":"0123456789abcdef","started":"x","offset":0}\n',
        b"[]\n",
        b'"0123456789abcdef"\n',
        b"null\n",
    ],
)
def test_another_exports_log_is_refused_in_one_line(tmp_path: Path, header: bytes) -> None:
    path = log(tmp_path, header, PAGE_1)
    with pytest.raises(CheckpointError) as info:
        Checkpoint.load(path, KEY)
    assert str(info.value) == (
        f"checkpoint {path} belongs to another export (store, statuses or page size "
        "differ); run without --resume"
    )


def test_the_log_is_compact_json_lines(tmp_path: Path) -> None:
    """One line per page whatever the ids: the log grows with products, not pages x
    products, and stays parseable line by line."""
    path = tmp_path / "c.checkpoint.json"
    checkpoint = Checkpoint(path, KEY)
    checkpoint.start()
    checkpoint.append(1, 10, 1, 1, list(range(50)))
    lines = path.read_bytes().split(b"\n")
    assert len(lines) == 3 and lines[-1] == b""
    assert json.loads(lines[1])["ids"] == list(range(50))
    assert b" " not in path.read_bytes()


def test_seen_products_remembers_each_id_once() -> None:
    seen = SeenProducts()
    ids = [0, 1, 7, 8, 9, 15, 16, 63, 64, 8191, 8192, 100_000, 100_001, 99_999]
    assert [seen.add(pid) for pid in ids] == [True] * len(ids)
    assert [seen.add(pid) for pid in ids] == [False] * len(ids)
    fresh = [pid for pid in range(100_010) if pid not in ids]
    assert all(seen.add(pid) for pid in fresh)
    # memory in proportion to the largest id / 8 (plus a growth margin), not to the count
    assert len(seen.bits) <= 100_010 // 8 + 1024 * 2
