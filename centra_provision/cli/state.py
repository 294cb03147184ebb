"""`state list|show|rm` and `force-unlock`: inspect and repair the ledger, as Terraform's."""

from __future__ import annotations

from pathlib import Path

import click

from centra_provision.cli.group import cli
from centra_provision.cli.options import data_format_option, env_option, manifests_option
from centra_provision.cli.output import write
from centra_provision.render import renderer_for


@cli.group()
def state() -> None:
    """Inspect and repair the ledger (what Centra cannot show, as last recorded)."""


@state.command("list")
@env_option
@manifests_option
@data_format_option
def state_list(env: str, manifests: Path, fmt: str) -> int:
    """Resources the ledger holds: fields, and when and how they were recorded."""
    from centra_provision.engine.state_ops import list_state

    write(renderer_for(fmt).state_list(list_state(manifests, env)))
    return 0


@state.command("show")
@env_option
@manifests_option
@click.argument("address", metavar="KIND/NAME")
@data_format_option
def state_show(env: str, manifests: Path, address: str, fmt: str) -> int:
    """One resource's records: each field's fingerprint, source and time, and the last
    snapshot of what Centra showed."""
    from centra_provision.engine.state_ops import show_state

    write(renderer_for(fmt).state_show(*show_state(manifests, env, address)))
    return 0


@state.command("rm")
@env_option
@manifests_option
@click.argument("address", metavar="KIND/NAME")
def state_rm(env: str, manifests: Path, address: str) -> int:
    """Forget a resource (for one deleted by hand): the next plan treats its write-only
    fields as never applied."""
    from centra_provision.engine.state_ops import remove_state

    write(renderer_for("text").state_removed(remove_state(manifests, env, address)))
    return 0


@cli.command("force-unlock")
@env_option
@manifests_option
@click.argument("lock_id", metavar="ID")
def force_unlock(env: str, manifests: Path, lock_id: str) -> int:
    """Break the lock a killed apply left on the environment's ledger.

    ID must be the id the lock holds (apply names it when it is refused); a lock whose
    process still runs on this host is never broken.
    """
    from centra_provision.engine.state_ops import unlock

    write(renderer_for("text").unlocked(env, unlock(manifests, env, lock_id)))
    return 0
