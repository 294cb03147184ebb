"""`provision state list|show` as text (aligned columns) or JSON."""

from __future__ import annotations

import json
from dataclasses import asdict

from centra_provision.state.inspect import HOW, LedgerState, ResourceState


def header(state: LedgerState) -> str:
    if state.ledger_id is None:
        return f"No ledger yet at {state.location} (environment {state.environment})."
    return (
        f"Ledger: {state.location} (environment {state.environment}, Centra "
        f"{state.centra_url}, version {state.serial}, updated {state.updated_at})"
    )


def state_list_text(state: LedgerState) -> str:
    lines = [header(state)]
    width = max((len(r.address) for r in state.resources), default=0)
    for res in state.resources:
        fields = f"{len(res.fields)} field{'s' if len(res.fields) != 1 else ''}"
        snap = " + snapshot" if res.snapshot else ""
        lines.append(
            f"{res.address:<{width}}  {fields + snap:<22}  {', '.join(res.hows):<32}  {res.last}"
        )
    if state.ledger_id is not None:
        n = len(state.resources)
        lines.append(f"{n} resource{'s' if n != 1 else ''}")
    return "".join(f"{line}\n" for line in lines)


def state_show_text(state: LedgerState, res: ResourceState) -> str:
    lines = [f"{res.address}  ({state.location}, version {state.serial})"]
    width = max((len(f.path) for f in res.fields), default=0)
    for f in res.fields:
        lines.append(f"  {f.path:<{width}}  {f.how:<20}  {f.at}  {f.fingerprint}")
    if res.snapshot:
        how = HOW.get(str(res.snapshot.get("source")), "?")
        shown = json.dumps(res.snapshot.get("shown"), sort_keys=True, ensure_ascii=False)
        lines.append(f"  what Centra showed ({how} {res.snapshot.get('at')}): {shown}")
    return "".join(f"{line}\n" for line in lines)


def state_list_json(state: LedgerState) -> str:
    return json.dumps({"formatVersion": 1, **asdict(state)}, indent=2, sort_keys=True) + "\n"


def state_show_json(res: ResourceState) -> str:
    return json.dumps({"formatVersion": 1, **asdict(res)}, indent=2, sort_keys=True) + "\n"
