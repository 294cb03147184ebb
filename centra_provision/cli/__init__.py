"""The `provision` command: a thin click layer over the library.

Commands parse options, call one library function, hand its result to a renderer and
return an exit code; one module per family of commands registers them on the group:
plan.py (validate, plan, show, drift), apply.py (apply, attest), state.py (state,
force-unlock), catalog.py, manifests.py (init, import, envs, diff-env, schema, storefront,
secret) and emulator.py. Only `main` (group.py) turns errors into output.
"""

from __future__ import annotations

from centra_provision.cli import apply, catalog, emulator, manifests, plan, state
from centra_provision.cli.group import cli, log_level_everywhere, main

log_level_everywhere(cli)

__all__ = ["apply", "catalog", "cli", "emulator", "main", "manifests", "plan", "state"]
