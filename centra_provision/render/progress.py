"""Progress of a catalog export: a live line on a terminal, a log line every N pages
otherwise (CI logs must show that a long export is alive without a line per request)."""

from __future__ import annotations

import time

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from centra_provision.render.display import Display

MIN_WAIT_SHOWN = 0.5  # shorter waits are the limiter's normal pacing, not worth a word
MIN_WAIT_LOGGED = 5.0  # in a log, a line per second of pacing would drown the page lines


def wait_words(seconds: float, reason: str) -> str:
    return f"waiting {max(1, round(seconds))} s for {reason}"


def page_line(pages: int, rows: int) -> str:
    """A log line of an export's progress."""
    return f"exported {pages} pages, {rows} rows"


class CatalogProgress(Display):
    """Counts pages and rows; subclasses decide how to show them."""

    def __init__(self) -> None:
        self.pages = 0
        self.rows = 0
        self.started = time.monotonic()
        self.wait_until = 0.0

    def page(self, pages: int, rows: int) -> None:
        self.pages, self.rows = pages, rows
        self.show_page()

    min_wait = MIN_WAIT_SHOWN

    def waiting(self, seconds: float, reason: str) -> None:
        if seconds >= self.min_wait:
            self.wait_until = time.monotonic() + seconds
            self.show_wait(wait_words(seconds, reason))

    def rate(self) -> float:
        return self.pages / max(time.monotonic() - self.started, 1e-9)

    def show_page(self) -> None:
        raise NotImplementedError

    def show_wait(self, text: str) -> None:
        raise NotImplementedError


class LiveCatalogProgress(CatalogProgress):
    """One live line on a terminal: rows, pages, pages/s, elapsed, and why it waits."""

    def __init__(self) -> None:
        super().__init__()
        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.fields[rows]} rows"),
            TextColumn("{task.completed} pages"),
            TextColumn("{task.fields[rate]:.1f} pages/s"),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=Console(stderr=True),
            transient=True,
        )
        self.task = self.bar.add_task("", total=None, rows=0, rate=0.0)

    def show_page(self) -> None:
        # Pages fetched before a wait keep arriving during it: the wait stays on screen
        # until it is over.
        waiting = time.monotonic() < self.wait_until
        self.bar.update(self.task, completed=self.pages, rows=self.rows, rate=self.rate())
        if not waiting:
            self.bar.update(self.task, description="")

    def show_wait(self, text: str) -> None:
        self.bar.update(self.task, description=text)

    def start(self) -> None:
        self.bar.start()

    def stop(self) -> None:
        self.bar.stop()


class LoggedCatalogProgress(CatalogProgress):
    """Without a terminal: a line every `every` pages, and one per wait worth mentioning."""

    min_wait = MIN_WAIT_LOGGED

    def __init__(self, every: int) -> None:
        super().__init__()
        self.every = every

    def show_page(self) -> None:
        if self.pages % self.every == 0:
            click.echo(page_line(self.pages, self.rows), err=True)

    def show_wait(self, text: str) -> None:
        click.echo(text, err=True)
