"""The `provision` group and its entry point: only `main` turns errors into output:
ProvisionError into its one-line messages and exit code, anything unexpected into one line
(no traceback unless PROVISION_DEBUG is set)."""

from __future__ import annotations

import os
import sys

import click

from centra_provision import __version__
from centra_provision.cli.options import LOG_LEVELS
from centra_provision.cli.output import error, say, warn
from centra_provision.errors import EXIT_ERROR, CentraPermissionError, ProvisionError


class ProvisionGroup(click.Group):
    """A group that names the command a missing permission stopped, so the line says
    which command needs it (subgroups are of this class too: the innermost names it)."""

    group_class = type

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except CentraPermissionError as exc:
            if exc.command is None and ctx.invoked_subcommand:
                exc.command = f"{ctx.command_path} {ctx.invoked_subcommand}"
            raise


@click.group(cls=ProvisionGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
        warn(
            "PROVISION_CENTRA_URL is ignored: endpoint overrides are per environment "
            "(PROVISION_CENTRA_URL_<ENV>, e.g. PROVISION_CENTRA_URL_QA_INT) or --centra-url"
        )


def _set_log_level(_ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    import logging

    if value is not None:
        logging.getLogger().setLevel(value.upper())


def log_level_everywhere(group: click.Group) -> None:
    """`--log-level` is accepted after the subcommand too (`provision plan -e qa-int
    --log-level debug`), as kubectl takes its global flags anywhere."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            log_level_everywhere(command)
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


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and map every outcome to an exit code."""
    try:
        code = cli.main(args=argv, prog_name="provision", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        say("Interrupted.")
        code = 130
    except click.ClickException as exc:
        exc.show()
        code = EXIT_ERROR
    except ProvisionError as exc:
        for line in exc.lines():
            error(line)
        code = exc.exit_code
    except Exception as exc:
        if os.environ.get("PROVISION_DEBUG"):
            raise
        say(f"internal error: {type(exc).__name__}: {exc} (set PROVISION_DEBUG=1 for a traceback)")
        code = EXIT_ERROR
    sys.exit(code if isinstance(code, int) else 0)
