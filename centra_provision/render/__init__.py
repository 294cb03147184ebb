"""Output behind one small interface: a renderer per format (text, JSON, Markdown; JUnit for
drift, HTML tags for the storefront) turns library results into strings; only the CLI
writes them, to stdout, stderr or a file.

Library types are imported for annotations only, so offline commands (validate, envs) do
not load the planner, the Centra client or the executors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from centra_provision.errors import UsageError

if TYPE_CHECKING:
    from centra_provision.catalog.export import ExportResult
    from centra_provision.engine.apply import ApplyResult
    from centra_provision.engine.drift import DriftReport
    from centra_provision.engine.envdiff import EnvDiff
    from centra_provision.engine.importer import ImportResult
    from centra_provision.engine.validate import Validation
    from centra_provision.manifest.desired import DesiredState
    from centra_provision.manifest.environment import EnvironmentConfig
    from centra_provision.manifest.root import EnvironmentSummary
    from centra_provision.plans import Plan
    from centra_provision.state.inspect import LedgerState, ResourceState


@dataclass(frozen=True)
class Output:
    """What one command prints: `out` for stdout, `err` for stderr (problems, warnings)."""

    out: str = ""
    err: str = ""


class Renderer:
    """Every output of the tool. A format overrides the outputs its commands offer; the
    rest refuse (the CLI offers a format only where it has a renderer)."""

    name = "?"

    def _cannot(self, what: str) -> NoReturn:
        raise UsageError(f"--format {self.name} cannot show {what}")

    def validation(self, result: Validation) -> Output:
        self._cannot("a validation")

    def validations(self, results: list[Validation]) -> Output:
        self._cannot("validations")

    def environments(self, summaries: list[EnvironmentSummary]) -> str:
        self._cannot("environments")

    def plan(self, plan: Plan, verbose: bool = False) -> str:
        self._cannot("a plan")

    def apply_result(self, result: ApplyResult) -> str:
        self._cannot("an apply")

    def drift(self, report: DriftReport, fail_on: str = "manifests") -> str:
        self._cannot("drift")

    def state_list(self, state: LedgerState) -> str:
        self._cannot("the ledger")

    def state_show(self, state: LedgerState, res: ResourceState) -> str:
        self._cannot("a ledger record")

    def env_diff(self, diff: EnvDiff, show_all: bool = False) -> str:
        self._cannot("an environment diff")

    def imported(self, result: ImportResult) -> str:
        self._cannot("an import")

    def storefront(self, env: EnvironmentConfig, tags: dict[str, str]) -> str:
        self._cannot("storefront tags")

    def attested(self, addresses: list[str]) -> str:
        self._cannot("attested resources")

    def state_removed(self, res: ResourceState) -> str:
        self._cannot("a removed record")

    def unlocked(self, environment: str, holder: dict[str, Any]) -> str:
        self._cannot("a broken lock")

    def scaffolded(self, path: Path, state: DesiredState) -> str:
        self._cannot("a new environment")

    def exported(self, result: ExportResult, page_size: int) -> str:
        self._cannot("an export")

    def export_interrupted(self, pages: int, rows: int, resume: str | None) -> str:
        self._cannot("an interrupted export")


def renderer_for(fmt: str) -> Renderer:
    """The renderer for `--format`: text (and html, the storefront's tags, which are its
    text), json, markdown or junit."""
    if fmt == "json":
        from centra_provision.render.json import JsonRenderer

        return JsonRenderer()
    if fmt == "markdown":
        from centra_provision.render.markdown import MarkdownRenderer

        return MarkdownRenderer()
    if fmt == "junit":
        from centra_provision.render.junit import JunitRenderer

        return JunitRenderer()
    if fmt in ("text", "html"):
        from centra_provision.render.text import TextRenderer

        return TextRenderer()
    raise UsageError(f"no output format {fmt!r} (text, json, markdown, junit, html)")
