"""Commands about the manifests themselves: `init` a new merchant, `import` one configured
by hand, `envs`, `diff-env`, `schema`, `storefront` and `secret`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from centra_provision.cli.group import cli
from centra_provision.cli.options import (
    centra_url_option,
    data_format_option,
    env_option,
    format_option,
    manifests_option,
)
from centra_provision.cli.output import write
from centra_provision.errors import EXIT_CHANGES
from centra_provision.render import renderer_for


@cli.command("import")
@env_option
@manifests_option
@click.option(
    "--output",
    "output",
    type=click.Path(file_okay=False, path_type=Path),
    default="imported",
    show_default=True,
    help="Manifest root to write (the environment folder goes inside).",
)
@centra_url_option
@click.option(
    "--record",
    is_flag=True,
    help="Also record what was adopted in the environment's ledger (source: imported).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace the manifests already in the output's environment folder (listed).",
)
def import_(
    env: str, manifests: Path, output: Path, centra_url: str | None, record: bool, force: bool
) -> int:
    """Write manifests for what live Centra already has (adopt a hand-configured merchant).

    The environment keeps its bases and variables; only what differs from the bases is
    written. Write-only settings the bases do not give become commented placeholders, never
    guesses. A folder that already holds manifests is refused unless --force.
    """
    from centra_provision.engine.importer import import_environment

    result = import_environment(manifests, env, output, centra_url, record, force)
    write(renderer_for("text").imported(result))
    return 0


@cli.command("diff-env")
@manifests_option
@click.argument("env_a")
@click.argument("env_b")
@data_format_option
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="Also show the differences the bases declare as expected (expectedDifferences).",
)
def diff_env(manifests: Path, env_a: str, env_b: str, fmt: str, show_all: bool) -> int:
    """Show where two environments' desired configuration differs.

    A resource only one environment has is one line. Differences a base declares as expected
    (`expectedDifferences`: hosts, merchant ids, endpoints, secret references) are hidden
    unless --all; anything else is flagged as a possible promotion mistake (exit 2).
    """
    from centra_provision.engine.envdiff import diff_environments

    diff = diff_environments(manifests, env_a, env_b)
    write(renderer_for(fmt).env_diff(diff, show_all))
    return EXIT_CHANGES if diff.surprising else 0


@cli.command()
@env_option
@manifests_option
@format_option(
    ["html", "json"], "html: the tags to paste into the page head; json: the same for programs."
)
def storefront(env: str, manifests: Path, fmt: str) -> int:
    """Print the Global-e module script and CSS tags for the environment's storefront."""
    from centra_provision.globale import storefront as tags
    from centra_provision.manifest.desired import load_desired_state

    config = load_desired_state(manifests, env).environment
    write(renderer_for(fmt).storefront(config, tags(config.globale_env, config.merchant_id)))
    return 0


@cli.command()
@manifests_option
@data_format_option
def envs(manifests: Path, fmt: str) -> int:
    """List the environments under the manifest root (for CI matrices)."""
    from centra_provision.manifest.root import environment_summaries

    summaries = environment_summaries(manifests)
    write(renderer_for(fmt).environments(summaries))
    # A CI matrix built from this list must not silently carry an environment that cannot load.
    return 1 if any(s.problem for s in summaries) else 0


@cli.command()
@click.argument("name")
@manifests_option
@click.option("--merchant-id", type=click.IntRange(1), required=True, help="Global-e merchant id.")
@click.option(
    "--centra-url",
    required=True,
    metavar="URL",
    help="The merchant's Centra Integration API endpoint (https://DOMAIN/graphql).",
)
@click.option(
    "--globale-env",
    type=click.Choice(["QA-INT", "PROD"]),
    required=True,
    help="The Global-e environment this Centra talks to.",
)
@click.option(
    "--store",
    "stores",
    multiple=True,
    required=True,
    metavar="NAME[:TYPE]",
    help="A store (TYPE DIRECT_TO_CONSUMER, the default, or WHOLESALE); repeatable, the first "
    "is the default store.",
)
@click.option(
    "--warehouse", required=True, metavar="NAME", help="The primary warehouse's name in Centra."
)
@click.option(
    "--vat-rate",
    type=click.FloatRange(0, 100),
    default=25.0,
    show_default=True,
    help="Local VAT rate in percent (the GE Local VAT rule).",
)
@click.option(
    "--own-market",
    "own_markets",
    multiple=True,
    metavar="CC",
    help="ISO code of a market the merchant operates itself (left out of GE Local VAT); "
    "repeatable.",
)
@click.option(
    "--token-env",
    metavar="VAR",
    help="Variable holding the Centra token (default CENTRA_<NAME>_TOKEN).",
)
def init(
    name: str,
    manifests: Path,
    merchant_id: int,
    centra_url: str,
    globale_env: str,
    stores: tuple[str, ...],
    warehouse: str,
    vat_rate: float,
    own_markets: tuple[str, ...],
    token_env: str | None,
) -> int:
    """Scaffold a new merchant's environment folder NAME under the manifest root, then
    validate it (nothing is left behind if it does not validate)."""
    from decimal import Decimal

    from centra_provision.manifest.scaffold import InitOptions, scaffold

    options = InitOptions(
        merchant_id=merchant_id,
        centra_url=centra_url,
        globale_env=globale_env,
        stores=stores,
        warehouse=warehouse,
        vat_rate=Decimal(str(vat_rate)),
        own_markets=own_markets,
        token_env=token_env,
    )
    path, state = scaffold(manifests, name, options)
    write(renderer_for("text").scaffolded(path, state))
    return 0


@cli.command()
@click.argument("kind", required=False)
@click.option(
    "--output",
    "output_kind",
    metavar="COMMAND",
    help="Print instead the JSON Schema of a command's --format json output (plan, validate, "
    "drift, apply, envs, diff-env, storefront, state-list, state-show).",
)
def schema(kind: str | None, output_kind: str | None) -> int:
    """Print the JSON Schema (draft 2020-12) of KIND, or of any manifest document; with
    --output, of a command's JSON output.

    Point yaml-language-server at the output for completion and checking in editors.
    """
    from centra_provision.manifest.schema import SCHEMA_KINDS, combined_schema, schema_text

    if output_kind is not None:
        from centra_provision.render.output_schemas import OUTPUTS, output_schema

        if kind is not None:
            raise click.UsageError("give KIND or --output, not both")
        if output_kind not in OUTPUTS:
            raise click.BadParameter(
                f"unknown output {output_kind!r}; one of: {', '.join(OUTPUTS)}"
            )
        write(output_schema(output_kind))
        return 0
    if kind is None:
        write(combined_schema() + "\n")
        return 0
    if kind not in SCHEMA_KINDS:
        raise click.BadParameter(f"unknown kind {kind!r}; one of: {', '.join(SCHEMA_KINDS)}")
    write(schema_text(kind))
    return 0


@cli.group()
def secret() -> None:
    """Secrets for the Centra side of the integration."""


@secret.command("show")
@env_option
@manifests_option
@click.argument("name")
def secret_show(env: str, manifests: Path, name: str) -> int:
    """Print one secret the manifests reference (by field, env var or file name), only to a
    terminal, for pasting into Centra's back office."""
    from centra_provision.engine.secret_refs import reveal_secret

    if not sys.stdout.isatty():
        raise click.UsageError("secret show prints only to a terminal")
    click.echo(reveal_secret(manifests, env, name))
    return 0


@secret.command("generate")
def secret_generate() -> int:
    """Print a new random 256-bit key for the Order API plugin's secret API key."""
    import secrets

    click.echo(secrets.token_hex(32))
    return 0
