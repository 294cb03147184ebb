"""Executing a plan (sqlmesh's PlanEvaluator): run each change with its executor, record
what Centra cannot show in the ledger, journal every step, then plan again and report
whether live Centra converged.

Exit codes: 0 converged, 1 error or failed step, 3 guided steps pending.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from centra_provision.centra.client import RetryPolicy
from centra_provision.centra.connect import Connection, open_centra
from centra_provision.centra.ratelimit import DEFAULT_SHARE
from centra_provision.engine.planner import PlanSession, load_ledger, prepare
from centra_provision.engine.wait import (
    VERIFIED,
    WAITING,
    WaitRow,
    WaitWatcher,
    verified_words,
    wait_row,
)
from centra_provision.errors import (
    EXIT_ERROR,
    EXIT_GUIDED_PENDING,
    EXIT_OK,
    ProvisionError,
    UsageError,
)
from centra_provision.executors.api import ApiExecutor
from centra_provision.executors.guided import GuidedExecutor, Runbook, RunbookStep
from centra_provision.manifest.desired import check_context
from centra_provision.plans import (
    Action,
    ExecutorKind,
    FieldStatus,
    Outcome,
    Plan,
    ResourceChange,
    StepOutcome,
    planfile,
)
from centra_provision.resources import KINDS, Resource
from centra_provision.resources.base import ObserveContext
from centra_provision.resources.live import LiveState
from centra_provision.resources.steps import StepContext
from centra_provision.state.journal import Journal, journal_path_for
from centra_provision.state.ledger import Ledger
from centra_provision.state.lock import state_lock
from centra_provision.state.snapshot import record_snapshots

if TYPE_CHECKING:
    from centra_provision.executors.backoffice import BackofficeExecutor


class ApplyCancelled(ProvisionError):
    """The person at the prompt said no."""


class StalePlanError(ProvisionError):
    """A saved plan no longer matches the manifests."""


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
            return (
                EXIT_GUIDED_PENDING
                if all(c.executor == ExecutorKind.GUIDED for c in self.final.pending)
                else EXIT_ERROR
            )
        return EXIT_OK


def record_applied(
    ledger: Ledger,
    change: ResourceChange,
    res: Resource,
    session: PlanSession,
    source: str,
    live: LiveState | None = None,
) -> None:
    """Remember every field Centra cannot show (and the probe-only URI and secret).

    With `live` (what --wait just read), each field's source says how it is known:
    `wait:observed` when live Centra proved it (the Order API probe answers for the URI and
    the secret), `wait:attested` when it is recorded on the word of the person who did the
    step, because Centra cannot show it."""
    if change.action == Action.DELETE:
        ledger.forget(res.address)
        return
    ctx = ObserveContext(
        live or LiveState(), session.secrets, check_context(session.desired.environment)
    )
    for state in KINDS[res.kind].observe(res, ctx).fields:
        if (not state.observed or state.sensitive or state.path == "uri") and (
            state.desired is not None
        ):
            how = source
            if live is not None:
                how = f"{source}:{'observed' if state.observed else 'attested'}"
            ledger.remember(res.address, state.path, state.desired, how, state.sensitive)


class PlanEvaluator:
    """Runs one plan's pending changes against one open connection."""

    def __init__(self, session: PlanSession, journal: Journal, options: ApplyOptions) -> None:
        self.session = session
        self.journal = journal
        self.options = options
        env = session.desired.environment
        self.guided = GuidedExecutor(
            StepContext(
                env.name,
                env.globale_env,
                env.merchant_id,
                env.centra_domain,
                env.token_env,
                {
                    path: getattr(value, "source", "the secret")
                    for (_, path), value in session.secrets.items()
                },
            )
        )
        self.by_address = {r.address: r for r in session.resources}

    def _backoffice(self) -> BackofficeExecutor:
        from centra_provision.executors.backoffice import BackofficeExecutor

        emulator = self.session.conn.emulator
        if emulator is None:
            raise UsageError("executor 'backoffice' needs the embedded emulator")
        return BackofficeExecutor(
            emulator.backoffice,
            self.session.secrets,
            check_context(self.session.desired.environment),
        )

    async def run(
        self, changes: tuple[ResourceChange, ...], live: LiveState
    ) -> tuple[list[StepOutcome], list[RunbookStep]]:
        outcomes: list[StepOutcome] = []
        steps: list[RunbookStep] = []
        failed = False
        for change in changes:
            res = self.by_address[change.address]
            if failed and not self.options.continue_on_error:
                outcomes.append(
                    StepOutcome(
                        change.address,
                        change.action,
                        change.executor,
                        Outcome.SKIPPED,
                        "an earlier step failed",
                    )
                )
                continue
            missing = [f.unresolved for f in change.fields if f.unresolved]
            if missing and change.executor == ExecutorKind.GUIDED:
                outcomes.append(
                    StepOutcome(
                        change.address,
                        change.action,
                        ExecutorKind.GUIDED,
                        Outcome.FAILED,
                        f"refused: the step needs a secret that is unknown ({'; '.join(missing)})",
                    )
                )
                failed = True
                continue
            if change.executor == ExecutorKind.GUIDED:
                steps.append(self.guided.step(change, res))
                outcomes.append(
                    StepOutcome(change.address, change.action, ExecutorKind.GUIDED, Outcome.PENDING)
                )
                continue
            self.journal.write(
                address=change.address,
                action=change.action,
                executor=change.executor,
                phase="begin",
            )
            if change.executor == ExecutorKind.API:
                outcome = await self._api().run(change, res, live)
            else:
                outcome = self._backoffice().run(change, res)
            if outcome.outcome == Outcome.DONE:
                record_applied(self.session.ledger, change, res, self.session, change.executor)
                self.session.ledger.save()
                if change.executor == ExecutorKind.API:
                    _, live = await self.session.plan()  # later steps may name what it made
            failed = failed or outcome.outcome == Outcome.FAILED
            self.journal.write(
                address=change.address,
                action=change.action,
                executor=change.executor,
                phase="end",
                outcome=outcome.outcome,
                message=outcome.message,
                warnings=list(outcome.warnings),
            )
            outcomes.append(outcome)
        return outcomes, steps

    def _api(self) -> ApiExecutor:
        assert self.session.caps is not None
        return ApiExecutor(self.session.conn.client, self.session.caps, self.session.plan)


def _stale(saved: Plan, fresh: Plan) -> tuple[str, ...]:
    now = {c.address: c.live_fingerprint for c in fresh.changes}
    return tuple(
        c.address
        for c in saved.pending
        if c.address in now and now[c.address] != c.live_fingerprint
    )


def _check_binding(saved: Plan, fresh: Plan) -> None:
    """A saved plan runs only against the environment, Centra and ledger version it was
    made with."""
    if saved.environment != fresh.environment:
        raise StalePlanError(f"the saved plan is for {saved.environment}, not {fresh.environment}")
    if saved.centra_url != fresh.centra_url:
        raise StalePlanError(
            f"the saved plan was made against {saved.centra_url}, but this run talks to "
            f"{fresh.centra_url}; nothing was applied"
        )
    old, new = saved.ledger, fresh.ledger
    if old is None or new is None or not _same_place(old.location, new.location):
        raise StalePlanError(
            f"the saved plan was made with ledger {old.location if old else '(none)'}, not "
            f"{new.location if new else '(none)'}; nothing was applied"
        )
    if old.ledger_id != new.ledger_id or old.serial != new.serial:
        raise StalePlanError(
            f"the ledger {new.location} changed since the plan was saved (version "
            f"{old.serial}, now {new.serial}); plan again"
        )


def _same_place(saved: str, fresh: str) -> bool:
    """A local ledger is one file however its folder was named (relative, absolute, through a
    symlink); a shared one is its URL."""
    if "://" in saved or "://" in fresh:
        return saved == fresh
    return Path(saved).resolve() == Path(fresh).resolve()


def _select_saved(
    saved: Plan, fresh: Plan, digest: str
) -> tuple[tuple[ResourceChange, ...], tuple[str, ...]]:
    """The fresh plan's changes that the saved plan approved, minus stale resources. Every
    other approved change must be exactly what the fresh plan makes: a plan file edited to
    add or alter a change is refused whole, so editing can only ever lose changes."""
    _check_binding(saved, fresh)
    if saved.manifest_digest != digest:
        raise StalePlanError("the manifests changed since the plan was saved; plan again")
    refused = _stale(saved, fresh)
    now = {c.address: c for c in fresh.pending}
    approved = [c for c in saved.pending if c.address not in refused]
    differ = [
        c.address
        for c in approved
        if c.address not in now or planfile.canonical(now[c.address]) != planfile.canonical(c)
    ]
    if differ:
        raise StalePlanError(
            f"the saved plan's changes to {', '.join(differ)} are not what a fresh plan makes "
            "(was the plan file edited?); nothing was applied; plan again"
        )
    names = {c.address for c in approved}
    return tuple(c for c in fresh.pending if c.address in names), refused


async def _wait_for_guided(
    session: PlanSession, outcomes: list[StepOutcome], options: ApplyOptions, journal: Journal
) -> None:
    """Poll live Centra until every observed field of the guided changes converged; record
    those resources in the ledger as they do. Resources Centra cannot show at all (tokens)
    stay pending: only `provision attest` may vouch for them. The watcher, if any, hears
    how every guided resource stands after each look."""
    deadline = time.monotonic() + options.wait_seconds
    verified: dict[str, WaitRow] = {}
    while True:
        plan, live = await session.plan()
        by_address = {c.address: c for c in plan.changes}
        rows = []
        for i, outcome in enumerate(outcomes):
            change = by_address.get(outcome.address)
            if outcome.executor != ExecutorKind.GUIDED or outcome.outcome not in (
                Outcome.PENDING,
                Outcome.DONE,
            ):
                continue
            if outcome.outcome == Outcome.DONE or change is None:
                if outcome.address in verified:
                    rows.append(verified[outcome.address])
                continue
            observed = [f for f in change.fields if f.observed]
            if (
                observed
                and change.action != Action.CREATE
                and all(f.status == FieldStatus.UNCHANGED for f in observed)
            ):
                res = next(r for r in session.resources if r.address == outcome.address)
                record_applied(session.ledger, change, res, session, "wait", live)
                session.ledger.save()
                journal.write(
                    address=outcome.address,
                    action=outcome.action,
                    executor=ExecutorKind.GUIDED,
                    phase="verified",
                )
                row = wait_row(outcome.address, change, VERIFIED)
                verified[outcome.address] = row
                outcomes[i] = StepOutcome(
                    outcome.address,
                    outcome.action,
                    ExecutorKind.GUIDED,
                    Outcome.DONE,
                    row.describe(),
                    verified=row.observed,
                    attested=row.write_only,
                )
                rows.append(row)
            else:
                rows.append(wait_row(outcome.address, change, WAITING))
        if options.watcher is not None:
            options.watcher.update(rows)
        if not any(
            o.outcome == Outcome.PENDING
            for o in outcomes
            if o.address in by_address and any(f.observed for f in by_address[o.address].fields)
        ):
            return
        if time.monotonic() >= deadline:
            return
        await asyncio.sleep(min(options.poll_seconds, max(0.0, deadline - time.monotonic())))


def _snapshot_converged(session: PlanSession, plan: Plan, live: LiveState, source: str) -> None:
    """Keep what Centra shows of every resource that now matches the manifests, for drift's
    changes outside the manifests."""
    converged = {c.address for c in plan.changes if c.action == Action.NOOP}
    ctx = ObserveContext(live, session.secrets, check_context(session.desired.environment))
    resources = [r for r in session.resources if r.address in converged]
    if record_snapshots(session.ledger, resources, ctx, source):
        session.ledger.save()


def apply_environment(
    root: Path, env_name: str, options: ApplyOptions, confirm: Callable[[Plan], bool]
) -> ApplyResult:
    """Plan, confirm, execute, verify: the whole `provision apply`."""
    desired, resources, _, resolved = prepare(root, env_name, options.targets, options.url_override)
    env = desired.environment
    repo_root = root.resolve().parent

    async def run(conn: Connection, lock_id: str) -> ApplyResult:
        ledger = load_ledger(env, options.url_override)  # read again, under the lock
        session = PlanSession(desired, resources, ledger, resolved, repo_root, conn)
        plan, live = await session.plan()
        changes: tuple[ResourceChange, ...] = plan.pending
        refused: tuple[str, ...] = ()
        if options.saved_plan is not None:
            changes, refused = _select_saved(options.saved_plan, plan, desired.digest)
        if changes and not options.auto_approve:
            if not options.interactive:
                raise UsageError(
                    "apply needs approval and stdin is not a terminal; review "
                    "the plan and pass --auto-approve"
                )
            if not confirm(plan):
                raise ApplyCancelled("apply cancelled; nothing was changed")
        journal = Journal(journal_path_for(env.ledger), lock_id)
        evaluator = PlanEvaluator(session, journal, options)
        outcomes, steps = await evaluator.run(changes, live)
        runbook = (
            Runbook(env.name, env.globale_env, env.merchant_id, env.centra_domain, tuple(steps))
            if steps
            else None
        )
        if steps and options.wait_seconds > 0:
            await _wait_for_guided(session, outcomes, options, journal)
            if runbook is not None:
                runbook = runbook.only(
                    {o.address for o in outcomes if o.outcome == Outcome.PENDING}
                )
        final, live = await session.plan()
        _snapshot_converged(session, final, live, "apply")
        return ApplyResult(plan, tuple(outcomes), runbook, final, refused)

    async def main() -> ApplyResult:
        with state_lock(env.ledger_location, env_name) as lock_id:
            async with open_centra(
                env, repo_root, options.url_override, options.retry, options.rate_share
            ) as conn:
                return await run(conn, lock_id)

    return asyncio.run(main())


def attest_resources(
    root: Path, env_name: str, addresses: tuple[str, ...], url_override: str | None = None
) -> list[str]:
    """Record the write-only fields of these resources as applied, after checking that
    everything Centra does show of them matches. Refuses (nothing recorded) otherwise."""
    desired, resources, _, resolved = prepare(root, env_name, addresses, url_override)
    env = desired.environment
    repo_root = root.resolve().parent

    async def run() -> list[str]:
        with state_lock(env.ledger_location, env_name, "attest"):
            ledger = load_ledger(env, url_override)
            async with open_centra(env, repo_root, url_override) as conn:
                session = PlanSession(desired, resources, ledger, resolved, repo_root, conn)
                plan, live = await session.plan()
            problems = []
            for change in plan.changes:
                off = [
                    f.path
                    for f in change.fields
                    if f.observed and f.status != FieldStatus.UNCHANGED
                ]
                if change.action == Action.CREATE and any(f.observed for f in change.fields):
                    problems.append(f"{change.address}: does not exist in Centra")
                elif off:
                    problems.append(f"{change.address}: Centra differs in {', '.join(off)}")
            if problems:
                raise AttestRefused("; ".join(problems) + "; nothing was recorded")
            for change in plan.changes:
                res = next(r for r in resources if r.address == change.address)
                record_applied(ledger, change, res, session, "attest")
            ctx = ObserveContext(live, session.secrets, check_context(env))
            record_snapshots(ledger, resources, ctx, "attest")
            ledger.save()
            return [c.address for c in plan.changes]

    return asyncio.run(run())


class AttestRefused(ProvisionError):
    """Centra shows something that does not match: attesting would record a lie."""
