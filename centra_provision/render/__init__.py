"""Console output behind one small interface, with text, JSON and Markdown renderers.

Commands hand library results to a `Console`; only renderers decide how they look.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from centra_provision.engine.apply import ApplyResult
    from centra_provision.engine.drift import DriftReport
    from centra_provision.errors import ProvisionError
    from centra_provision.manifest.desired import DesiredState
    from centra_provision.manifest.root import EnvironmentSummary
    from centra_provision.plans import Plan


class Console(Protocol):
    """What commands may say; each renderer implements all of it."""

    def validation_ok(self, state: DesiredState) -> None: ...

    def validation_failed(self, env: str, error: ProvisionError) -> None: ...

    def environments(self, summaries: list[EnvironmentSummary]) -> None: ...

    def plan(self, plan: Plan, verbose: bool = False) -> None: ...

    def apply_result(self, result: ApplyResult) -> None: ...

    def drift(self, report: DriftReport) -> None: ...


def console_for(fmt: str) -> Console:
    """The console for `--format` (text, json or markdown)."""
    if fmt == "json":
        from centra_provision.render.json import JsonConsole

        return JsonConsole()
    if fmt == "markdown":
        from centra_provision.render.markdown import MarkdownConsole

        return MarkdownConsole()
    from centra_provision.render.text import TextConsole

    return TextConsole()
