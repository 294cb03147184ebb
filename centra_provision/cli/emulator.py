"""`emulator serve`: the Centra emulator on 127.0.0.1, for tests and for people."""

from __future__ import annotations

import sqlite3

import click

from centra_provision.cli.group import cli
from centra_provision.emulator.limits import PLANS, RETRY_AFTER_FORMS
from centra_provision.errors import UsageError


@cli.group()
def emulator() -> None:
    """The Centra emulator: a faithful stand-in for one Centra instance."""


@emulator.command("serve")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port on 127.0.0.1 (0: with --state FILE the port it was last served on, when "
    "free; otherwise any free one).",
)
@click.option(
    "--state",
    "state_file",
    default=":memory:",
    show_default=True,
    help="SQLite state file (kept across restarts), or :memory:.",
)
@click.option(
    "--products",
    type=click.IntRange(0, 1_000_000),
    default=200,
    show_default=True,
    help="Products to seed into a new state.",
)
@click.option(
    "--latency-ms",
    type=click.FloatRange(0),
    default=0.0,
    show_default=True,
    help="Latency added to every GraphQL request.",
)
@click.option(
    "--plan",
    "rate_plan",
    type=click.Choice(list(PLANS)),
    default="growth",
    show_default=True,
    help="Centra's rate-limit plan: six token buckets (requests, mutations, complexity).",
)
@click.option(
    "--requests-per-10s", type=click.IntRange(1), help="Override the plan's 10 s request quota."
)
@click.option(
    "--mutations-per-10s", type=click.IntRange(1), help="Override the plan's 10 s mutation quota."
)
@click.option(
    "--retry-after-form",
    type=click.Choice(RETRY_AFTER_FORMS),
    default="epoch",
    show_default=True,
    help="How a 429 states when to resume (Centra sends the timestamp: epoch).",
)
def emulator_serve(
    port: int,
    state_file: str,
    products: int,
    latency_ms: float,
    rate_plan: str,
    requests_per_10s: int | None,
    mutations_per_10s: int | None,
    retry_after_form: str,
) -> int:
    """Serve the emulator on 127.0.0.1 until interrupted.

    The first lines on stdout are `url: ...` and `token: ...`.
    """
    from centra_provision.emulator.faults import Faults
    from centra_provision.emulator.serve import serve

    try:
        serve(
            port,
            state_file,
            products,
            Faults(latency_ms=latency_ms, retry_after_form=retry_after_form),
            requests_per_10s,
            mutations_per_10s,
            rate_plan,
        )
    except sqlite3.Error as exc:  # a state file that is not the emulator's, or not writable
        raise UsageError(f"cannot use emulator state file {state_file}: {exc}") from None
    return 0
