"""Running the real CLI entry point in-process and capturing what a user would see."""

from __future__ import annotations

import pytest

from centra_provision.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`provision ARGS`: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err
