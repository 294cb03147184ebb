"""The words and numbers of `apply`: the --wait rows never overclaim (fields Centra shows are
verified, write-only fields are on your word, a resource Centra cannot show needs attest),
the summary counts each outcome, and the exit code says converged (0), guided steps
pending (3) or error (1)."""

from __future__ import annotations

import re

import pytest

from centra_provision.engine.apply import ApplyResult
from centra_provision.engine.wait import (
    ATTEST,
    VERIFIED,
    WAITING,
    WaitRow,
    plural,
    verified_words,
    wait_row,
)
from centra_provision.plans import FieldChange, Outcome, Plan, ResourceChange, StepOutcome


def test_plural() -> None:
    assert [plural(n, "field") for n in (0, 1, 2)] == ["0 fields", "1 field", "2 fields"]


@pytest.mark.parametrize(
    ("observed", "write_only", "words"),
    [
        (3, 17, "3 fields verified in live Centra; 17 write-only fields recorded on your word"),
        (1, 0, "1 field verified in live Centra"),
        (0, 1, "0 fields verified in live Centra; 1 write-only field recorded on your word"),
    ],
)
def test_verified_words(observed: int, write_only: int, words: str) -> None:
    assert verified_words(observed, write_only) == words


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (VERIFIED, "4 fields verified in live Centra; 1 write-only field recorded on your word"),
        (ATTEST, "Centra cannot show it; run `provision attest` once it is done"),
        (WAITING, "matching 2 of the 4 fields Centra shows"),
    ],
)
def test_row_describe(state: str, words: str) -> None:
    assert WaitRow("TaxGroup/GE Local VAT", state, 2, 4, 1, "12:00:00").describe() == words
    one = WaitRow("TaxGroup/GE Local VAT", WAITING, 0, 1, 0, "12:00:00")
    assert one.describe() == "matching 0 of the 1 field Centra shows"


FIELDS = (
    FieldChange("status", "ACTIVE", "ACTIVE", True, "unchanged"),
    FieldChange("rate", 20, 25, True, "changed"),
    FieldChange("code", "VAT", "VAT", True, "unchanged"),
    FieldChange("applyTaxPer", None, "item", False, "unknown"),
)


def _change(action: str, fields: tuple[FieldChange, ...] = FIELDS) -> ResourceChange:
    return ResourceChange("TaxGroup", "GE Local VAT", ("GE Local VAT",), action, "guided", fields)


def _numbers(row: WaitRow) -> tuple[str, str, int, int, int]:
    assert re.fullmatch(r"\d\d:\d\d:\d\d", row.checked)  # local time of the look
    return row.address, row.state, row.matching, row.observed, row.write_only


def test_wait_row_counts() -> None:
    address = "TaxGroup/GE Local VAT"
    assert _numbers(wait_row(address, _change("update"), WAITING)) == (address, WAITING, 2, 3, 1)
    # verified: every field Centra shows matches (that is what verified means)
    assert _numbers(wait_row(address, _change("update"), VERIFIED)) == (address, VERIFIED, 3, 3, 1)
    # a resource still to be created matches nothing, even where the values would agree
    assert _numbers(wait_row(address, _change("create"), WAITING)) == (address, WAITING, 0, 3, 1)
    # nothing Centra shows: only attest can vouch for it
    write_only = _change("update", (FIELDS[3], FIELDS[3]))
    assert _numbers(wait_row(address, write_only, WAITING)) == (address, ATTEST, 0, 0, 2)
    assert _numbers(wait_row(address, None, WAITING)) == (address, ATTEST, 0, 0, 0)
    assert _numbers(wait_row(address, None, VERIFIED)) == (address, VERIFIED, 0, 0, 0)


def _plan(*changes: ResourceChange) -> Plan:
    return Plan("qa-int", "https://c/graphql", "d", "t", changes)


def _result(
    outcomes: tuple[StepOutcome, ...], final: Plan, refused: tuple[str, ...] = ()
) -> ApplyResult:
    return ApplyResult(_plan(), outcomes, None, final, refused)


def _outcome(outcome: str, verified: int = 0, attested: int = 0) -> StepOutcome:
    return StepOutcome("TaxGroup/x", "update", "guided", outcome, "", (), verified, attested)


def test_summary_line_counts_each_outcome() -> None:
    outcomes = (
        _outcome(Outcome.DONE),
        *(_outcome(Outcome.FAILED),) * 2,
        *(_outcome(Outcome.PENDING),) * 3,
        *(_outcome(Outcome.SKIPPED),) * 4,
    )
    result = _result(outcomes, _plan(), ("a", "b", "c", "d", "e"))
    assert result.summary_line() == (
        "Apply: 1 done, 2 failed, 3 pending (guided), 4 skipped, 5 refused"
    )
    assert (result.count(Outcome.DONE), result.count(Outcome.SKIPPED), result.count("other")) == (
        1,
        4,
        0,
    )


def test_evidence_line_after_wait() -> None:
    assert (
        _result((_outcome(Outcome.DONE), _outcome(Outcome.PENDING)), _plan()).evidence_line()
        is None
    )
    assert _result(
        (_outcome(Outcome.DONE, 2), _outcome(Outcome.DONE, 1)), _plan()
    ).evidence_line() == ("3 fields verified in live Centra.")
    assert _result((_outcome(Outcome.DONE, 0, 2),), _plan()).evidence_line() == (
        "0 fields verified in live Centra; 2 write-only fields recorded on your word."
    )
    assert _result(
        (_outcome(Outcome.DONE, 1, 5), _outcome(Outcome.DONE, 0, 1)), _plan()
    ).evidence_line() == (
        "1 field verified in live Centra; 6 write-only fields recorded on your word."
    )


def _pending(executor: str, action: str = "update") -> ResourceChange:
    return ResourceChange("TaxGroup", executor + action, (), action, executor)


@pytest.mark.parametrize(
    ("outcomes", "final", "refused", "code"),
    [
        ((_outcome(Outcome.DONE),), (), (), 0),
        ((_outcome(Outcome.DONE),), (_pending("guided", "no-op"), _pending("api", "no-op")), (), 0),
        ((_outcome(Outcome.PENDING),), (_pending("guided"), _pending("guided", "create")), (), 3),
        ((_outcome(Outcome.DONE),), (_pending("guided"), _pending("api")), (), 1),
        ((_outcome(Outcome.DONE),), (_pending("backoffice"),), (), 1),
        ((_outcome(Outcome.DONE),), (_pending("api", "create"),), (), 1),
        ((_outcome(Outcome.FAILED),), (), (), 1),
        ((_outcome(Outcome.PENDING), _outcome(Outcome.FAILED)), (_pending("guided"),), (), 1),
        ((_outcome(Outcome.DONE),), (), ("TaxGroup/GE Local VAT",), 1),
        ((_outcome(Outcome.PENDING),), (_pending("guided"),), ("TaxGroup/GE Local VAT",), 1),
    ],
    ids=[
        "converged",
        "only-no-ops-left",
        "guided-pending",
        "api-change-left",
        "backoffice-change-left",
        "api-create-left",
        "failed",
        "failed-beats-guided",
        "refused",
        "refused-beats-guided",
    ],
)
def test_exit_code(
    outcomes: tuple[StepOutcome, ...],
    final: tuple[ResourceChange, ...],
    refused: tuple[str, ...],
    code: int,
) -> None:
    assert _result(outcomes, _plan(*final), refused).exit_code == code
