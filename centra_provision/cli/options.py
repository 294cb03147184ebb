"""Options every command spells the same way: the manifest root, the environment (with
shell completion), `--format`, `--target`, `--centra-url`, `--rate-share`."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from centra_provision.errors import ProvisionError

F = TypeVar("F", bound=Callable[..., Any])

LOG_LEVELS = click.Choice(["debug", "info", "warning", "error"], case_sensitive=False)


def format_option(choices: list[str], help_text: str) -> Callable[[F], F]:
    """`--format`: every command spells it the same way, the first choice the default."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help=help_text,
    )


report_format_option = format_option(
    ["text", "json", "markdown"],
    "Output format: text for people, json for programs, markdown for PR comments.",
)
data_format_option = format_option(
    ["text", "json"], "Output format: text for people, json for programs."
)


def manifests_option(func: F) -> F:
    """`--manifests DIR`: the manifest root (default ./manifests, or PROVISION_MANIFESTS)."""
    return click.option(
        "--manifests",
        "manifests",
        envvar="PROVISION_MANIFESTS",
        default="manifests",
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Manifest root holding one folder per environment (env: PROVISION_MANIFESTS).",
    )(func)


def _manifest_root(ctx: click.Context) -> Path:
    root = ctx.params.get("manifests") or os.environ.get("PROVISION_MANIFESTS") or "manifests"
    return Path(root)


def complete_env(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion for `-e`: the environment folders under the manifest root."""
    from centra_provision.manifest.root import environment_summaries

    try:
        names = [s.name for s in environment_summaries(_manifest_root(ctx))]
    except (ProvisionError, OSError):
        return []
    return [n for n in names if n.startswith(incomplete)]


def env_option_of(required: bool) -> Callable[[F], F]:
    """`-e/--env NAME`: the environment folder under the manifest root (or PROVISION_ENV);
    optional only where another option (validate's --all) can stand in for it."""
    return click.option(
        "-e",
        "--env",
        "env",
        envvar="PROVISION_ENV",
        required=required,
        shell_complete=complete_env,
        help="Environment name: a folder under the manifest root (env: PROVISION_ENV).",
    )


env_option = env_option_of(required=True)


def complete_target(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion for `--target`: the environment's kinds and KIND/NAME addresses."""
    from centra_provision.manifest.desired import load_desired_state

    env = ctx.params.get("env") or os.environ.get("PROVISION_ENV")
    if not env:
        return []
    try:
        resources = load_desired_state(_manifest_root(ctx), env).resources
    except (ProvisionError, OSError):
        return []
    words = sorted({r.kind for r in resources}) + sorted(r.address for r in resources)
    return [w for w in words if w.startswith(incomplete)]


def target_option(func: F) -> F:
    """`--target`: a resource, a kind, or a glob; repeatable."""
    return click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="KIND/NAME",
        shell_complete=complete_target,
        help="Only this resource (KIND/NAME), kind (TaxGroup) or glob (AttributeType/ge_*); "
        "repeatable.",
    )(func)


def rate_share_option(func: F) -> F:
    """`--rate-share`: Centra's rate limits are per environment and shared by every
    integration, the live store's order flow included; long work takes at most this share
    of what each bucket has left."""
    return click.option(
        "--rate-share",
        type=click.FloatRange(0.01, 1.0),
        default=0.5,
        show_default=True,
        help="Most of each of Centra's rate-limit buckets (read from rateLimits) this run "
        "may use; the rest stays for the live store.",
    )(func)


def centra_url_option(func: F) -> F:
    """`--centra-url URL`: this run only; the variable form is per environment
    (PROVISION_CENTRA_URL_QA_INT) so that it can never redirect another environment."""
    return click.option(
        "--centra-url",
        metavar="URL",
        help="Use this Centra endpoint instead of the environment's; per environment, "
        "PROVISION_CENTRA_URL_<ENV> (e.g. PROVISION_CENTRA_URL_QA_INT) does the same. "
        "Refused for an embedded environment.",
    )(func)


def verbose_option(func: F) -> F:
    return click.option(
        "-v", "--verbose", is_flag=True, help="Show discovered names, requests, no-ops."
    )(func)
