"""The command `catalog export` prints when it is interrupted: the same export again with
`--resume`, naming every option that says what is exported and from where (as given, a 0
included), and none of the pacing options a resume may change."""

from __future__ import annotations

import shlex

import click
import pytest

from centra_provision.cli import cli
from centra_provision.cli.catalog import catalog, catalog_export, interrupted, resume_command


def _context(args: list[str]) -> click.Context:
    """The context `provision catalog export ARGS` runs in."""
    root = click.Context(cli, info_name="provision")
    group = click.Context(catalog, info_name="catalog", parent=root)
    return catalog_export.make_context("export", args, parent=group)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-e", "qa-int", "-o", "x.csv"], "-e qa-int -o x.csv"),
        (["-e", "qa-int", "-o", "x.csv", "--store-id", "0"], "-e qa-int -o x.csv --store-id 0"),
        (
            ["-e", "qa-int", "-o", "x.csv", "--store", "Retail", "--page-size", "5"],
            "-e qa-int -o x.csv --store Retail --page-size 5",
        ),
        (
            ["-e", "qa-int", "-o", "x.csv", "--status", "ACTIVE", "--status", "INACTIVE"],
            "-e qa-int -o x.csv --status ACTIVE --status INACTIVE",
        ),
        (["-e", "qa-int", "-o", "x.csv", "--status", "ACTIVE"], "-e qa-int -o x.csv"),
        (
            ["-e", "qa-int", "-o", "x.csv", "--concurrency", "2", "--log-every", "3"],
            "-e qa-int -o x.csv",
        ),
        (
            ["-e", "qa-int", "-o", "my file.csv", "--centra-url", "https://c.example/graphql"],
            "-e qa-int -o 'my file.csv' --centra-url https://c.example/graphql",
        ),
        (
            ["-e", "qa-int", "-o", "x.csv", "--manifests", "other"],
            "-e qa-int --manifests other -o x.csv",
        ),
    ],
)
def test_the_resume_command_names_what_the_export_is(args: list[str], expected: str) -> None:
    command = resume_command(_context(args))
    assert command == f"provision catalog export {expected} --resume"
    assert shlex.split(command)[-1] == "--resume"


def test_an_export_to_stdout_cannot_be_resumed() -> None:
    ctx = _context(["-e", "qa-int", "-o", "-"])
    assert interrupted(ctx, "-", 3, 40) == (
        "Interrupted after 3 pages (40 rows written). Output went to stdout, so it cannot be "
        "resumed; run it again."
    )
    ctx = _context(["-e", "qa-int", "-o", "x.csv"])
    assert interrupted(ctx, "x.csv", 3, 40).endswith(
        "The checkpoint is kept; continue with: provision catalog export -e qa-int -o x.csv "
        "--resume"
    )
