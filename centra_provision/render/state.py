"""`provision state list|show` as text (aligned columns) or JSON."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from centra_provision.state.inspect import HOW, LedgerState, ResourceState


def header(state: LedgerState) -> str:
    if state.ledger_id is None:
        return f"No ledger yet at {state.location} (environment {state.environment})."
    return (
        f"Ledger: {state.location} (environment {state.environment}, Centra "
        f"{state.centra_url}, version {state.serial}, updated {state.updated_at})"
    )


def state_list(state: LedgerState, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps({"formatVersion": 1, **asdict(state)}, indent=2, sort_keys=True))
        return
    click.echo(header(state))
    width = max((len(r.address) for r in state.resources), default=0)
    for res in state.resources:
        fields = f"{len(res.fields)} field{'s' if len(res.fields) != 1 else ''}"
        snap = " + snapshot" if res.snapshot else ""
        click.echo(
            f"{res.address:<{width}}  {fields + snap:<22}  {', '.join(res.hows):<32}  {res.last}"
        )
    if state.ledger_id is not None:
        n = len(state.resources)
        click.echo(f"{n} resource{'s' if n != 1 else ''}")


def state_show(state: LedgerState, res: ResourceState, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps({"formatVersion": 1, **asdict(res)}, indent=2, sort_keys=True))
        return
    click.echo(f"{res.address}  ({state.location}, version {state.serial})")
    width = max((len(f.path) for f in res.fields), default=0)
    for f in res.fields:
        click.echo(f"  {f.path:<{width}}  {f.how:<20}  {f.at}  {f.fingerprint}")
    if res.snapshot:
        how = HOW.get(str(res.snapshot.get("source")), "?")
        shown = json.dumps(res.snapshot.get("shown"), sort_keys=True, ensure_ascii=False)
        click.echo(f"  what Centra showed ({how} {res.snapshot.get('at')}): {shown}")
