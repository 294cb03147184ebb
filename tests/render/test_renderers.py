"""The render interface: a renderer per format turns a library value into a string (writing
nothing itself), every string ends in a newline, each format offers exactly the outputs its
commands offer and refuses the others in one line, and the same value gives the same text
as the command prints it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from centra_provision.catalog.export import ExportResult
from centra_provision.engine.apply import ApplyResult
from centra_provision.engine.drift import DriftItem, DriftReport, UnmanagedChange
from centra_provision.engine.envdiff import EnvDiff, EnvDifference
from centra_provision.engine.importer import ImportResult
from centra_provision.engine.validate import Validation, validate_environment
from centra_provision.errors import Diagnostic, ManifestError, UsageError
from centra_provision.manifest.desired import DesiredState, load_desired_state
from centra_provision.manifest.root import EnvironmentSummary
from centra_provision.plans import (
    Action,
    ExecutorKind,
    FieldChange,
    FieldStatus,
    Outcome,
    Plan,
    ResourceChange,
    StepOutcome,
    planfile,
)
from centra_provision.render import Output, Renderer, renderer_for
from centra_provision.source import Mark
from centra_provision.state.inspect import FieldRecord, LedgerState, ResourceState
from tests.support.cli import run
from tests.support.paths import REPO

PLAN = Plan(
    environment="qa-int",
    centra_url="https://sandbox.centraqa.com/graphql",
    manifest_digest="sha256:x",
    created_at="2026-12-04T10:00:00+00:00",
    changes=(
        ResourceChange(
            "TaxGroup",
            "GE | VAT",
            ("GE | VAT",),
            Action.UPDATE,
            ExecutorKind.GUIDED,
            (FieldChange("rules[GE].rate", 22, 25, True, FieldStatus.CHANGED),),
        ),
        ResourceChange("Pricelist", "SEK", ("Retail", "SEK"), Action.NOOP, ExecutorKind.API),
    ),
    notes=("warning: store Retail: 1 countries ...",),
)
DRIFT = DriftReport(
    "qa-int",
    "https://sandbox.centraqa.com/graphql",
    (
        DriftItem("TaxGroup/GE VAT", "differs in rate", PLAN.changes[0].fields),
        DriftItem("Pricelist/SEK", "", (), (UnmanagedChange("comment", None, "x", None),)),
    ),
)
LEDGER = LedgerState(
    ".provision/qa-int.ledger.json",
    "qa-int",
    "https://sandbox.centraqa.com/graphql",
    "ledger-1",
    2,
    "2026-12-04T10:00:00+00:00",
    (ResourceState("Pricelist/SEK", (FieldRecord("comment", "applied", "t", "hmac:ab"),), None),),
)
SUMMARIES = [
    EnvironmentSummary("qa-int", "QA-INT", 1808),
    EnvironmentSummary("x", None, None, "bad"),
]
TEXT_ONLY = {
    "import",
    "attested",
    "state_removed",
    "unlocked",
    "scaffolded",
    "exported",
    "export_interrupted",
}
SHARED = {"validation", "validations", "environments", "plan", "apply", "drift"}
OFFERED = {
    "text": SHARED | {"state", "state_show", "envdiff", "storefront"} | TEXT_ONLY,
    "json": SHARED | {"state", "state_show", "envdiff", "storefront"},
    "markdown": SHARED,
    "junit": {"drift"},
}
APPLIED = ApplyResult(
    PLAN,
    (StepOutcome("TaxGroup/GE | VAT", Action.UPDATE, ExecutorKind.GUIDED, Outcome.PENDING),),
    None,
    PLAN,
)
ENV_DIFF = EnvDiff(
    "qa-int", "prod", (EnvDifference("Pricelist/SEK.comment", "a", "b", expected=False),)
)
IMPORTED = ImportResult((), (), ("Pricelist/SEK",), (), (), (), (), Path("manifests/x"))


def desired() -> DesiredState:
    return load_desired_state(REPO / "manifests", "local")


def outputs(renderer: Renderer) -> dict[str, Any]:
    """Each output this test can make without a Centra, by name."""
    invalid = Validation("x", error=ManifestError([Diagnostic(Mark("a.yaml", 3, 1), "bad | x")]))
    return {
        "validation": lambda: renderer.validation(invalid),
        "validations": lambda: renderer.validations([invalid, invalid]),
        "environments": lambda: renderer.environments(SUMMARIES),
        "plan": lambda: renderer.plan(PLAN, verbose=True),
        "drift": lambda: renderer.drift(DRIFT),
        "state": lambda: renderer.state_list(LEDGER),
        "state_show": lambda: renderer.state_show(LEDGER, LEDGER.resources[0]),
        "storefront": lambda: renderer.storefront(
            desired().environment, {"css": "<c>", "script": "<s>"}
        ),
        "apply": lambda: renderer.apply_result(APPLIED),
        "envdiff": lambda: renderer.env_diff(ENV_DIFF),
        "import": lambda: renderer.imported(IMPORTED),
        "attested": lambda: renderer.attested(["Pricelist/SEK"]),
        "state_removed": lambda: renderer.state_removed(LEDGER.resources[0]),
        "unlocked": lambda: renderer.unlocked("qa-int", {"holder": "ci", "pid": 1}),
        "scaffolded": lambda: renderer.scaffolded(Path("x.yaml"), desired()),
        "exported": lambda: renderer.exported(ExportResult(3, 2, 1, "id", 0, 2), 100),
        "export_interrupted": lambda: renderer.export_interrupted(1, 3, "provision ..."),
    }


@pytest.mark.parametrize("fmt", list(OFFERED))
def test_each_format_renders_strings_ending_in_a_newline(fmt: str) -> None:
    renderer = renderer_for(fmt)
    for name, make in outputs(renderer).items():
        if name not in OFFERED[fmt]:
            with pytest.raises(UsageError, match=f"^--format {fmt} cannot show "):
                make()
            continue
        made = make()
        texts = [made.out, made.err] if isinstance(made, Output) else [made]
        assert any(texts), name
        assert all(t == "" or t.endswith("\n") for t in texts), (fmt, name)


def test_the_base_renderer_refuses_everything_in_one_line() -> None:
    for name, make in outputs(Renderer()).items():
        with pytest.raises(UsageError) as info:
            make()
        assert "\n" not in str(info.value), name


def test_json_outputs_are_documents_with_a_format_version() -> None:
    json_renderer = renderer_for("json")
    for name, make in outputs(json_renderer).items():
        if name not in OFFERED["json"]:
            continue
        made = make()
        body = json.loads(made.out if isinstance(made, Output) else made)
        assert body["formatVersion"] == 1, name
    assert json.loads(json_renderer.plan(PLAN)) == planfile.to_json(PLAN)


def test_junit_is_xml_with_a_failure_per_drifted_resource() -> None:
    root = ET.fromstring(renderer_for("junit").drift(DRIFT))
    failures = root.findall(".//failure")
    assert [f.get("message") for f in failures] == ["TaxGroup/GE VAT: differs in rate"]
    assert renderer_for("junit").drift(DRIFT, "unmanaged").count("<failure") == 2


def test_markdown_cells_keep_a_pipe_inside_the_cell() -> None:
    text = renderer_for("markdown").plan(PLAN)
    row = next(line for line in text.splitlines() if "TaxGroup/GE" in line and "|" in line)
    assert "GE \\| VAT" in row and row.count(" | ") >= 3
    invalid = renderer_for("markdown").validation(
        Validation("x", error=ManifestError([Diagnostic(Mark("a.yaml", 3, 1), "bad | x")]))
    )
    assert "bad \\| x" in invalid.out


def test_text_validation_goes_to_stderr_and_json_to_stdout(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "manifests" / "qa-int" / "environment.yaml").write_text("kind: [")
    broken = validate_environment(Path("manifests"), "qa-int")
    assert broken.exit_code == 1 and broken.state is None
    text, data = renderer_for("text").validation(broken), renderer_for("json").validation(broken)
    assert text.out == "" and text.err.endswith("qa-int: 1 error\n")
    assert data.err == "" and json.loads(data.out)["valid"] is False


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_the_cli_prints_exactly_what_the_renderer_returns(
    workdir: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    code, out, err = run(["validate", "-e", "local", "--format", fmt], capsys)
    state = load_desired_state(Path("manifests"), "local")
    rendered = renderer_for(fmt).validation(Validation("local", state))
    assert (code, out, err) == (0, rendered.out, rendered.err)
    code, out, _ = run(["envs", "--format", fmt if fmt != "markdown" else "text"], capsys)
    assert out.splitlines()[0].startswith(("local", "{"))


def test_every_renderer_module_is_offline() -> None:
    """Renderers import library types only to annotate: rendering needs no Centra client."""
    for path in (REPO / "centra_provision" / "render").glob("*.py"):
        text = path.read_text()
        assert "centra_provision.centra" not in text, path.name
        assert "import httpx" not in text, path.name


def test_every_output_of_the_interface_is_exercised_here() -> None:
    """A new output added to Renderer must be added to `outputs()` and OFFERED, so the
    checks above cover it."""
    methods = {n for n, v in vars(Renderer).items() if not n.startswith("_") and callable(v)}
    assert len(methods) == len(outputs(Renderer()))
    assert set().union(*OFFERED.values()) == set(outputs(Renderer()))
