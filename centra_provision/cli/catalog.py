"""`catalog export`: the initial catalog Global-e needs (the guide's "Extracting the Initial
Catalog"), with progress on stderr and the command that resumes it after Ctrl-C."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

import click

from centra_provision.cli.group import cli
from centra_provision.cli.options import (
    centra_url_option,
    env_option,
    manifests_option,
    rate_share_option,
)
from centra_provision.cli.output import say
from centra_provision.render import renderer_for

# What names the export (its rows, its file, its Centra): a resume must say the same.
# Pacing (--concurrency, --rate-share, --log-every) may change between runs.
RESUME_KEEPS = frozenset(
    {"env", "manifests", "output", "store", "store_id", "statuses", "page_size", "centra_url"}
)


@cli.group()
def catalog() -> None:
    """The initial catalog Global-e needs (the guide's "Extracting the Initial Catalog")."""


@catalog.command("export")
@env_option
@manifests_option
@click.option("-o", "--output", "output", required=True, help="CSV file to write, or - for stdout.")
@click.option(
    "--store",
    "store",
    metavar="NAME",
    help="Store to export, by name (default: the environment's defaultStore variable).",
)
@click.option("--store-id", type=int, metavar="ID", help="Store to export, by Centra id.")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    default=("ACTIVE",),
    show_default=True,
    type=click.Choice(["ACTIVE", "INACTIVE"]),
    help="Product statuses to export (repeatable).",
)
@click.option(
    "--page-size",
    type=click.IntRange(1, 1000),
    default=30,
    show_default=True,
    help="Products per request.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 32),
    default=6,
    show_default=True,
    help="Pages in flight at once (the rate limiter still bounds requests).",
)
@click.option("--resume", is_flag=True, help="Continue an interrupted export of FILE.")
@click.option(
    "--log-every",
    type=click.IntRange(1),
    default=10,
    show_default=True,
    metavar="N",
    help="Without a terminal, log progress every N pages.",
)
@centra_url_option
@rate_share_option
@click.pass_context
def catalog_export(
    ctx: click.Context,
    env: str,
    manifests: Path,
    output: str,
    store: str | None,
    store_id: int | None,
    statuses: tuple[str, ...],
    page_size: int,
    concurrency: int,
    resume: bool,
    log_every: int,
    centra_url: str | None,
    rate_share: float,
) -> int:
    """Export the catalog CSV: one row per product size of each display in the store.

    Progress goes to stderr (a live line on a terminal, a line every N pages otherwise);
    after an interruption, --resume continues from the last finished page.
    """
    from centra_provision.catalog.export import ExportOptions, export_catalog
    from centra_provision.render.progress import LiveCatalogProgress, LoggedCatalogProgress

    if store is not None and store_id is not None:
        raise click.UsageError("give --store or --store-id, not both")
    options = ExportOptions(
        output=output,
        store_id=store_id,
        store=store,
        statuses=statuses,
        page_size=page_size,
        resume=resume,
        concurrency=concurrency,
        url_override=centra_url,
        rate_share=rate_share,
    )
    live = sys.stderr.isatty() and output != "-"
    progress = LiveCatalogProgress() if live else LoggedCatalogProgress(log_every)
    try:
        with progress:
            result = export_catalog(manifests, env, options, progress)
    except KeyboardInterrupt:
        say(interrupted(ctx, output, progress.pages, progress.rows))
        return 130
    say(renderer_for("text").exported(result, page_size).rstrip("\n"))
    return 0


def interrupted(ctx: click.Context, output: str, pages: int, rows: int) -> str:
    """What Ctrl-C leaves behind, and the exact command that continues it."""
    resume = None if output == "-" else resume_command(ctx)
    return renderer_for("text").export_interrupted(pages, rows, resume).rstrip("\n")


def resume_command(ctx: click.Context) -> str:
    """This command again with `--resume`: every option that names the export, as given
    (those left at their defaults are left out)."""
    words = ["provision", *ctx.command_path.split()[1:]]
    for param in ctx.command.params:
        if not isinstance(param, click.Option) or param.name not in RESUME_KEEPS:
            continue
        values = _given(ctx.params.get(param.name), param.multiple)
        defaults = _given(param.get_default(ctx, call=True), param.multiple)
        if values and values != defaults:
            for value in values:
                words += [min(param.opts, key=len), value]
    return shlex.join([*words, "--resume"])


def _given(value: Any, multiple: bool) -> list[str]:
    """An option's values as text; none for an option that was not given (0 is a value)."""
    if multiple:
        return [str(v) for v in value or ()]
    return [] if value is None else [str(value)]
