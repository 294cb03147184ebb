"""The context-manager shell shared by the long-running displays (catalog export progress,
`apply --wait`): each says only how it starts and stops showing, so the enter/exit protocol
is written once and a display that shows nothing until work begins needs no code for it."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Display:
    """Entered around the work it shows; `start` and `stop` default to showing nothing."""

    def start(self) -> None:
        """Begin showing (a live display takes over the terminal here)."""

    def stop(self) -> None:
        """Stop showing, on success, error or Ctrl-C alike (the terminal must be given back)."""

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
