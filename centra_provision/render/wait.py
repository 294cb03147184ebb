"""How `apply --wait` shows its progress: a live table on a terminal, a line per change of
state otherwise (CI logs), and after Ctrl-C a summary of what was recorded and what is
still pending."""

from __future__ import annotations

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table

from centra_provision.engine.wait import ATTEST, VERIFIED, WaitRow
from centra_provision.render.display import Display

STATE_WORDS = {VERIFIED: "verified", ATTEST: "needs attest", "waiting": "waiting"}
STATE_STYLE = {VERIFIED: "green", ATTEST: "yellow", "waiting": "cyan"}


def wait_line(row: WaitRow) -> str:
    """One resource's state after a look at Centra, as a log line."""
    return f"{STATE_WORDS[row.state]:12} {row.address}: {row.describe()}"


def interrupted_lines(rows: list[WaitRow], environment: str) -> list[str]:
    """What Ctrl-C leaves: recorded, pending, and how to go on."""
    done = [r for r in rows if r.state == VERIFIED]
    pending = [r for r in rows if r.state != VERIFIED]
    lines = ["Interrupted while waiting for the back office."]
    if done:
        lines.append("Recorded in the ledger:")
        lines += [f"  {r.address}: {r.describe()}" for r in done]
    if pending:
        lines.append("Still pending:")
        lines += [f"  {r.address}: {r.describe()}" for r in pending]
        lines.append(
            f"Run `provision apply -e {environment} --auto-approve --wait 600` to go on waiting."
        )
    return lines


class WaitDisplay(Display):
    """Keeps the last rows; subclasses show them."""

    def __init__(self) -> None:
        self.rows: list[WaitRow] = []

    def update(self, rows: list[WaitRow]) -> None:
        self.rows = rows
        self.show()

    def show(self) -> None:
        raise NotImplementedError

    def interrupted(self, environment: str) -> list[str]:
        return interrupted_lines(self.rows, environment)


class LiveWaitTable(WaitDisplay):
    """On a terminal: one table, redrawn after every look at Centra."""

    def __init__(self) -> None:
        super().__init__()
        self.live = Live(self._table(), console=Console(highlight=False), auto_refresh=False)

    def _table(self) -> Table:
        table = Table(title="Waiting for the back office (Ctrl-C stops waiting)")
        for column in ("resource", "Centra shows", "write-only", "state", "last check"):
            table.add_column(column)
        for r in self.rows:
            shows = f"{r.matching}/{r.observed} match" if r.observed else "nothing"
            style = STATE_STYLE[r.state]
            table.add_row(
                r.address,
                shows,
                str(r.write_only),
                f"[{style}]{STATE_WORDS[r.state]}[/]",
                r.checked,
            )
        return table

    def show(self) -> None:
        if not self.live.is_started:  # only once waiting begins: after any approval prompt
            self.live.start()
        self.live.update(self._table(), refresh=True)

    def stop(self) -> None:
        if self.live.is_started:
            self.live.stop()


class WaitLog(WaitDisplay):
    """Without a terminal: a line whenever a resource's state or match count changes."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, tuple[str, int]] = {}

    def show(self) -> None:
        for r in self.rows:
            key = (r.state, r.matching)
            if self.seen.get(r.address) != key:
                self.seen[r.address] = key
                click.echo(wait_line(r))
