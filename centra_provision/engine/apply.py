"""Executing a plan (sqlmesh's PlanEvaluator): run each change with its executor, record
what Centra cannot show in the ledger, journal every step, then plan again and report
whether live Centra converged.

Exit codes: 0 converged, 1 error or failed step, 3 guided steps pending.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from centra_provision.centra.client import RetryPolicy
from centra_provision.centra.ratelimit import DEFAULT_SHARE
from centra_provision.clock import SYSTEM_CLOCK, Clock
from centra_provision.engine.planner import plan_live
from centra_provision.engine.record import record_applied, snapshot_converged
from centra_provision.engine.saved_plan import select_saved
from centra_provision.engine.session import EnvironmentSession, RunOptions, run_session
from centra_provision.engine.wait import WaitWatcher, verified_words, wait_for_guided
from centra_provision.errors import (
    EXIT_ERROR,
    EXIT_GUIDED_PENDING,
    EXIT_OK,
    ProvisionError,
    UsageError,
)
from centra_provision.executors import Executor, ExecutorRegistry
from centra_provision.executors.api import ApiExecutor
from centra_provision.executors.guided import GuidedExecutor, Runbook
from centra_provision.manifest.desired import check_context
from centra_provision.plans import (
    Action,
    ExecutorKind,
    FieldStatus,
    Outcome,
    Plan,
    ResourceChange,
    StepOutcome,
)
from centra_provision.resources import Resource
from centra_provision.resources.base import ObserveContext
from centra_provision.resources.live import LiveState
from centra_provision.resources.steps import StepContext
from centra_provision.state.journal import Journal, journal_path_for
from centra_provision.state.snapshot import record_snapshots


class ApplyCancelled(ProvisionError):
    """The person at the prompt said no."""


class AttestRefused(ProvisionError):
    """Centra shows something that does not match: attesting would record a lie."""


@dataclass(frozen=True)
class ApplyOptions:
    saved_plan: Plan | None = None
    auto_approve: bool = False
    interactive: bool = False
    wait_seconds: float = 0.0
    poll_seconds: float = 5.0
    continue_on_error: bool = False
    targets: tuple[str, ...] = ()
    url_override: str | None = None
    retry: RetryPolicy | None = None
    rate_share: float = DEFAULT_SHARE  # the most of each Centra rate-limit bucket to take
    watcher: WaitWatcher | None = None  # told how guided resources stand during --wait
    clock: Clock = SYSTEM_CLOCK  # what rate limits, retries and --wait's polling wait on

    @property
    def run(self) -> RunOptions:
        return RunOptions(self.url_override, self.targets, self.retry, self.rate_share, self.clock)


@dataclass(frozen=True)
class ApplyResult:
    plan: Plan
    outcomes: tuple[StepOutcome, ...]
    runbook: Runbook | None
    final: Plan
    refused: tuple[str, ...] = ()

    def count(self, outcome: str) -> int:
        return sum(o.outcome == outcome for o in self.outcomes)

    def summary_line(self) -> str:
        return (
            f"Apply: {self.count(Outcome.DONE)} done, {self.count(Outcome.FAILED)} failed, "
            f"{self.count(Outcome.PENDING)} pending (guided), "
            f"{self.count(Outcome.SKIPPED)} skipped, {len(self.refused)} refused"
        )

    def evidence_line(self) -> str | None:
        """After --wait: how much of what was recorded Centra actually showed."""
        verified = sum(o.verified for o in self.outcomes)
        attested = sum(o.attested for o in self.outcomes)
        if not verified and not attested:
            return None
        return verified_words(verified, attested) + "."

    @property
    def exit_code(self) -> int:
        if self.count(Outcome.FAILED) or self.refused:
            return EXIT_ERROR
        if self.final.has_changes:
            guided = all(c.executor == ExecutorKind.GUIDED for c in self.final.pending)
            return EXIT_GUIDED_PENDING if guided else EXIT_ERROR
        return EXIT_OK


def step_context(session: EnvironmentSession) -> StepContext:
    """What guided steps may mention: names and where each secret comes from, no values."""
    env = session.environment
    sources = {path: getattr(v, "source", "the secret") for (_, path), v in session.secrets.items()}
    return StepContext(
        env.name, env.globale_env, env.merchant_id, env.centra_domain, env.token_env, sources
    )


def executors(session: EnvironmentSession) -> ExecutorRegistry:
    """The executors of one apply, each made when a change first needs it."""

    def backoffice() -> Executor:
        from centra_provision.executors.backoffice import BackofficeExecutor

        emulator = session.conn.emulator
        if emulator is None:
            raise UsageError("executor 'backoffice' needs the embedded emulator")
        return BackofficeExecutor(
            emulator.backoffice, session.secrets, check_context(session.environment)
        )

    async def reread() -> tuple[Plan, LiveState]:
        return await plan_live(session)

    def api() -> Executor:
        assert session.caps is not None  # discovery ran: the plan was made
        return ApiExecutor(session.conn.client, session.caps, reread)

    return ExecutorRegistry(
        {
            ExecutorKind.GUIDED: lambda: GuidedExecutor(step_context(session)),
            ExecutorKind.API: api,
            ExecutorKind.BACKOFFICE: backoffice,
        }
    )


@dataclass
class PlanEvaluator:
    """Runs one plan's pending changes against one open session, in plan order: a failed
    step skips the rest (unless continue_on_error); every step that changes Centra is
    journaled before and after, and its write-only fields recorded once it is done."""

    session: EnvironmentSession
    journal: Journal
    continue_on_error: bool = False
    registry: ExecutorRegistry = field(init=False)

    def __post_init__(self) -> None:
        self.registry = executors(self.session)

    async def run(self, changes: tuple[ResourceChange, ...], live: LiveState) -> list[StepOutcome]:
        by_address = {r.address: r for r in self.session.resources}
        outcomes: list[StepOutcome] = []
        failed = False
        for change in changes:
            if failed and not self.continue_on_error:
                skipped = StepOutcome(
                    change.address,
                    change.action,
                    change.executor,
                    Outcome.SKIPPED,
                    "an earlier step failed",
                )
                outcomes.append(skipped)
                continue
            executor = self.registry[change.executor]
            outcome, live = await self._step(executor, change, by_address[change.address], live)
            failed = failed or outcome.outcome == Outcome.FAILED
            outcomes.append(outcome)
        return outcomes

    async def _step(
        self, executor: Executor, change: ResourceChange, res: Resource, live: LiveState
    ) -> tuple[StepOutcome, LiveState]:
        if not executor.changes_centra:
            return await executor.run(change, res, live), live
        self.journal.write(
            address=change.address, action=change.action, executor=change.executor, phase="begin"
        )
        outcome = await executor.run(change, res, live)
        if outcome.outcome == Outcome.DONE:
            record_applied(self.session, change, res, change.executor)
            self.session.ledger.save()
            if executor.rereads:
                _, live = await plan_live(self.session)  # later steps may name what it made
        self.journal.write(
            address=change.address,
            action=change.action,
            executor=change.executor,
            phase="end",
            outcome=outcome.outcome,
            message=outcome.message,
            warnings=list(outcome.warnings),
        )
        return outcome, live

    def runbook(self) -> Runbook | None:
        guided = self.registry.made.get(ExecutorKind.GUIDED)
        return guided.runbook() if isinstance(guided, GuidedExecutor) else None


def approve(plan: Plan, options: ApplyOptions, confirm: Callable[[Plan], bool]) -> None:
    """Approval is asked only when something changes, and only of a person at a terminal."""
    if options.auto_approve:
        return
    if not options.interactive:
        raise UsageError(
            "apply needs approval and stdin is not a terminal; review the plan and pass "
            "--auto-approve"
        )
    if not confirm(plan):
        raise ApplyCancelled("apply cancelled; nothing was changed")


async def apply_session(
    session: EnvironmentSession, options: ApplyOptions, confirm: Callable[[Plan], bool]
) -> ApplyResult:
    """Plan, confirm, execute, wait, verify: the whole `provision apply`, in a session that
    holds the state lock."""
    plan, live = await plan_live(session)
    changes: tuple[ResourceChange, ...] = plan.pending
    refused: tuple[str, ...] = ()
    if options.saved_plan is not None:
        changes, refused = select_saved(options.saved_plan, plan, session.desired.digest)
    if changes:
        approve(plan, options, confirm)
    assert session.lock_id is not None
    journal = Journal(journal_path_for(session.environment.ledger), session.lock_id)
    evaluator = PlanEvaluator(session, journal, options.continue_on_error)
    outcomes = await evaluator.run(changes, live)
    runbook = evaluator.runbook()
    if runbook is not None and options.wait_seconds > 0:
        await wait_for_guided(
            session,
            outcomes,
            journal,
            options.wait_seconds,
            options.poll_seconds,
            options.watcher,
            options.clock,
        )
        runbook = runbook.only({o.address for o in outcomes if o.outcome == Outcome.PENDING})
    final, live = await plan_live(session)
    snapshot_converged(session, final, live, "apply")
    return ApplyResult(plan, tuple(outcomes), runbook, final, refused)


def apply_plan(
    root: Path, env_name: str, options: ApplyOptions, confirm: Callable[[Plan], bool]
) -> ApplyResult:
    """`provision apply`: under the environment's lock, with the ledger read under it."""

    async def work(session: EnvironmentSession) -> ApplyResult:
        return await apply_session(session, options, confirm)

    return run_session(root, env_name, options.run, work, lock="apply")


async def attest_session(session: EnvironmentSession) -> list[str]:
    """Record the write-only fields of the session's resources as applied, after checking
    that everything Centra does show of them matches. Refuses (nothing recorded) otherwise."""
    plan, live = await plan_live(session)
    problems = []
    for change in plan.changes:
        off = [f.path for f in change.fields if f.observed and f.status != FieldStatus.UNCHANGED]
        if change.action == Action.CREATE and any(f.observed for f in change.fields):
            problems.append(f"{change.address}: does not exist in Centra")
        elif off:
            problems.append(f"{change.address}: Centra differs in {', '.join(off)}")
    if problems:
        raise AttestRefused("; ".join(problems) + "; nothing was recorded")
    by_address = {r.address: r for r in session.resources}
    for change in plan.changes:
        record_applied(session, change, by_address[change.address], "attest")
    ctx = ObserveContext(live, session.secrets, check_context(session.environment))
    record_snapshots(session.ledger, session.resources, ctx, "attest")
    session.ledger.save()
    return [c.address for c in plan.changes]


def attest_resources(
    root: Path, env_name: str, addresses: tuple[str, ...], url_override: str | None = None
) -> list[str]:
    """`provision attest`: the named resources, under the environment's lock."""
    options = RunOptions(url_override, addresses)
    return run_session(root, env_name, options, attest_session, lock="attest")
