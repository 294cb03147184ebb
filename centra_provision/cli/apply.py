"""`apply` and `attest`: reconcile live Centra with the manifests, and vouch for what was
done by hand where Centra cannot show it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from centra_provision.cli.group import cli
from centra_provision.cli.options import (
    centra_url_option,
    env_option,
    manifests_option,
    rate_share_option,
    report_format_option,
    target_option,
)
from centra_provision.cli.output import say, targeting_warning, write
from centra_provision.render import renderer_for


@cli.command()
@env_option
@manifests_option
@click.argument(
    "plan_file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--auto-approve", is_flag=True, help="Apply without asking.")
@click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(0),
    default=0.0,
    help="Poll live Centra up to SECONDS for guided steps to be done.",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(0.1),
    default=5.0,
    show_default=True,
    metavar="SECONDS",
    help="With --wait: how often to look at live Centra.",
)
@click.option(
    "--runbook",
    "runbook_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the guided steps as Markdown to FILE.",
)
@click.option("--continue-on-error", is_flag=True, help="Run the other changes after a failure.")
@target_option
@centra_url_option
@rate_share_option
@report_format_option
def apply(
    env: str,
    manifests: Path,
    plan_file: Path | None,
    auto_approve: bool,
    wait_seconds: float,
    poll_interval: float,
    runbook_file: Path | None,
    continue_on_error: bool,
    targets: tuple[str, ...],
    centra_url: str | None,
    rate_share: float,
    fmt: str,
) -> int:
    """Reconcile live Centra with the manifests, then plan again to prove it.

    Changes Centra's API can make run by API; the rest are guided steps for Centra's back
    office (printed, and written with --runbook), or done by the emulator's back office for
    the local environment. With PLAN_FILE, only the saved plan's changes run, and resources
    that changed in Centra since it was saved are refused. Exit 0 converged, 3 guided steps
    pending, 1 error.
    """
    from centra_provision.engine.apply import ApplyOptions, apply_plan
    from centra_provision.plans import Plan, planfile
    from centra_provision.render.runbook import runbook_markdown
    from centra_provision.render.wait import LiveWaitTable, WaitDisplay, WaitLog

    renderer = renderer_for(fmt)
    display: WaitDisplay | None = None
    if wait_seconds > 0 and fmt == "text":
        display = LiveWaitTable() if sys.stdout.isatty() else WaitLog()
    options = ApplyOptions(
        saved_plan=planfile.read(plan_file) if plan_file else None,
        auto_approve=auto_approve,
        interactive=sys.stdin.isatty(),
        wait_seconds=wait_seconds,
        poll_seconds=poll_interval,
        watcher=display,
        continue_on_error=continue_on_error,
        targets=targets,
        url_override=centra_url,
        rate_share=rate_share,
    )

    def confirm(plan: Plan) -> bool:
        write(renderer.plan(plan))
        return click.confirm("Apply these changes?", default=False)

    try:
        if display is None:
            result = apply_plan(manifests, env, options, confirm)
        else:
            with display:
                result = apply_plan(manifests, env, options, confirm)
    except KeyboardInterrupt:
        if display is None or not display.rows:
            raise
        for line in display.interrupted(env):
            say(line)
        return 130
    targeting_warning(targets)
    if runbook_file is not None and result.runbook is not None:
        runbook_file.write_text(runbook_markdown(result.runbook))
    write(renderer.apply_result(result))
    return result.exit_code


@cli.command()
@env_option
@manifests_option
@click.argument("addresses", nargs=-1, required=True, metavar="KIND/NAME...")
@centra_url_option
def attest(env: str, manifests: Path, addresses: tuple[str, ...], centra_url: str | None) -> int:
    """Record that these resources' write-only fields were set by hand as the manifests say.

    Refuses while anything Centra does show of them differs.
    """
    from centra_provision.engine.apply import attest_resources

    attested = attest_resources(manifests, env, addresses, centra_url)
    write(renderer_for("text").attested(attested))
    return 0
