"""The one place commands write: rendered strings to stdout, stderr or a file, warnings and
errors as `warning: ...`/`error: ...` lines, and the CI job summary."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import click

from centra_provision.render import Output


def write(text: str, output: Path | None = None) -> None:
    """A rendered output to stdout, or to `output`."""
    if output is not None:
        output.write_text(text)
    else:
        click.echo(text, nl=False)


def write_both(rendered: Output) -> None:
    click.echo(rendered.out, nl=False)
    click.echo(rendered.err, nl=False, err=True)


def warn(line: str) -> None:
    click.echo(f"warning: {line}", err=True)


def error(line: str) -> None:
    click.echo(f"error: {line}", err=True)


def say(line: str) -> None:
    """One line of progress or outcome on stderr (stdout stays for the result)."""
    click.echo(line, err=True)


def step_summary(markdown: Callable[[], str]) -> None:
    """Append to the CI job summary when GitHub Actions gives one ($GITHUB_STEP_SUMMARY)."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(markdown())


def targeting_warning(targets: tuple[str, ...]) -> None:
    """Terraform's caution: a targeted run sees only part of the configuration."""
    if targets:
        named = " ".join(f"--target {t!r}" if " " in t else f"--target {t}" for t in targets)
        warn(
            f"targeting is in effect ({named}): only the resources named were compared; "
            "changes elsewhere are not shown"
        )
