"""The `provision` command: a thin click layer over the library.

Commands parse options, call one library function, hand its result to a renderer and
return an exit code. Only `main` turns errors into output: ProvisionError into its
one-line messages and exit code, anything unexpected into one line (no traceback
unless PROVISION_DEBUG is set).
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import click

from centra_provision import __version__
from centra_provision.emulator.limits import PLANS, RETRY_AFTER_FORMS
from centra_provision.errors import EXIT_CHANGES, EXIT_ERROR, ProvisionError, UsageError
from centra_provision.plans import planfile

F = TypeVar("F", bound=Callable[..., Any])

LOG_LEVELS = click.Choice(["debug", "info", "warning", "error"], case_sensitive=False)


def format_option(choices: list[str], help_text: str) -> Callable[[F], F]:
    """`--format`: every command spells it the same way, the first choice the default."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help=help_text,
    )


report_format_option = format_option(
    ["text", "json", "markdown"],
    "Output format: text for people, json for programs, markdown for PR comments.",
)
data_format_option = format_option(
    ["text", "json"], "Output format: text for people, json for programs."
)


def manifests_option(func: F) -> F:
    """`--manifests DIR`: the manifest root (default ./manifests, or PROVISION_MANIFESTS)."""
    return click.option(
        "--manifests",
        "manifests",
        envvar="PROVISION_MANIFESTS",
        default="manifests",
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Manifest root holding one folder per environment (env: PROVISION_MANIFESTS).",
    )(func)


def _manifest_root(ctx: click.Context) -> Path:
    root = ctx.params.get("manifests") or os.environ.get("PROVISION_MANIFESTS") or "manifests"
    return Path(root)


def complete_env(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion for `-e`: the environment folders under the manifest root."""
    from centra_provision.manifest.root import environment_summaries

    try:
        names = [s.name for s in environment_summaries(_manifest_root(ctx))]
    except (ProvisionError, OSError):
        return []
    return [n for n in names if n.startswith(incomplete)]


def _env_option(required: bool) -> Callable[[F], F]:
    """`-e/--env NAME`: the environment folder under the manifest root (or PROVISION_ENV);
    optional only where another option (validate's --all) can stand in for it."""
    return click.option(
        "-e",
        "--env",
        "env",
        envvar="PROVISION_ENV",
        required=required,
        shell_complete=complete_env,
        help="Environment name: a folder under the manifest root (env: PROVISION_ENV).",
    )


env_option = _env_option(required=True)


def complete_target(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion for `--target`: the environment's kinds and KIND/NAME addresses."""
    from centra_provision.manifest.desired import load_desired_state

    env = ctx.params.get("env") or os.environ.get("PROVISION_ENV")
    if not env:
        return []
    try:
        resources = load_desired_state(_manifest_root(ctx), env).resources
    except (ProvisionError, OSError):
        return []
    words = sorted({r.kind for r in resources}) + sorted(r.address for r in resources)
    return [w for w in words if w.startswith(incomplete)]


def target_option(func: F) -> F:
    """`--target`: a resource, a kind, or a glob; repeatable."""
    return click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="KIND/NAME",
        shell_complete=complete_target,
        help="Only this resource (KIND/NAME), kind (TaxGroup) or glob (AttributeType/ge_*); "
        "repeatable.",
    )(func)


def targeting_warning(targets: tuple[str, ...]) -> None:
    """Terraform's caution: a targeted run sees only part of the configuration."""
    if targets:
        named = " ".join(f"--target {t!r}" if " " in t else f"--target {t}" for t in targets)
        click.echo(
            f"warning: targeting is in effect ({named}): only the resources named were "
            "compared; changes elsewhere are not shown",
            err=True,
        )


def rate_share_option(func: F) -> F:
    """`--rate-share`: Centra's rate limits are per environment and shared by every
    integration, the live store's order flow included; long work takes at most this share
    of what each bucket has left."""
    return click.option(
        "--rate-share",
        type=click.FloatRange(0.01, 1.0),
        default=0.5,
        show_default=True,
        help="Most of each of Centra's rate-limit buckets (read from rateLimits) this run "
        "may use; the rest stays for the live store.",
    )(func)


def centra_url_option(func: F) -> F:
    """`--centra-url URL`: this run only; the variable form is per environment
    (PROVISION_CENTRA_URL_QA_INT) so that it can never redirect another environment."""
    return click.option(
        "--centra-url",
        metavar="URL",
        help="Use this Centra endpoint instead of the environment's; per environment, "
        "PROVISION_CENTRA_URL_<ENV> (e.g. PROVISION_CENTRA_URL_QA_INT) does the same. "
        "Refused for an embedded environment.",
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="provision")
@click.option(
    "--log-level",
    envvar="PROVISION_LOG_LEVEL",
    default="warning",
    show_default=True,
    type=LOG_LEVELS,
    help="Log to stderr at this level (env: PROVISION_LOG_LEVEL).",
)
def cli(log_level: str) -> None:
    """Infrastructure-as-code for the Centra side of a Global-e integration.

    Manifests in git describe each environment (local, QA-INT, PROD); `validate` checks
    them offline, `plan` shows how live Centra differs.
    """
    import logging

    logging.basicConfig(
        level=log_level.upper(),
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
        force=True,
    )
    if os.environ.get("PROVISION_CENTRA_URL"):
        click.echo(
            "warning: PROVISION_CENTRA_URL is ignored: endpoint overrides are per environment "
            "(PROVISION_CENTRA_URL_<ENV>, e.g. PROVISION_CENTRA_URL_QA_INT) or --centra-url",
            err=True,
        )


@cli.command()
@_env_option(required=False)
@click.option(
    "--all", "all_envs", is_flag=True, help="Validate every environment under the manifest root."
)
@manifests_option
@report_format_option
def validate(env: str | None, all_envs: bool, manifests: Path, fmt: str) -> int:
    """Check an environment's manifests (or, with --all, every environment's): schemas and
    semantic rules, no network.

    Exit 0 when valid, 1 with one `file:line:col: message` line per problem. Warns (on
    stderr, never showing a value) about secrets under 128 bits of randomness.
    """
    if all_envs and env is not None:
        raise click.UsageError("give -e ENV or --all, not both")
    if not all_envs:
        if env is None:
            raise click.UsageError("Missing option '-e' / '--env' (or --all).")
        return _validate_one(env, manifests, fmt)
    from centra_provision.manifest.root import environment_summaries

    names = [s.name for s in environment_summaries(manifests)]
    if fmt != "json":
        return max((_validate_one(name, manifests, fmt) for name in names), default=0)
    import json

    bodies, code = [], 0
    for name in names:
        codes: list[int] = []
        text = _captured(partial(_validate_into, codes, name, manifests, fmt))
        bodies.append(json.loads(text))
        code = max([code, *codes])
    click.echo(json.dumps({"formatVersion": 1, "environments": bodies}, indent=2, sort_keys=True))
    return code


def _validate_into(codes: list[int], env: str, manifests: Path, fmt: str) -> None:
    codes.append(_validate_one(env, manifests, fmt))


def _validate_one(env: str, manifests: Path, fmt: str) -> int:
    """One environment's validation, printed; its exit code."""
    from centra_provision.manifest.desired import load_desired_state
    from centra_provision.render import console_for

    console = console_for(fmt)
    try:
        state = load_desired_state(manifests, env)
    except ProvisionError as exc:
        console.validation_failed(env, exc)
        return exc.exit_code
    console.validation_ok(state)
    from centra_provision.engine.strength import weak_secrets

    for line in weak_secrets(state, manifests.resolve().parent):
        click.echo(f"warning: {line}", err=True)
    return 0


@cli.command()
@env_option
@manifests_option
@report_format_option
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the plan as JSON to FILE (for `apply FILE`).",
)
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes (0 none, 1 error)."
)
@target_option
@centra_url_option
@click.option("-v", "--verbose", is_flag=True, help="Show discovered names, requests, no-ops.")
def plan(
    env: str,
    manifests: Path,
    fmt: str,
    out: Path | None,
    detailed_exitcode: bool,
    targets: tuple[str, ...],
    centra_url: str | None,
    verbose: bool,
) -> int:
    """Read live Centra, compare with the manifests and print what would change.

    Exit 0 (no changes, or changes without --detailed-exitcode), 2 (changes, with
    --detailed-exitcode), 1 (error).
    """
    from centra_provision.engine.planner import plan_environment
    from centra_provision.engine.session import RunOptions
    from centra_provision.render import console_for

    result = plan_environment(manifests, env, RunOptions(centra_url, targets))
    targeting_warning(targets)
    if out is not None:
        out.write_text(planfile.dumps(result) + "\n")
    console_for(fmt).plan(result, verbose)
    return EXIT_CHANGES if detailed_exitcode and result.has_changes else 0


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
    from centra_provision.plans import Plan
    from centra_provision.render import console_for
    from centra_provision.render.wait import LiveWaitTable, WaitDisplay, WaitLog

    saved = planfile.read(plan_file) if plan_file else None
    console = console_for(fmt)
    display: WaitDisplay | None = None
    if wait_seconds > 0 and fmt == "text":
        display = LiveWaitTable() if sys.stdout.isatty() else WaitLog()
    options = ApplyOptions(
        saved_plan=saved,
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
        console.plan(plan)
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
            click.echo(line, err=True)
        return 130
    targeting_warning(targets)
    if runbook_file is not None and result.runbook is not None:
        from centra_provision.render.runbook import runbook_markdown

        runbook_file.write_text(runbook_markdown(result.runbook))
    console.apply_result(result)
    return result.exit_code


def _read_json(path: Path) -> object:
    import json

    from centra_provision.plans.planfile import PlanFileError

    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise PlanFileError(f"cannot read plan file {path}: {exc}") from None


@cli.command()
@env_option
@manifests_option
@format_option(
    ["text", "json", "junit", "markdown"],
    "Report format: text, json, junit (for CI test reports) or markdown.",
)
@click.option(
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to FILE instead of stdout.",
)
@centra_url_option
@click.option(
    "--fail-on",
    "fail_on",
    type=click.Choice(["manifests", "unmanaged"]),
    default="manifests",
    show_default=True,
    help="What exits 2: drift against the manifests, or also (unmanaged) changes to what "
    "the manifests do not declare.",
)
@target_option
def drift(
    env: str,
    manifests: Path,
    fmt: str,
    output: Path | None,
    centra_url: str | None,
    fail_on: str,
    targets: tuple[str, ...],
) -> int:
    """Compare live Centra with the manifests on what Centra can show, for scheduled CI.

    Also reports write-only fields whose manifest value changed since the ledger recorded
    them, and, separately, changes outside the manifests: fields they do not declare that
    Centra shows differently than at the last apply, attest or import. Exit 0 no drift, 2
    drift (or changes outside the manifests with --fail-on unmanaged), 1 error (also when a
    secret a comparison needs is not set: unknown is not in sync). With $GITHUB_STEP_SUMMARY
    set, a Markdown table is appended to it.
    """
    import os

    from centra_provision.engine.drift import drift_environment
    from centra_provision.engine.session import RunOptions
    from centra_provision.render import console_for
    from centra_provision.render.junit import junit_xml
    from centra_provision.render.markdown import drift_markdown

    report = drift_environment(manifests, env, RunOptions(centra_url, targets))
    targeting_warning(targets)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(drift_markdown(report))
    if fmt == "junit" or output is not None:
        text = (
            junit_xml(report, fail_on)
            if fmt == "junit"
            else _captured(lambda: console_for(fmt).drift(report))
        )
        if output is not None:
            output.write_text(text)
        else:
            click.echo(text, nl=False)
    else:
        console_for(fmt).drift(report)
    for line in report.unknown:
        click.echo(f"error: {line}", err=True)
    if report.unknown:
        return EXIT_ERROR
    return report.exit_code(fail_on)


def _captured(render: Callable[[], None]) -> str:
    """What a renderer prints, as text (for --output)."""
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        render()
    return buffer.getvalue()


@cli.command("import")
@env_option
@manifests_option
@click.option(
    "--output",
    "output",
    type=click.Path(file_okay=False, path_type=Path),
    default="imported",
    show_default=True,
    help="Manifest root to write (the environment folder goes inside).",
)
@centra_url_option
@click.option(
    "--record",
    is_flag=True,
    help="Also record what was adopted in the environment's ledger (source: imported).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace the manifests already in the output's environment folder (listed).",
)
def import_(
    env: str, manifests: Path, output: Path, centra_url: str | None, record: bool, force: bool
) -> int:
    """Write manifests for what live Centra already has (adopt a hand-configured merchant).

    The environment keeps its bases and variables; only what differs from the bases is
    written. Write-only settings the bases do not give become commented placeholders, never
    guesses. A folder that already holds manifests is refused unless --force.
    """
    from centra_provision.engine.importer import import_environment

    result = import_environment(manifests, env, output, centra_url, record, force)
    for path in result.replaced:
        click.echo(f"replaced {path}")
    for name in result.bases:
        click.echo(f"copied base {output / name}")
    for doc in result.written:
        click.echo(f"imported {doc.address} -> {result.folder / doc.file}")
    for address in result.from_base:
        click.echo(f"as base  {address} (Centra shows what the base says; nothing written)")
    for address in result.missing:
        click.echo(f"missing  {address} (in the base, not in Centra: plan will create it)")
    for address in result.unreadable:
        click.echo(f"as base  {address} (Centra cannot show it; kept as the base says)")
    click.echo(
        f"{len(result.docs)} resources in Centra: {len(result.written)} written under "
        f"{result.folder}, {len(result.from_base)} as the base says"
    )
    return 0


@cli.group()
def catalog() -> None:
    """The initial catalog Global-e needs (the guide's "Extracting the Initial Catalog")."""


@catalog.command("export")
@env_option
@manifests_option
@click.option("-o", "--output", "output", required=True, help="CSV file to write, or - for stdout.")
@click.option(
    "--store",
    "store",
    metavar="NAME",
    help="Store to export, by name (default: the environment's defaultStore variable).",
)
@click.option("--store-id", type=int, metavar="ID", help="Store to export, by Centra id.")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    default=("ACTIVE",),
    show_default=True,
    type=click.Choice(["ACTIVE", "INACTIVE"]),
    help="Product statuses to export (repeatable).",
)
@click.option(
    "--page-size",
    type=click.IntRange(1, 1000),
    default=30,
    show_default=True,
    help="Products per request.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 32),
    default=6,
    show_default=True,
    help="Pages in flight at once (the rate limiter still bounds requests).",
)
@click.option("--resume", is_flag=True, help="Continue an interrupted export of FILE.")
@click.option(
    "--log-every",
    type=click.IntRange(1),
    default=10,
    show_default=True,
    metavar="N",
    help="Without a terminal, log progress every N pages.",
)
@centra_url_option
@rate_share_option
def catalog_export(
    env: str,
    manifests: Path,
    output: str,
    store: str | None,
    store_id: int | None,
    statuses: tuple[str, ...],
    page_size: int,
    concurrency: int,
    resume: bool,
    log_every: int,
    centra_url: str | None,
    rate_share: float,
) -> int:
    """Export the catalog CSV: one row per product size of each display in the store.

    Progress goes to stderr (a live line on a terminal, a line every N pages otherwise);
    after an interruption, --resume continues from the last finished page.
    """
    from centra_provision.catalog.export import ExportOptions, export_catalog
    from centra_provision.render.progress import LiveCatalogProgress, LoggedCatalogProgress

    if store is not None and store_id is not None:
        raise click.UsageError("give --store or --store-id, not both")
    options = ExportOptions(
        output=output,
        store_id=store_id,
        store=store,
        statuses=statuses,
        page_size=page_size,
        resume=resume,
        concurrency=concurrency,
        url_override=centra_url,
        rate_share=rate_share,
    )
    live = sys.stderr.isatty() and output != "-"
    progress = LiveCatalogProgress() if live else LoggedCatalogProgress(log_every)
    try:
        with progress:
            result = export_catalog(manifests, env, options, progress)
    except KeyboardInterrupt:
        click.echo(_export_interrupted(env, options, progress.pages, progress.rows), err=True)
        return 130
    changed = (
        f"; {result.changed_during_export} changed during the export and were caught up"
        if result.changed_during_export
        else ""
    )
    click.echo(
        f"Exported {result.rows} rows for {result.products} products ({result.pages} "
        f"pages of {page_size}, sort {result.sort}, {result.requests} requests{changed})",
        err=True,
    )
    return 0


def _export_interrupted(env: str, options: Any, pages: int, rows: int) -> str:
    """What Ctrl-C leaves behind, and the exact command that continues it."""
    import shlex

    done = f"Interrupted after {pages} pages ({rows} rows written)."
    if options.output == "-":
        return f"{done} Output went to stdout, so it cannot be resumed; run it again."
    words = ["provision", "catalog", "export", "-e", env, "-o", options.output]
    if options.store is not None:
        words += ["--store", options.store]
    if options.store_id is not None:
        words += ["--store-id", str(options.store_id)]
    for status in options.statuses if tuple(options.statuses) != ("ACTIVE",) else ():
        words += ["--status", status]
    if options.page_size != 30:
        words += ["--page-size", str(options.page_size)]
    return f"{done} The checkpoint is kept; continue with: {shlex.join([*words, '--resume'])}"


@cli.command("diff-env")
@manifests_option
@click.argument("env_a")
@click.argument("env_b")
@data_format_option
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="Also show the differences the bases declare as expected (expectedDifferences).",
)
def diff_env(manifests: Path, env_a: str, env_b: str, fmt: str, show_all: bool) -> int:
    """Show where two environments' desired configuration differs.

    A resource only one environment has is one line. Differences a base declares as expected
    (`expectedDifferences`: hosts, merchant ids, endpoints, secret references) are hidden
    unless --all; anything else is flagged as a possible promotion mistake (exit 2).
    """
    from centra_provision.engine.envdiff import diff_environments
    from centra_provision.render.envdiff import envdiff_json, envdiff_text

    diff = diff_environments(manifests, env_a, env_b)
    render = envdiff_json if fmt == "json" else envdiff_text
    click.echo(render(diff, show_all), nl=False)
    return EXIT_CHANGES if diff.surprising else 0


@cli.command()
@env_option
@manifests_option
@format_option(
    ["html", "json"], "html: the tags to paste into the page head; json: the same for programs."
)
def storefront(env: str, manifests: Path, fmt: str) -> int:
    """Print the Global-e module script and CSS tags for the environment's storefront."""
    import json

    from centra_provision.globale import storefront as tags
    from centra_provision.manifest.desired import load_desired_state

    config = load_desired_state(manifests, env).environment
    found = tags(config.globale_env, config.merchant_id)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "formatVersion": 1,
                    "environment": config.name,
                    "globaleEnvironment": config.globale_env,
                    "merchantId": config.merchant_id,
                    **found,
                },
                indent=2,
            )
        )
    else:
        click.echo(
            f"<!-- Global-e module ({config.globale_env}, merchant {config.merchant_id}):"
            " put both in the page head -->"
        )
        click.echo(found["css"])
        click.echo(found["script"])
    return 0


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

    for address in attest_resources(manifests, env, addresses, centra_url):
        click.echo(f"attested {address}")
    return 0


@cli.group()
def state() -> None:
    """Inspect and repair the ledger (what Centra cannot show, as last recorded)."""


@state.command("list")
@env_option
@manifests_option
@data_format_option
def state_list(env: str, manifests: Path, fmt: str) -> int:
    """Resources the ledger holds: fields, and when and how they were recorded."""
    from centra_provision.engine.state_ops import list_state
    from centra_provision.render.state import state_list as render

    render(list_state(manifests, env), fmt)
    return 0


@state.command("show")
@env_option
@manifests_option
@click.argument("address", metavar="KIND/NAME")
@data_format_option
def state_show(env: str, manifests: Path, address: str, fmt: str) -> int:
    """One resource's records: each field's fingerprint, source and time, and the last
    snapshot of what Centra showed."""
    from centra_provision.engine.state_ops import show_state
    from centra_provision.render.state import state_show as render

    render(*show_state(manifests, env, address), fmt)
    return 0


@state.command("rm")
@env_option
@manifests_option
@click.argument("address", metavar="KIND/NAME")
def state_rm(env: str, manifests: Path, address: str) -> int:
    """Forget a resource (for one deleted by hand): the next plan treats its write-only
    fields as never applied."""
    from centra_provision.engine.state_ops import remove_state

    removed = remove_state(manifests, env, address)
    click.echo(f"removed {removed.address} from the ledger ({len(removed.fields)} fields)")
    return 0


@cli.command("show")
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@report_format_option
@click.option("-v", "--verbose", is_flag=True, help="Show discovered names, requests, no-ops.")
def show(plan_file: Path, fmt: str, verbose: bool) -> int:
    """Render a saved plan (`plan --out FILE`) exactly as `plan` printed it."""
    from centra_provision.render import console_for

    console_for(fmt).plan(planfile.read(plan_file), verbose)
    return 0


@cli.command("force-unlock")
@env_option
@manifests_option
@click.argument("lock_id", metavar="ID")
def force_unlock_(env: str, manifests: Path, lock_id: str) -> int:
    """Break the lock a killed apply left on the environment's ledger.

    ID must be the id the lock holds (apply names it when it is refused); a lock whose
    process still runs on this host is never broken.
    """
    from centra_provision.manifest.desired import load_desired_state
    from centra_provision.state.lock import describe, force_unlock

    config = load_desired_state(manifests, env).environment
    holder = force_unlock(config.ledger_location, env, lock_id)
    click.echo(f"unlocked {env}: broke the lock {describe(holder)}")
    return 0


@cli.command()
@click.argument("name")
@manifests_option
@click.option("--merchant-id", type=click.IntRange(1), required=True, help="Global-e merchant id.")
@click.option(
    "--centra-url",
    required=True,
    metavar="URL",
    help="The merchant's Centra Integration API endpoint (https://DOMAIN/graphql).",
)
@click.option(
    "--globale-env",
    type=click.Choice(["QA-INT", "PROD"]),
    required=True,
    help="The Global-e environment this Centra talks to.",
)
@click.option(
    "--store",
    "stores",
    multiple=True,
    required=True,
    metavar="NAME[:TYPE]",
    help="A store (TYPE DIRECT_TO_CONSUMER, the default, or WHOLESALE); repeatable, the first "
    "is the default store.",
)
@click.option(
    "--warehouse", required=True, metavar="NAME", help="The primary warehouse's name in Centra."
)
@click.option(
    "--vat-rate",
    type=click.FloatRange(0, 100),
    default=25.0,
    show_default=True,
    help="Local VAT rate in percent (the GE Local VAT rule).",
)
@click.option(
    "--own-market",
    "own_markets",
    multiple=True,
    metavar="CC",
    help="ISO code of a market the merchant operates itself (left out of GE Local VAT); "
    "repeatable.",
)
@click.option(
    "--token-env",
    metavar="VAR",
    help="Variable holding the Centra token (default CENTRA_<NAME>_TOKEN).",
)
def init(
    name: str,
    manifests: Path,
    merchant_id: int,
    centra_url: str,
    globale_env: str,
    stores: tuple[str, ...],
    warehouse: str,
    vat_rate: float,
    own_markets: tuple[str, ...],
    token_env: str | None,
) -> int:
    """Scaffold a new merchant's environment folder NAME under the manifest root, then
    validate it (nothing is left behind if it does not validate)."""
    from decimal import Decimal

    from centra_provision.manifest.scaffold import InitOptions, scaffold

    options = InitOptions(
        merchant_id=merchant_id,
        centra_url=centra_url,
        globale_env=globale_env,
        stores=stores,
        warehouse=warehouse,
        vat_rate=Decimal(str(vat_rate)),
        own_markets=own_markets,
        token_env=token_env,
    )
    path, state = scaffold(manifests, name, options)
    n = len(state.resources)
    click.echo(f"wrote {path}")
    click.echo(f"OK: {n} resource{'s' if n != 1 else ''} in {name}")
    click.echo(
        f"Next: export {state.environment.token_env}=... GE_ORDER_API_SECRET=$(provision "
        f"secret generate); provision plan -e {name}"
    )
    return 0


@cli.command()
@click.argument("kind", required=False)
@click.option(
    "--output",
    "output_kind",
    metavar="COMMAND",
    help="Print instead the JSON Schema of a command's --format json output (plan, validate, "
    "drift, apply, envs, diff-env, storefront, state-list, state-show).",
)
def schema(kind: str | None, output_kind: str | None) -> int:
    """Print the JSON Schema (draft 2020-12) of KIND, or of any manifest document; with
    --output, of a command's JSON output.

    Point yaml-language-server at the output for completion and checking in editors.
    """
    from centra_provision.manifest.schema import SCHEMA_KINDS, combined_schema, schema_text

    if output_kind is not None:
        from centra_provision.render.output_schemas import OUTPUTS, output_schema

        if kind is not None:
            raise click.UsageError("give KIND or --output, not both")
        if output_kind not in OUTPUTS:
            raise click.BadParameter(
                f"unknown output {output_kind!r}; one of: {', '.join(OUTPUTS)}"
            )
        click.echo(output_schema(output_kind), nl=False)
        return 0
    if kind is None:
        click.echo(combined_schema())
        return 0
    if kind not in SCHEMA_KINDS:
        raise click.BadParameter(f"unknown kind {kind!r}; one of: {', '.join(SCHEMA_KINDS)}")
    click.echo(schema_text(kind), nl=False)
    return 0


@cli.command()
@manifests_option
@data_format_option
def envs(manifests: Path, fmt: str) -> int:
    """List the environments under the manifest root (for CI matrices)."""
    from centra_provision.manifest.root import environment_summaries
    from centra_provision.render import console_for

    summaries = environment_summaries(manifests)
    console_for(fmt).environments(summaries)
    # A CI matrix built from this list must not silently carry an environment that cannot load.
    return 1 if any(s.problem for s in summaries) else 0


@cli.group()
def secret() -> None:
    """Secrets for the Centra side of the integration."""


@secret.command("show")
@env_option
@manifests_option
@click.argument("name")
def secret_show(env: str, manifests: Path, name: str) -> int:
    """Print one secret the manifests reference (by field, env var or file name), only to a
    terminal, for pasting into Centra's back office."""
    from centra_provision.engine.secret_refs import reveal_secret

    if not sys.stdout.isatty():
        raise click.UsageError("secret show prints only to a terminal")
    click.echo(reveal_secret(manifests, env, name))
    return 0


@secret.command("generate")
def secret_generate() -> int:
    """Print a new random 256-bit key for the Order API plugin's secret API key."""
    import secrets

    click.echo(secrets.token_hex(32))
    return 0


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


def _set_log_level(_ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    import logging

    if value is not None:
        logging.getLogger().setLevel(value.upper())


def _log_level_everywhere(group: click.Group) -> None:
    """`--log-level` is accepted after the subcommand too (`provision plan -e qa-int
    --log-level debug`), as kubectl takes its global flags anywhere."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _log_level_everywhere(command)
        elif not any(p.name == "log_level" for p in command.params):
            command.params.append(
                click.Option(
                    ["--log-level"],
                    type=LOG_LEVELS,
                    expose_value=False,
                    callback=_set_log_level,
                    help="Log to stderr at this level (as `provision --log-level`).",
                )
            )


_log_level_everywhere(cli)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and map every outcome to an exit code."""
    try:
        code = cli.main(args=argv, prog_name="provision", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.Abort:  # Ctrl-C (click turns KeyboardInterrupt into Abort)
        click.echo("Interrupted.", err=True)
        code = 130
    except click.ClickException as exc:
        exc.show()
        code = EXIT_ERROR
    except ProvisionError as exc:
        for line in exc.lines():
            click.echo(f"error: {line}", err=True)
        code = exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        code = 130
    except Exception as exc:
        if os.environ.get("PROVISION_DEBUG"):
            raise
        click.echo(
            f"internal error: {type(exc).__name__}: {exc} (set PROVISION_DEBUG=1 for a traceback)",
            err=True,
        )
        code = EXIT_ERROR
    sys.exit(code if isinstance(code, int) else 0)
