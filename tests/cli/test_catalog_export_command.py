"""catalog export by store name, known stores listed on a wrong one, a
one-line error for a missing folder or a refused permission, progress on a terminal (through
a pseudo-terminal) and in logs, and Ctrl-C naming the command that resumes."""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from centra_provision.emulator.app import Emulator
from centra_provision.emulator.limits import RateLimiter
from tests.support.centra import copy_manifests, served_as_qa_int
from tests.support.cli import run
from tests.support.emulator import EmulatorClient
from tests.support.pty import run_in_pty

KNOWN = "known: Retail (id 1), Wholesale (id 2)"


def _workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_manifests(tmp_path, monkeypatch)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    _workdir(tmp_path, monkeypatch)
    emulator = Emulator(":memory:", products=40, requests_per_10s=10_000)
    with served_as_qa_int(emulator, monkeypatch) as client:
        yield client


@pytest.fixture
def slow_shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    """A Centra on a small request quota: with --rate-share 0.25 the client may send one
    request every 2 s once its first five are spent, so an export visibly waits."""
    _workdir(tmp_path, monkeypatch)
    emulator = Emulator(":memory:", products=40, requests_per_10s=20)
    with served_as_qa_int(emulator, monkeypatch) as client:
        yield client


def rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_store_by_name_default_and_id_agree(
    shop: EmulatorClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["catalog", "export", "-e", "qa-int", "-o", "default.csv"], capsys)[0] == 0
    assert (
        run(["catalog", "export", "-e", "qa-int", "-o", "retail.csv", "--store-id", "1"], capsys)[0]
        == 0
    )
    args = ["catalog", "export", "-e", "qa-int", "-o", "wholesale.csv", "--store", "Wholesale"]
    assert run(args, capsys)[0] == 0
    assert (
        run(["catalog", "export", "-e", "qa-int", "-o", "w2.csv", "--store-id", "2"], capsys)[0]
        == 0
    )
    assert rows(tmp_path / "default.csv") == rows(tmp_path / "retail.csv")
    assert rows(tmp_path / "wholesale.csv") == rows(tmp_path / "w2.csv")
    assert len(rows(tmp_path / "default.csv")) > 1


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--store", "Outlet"], f"error: no store named 'Outlet' in Centra ({KNOWN})"),
        (["--store-id", "9"], f"error: no store with id 9 in Centra ({KNOWN})"),
    ],
    ids=["name", "id"],
)
def test_unknown_store_lists_the_known_ones_and_writes_nothing(
    shop: EmulatorClient,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    option: list[str],
    message: str,
) -> None:
    code, out, err = run(["catalog", "export", "-e", "qa-int", "-o", "x.csv", *option], capsys)
    assert (code, out, err) == (1, "", message + "\n")
    assert not (tmp_path / "x.csv").exists()
    assert not (tmp_path / "x.csv.checkpoint.json").exists()


def test_output_in_a_missing_folder_is_one_line(
    shop: EmulatorClient, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["catalog", "export", "-e", "qa-int", "-o", "nowhere/x.csv"], capsys)
    assert (code, out, err) == (
        1,
        "",
        "error: cannot write nowhere/x.csv: folder nowhere does not exist\n",
    )


def test_refused_permission_is_one_line_without_asyncio_noise(
    shop: EmulatorClient, tmp_path: Path
) -> None:
    token = shop.emulator.backoffice.create_token(
        {"name": "stores only", "permissions": ["Store:read"]}
    )["token"]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "centra_provision",
            "catalog",
            "export",
            "-e",
            "qa-int",
            "-o",
            "x.csv",
        ],
        env={**os.environ, "CENTRA_QA_INT_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: the Centra token lacks permission")
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "Task exception was never retrieved" not in done.stderr


def test_without_a_terminal_a_line_every_n_pages(
    shop: EmulatorClient, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["catalog", "export", "-e", "qa-int", "-o", "x.csv", "--page-size", "5"]
    code, _, err = run([*args, "--log-every", "3"], capsys)
    lines = err.splitlines()
    assert code == 0
    written = rows(Path("x.csv"))[1:]
    page_lines = [line for line in lines if line.startswith("exported ")]
    assert [line.split(",")[0] for line in page_lines] == ["exported 3 pages", "exported 6 pages"]
    assert all(re.fullmatch(r"exported \d+ pages, \d+ rows", line) for line in page_lines)
    assert lines[-1].startswith(f"Exported {len(written)} rows for ")


def test_terminal_shows_rows_pages_and_rate_limiter_waits(
    slow_shop: EmulatorClient, tmp_path: Path
) -> None:
    args = ["catalog", "export", "-e", "qa-int", "-o", "x.csv", "--page-size", "10"]
    code, shown = run_in_pty([*args, "--rate-share", "0.25"], tmp_path, dict(os.environ))
    assert code == 0, shown
    assert re.search(r"\d+ rows +\d+ pages +[\d.]+ pages/s", shown), shown
    assert re.search(r"waiting \d+ s for Centra's request quota", shown), shown
    total = len(rows(tmp_path / "x.csv")) - 1
    assert shown.rstrip().splitlines()[-1].startswith(f"Exported {total} rows for ")


def test_ctrl_c_names_the_resume_command_and_resume_finishes(
    slow_shop: EmulatorClient, tmp_path: Path
) -> None:
    args = ["catalog", "export", "-e", "qa-int", "-o", "x.csv", "--page-size", "5", "--store"]
    args += ["Retail", "--rate-share", "0.25", "--log-every", "1"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "centra_provision", *args],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()
    assert first == "exported 1 pages, " + first.split(", ")[1]
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    assert proc.wait(timeout=30) == 130
    last = rest.splitlines()[-1]
    assert re.fullmatch(
        r"Interrupted after \d+ pages \(\d+ rows written\)\. The checkpoint is kept; continue "
        r"with: provision catalog export -e qa-int -o x\.csv --store Retail --page-size 5 "
        r"--resume",
        last,
    ), rest
    assert (tmp_path / "x.csv.checkpoint.json").exists()
    # The rest at full speed: a Centra with room to spare.
    slow_shop.emulator.limiter = RateLimiter("growth", {"REQUEST_COUNT/TEN_SECONDS": 10_000})
    resumed = subprocess.run(
        [sys.executable, "-m", "centra_provision", *args[:10], "--resume", "--rate-share", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert resumed.returncode == 0, resumed.stderr
    again = ["-e", "qa-int", "-o", "whole.csv", "--page-size", "5", "--rate-share", "1"]
    whole = subprocess.run(
        [sys.executable, "-m", "centra_provision", *args[:2], *again],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert whole.returncode == 0, whole.stderr
    assert rows(tmp_path / "x.csv") == rows(tmp_path / "whole.csv")
