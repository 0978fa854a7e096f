"""Given events, when a command, then events: every order command on the aggregate in memory,
with no store and no tracker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from ordertrail.domain import commands as c
from ordertrail.domain.events import OrderEvent
from ordertrail.domain.order import Order
from ordertrail.domain.states import State
from ordertrail.domain.vocabulary import HoldCause, Trouble

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
Given = Callable[[UUID], list[c.Command]]


def requested(o: UUID) -> list[c.Command]:
    return []


def in_flight(o: UUID) -> list[c.Command]:
    return [c.AttemptSubmission(order_id=o, channel="orders")]


def offered(o: UUID) -> list[c.Command]:
    return [c.AttemptSubmission(order_id=o, channel="ppw:get_all_orders", transaction_id="t1")]


def uncertain(o: UUID) -> list[c.Command]:
    return [*in_flight(o), c.MarkOutcomeUnknown(order_id=o, reason="timeout")]


def declined(o: UUID) -> list[c.Command]:
    return [c.DeclinePayment(order_id=o, reason_code="declined")]


def held(o: UUID) -> list[c.Command]:
    return [c.HoldSubmission(order_id=o, cause=HoldCause.CIRCUIT, reason="circuit open")]


def placed(o: UUID) -> list[c.Command]:
    return [c.Place(order_id=o, vendor_ref="job-1", vendor_ref_kind="ivcap.order_id")]


def waiting(o: UUID) -> list[c.Command]:
    return [*placed(o), c.WaitForUser(order_id=o, kind="location_choice", prompt="which?")]


def delivered(o: UUID) -> list[c.Command]:
    return [*placed(o), c.AnnounceResult(order_id=o, result_ref="p1")]


def troubled(o: UUID) -> list[c.Command]:
    return [*placed(o), c.ObserveTrouble(order_id=o, trouble=Trouble.ORDER_NOT_FOUND,
                                         detail="404", limit=1, spread=timedelta(0), now=T0)]


CASES: list[tuple[Given, Callable[[UUID], c.Command], str, State, dict[str, Any]]] = [
    (requested, lambda o: c.AttemptSubmission(order_id=o, channel="orders", transaction_id="t1"),
     "SubmissionAttempted", State.REQUESTED, {"attempt": 1, "transaction_id": "t1"}),
    (in_flight, lambda o: c.FailSubmission(order_id=o, classification="retryable"),
     "SubmissionFailed", State.REQUESTED, {"attempt": 1, "classification": "retryable"}),
    (in_flight, lambda o: c.MarkOutcomeUnknown(order_id=o, reason="timeout"),
     "SubmissionOutcomeUnknown", State.SUBMISSION_UNCERTAIN, {"reason": "timeout"}),
    (requested, lambda o: c.AcceptPayment(order_id=o, payment_method_id=7),
     "PaymentAccepted", State.REQUESTED, {"payment_method_id": 7}),
    (requested, lambda o: c.DeclinePayment(order_id=o, reason_code="card_expired"),
     "PaymentDeclined", State.PAYMENT_DECLINED, {"reason_code": "card_expired"}),
    (declined, lambda o: c.Resubmit(order_id=o, changes={"payment_method_id": 9}),
     "OrderResubmitted", State.REQUESTED, {"changes": {"payment_method_id": 9}}),
    (uncertain, lambda o: c.Place(order_id=o, vendor_ref="job-1", vendor_ref_kind="k"),
     "OrderPlaced", State.PLACED, {"vendor_ref": "job-1"}),
    (placed, lambda o: c.Reject(order_id=o, reason_code="vendor_rejected"),
     "OrderRejected", State.REJECTED, {"reason_code": "vendor_rejected"}),
    (in_flight, lambda o: c.RecordAck(order_id=o, transaction_id="t1", outcome="imported"),
     "Acked", State.REQUESTED, {"transaction_id": "t1", "outcome": "imported"}),
    (placed, lambda o: c.ChangeStatus(order_id=o, raw_status="executing",
                                      normalized=State.IN_PROGRESS),
     "StatusChanged", State.IN_PROGRESS, {"previous_state": "PLACED", "anomaly": None}),
    (placed, lambda o: c.ReportProgress(order_id=o, current=1, total=4),
     "ProgressReported", State.IN_PROGRESS, {"current": 1, "total": 4}),
    (placed, lambda o: c.WaitForUser(order_id=o, kind="follow_up", prompt="call us"),
     "WaitingForUser", State.WAITING_FOR_USER, {"kind": "follow_up", "prompt": "call us"}),
    (waiting, lambda o: c.ProvideUserInput(order_id=o, kind="location_choice", selection=[1]),
     "UserInputProvided", State.WAITING_FOR_USER, {"selection": [1]}),
    (placed, lambda o: c.SendAmendment(order_id=o, transaction_id="t2", field="city", value="X"),
     "AmendmentSent", State.PLACED, {"field": "city", "value": "X"}),
    (delivered, lambda o: c.ReturnToVendor(order_id=o, reason="photos missing"),
     "ReturnedToVendor", State.IN_PROGRESS, {"reason": "photos missing"}),
    (waiting, lambda o: c.AnnounceResult(order_id=o, result_ref="p1"),
     "ResultAvailable", State.DELIVERED, {"result_ref": "p1"}),
    (delivered, lambda o: c.RecordResultRetrieved(order_id=o, result_ref="p1", file_name="a",
                                                  media_type="x", size=1, sha256="aa"),
     "ResultRetrieved", State.COMPLETED, {"result_ref": "p1", "sha256": "aa"}),
    (in_flight, lambda o: c.RequestCancellation(order_id=o, initiator="user"),
     "CancellationRequested", State.REQUESTED, {"initiator": "user"}),
    (uncertain, lambda o: c.Cancel(order_id=o, initiator="user", source="human"),
     "Cancelled", State.CANCELLED, {"initiator": "user"}),
    (delivered, lambda o: c.Fail(order_id=o, reason_code="download_404", source="human"),
     "Failed", State.FAILED, {"reason_code": "download_404"}),
    (requested, lambda o: c.HoldSubmission(order_id=o, cause=HoldCause.DAILY_CAP, reason="cap",
                                           until=T0),
     "SubmissionHeld", State.REQUESTED, {"cause": "daily_cap", "until": T0}),
    (held, lambda o: c.LiftHold(order_id=o, reason="circuit closed"),
     "HoldLifted", State.REQUESTED, {"cause": "circuit"}),
    (placed, lambda o: c.ObserveTrouble(order_id=o, trouble=Trouble.ORDER_NOT_FOUND, detail="404",
                                        limit=2, spread=timedelta(0), now=T0),
     "TroubleObserved", State.PLACED, {"escalated": False, "trouble": "order_not_found"}),
    (troubled, lambda o: c.ClearTrouble(order_id=o, trouble=Trouble.ORDER_NOT_FOUND),
     "TroubleCleared", State.PLACED, {"trouble": "order_not_found"}),
    (uncertain, lambda o: c.NoteAmbiguousReconciliation(order_id=o, candidates=["b", "a"]),
     "ReconciliationAmbiguous", State.SUBMISSION_UNCERTAIN, {"candidates": ["a", "b"]}),
    (placed, lambda o: c.RecordCost(order_id=o, amount=Decimal("12.50"), currency="EUR",
                                    basis="payment"),
     "CostRecorded", State.PLACED, {"amount": Decimal("12.50"), "currency": "EUR"}),
]


def given(events_of: Given) -> tuple[UUID, Order]:
    """An order rebuilt from the events ``events_of``'s commands record (the given events)."""
    oid = uuid4()
    order = Order.request(oid, "ivcap", "k", {"service_id": "urn:s"}, "test")
    for command in events_of(oid):
        assert command.run(order), command
    order_now: Any = None
    for event in order.collect_events():
        order_now = event.mutate(order_now)
    return oid, order_now


@pytest.mark.parametrize(("events_of", "when", "event", "state", "fields"), CASES,
                         ids=[case[2] for case in CASES])
def test_given_events_when_a_command_then_one_event(
    events_of: Given, when: Callable[[UUID], c.Command], event: str, state: State,
    fields: dict[str, Any],
) -> None:
    oid, order = given(events_of)
    assert when(oid).run(order)
    (recorded,) = order.collect_events()
    assert isinstance(recorded, OrderEvent)
    assert (type(recorded).__name__, recorded.to_state) == (event, state.value)
    assert {name: getattr(recorded, name) for name in fields} == fields
    assert order.state is state


def test_every_order_command_has_a_given_when_then_case() -> None:
    commands = {cls for cls in vars(c).values()
                if isinstance(cls, type) and issubclass(cls, c.Command) and cls is not c.Command}
    covered = {type(when(uuid4())) for _, when, *_ in CASES}
    assert commands == covered


@pytest.mark.parametrize(("events_of", "again"), [
    (offered, lambda o: c.AttemptSubmission(order_id=o, channel="ppw:get_all_orders",
                                            transaction_id="t1")),
    (placed, lambda o: c.Place(order_id=o, vendor_ref="job-1", vendor_ref_kind="k")),
    (delivered, lambda o: c.AnnounceResult(order_id=o, result_ref="p1")),
    (uncertain, lambda o: c.MarkOutcomeUnknown(order_id=o, reason="timeout")),
    (waiting, lambda o: c.WaitForUser(order_id=o, kind="location_choice", prompt="which?")),
    (troubled, lambda o: c.ChangeStatus(order_id=o, raw_status="x", normalized=None)),
], ids=["attempt", "place", "announce", "unknown", "wait", "status"])
def test_given_events_when_a_command_seen_before_then_no_event(
    events_of: Given, again: Callable[[UUID], c.Command],
) -> None:
    oid, order = given(events_of)
    command = again(oid)
    if isinstance(command, c.ChangeStatus):  # the same unknown status twice
        assert command.run(order)
        order.collect_events()
    assert not command.run(order)
    assert order.collect_events() == []
