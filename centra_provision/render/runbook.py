"""The runbook as people read it: Markdown (a checkbox per instruction, the JSON to paste
in fenced blocks) for `--runbook FILE`, PR comments and JSON output, and plain text under
apply's outcomes on a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from centra_provision.resources.steps import FENCE

if TYPE_CHECKING:
    from centra_provision.executors.guided import Runbook, RunbookStep


def _intro(runbook: Runbook) -> str:
    env = runbook.environment
    return (
        f"Global-e {runbook.globale_env}, merchant {runbook.merchant_id}. Follow each step "
        f"in Centra's back office, then run `provision apply -e {env} --wait 600` (or "
        f"`provision attest -e {env} KIND/NAME` for what Centra cannot show)."
    )


def runbook_markdown(runbook: Runbook) -> str:
    out = [f"# Runbook: Centra `{runbook.centra_domain}` ({runbook.environment})", ""]
    out += [_intro(runbook), ""]
    if runbook.done:
        out += ["## Already done", ""]
        out += [f"- [x] `{s.address}`: {' '.join(s.lines)}" for s in runbook.done]
        out.append("")
    for i, step in enumerate(runbook.todo, 1):
        out += [f"## {i}. {_title(step)}", ""]
        out += _markdown_lines(step.lines)
        out.append("")
    if not runbook.todo:
        out += ["Nothing left to do in the back office.", ""]
    return "\n".join(out)


def runbook_text(runbook: Runbook) -> str:
    out = []
    for i, step in enumerate(runbook.todo, 1):
        out.append(f"{i}. {_title(step).replace('`', '')}")
        out += [f"     {line}" for line in step.lines if not line.startswith(FENCE)]
    if runbook.done:
        out.append("Already done:")
        out += [f"  ✓ {s.address}: {' '.join(s.lines)}" for s in runbook.done]
    return "\n".join(out)


def _title(step: RunbookStep) -> str:
    return step.title or f"{step.action.capitalize()} `{step.address}`"


def _markdown_lines(lines: tuple[str, ...]) -> list[str]:
    """Each instruction a checkbox; a pasted block fenced under the item before it."""
    out: list[str] = []
    in_block = False
    for line in lines:
        if line.startswith(FENCE):
            in_block = not in_block if line == FENCE else True
            out.append(f"  {line}")
        elif in_block:
            out.append(f"  {line}" if line else "")
        else:
            out.append(f"- [ ] {line}")
    return out
