"""A reference model of orders and their commands, for the tests to compare the tracker with.

Written from the vendor spec (parts B.1 to B.4) and the README's lifecycle, in plain Python:
it imports nothing of ``domain/state_machine.py``, ``order.py`` or ``events.py``, only the
commands (its input) and the vocabularies' plain values. For each command it says whether the
tracker must record an event (and which, and where the order ends), see nothing new in it (a
re-observation), or refuse it; and what the order's references, progress, submission, hold,
troubles and attention are afterwards. Where the spec is silent (holds, troubles, costs and
ambiguous reconciliations, which it does not name) the model states the rule the README gives.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ordertrail.domain import commands as c

RECORDED, UNCHANGED, REFUSED = "recorded", "unchanged", "refused"

# The states of B.3, by what the spec says of them.
REQUESTED, UNCERTAIN, DECLINED = "REQUESTED", "SUBMISSION_UNCERTAIN", "PAYMENT_DECLINED"
PLACED, IN_PROGRESS, WAITING, DELIVERED = "PLACED", "IN_PROGRESS", "WAITING_FOR_USER", "DELIVERED"
COMPLETED, REJECTED, FAILED, CANCELLED = "COMPLETED", "REJECTED", "FAILED", "CANCELLED"
WORKING = (PLACED, IN_PROGRESS, WAITING)
"""Placed and not finished: the vendor works, asks or may fail."""
AFTER_PLACEMENT = (*WORKING, DELIVERED)
NON_TERMINAL = (REQUESTED, UNCERTAIN, DECLINED, *AFTER_PLACEMENT)
TERMINAL = (COMPLETED, REJECTED, FAILED, CANCELLED)

DAILY_CAP_CODES = ("daily_cap", "daily_cap_local")
"""B.4 Planviewer 429: a daily cap, retryable the next day (the hold waits for it)."""

SETTLING_EVENTS = frozenset({
    "SubmissionFailed", "SubmissionOutcomeUnknown", "PaymentDeclined", "OrderPlaced",
    "OrderRejected", "Acked", "Cancelled", "OrderResubmitted",
})
"""Events that carry an in-flight submission's outcome (or start over): after one of them
another attempt may go out (B.3 invariant 4: submission is at most once). A cancellation
*request*, a payment acceptance, a hold say nothing of whether the vendor created the order."""


class Refusal(Exception):
    """The model refuses a command: the reason, in words."""


@dataclass
class Trouble:
    count: int
    first_at: datetime
    escalated: bool


@dataclass
class ModelOrder:
    """One order as the model sees it: only what the spec lets a caller predict."""

    key: int
    vendor: str
    vendor_request: dict[str, Any]
    state: str = REQUESTED
    vendor_ref: str | None = None
    vendor_ref_kind: str | None = None
    secondary_refs: dict[str, str] = field(default_factory=dict)
    attempts: int = 0
    last_submission: tuple[str, str | None] | None = None
    in_flight: bool = False
    progress: tuple[int | None, int | None] = (None, None)
    waiting: dict[str, Any] | None = None
    results: set[str] = field(default_factory=set)
    retrieved: dict[str, str] = field(default_factory=dict)
    acks: dict[str, str] = field(default_factory=dict)
    cancellation_pending: bool = False
    attention: str | None = None
    hold: str | None = None
    hold_until: datetime | None = None
    troubles: dict[str, Trouble] = field(default_factory=dict)
    cost: tuple[Decimal | None, str | None] = (None, None)
    last_raw_status: str | None = None
    last_error: str | None = None

    @property
    def terminal(self) -> bool:
        return self.state not in NON_TERMINAL


@dataclass(frozen=True)
class Prediction:
    """What the model says of one command."""

    outcome: str
    event: str | None = None
    source: str | None = None
    target: str | None = None
    reason: str = ""


class OrdersModel:
    """Every order of a run, and the vendor references they claimed (B.3 invariant 3: a
    reference belongs to one order, whoever claims it and in whichever batch)."""

    def __init__(self) -> None:
        self.orders: dict[int, ModelOrder] = {}
        self.claims: dict[tuple[str, str], int] = {}

    def add(self, key: int, vendor: str, request: dict[str, Any]) -> ModelOrder:
        self.orders[key] = ModelOrder(key, vendor, dict(request))
        return self.orders[key]

    def run(self, key: int, command: c.Command) -> Prediction:
        """Apply ``command`` to order ``key``; the order changes only when it records."""
        order = self.orders[key]
        trial = copy.deepcopy(order)
        source = order.state
        try:
            event = _HANDLERS[type(command)](self, trial, command)
        except Refusal as refusal:
            return Prediction(REFUSED, source=source, reason=str(refusal))
        if event is None:
            return Prediction(UNCHANGED, source=source)
        self.orders[key] = trial
        if isinstance(command, c.Place):
            self.claims[order.vendor, command.vendor_ref] = key
        return Prediction(RECORDED, event, source, trial.state)


# ---------------------------------------------------------------------- recording
def _record(o: ModelOrder, event: str, to: str) -> str:
    """Move ``o`` to ``to``; what every event does whatever its kind."""
    o.state = to
    if event in SETTLING_EVENTS:
        o.in_flight = False
    if to != REQUESTED:
        o.hold, o.hold_until = None, None  # only an order not yet submitted waits to go out
    return event


def _allow(o: ModelOrder, command: str, states: tuple[str, ...]) -> None:
    if o.state not in states:
        raise Refusal(f"{command} is not allowed in {o.state}")


def _no_submission_in_flight(o: ModelOrder, command: str, transaction_id: str | None) -> None:
    """B.3 invariant 4; a re-offer of the same transaction (PPW's get_order after its
    get_all_orders) is the same submission, not a second one."""
    same_offer = transaction_id is not None and o.last_submission is not None \
        and o.last_submission[1] == transaction_id
    if o.in_flight and not same_offer:
        raise Refusal(f"{command}: a submission is in flight")


# ---------------------------------------------------------------------- submission
def _attempt(m: OrdersModel, o: ModelOrder, cmd: c.AttemptSubmission) -> str | None:
    if cmd.transaction_id is not None and o.last_submission == (cmd.channel, cmd.transaction_id):
        return None  # the same offer seen again
    _allow(o, "attempt", (REQUESTED,))
    _no_submission_in_flight(o, "attempt", cmd.transaction_id)
    o.attempts += 1
    o.last_submission = (cmd.channel, cmd.transaction_id)
    o.hold, o.hold_until = None, None
    _record(o, "SubmissionAttempted", REQUESTED)
    o.in_flight = True
    return "SubmissionAttempted"


def _fail_submission(m: OrdersModel, o: ModelOrder, cmd: c.FailSubmission) -> str | None:
    if o.state == UNCERTAIN and cmd.classification == "reconciled_not_created":
        to = REQUESTED  # reconciliation proved nothing was created
    else:
        _allow(o, "fail_submission", (REQUESTED,))
        to = REQUESTED
    _record(o, "SubmissionFailed", to)
    o.last_error = cmd.vendor_code or cmd.message or str(cmd.classification)
    o.attention, o.hold, o.hold_until = None, None, None
    if cmd.classification == "needs_reauth":
        o.hold = "credentials"  # B.1: auth failures are the connector's, the order waits
    elif cmd.vendor_code in DAILY_CAP_CODES:
        o.hold, o.hold_until = "daily_cap", cmd.retry_not_before
    elif cmd.classification in ("needs_human", "terminal"):
        o.attention = "SUBMISSION_FAILED"  # B.1: a task opens
    return "SubmissionFailed"


def _outcome_unknown(m: OrdersModel, o: ModelOrder, cmd: c.MarkOutcomeUnknown) -> str | None:
    if o.state == UNCERTAIN:
        return None
    _allow(o, "mark_outcome_unknown", (REQUESTED,))
    _record(o, "SubmissionOutcomeUnknown", UNCERTAIN)
    o.last_error = cmd.reason
    o.attention = "SUBMISSION_UNCERTAIN"
    return "SubmissionOutcomeUnknown"


def _accept_payment(m: OrdersModel, o: ModelOrder, cmd: c.AcceptPayment) -> str | None:
    _allow(o, "accept_payment", (REQUESTED,))
    return _record(o, "PaymentAccepted", REQUESTED)


def _decline_payment(m: OrdersModel, o: ModelOrder, cmd: c.DeclinePayment) -> str | None:
    _allow(o, "decline_payment", (REQUESTED,))
    _record(o, "PaymentDeclined", DECLINED)
    o.last_error = cmd.reason_code
    o.attention = "PAYMENT_DECLINED"
    return "PaymentDeclined"


def _resubmit(m: OrdersModel, o: ModelOrder, cmd: c.Resubmit) -> str | None:
    # B.3 lists PAYMENT_DECLINED; the README adds REQUESTED (a person fixed a needs_human
    # failure), never while a submission is in flight.
    _allow(o, "resubmit", (DECLINED, REQUESTED))
    if o.state == REQUESTED:
        _no_submission_in_flight(o, "resubmit", None)
    _record(o, "OrderResubmitted", REQUESTED)
    o.vendor_request = {**o.vendor_request, **cmd.changes}
    o.attention, o.last_error, o.hold, o.hold_until = None, None, None, None
    return "OrderResubmitted"


def _place(m: OrdersModel, o: ModelOrder, cmd: c.Place) -> str | None:
    if not cmd.vendor_ref:
        raise Refusal("place needs a vendor reference")
    if o.vendor_ref == cmd.vendor_ref:
        return None
    owner = m.claims.get((o.vendor, cmd.vendor_ref))
    if owner is not None and owner != o.key:
        raise Refusal(f"{cmd.vendor_ref} belongs to order {owner}")
    if o.vendor_ref is not None:
        raise Refusal("vendor_ref is write-once")
    _allow(o, "place", (REQUESTED, UNCERTAIN))
    _record(o, "OrderPlaced", PLACED)
    o.vendor_ref, o.vendor_ref_kind = cmd.vendor_ref, cmd.vendor_ref_kind
    o.secondary_refs = dict(cmd.secondary_refs)
    o.attention = None
    return "OrderPlaced"


def _reject(m: OrdersModel, o: ModelOrder, cmd: c.Reject) -> str | None:
    _allow(o, "reject", (REQUESTED, PLACED))  # PLACED: PPW's late "Rejected"
    _record(o, "OrderRejected", REJECTED)
    o.last_error = cmd.reason_code
    o.attention = "REJECTED" if cmd.classification == "needs_human" else None
    return "OrderRejected"


def _ack(m: OrdersModel, o: ModelOrder, cmd: c.RecordAck) -> str | None:
    if cmd.transaction_id in o.acks:
        return None  # B.3 invariant 2: PPW dedupes by transaction id
    # An ack answers a transaction we offered: the new order (REQUESTED) or later updates.
    _allow(o, "record_ack", (REQUESTED, *AFTER_PLACEMENT))
    _record(o, "Acked", o.state)
    o.acks = {**o.acks, cmd.transaction_id: str(cmd.outcome)}
    if cmd.outcome in ("refused", "unknown"):
        o.attention = "ACK_PROBLEM"
    return "Acked"


# ---------------------------------------------------------------------- after placement
STATUS_TARGETS = {
    PLACED: (IN_PROGRESS, DELIVERED, PLACED),
    IN_PROGRESS: (DELIVERED, IN_PROGRESS),
    WAITING: (IN_PROGRESS, DELIVERED, WAITING),
    DELIVERED: (COMPLETED, DELIVERED),
}
"""Where a vendor's status may move an order (B.3; WAITING comes by WaitingForUser, the
terminal failures by their own events)."""


def _change_status(m: OrdersModel, o: ModelOrder, cmd: c.ChangeStatus) -> str | None:
    targets = STATUS_TARGETS.get(o.state)
    if targets is None:
        if cmd.raw_status == o.last_raw_status:
            return None
        raise Refusal(f"no vendor status is polled in {o.state}")
    normalized = None if cmd.normalized is None else str(cmd.normalized)
    anomaly = normalized not in targets  # unknown, or backwards (B.3 invariant 1)
    to = o.state if anomaly else normalized
    assert to is not None
    if cmd.raw_status == o.last_raw_status and to == o.state:
        return None
    _record(o, "StatusChanged", to)
    o.last_raw_status = cmd.raw_status
    if not anomaly and to != WAITING:
        # The vendor moved on: what the order waited for is over. An anomaly proves nothing
        # (B.3: record it, alert, keep polling), so it leaves the attention as it was.
        o.waiting, o.attention = None, None
    return "StatusChanged"


def _progress(m: OrdersModel, o: ModelOrder, cmd: c.ReportProgress) -> str | None:
    if cmd.current < 0 or (cmd.total is not None and cmd.total < 0):
        raise Refusal("progress must not be negative")
    if (cmd.current, cmd.total) == o.progress:
        return None
    _allow(o, "report_progress", WORKING)
    to = PLACED if o.state == PLACED and cmd.current == 0 else IN_PROGRESS
    _record(o, "ProgressReported", to)
    o.progress = (cmd.current, cmd.total)
    o.waiting, o.attention = None, None
    return "ProgressReported"


def _wait(m: OrdersModel, o: ModelOrder, cmd: c.WaitForUser) -> str | None:
    waiting = {"kind": cmd.kind, "prompt": cmd.prompt, "choices": list(cmd.choices)}
    if o.state == WAITING and o.waiting == waiting:
        return None
    _allow(o, "wait_for_user", WORKING)
    _record(o, "WaitingForUser", WAITING)
    o.waiting, o.attention = waiting, "WAITING_FOR_USER"
    return "WaitingForUser"


def _user_input(m: OrdersModel, o: ModelOrder, cmd: c.ProvideUserInput) -> str | None:
    _allow(o, "provide_user_input", (WAITING,))
    _record(o, "UserInputProvided", WAITING)  # B.3: stays until the vendor reports otherwise
    o.attention = None  # the person answered
    return "UserInputProvided"


def _amend(m: OrdersModel, o: ModelOrder, cmd: c.SendAmendment) -> str | None:
    _allow(o, "send_amendment", AFTER_PLACEMENT)
    return _record(o, "AmendmentSent", o.state)


def _return(m: OrdersModel, o: ModelOrder, cmd: c.ReturnToVendor) -> str | None:
    _allow(o, "return_to_vendor", (DELIVERED,))
    return _record(o, "ReturnedToVendor", IN_PROGRESS)


def _announce(m: OrdersModel, o: ModelOrder, cmd: c.AnnounceResult) -> str | None:
    if cmd.result_ref in o.results:
        return None
    _allow(o, "announce_result", AFTER_PLACEMENT)
    _record(o, "ResultAvailable", DELIVERED)
    o.results = {*o.results, cmd.result_ref}
    o.waiting, o.attention = None, None
    return "ResultAvailable"


def _retrieved(m: OrdersModel, o: ModelOrder, cmd: c.RecordResultRetrieved) -> str | None:
    if o.retrieved.get(cmd.result_ref) == cmd.sha256:
        return None
    if cmd.result_ref not in o.results:
        raise Refusal(f"result {cmd.result_ref} was never announced")
    _allow(o, "record_result_retrieved", (DELIVERED, COMPLETED))
    o.retrieved = {**o.retrieved, cmd.result_ref: cmd.sha256}
    done = o.state == COMPLETED or o.results <= set(o.retrieved)
    return _record(o, "ResultRetrieved", COMPLETED if done else DELIVERED)


def _request_cancellation(m: OrdersModel, o: ModelOrder, cmd: c.RequestCancellation) -> str | None:
    if o.cancellation_pending:
        return None
    _allow(o, "request_cancellation", NON_TERMINAL)
    _record(o, "CancellationRequested", o.state)
    o.cancellation_pending = True
    if cmd.transaction_id is None and cmd.initiator in ("us", "user"):
        o.attention = "CANCEL_AT_VENDOR"  # no cancel route: a person cancels at the vendor
    return "CancellationRequested"


def _cancel(m: OrdersModel, o: ModelOrder, cmd: c.Cancel) -> str | None:
    if o.state == CANCELLED:
        return None
    human = cmd.source == "human"
    _allow(o, "cancel", (REQUESTED, DECLINED, *AFTER_PLACEMENT, *((UNCERTAIN,) if human else ())))
    _record(o, "Cancelled", CANCELLED)
    o.cancellation_pending, o.attention = False, None
    return "Cancelled"


def _fail(m: OrdersModel, o: ModelOrder, cmd: c.Fail) -> str | None:
    if o.state == FAILED:
        return None
    human = cmd.source == "human"
    _allow(o, "fail", (*WORKING, *((DELIVERED,) if human else ())))
    _record(o, "Failed", FAILED)
    o.last_error = cmd.reason_code
    if cmd.raw_status is not None:
        o.last_raw_status = cmd.raw_status
    o.attention = "FAILED" if cmd.classification == "needs_human" else None
    return "Failed"


# ---------------------------------------------------------------------- holds, troubles, costs
def _hold(m: OrdersModel, o: ModelOrder, cmd: c.HoldSubmission) -> str | None:
    if o.hold == cmd.cause and o.hold_until == cmd.until:
        return None
    _allow(o, "hold_submission", (REQUESTED,))
    _no_submission_in_flight(o, "hold_submission", None)
    _record(o, "SubmissionHeld", REQUESTED)
    o.hold, o.hold_until = str(cmd.cause), cmd.until
    if cmd.cause == "invalid_request":
        o.attention = "INVALID_REQUEST"
    return "SubmissionHeld"


def _lift(m: OrdersModel, o: ModelOrder, cmd: c.LiftHold) -> str | None:
    if o.hold is None:
        return None
    _allow(o, "lift_hold", (REQUESTED,))
    _record(o, "HoldLifted", REQUESTED)
    o.hold, o.hold_until = None, None
    return "HoldLifted"


def _observe(m: OrdersModel, o: ModelOrder, cmd: c.ObserveTrouble) -> str | None:
    _allow(o, "observe_trouble", AFTER_PLACEMENT)
    seen = o.troubles.get(cmd.trouble)
    count = 1 if seen is None else seen.count + 1
    first = cmd.now if seen is None else seen.first_at
    was = seen is not None and seen.escalated
    escalates = not was and count >= cmd.limit and cmd.now - first >= cmd.spread
    _record(o, "TroubleObserved", o.state)
    o.troubles = {**o.troubles, str(cmd.trouble): Trouble(count, first, was or escalates)}
    if escalates:
        o.attention = str(cmd.trouble).upper()
    return "TroubleObserved"


def _clear(m: OrdersModel, o: ModelOrder, cmd: c.ClearTrouble) -> str | None:
    if cmd.trouble not in o.troubles:
        return None
    _allow(o, "clear_trouble", AFTER_PLACEMENT)
    _record(o, "TroubleCleared", o.state)
    o.troubles = {k: v for k, v in o.troubles.items() if k != cmd.trouble}
    if o.attention == str(cmd.trouble).upper():
        o.attention = None
    return "TroubleCleared"


def _ambiguous(m: OrdersModel, o: ModelOrder, cmd: c.NoteAmbiguousReconciliation) -> str | None:
    if o.attention == "AMBIGUOUS_RECONCILIATION":
        return None
    _allow(o, "note_ambiguous_reconciliation", (UNCERTAIN,))
    _record(o, "ReconciliationAmbiguous", UNCERTAIN)
    o.attention = "AMBIGUOUS_RECONCILIATION"
    return "ReconciliationAmbiguous"


def _cost(m: OrdersModel, o: ModelOrder, cmd: c.RecordCost) -> str | None:
    if cmd.amount < 0:
        raise Refusal("a cost must not be negative")
    if o.cost == (cmd.amount, cmd.currency):
        return None
    _allow(o, "record_cost", AFTER_PLACEMENT)
    _record(o, "CostRecorded", o.state)
    o.cost = (cmd.amount, cmd.currency)
    return "CostRecorded"


_HANDLERS: dict[type[c.Command], Any] = {
    c.AttemptSubmission: _attempt,
    c.FailSubmission: _fail_submission,
    c.MarkOutcomeUnknown: _outcome_unknown,
    c.AcceptPayment: _accept_payment,
    c.DeclinePayment: _decline_payment,
    c.Resubmit: _resubmit,
    c.Place: _place,
    c.Reject: _reject,
    c.RecordAck: _ack,
    c.ChangeStatus: _change_status,
    c.ReportProgress: _progress,
    c.WaitForUser: _wait,
    c.ProvideUserInput: _user_input,
    c.SendAmendment: _amend,
    c.ReturnToVendor: _return,
    c.AnnounceResult: _announce,
    c.RecordResultRetrieved: _retrieved,
    c.RequestCancellation: _request_cancellation,
    c.Cancel: _cancel,
    c.Fail: _fail,
    c.HoldSubmission: _hold,
    c.LiftHold: _lift,
    c.ObserveTrouble: _observe,
    c.ClearTrouble: _clear,
    c.NoteAmbiguousReconciliation: _ambiguous,
    c.RecordCost: _cost,
}
"""One handler per order command: a command the model does not know fails loudly."""

MODEL_COMMANDS = frozenset(_HANDLERS)
