"""One error hierarchy for the whole tool.

Every failure a user can cause is a `ProvisionError` with an exit code and one-line
messages; only the CLI's top level turns them into output (httpx's typed exceptions
are the model). Anything else escaping is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass

from centra_provision.source import Mark

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_GUIDED_PENDING = 3


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in the manifests, printed as `file:line:col: message`."""

    mark: Mark | None
    message: str

    def __str__(self) -> str:
        message = " ".join(self.message.split())  # always one line, whatever the input held
        return f"{self.mark}: {message}" if self.mark else message


class ProvisionError(Exception):
    """Root of every error the tool reports to a user."""

    exit_code = EXIT_ERROR

    def lines(self) -> list[str]:
        """The one-line messages the CLI prints for this error."""
        return [str(self)]


class UsageError(ProvisionError):
    """The command line asked for something that cannot be done (unknown env, bad option)."""


class ManifestError(ProvisionError):
    """Manifests that failed to load or validate; carries every diagnostic of the run."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics), key=_diagnostic_order)
        super().__init__(f"{len(self.diagnostics)} error(s) in manifests")

    def lines(self) -> list[str]:
        return [str(d) for d in self.diagnostics]


def _diagnostic_order(d: Diagnostic) -> tuple[str, int, int, str]:
    if d.mark is None:
        return ("", 0, 0, d.message)
    return (d.mark.file, d.mark.line, d.mark.col, d.message)


class SecretError(ProvisionError):
    """A secret reference could not be resolved (env var unset, file unreadable)."""


class CentraError(ProvisionError):
    """Talking to Centra failed; the message says what and where."""


class CentraAuthError(CentraError):
    """Centra refused the token (HTTP 403), or no token is available."""


class CentraPermissionError(CentraError):
    """The token lacks permissions the operation needs."""

    def __init__(self, missing: list[str], paths: list[str] | None = None) -> None:
        self.missing = sorted(set(missing))
        self.paths = sorted(set(paths or []))
        self.command: str | None = None  # set by the CLI: the command that needs them
        plural = "s" if len(self.missing) != 1 else ""
        needed = f" (needed to read {', '.join(self.paths)})" if self.paths else ""
        super().__init__(
            f"the Centra token lacks permission{plural}: {', '.join(self.missing)}{needed}"
        )

    def lines(self) -> list[str]:
        if self.command is None:
            return [str(self)]
        them = "them" if len(self.missing) != 1 else "it"
        return [f"{self}; `{self.command}` needs {them} (see `provision doctor`)"]


class CentraGraphQLError(CentraError):
    """Centra answered with errors[] that are not about permissions."""


class CentraUnavailable(CentraError):
    """Centra could not be reached or kept failing after bounded retries."""


class OutcomeUnknown(CentraError):
    """A mutation was sent but its outcome is unknown (timeout, 5xx, dropped connection):
    the caller must re-read before anything is retried."""


class UserErrorsError(CentraError):
    """A mutation answered non-empty userErrors: Centra changed nothing."""


class CapabilityError(CentraError):
    """The live Centra schema lacks a query or field the tool needs to read."""
