"""Desired vs live, per field, with the ledger for what Centra cannot show.

Observed fields are compared through deepdiff, all of one resource at once: the desired and
the live values become two trees keyed by the manifest's paths (keyed lists by key, never by
position), sets compared without order, numbers by value (see engine/paths.py); each field
whose subtree deepdiff reports is changed. Write-only fields compare fingerprints with the
ledger's record of what was last applied; with no record they are "unknown" and planned.
Nothing the manifests do not declare is ever planned for deletion; `state: absent` is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from centra_provision.engine.paths import Segments, differing, parse, put
from centra_provision.plans import Action, ExecutorKind, FieldChange, FieldStatus, ResourceChange
from centra_provision.resources import Resource
from centra_provision.resources.base import FieldState, Observation
from centra_provision.resources.live import fingerprint
from centra_provision.state.ledger import Ledger

NEVER_APPLIED = "never applied by this tool"


def _compared(state: FieldState) -> bool:
    """Fields deepdiff compares: what Centra shows and we know; secrets are compared apart,
    so no secret ever enters a diff structure."""
    return state.observed and state.unavailable is None and not state.sensitive


def observed_differences(states: Iterable[FieldState]) -> set[str]:
    """Paths of the observed fields whose live value differs from the desired one."""
    desired: dict[str, Any] = {}
    live: dict[str, Any] = {}
    fields: dict[Segments, str] = {}
    for state in states:
        if _compared(state):
            segments = parse(state.path)
            fields[segments] = state.path
            put(desired, segments, state.desired)
            put(live, segments, state.live)
    changed = set()
    for segments in differing(desired, live):
        while segments and segments not in fields:
            segments = segments[:-1]
        if segments:
            changed.add(fields[segments])
    return changed


def _shown(state: FieldState, ledger: Ledger) -> Any:
    """What a plan may show of a desired value: secrets only as fingerprints."""
    if state.sensitive:
        return ledger.fingerprint(state.desired, True) if state.desired is not None else None
    return state.desired


def field_change(
    res: Resource, state: FieldState, ledger: Ledger, exists: bool | None, differs: bool
) -> FieldChange:
    """One field's change; `differs` is the deepdiff verdict for observed fields."""
    after = _shown(state, ledger)
    if exists is False:
        return FieldChange(
            state.path,
            None,
            after,
            state.observed,
            FieldStatus.CHANGED,
            state.sensitive,
            note=state.unavailable,
            unresolved=state.unavailable,
        )
    if state.observed and state.unavailable is None:
        same = state.desired == state.live if state.sensitive else not differs
        before = ("(set)" if state.live is not None else None) if state.sensitive else state.live
        if state.sensitive and not same:
            before = "(differs)"
        return FieldChange(
            state.path,
            before,
            after,
            True,
            FieldStatus.UNCHANGED if same else FieldStatus.CHANGED,
            state.sensitive,
        )
    record = ledger.record(res.address, state.path)
    if state.unavailable is not None:
        return FieldChange(
            state.path,
            None,
            None,
            state.observed,
            FieldStatus.UNKNOWN,
            state.sensitive,
            record["at"] if record else None,
            note=state.unavailable,
            unresolved=state.unavailable,
        )
    if record is None:
        return FieldChange(
            state.path, None, after, False, FieldStatus.UNKNOWN, state.sensitive, note=NEVER_APPLIED
        )
    same = ledger.matches(record, state.desired)
    return FieldChange(
        state.path,
        None if same else "(differs from last applied)",
        after,
        False,
        FieldStatus.UNCHANGED if same else FieldStatus.CHANGED,
        state.sensitive,
        record["at"],
    )


def resource_change(
    res: Resource, observation: Observation, ledger: Ledger, executor: ExecutorKind
) -> ResourceChange:
    exists = observation.exists
    live_fp = fingerprint(observation.entry)
    live_id = observation.entry.get("id") if isinstance(observation.entry, dict) else None
    if exists is None and not ledger.has(res.address):
        exists = False  # never observed and never applied: plan it as new
    if res.state == "absent":
        deleted = exists or (exists is None and ledger.has(res.address))
        action = Action.DELETE if deleted else Action.NOOP
        return ResourceChange(
            res.kind, res.name, res.identity, action, executor, (), live_fp, live_id
        )
    changed = observed_differences(observation.fields) if exists is not False else set()
    fields = tuple(
        field_change(res, s, ledger, exists, s.path in changed) for s in observation.fields
    )
    if exists is False:
        action = Action.CREATE
    else:
        changed_any = any(f.status != FieldStatus.UNCHANGED for f in fields)
        action = Action.UPDATE if changed_any else Action.NOOP
    return ResourceChange(
        res.kind, res.name, res.identity, action, executor, fields, live_fp, live_id
    )
