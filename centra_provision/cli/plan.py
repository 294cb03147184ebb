"""`validate`, `plan`, `show` and `drift`: what the manifests say, and how live Centra
differs from them. Each command calls one library function and hands its result to a
renderer."""

from __future__ import annotations

from pathlib import Path

import click

from centra_provision.cli.group import cli
from centra_provision.cli.options import (
    centra_url_option,
    env_option,
    env_option_of,
    format_option,
    manifests_option,
    report_format_option,
    target_option,
    verbose_option,
)
from centra_provision.cli.output import error, step_summary, targeting_warning, write, write_both
from centra_provision.errors import EXIT_CHANGES, EXIT_ERROR
from centra_provision.render import renderer_for


@cli.command()
@env_option_of(required=False)
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
    from centra_provision.engine.validate import validate_all, validate_environment

    if all_envs and env is not None:
        raise click.UsageError("give -e ENV or --all, not both")
    if not all_envs:
        if env is None:
            raise click.UsageError("Missing option '-e' / '--env' (or --all).")
        result = validate_environment(manifests, env)
        write_both(renderer_for(fmt).validation(result))
        return result.exit_code
    results = validate_all(manifests)
    write_both(renderer_for(fmt).validations(results))
    return max((r.exit_code for r in results), default=0)


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
@verbose_option
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
    from centra_provision.plans import planfile

    result = plan_environment(manifests, env, RunOptions(centra_url, targets))
    targeting_warning(targets)
    if out is not None:
        out.write_text(planfile.dumps(result) + "\n")
    write(renderer_for(fmt).plan(result, verbose))
    return EXIT_CHANGES if detailed_exitcode and result.has_changes else 0


@cli.command("show")
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@report_format_option
@verbose_option
def show(plan_file: Path, fmt: str, verbose: bool) -> int:
    """Render a saved plan (`plan --out FILE`) exactly as `plan` printed it."""
    from centra_provision.plans import planfile

    write(renderer_for(fmt).plan(planfile.read(plan_file), verbose))
    return 0


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
    from centra_provision.engine.drift import drift_environment
    from centra_provision.engine.session import RunOptions

    report = drift_environment(manifests, env, RunOptions(centra_url, targets))
    targeting_warning(targets)
    step_summary(lambda: renderer_for("markdown").drift(report))
    write(renderer_for(fmt).drift(report, fail_on), output)
    for line in report.unknown:
        error(line)
    return EXIT_ERROR if report.unknown else report.exit_code(fail_on)
