"""Commands the lifecycle refuses: each says, in one line, which order, in which state, refused
what and why, and records nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from ordertrail.domain import commands as c
from ordertrail.domain.errors import (
    DomainError,
    InvalidCommandError,
    TransitionRefused,
    VendorReferenceConflictError,
)
from ordertrail.domain.states import State
from ordertrail.domain.tracker import Tracker

Steps = Callable[[UUID], list[c.Command]]


def placed(oid: UUID) -> list[c.Command]:
    return [c.Place(order_id=oid, vendor_ref=f"job-{oid}", vendor_ref_kind="ivcap.order_id")]


def delivered(oid: UUID) -> list[c.Command]:
    return [*placed(oid), c.AnnounceResult(order_id=oid, result_ref="p1")]


def uncertain(oid: UUID) -> list[c.Command]:
    return [c.AttemptSubmission(order_id=oid, channel="orders"),
            c.MarkOutcomeUnknown(order_id=oid, reason="timeout")]


CASES: list[tuple[str, Steps, Callable[[UUID], c.Command], type[DomainError], str]] = [
    ("a second submission while one is in flight",
     lambda o: [c.AttemptSubmission(order_id=o, channel="orders")],
     lambda o: c.AttemptSubmission(order_id=o, channel="orders"),
     TransitionRefused, "in state REQUESTED refuses attempt_submission"),
    ("a hold while a submission is in flight",
     lambda o: [c.AttemptSubmission(order_id=o, channel="orders")],
     lambda o: c.HoldSubmission(order_id=o, cause="circuit", reason="circuit open"),
     TransitionRefused, "in state REQUESTED refuses hold_submission"),
    ("a retry of an uncertain submission that reconciliation did not clear",
     uncertain,
     lambda o: c.FailSubmission(order_id=o, classification="retryable"),
     TransitionRefused,
     "in state SUBMISSION_UNCERTAIN refuses fail_submission (classification=retryable)"),
    ("a cancellation of an uncertain submission by anyone but a person",
     uncertain,
     lambda o: c.Cancel(order_id=o, initiator="us", source="reconciliation"),
     TransitionRefused, "in state SUBMISSION_UNCERTAIN refuses cancel (source=reconciliation)"),
    ("a second vendor reference",
     placed,
     lambda o: c.Place(order_id=o, vendor_ref="other", vendor_ref_kind="ivcap.order_id"),
     TransitionRefused, "refuses place (vendor_ref is write-once: has job-"),
    ("an empty vendor reference",
     lambda o: [],
     lambda o: c.Place(order_id=o, vendor_ref="", vendor_ref_kind="ivcap.order_id"),
     InvalidCommandError, "place needs a non-empty vendor_ref"),
    ("a vendor status before the order is placed",
     lambda o: [],
     lambda o: c.ChangeStatus(order_id=o, raw_status="executing", normalized=State.IN_PROGRESS),
     TransitionRefused, "in state REQUESTED refuses change_status('executing')"),
    ("negative progress",
     placed,
     lambda o: c.ReportProgress(order_id=o, current=-1, total=None),
     InvalidCommandError, "progress must not be negative (got -1/None)"),
    ("a download of a result never announced",
     delivered,
     lambda o: c.RecordResultRetrieved(order_id=o, result_ref="p9", file_name="f",
                                       media_type="x", size=1, sha256="aa"),
     InvalidCommandError, "record_result_retrieved for result 'p9', which was never announced"),
    ("a delivered order failed by a poll, not a person",
     delivered,
     lambda o: c.Fail(order_id=o, reason_code="vendor_error", source="poll"),
     TransitionRefused, "in state DELIVERED refuses fail (source=poll)"),
    ("a resubmission of a placed order",
     placed,
     lambda o: c.Resubmit(order_id=o, changes={"x": 1}),
     TransitionRefused, "in state PLACED refuses resubmit"),
    ("a return to the vendor of work not delivered",
     placed,
     lambda o: c.ReturnToVendor(order_id=o, reason="photos missing"),
     TransitionRefused, "in state PLACED refuses return_to_vendor"),
    ("a result of a cancelled order",
     lambda o: [c.Cancel(order_id=o, initiator="us")],
     lambda o: c.AnnounceResult(order_id=o, result_ref="p1"),
     TransitionRefused, "in state CANCELLED refuses announce_result"),
    ("a negative cost",
     placed,
     lambda o: c.RecordCost(order_id=o, amount=Decimal("-1"), currency="EUR", basis="x"),
     InvalidCommandError, "a cost must not be negative (-1)"),
]


@pytest.mark.parametrize(("steps", "command", "error", "says"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_refused_command_says_why_in_one_line_and_records_nothing(
    tracker: Tracker, steps: Steps, command: Callable[[UUID], c.Command],
    error: type[DomainError], says: str,
) -> None:
    oid = tracker.request_order("ivcap", {"service_id": "urn:s"}, f"k-{uuid4()}")
    for step in steps(oid):
        assert tracker.run(step)
    before = tracker.get_order(oid)
    with pytest.raises(error) as refused:
        tracker.run(command(oid))
    message = str(refused.value)
    assert f"order {oid}" in message and says in message and "\n" not in message, message
    assert tracker.get_order(oid) == before


def test_a_reference_another_order_holds_is_refused_naming_both_orders(tracker: Tracker) -> None:
    owner = tracker.request_order("ivcap", {"service_id": "urn:s"}, f"a-{uuid4()}")
    claimant = tracker.request_order("ivcap", {"service_id": "urn:s"}, f"b-{uuid4()}")
    ref = f"job-{uuid4()}"
    tracker.run(c.Place(order_id=owner, vendor_ref=ref, vendor_ref_kind="ivcap.order_id"))
    with pytest.raises(VendorReferenceConflictError) as refused:
        tracker.run(c.Place(order_id=claimant, vendor_ref=ref, vendor_ref_kind="ivcap.order_id"))
    assert str(refused.value) == (f"ivcap reference {ref!r} already belongs to order {owner}; "
                                  f"order {claimant} cannot claim it")
    assert [e.type for e in tracker.history(claimant)] == ["OrderRequested"]


def test_a_refused_command_in_a_batch_leaves_the_others_recorded(tracker: Tracker) -> None:
    oid = tracker.request_order("ivcap", {"service_id": "urn:s"}, f"k-{uuid4()}")
    outcomes = tracker.execute([
        c.ChangeStatus(order_id=oid, raw_status="executing", normalized=State.IN_PROGRESS),
        *placed(oid),
    ])
    assert isinstance(outcomes[0].error, TransitionRefused) and not outcomes[0].recorded
    assert outcomes[1].recorded and outcomes[1].error is None
    assert tracker.get_order(oid).state is State.PLACED
