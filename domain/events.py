"""The Order aggregate's events: immutable facts, named in the past tense.

Every class has an explicit, stable ``TOPIC`` so renaming or moving a Python
class never breaks stored history. Each event records ``to_state``, the state
it leaves the order in, so an audit shows exactly what every event changed.
``apply`` only assigns state: it runs again on every replay. An event never
changes a value the order holds in place (a dict, a list); it assigns a new one,
so an order can be copied cheaply and the copy changed alone (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate
from eventsourcing.utils import register_topic

from ordertrail.domain.states import State
from ordertrail.domain.vendors import DAILY_CAP_CODES
from ordertrail.domain.vocabulary import (
    AckOutcome,
    AttentionKind,
    Classification,
    HoldCause,
    Initiator,
    Source,
    Trouble,
)

if TYPE_CHECKING:
    from ordertrail.domain.order import Order


@dataclass(frozen=True)
class TroubleCount:
    """How often one trouble was seen on an order since it last went away."""

    count: int
    first_at: datetime
    last_at: datetime
    escalated: bool
    """A person was asked to look (the trouble passed its limit)."""
    detail: str
    retry_at: datetime | None
    """When to try again (None: not until a person acts)."""


class OrderEvent(Aggregate.Event):
    """Fields every order event carries (vendor-spec B.2)."""

    TOPIC: ClassVar[str]

    vendor: str
    source: Source
    occurred_at: datetime | None
    """The vendor's time, when the vendor gave one."""
    raw: Any
    """The verbatim vendor fragment, for audit."""
    dedupe_key: str | None
    to_state: str

    settles_submission = True
    """Whether this event ends an in-flight submission (most do)."""

    def apply(self, aggregate: Any) -> None:
        order: Order = aggregate
        order.state = State(self.to_state)
        if self.settles_submission:
            order.submission_in_flight = False
        self.evolve(order)
        if order.state is not State.REQUESTED:
            order.hold, order.hold_until = None, None  # only a requested order waits to go out
        if order.state.is_terminal and order.finished_at is None:
            order.finished_at = self.timestamp

    def evolve(self, order: Order) -> None:
        """Assign this event's facts to the order (override per event)."""


class OrderRequested(OrderEvent, Aggregate.Created):
    TOPIC = "ordertrail.order:OrderRequested"
    idempotency_key: str
    vendor_request: dict[str, Any]
    requested_by: str

    def evolve(self, order: Order) -> None:
        order.vendor = self.vendor
        order.idempotency_key = self.idempotency_key
        order.vendor_request = self.vendor_request
        order.requested_by = self.requested_by
        order.requested_at = self.timestamp
        order.reset_observations()


class SubmissionAttempted(OrderEvent):
    TOPIC = "ordertrail.order:SubmissionAttempted"
    settles_submission = False
    attempt: int
    channel: str
    transaction_id: str | None

    def evolve(self, order: Order) -> None:
        order.submission_attempts = self.attempt
        order.last_submission = (self.channel, self.transaction_id)
        order.submission_in_flight = True
        order.hold, order.hold_until = None, None


class SubmissionFailed(OrderEvent):
    TOPIC = "ordertrail.order:SubmissionFailed"
    attempt: int
    http_status: int | None
    vendor_code: str | None
    message: str | None
    classification: Classification
    retry_not_before: datetime | None

    def evolve(self, order: Order) -> None:
        # a str, as declared: the classification is its member, or its text from a command
        order.last_error = self.vendor_code or self.message or str(self.classification)
        order.retry_not_before = self.retry_not_before
        order.hold, order.hold_until = None, None
        order.flag(None)
        if self.classification == Classification.NEEDS_REAUTH:
            # Credentials are the connector's matter (B.1): the order waits for them.
            order.hold = HoldCause.CREDENTIALS
        elif self.vendor_code in DAILY_CAP_CODES:
            order.hold, order.hold_until = HoldCause.DAILY_CAP, self.retry_not_before
        elif self.classification in (Classification.NEEDS_HUMAN, Classification.TERMINAL):
            order.flag(AttentionKind.SUBMISSION_FAILED,
                       f"submission failed ({self.classification}): {order.last_error}")


class SubmissionOutcomeUnknown(OrderEvent):
    TOPIC = "ordertrail.order:SubmissionOutcomeUnknown"
    attempt: int
    http_status: int | None
    vendor_code: str | None
    reason: str

    def evolve(self, order: Order) -> None:
        order.last_error = self.reason
        order.flag(AttentionKind.SUBMISSION_UNCERTAIN,
                   f"submission outcome unknown ({self.reason}): reconcile before retry")


class PaymentAccepted(OrderEvent):
    TOPIC = "ordertrail.order:PaymentAccepted"
    settles_submission = False
    payment_method_id: int | None
    promotion_code: str | None
    amount: Decimal | None

    def evolve(self, order: Order) -> None:
        order.payment_accepted = True


class PaymentDeclined(OrderEvent):
    TOPIC = "ordertrail.order:PaymentDeclined"
    reason_code: str
    vendor_code: str | None
    http_status: int | None
    message: str | None

    def evolve(self, order: Order) -> None:
        order.last_error = self.reason_code
        order.flag(AttentionKind.PAYMENT_DECLINED, f"payment declined: {self.reason_code}")


class OrderResubmitted(OrderEvent):
    TOPIC = "ordertrail.order:OrderResubmitted"
    changes: dict[str, Any]

    def evolve(self, order: Order) -> None:
        order.vendor_request = {**order.vendor_request, **self.changes}
        order.flag(None)
        order.last_error = None
        order.hold, order.hold_until = None, None


class OrderPlaced(OrderEvent):
    """Version 2 added ``vendor_secondary_refs``; version 1 records lack it."""

    TOPIC = "ordertrail.order:OrderPlaced"
    class_version = 2
    vendor_ref: str
    vendor_ref_kind: str
    vendor_secondary_refs: dict[str, str]

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["vendor_secondary_refs"] = {}

    def evolve(self, order: Order) -> None:
        order.vendor_ref = self.vendor_ref
        order.vendor_ref_kind = self.vendor_ref_kind
        order.vendor_secondary_refs = dict(self.vendor_secondary_refs)
        order.placed_at = self.timestamp
        order.flag(None)


class OrderRejected(OrderEvent):
    TOPIC = "ordertrail.order:OrderRejected"
    reason_code: str
    vendor_code: str | None
    http_status: int | None
    message: str | None
    classification: Classification
    details: dict[str, Any] | None

    def evolve(self, order: Order) -> None:
        order.last_error = self.reason_code
        order.flag(None)
        if self.classification == Classification.NEEDS_HUMAN:
            order.flag(AttentionKind.REJECTED, f"rejected: {self.reason_code}")


class Acked(OrderEvent):
    TOPIC = "ordertrail.order:Acked"
    transaction_id: str
    outcome: AckOutcome
    reason: str | None
    acked_command: str

    def evolve(self, order: Order) -> None:
        order.acked_transactions = {**order.acked_transactions, self.transaction_id: self.outcome}
        if self.outcome in (AckOutcome.REFUSED, AckOutcome.UNKNOWN):
            order.flag(AttentionKind.ACK_PROBLEM, f"ack {self.outcome} for {self.acked_command}")


class StatusChanged(OrderEvent):
    TOPIC = "ordertrail.order:StatusChanged"
    raw_status: str
    normalized_status: str | None
    """The state the vendor's status maps to; None when the status is unknown."""
    previous_state: str
    anomaly: str | None

    def evolve(self, order: Order) -> None:
        order.last_raw_status = self.raw_status
        if order.state is State.DELIVERED and order.delivered_at is None:
            order.delivered_at = self.timestamp
        if self.anomaly is None and order.state is not State.WAITING_FOR_USER:
            # The vendor moved on, so what the order waited for is over. An anomaly (an unknown
            # or backwards status) proves nothing: whatever a person was asked stays asked.
            order.waiting = None
            order.flag(None)


class ProgressReported(OrderEvent):
    """Version 2 split the v1 ``progress`` pair into ``current`` and ``total``."""

    TOPIC = "ordertrail.order:ProgressReported"
    class_version = 2
    current: int
    total: int | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        current, total = state.pop("progress")
        state["current"] = current
        state["total"] = total

    def evolve(self, order: Order) -> None:
        order.progress_current = self.current
        order.progress_total = self.total
        if order.state is not State.WAITING_FOR_USER:
            order.waiting = None
            order.flag(None)


class WaitingForUser(OrderEvent):
    TOPIC = "ordertrail.order:WaitingForUser"
    kind: str
    prompt: str | None
    choices: list[dict[str, str]]

    def evolve(self, order: Order) -> None:
        order.waiting = {"kind": self.kind, "prompt": self.prompt, "choices": self.choices}
        order.flag(AttentionKind.WAITING_FOR_USER,
                   f"waiting for user ({self.kind}): {self.prompt or ''}".rstrip(": "))


class UserInputProvided(OrderEvent):
    TOPIC = "ordertrail.order:UserInputProvided"
    kind: str
    selection: Any

    def evolve(self, order: Order) -> None:
        order.user_input = self.selection
        order.flag(None)


class AmendmentSent(OrderEvent):
    TOPIC = "ordertrail.order:AmendmentSent"
    transaction_id: str
    field: str
    value: str


class ReturnedToVendor(OrderEvent):
    TOPIC = "ordertrail.order:ReturnedToVendor"
    reason: str
    transaction_id: str | None

    def evolve(self, order: Order) -> None:
        order.delivered_at = None


class ResultAvailable(OrderEvent):
    TOPIC = "ordertrail.order:ResultAvailable"
    result_ref: str
    name: str | None
    media_type: str | None
    size: int | None
    download_ref: str | None

    def evolve(self, order: Order) -> None:
        order.results_available = {
            **order.results_available,
            self.result_ref: {
                "name": self.name,
                "media_type": self.media_type,
                "size": self.size,
                "download_ref": self.download_ref,
            },
        }
        if order.delivered_at is None:
            order.delivered_at = self.timestamp
        order.waiting = None
        order.flag(None)


class ResultRetrieved(OrderEvent):
    TOPIC = "ordertrail.order:ResultRetrieved"
    result_ref: str
    file_name: str
    media_type: str
    size: int
    sha256: str

    def evolve(self, order: Order) -> None:
        order.results_retrieved = {**order.results_retrieved, self.result_ref: self.sha256}


class CancellationRequested(OrderEvent):
    """Asked of the vendor through ``transaction_id`` (a vendor with a cancel route), or,
    without one, of a person who cancels at the vendor by hand and then confirms (vendors with
    no cancel route)."""

    TOPIC = "ordertrail.order:CancellationRequested"
    settles_submission = False  # asking to cancel says nothing of whether the vendor created it
    initiator: Initiator
    reason: str | None
    transaction_id: str | None

    def evolve(self, order: Order) -> None:
        order.cancellation_pending = True
        if self.transaction_id is None and self.initiator in (Initiator.US, Initiator.USER):
            order.flag(AttentionKind.CANCEL_AT_VENDOR,
                       f"cancellation requested: {self.vendor} has no cancel route; cancel it "
                       "there, then confirm the cancellation")


class Cancelled(OrderEvent):
    TOPIC = "ordertrail.order:Cancelled"
    initiator: Initiator
    reason: str | None
    raw_status: str | None

    def evolve(self, order: Order) -> None:
        order.cancellation_pending = False
        order.flag(None)


class Failed(OrderEvent):
    TOPIC = "ordertrail.order:Failed"
    reason_code: str
    raw_status: str | None
    vendor_message: str | None
    classification: Classification

    def evolve(self, order: Order) -> None:
        order.last_error = self.reason_code
        if self.raw_status is not None:
            order.last_raw_status = self.raw_status
        order.flag(None)
        if self.classification == Classification.NEEDS_HUMAN:
            order.flag(AttentionKind.FAILED, f"failed: {self.reason_code}")


class SubmissionHeld(OrderEvent):
    """The order is not submitted now, though nothing is wrong with it (or, for an invalid
    request, a person must change it first); no vendor was called."""

    TOPIC = "ordertrail.order:SubmissionHeld"
    cause: HoldCause
    until: datetime | None
    reason: str

    def evolve(self, order: Order) -> None:
        order.hold, order.hold_until = self.cause, self.until
        if self.cause is HoldCause.INVALID_REQUEST:
            order.flag(AttentionKind.INVALID_REQUEST, f"request invalid: {self.reason}")


class HoldLifted(OrderEvent):
    """What held the order is gone (credentials work again, the circuit closed, a new day):
    the next attempt may go out."""

    TOPIC = "ordertrail.order:HoldLifted"
    cause: HoldCause
    reason: str

    def evolve(self, order: Order) -> None:
        order.hold, order.hold_until = None, None


class TroubleObserved(OrderEvent):
    """A vendor answer that, repeated past its limit, needs a person (``escalated``)."""

    TOPIC = "ordertrail.order:TroubleObserved"
    trouble: Trouble
    detail: str
    observed_at: datetime
    escalated: bool
    retry_at: datetime | None

    def evolve(self, order: Order) -> None:
        seen = order.troubles.get(self.trouble)
        order.troubles = {**order.troubles, self.trouble: TroubleCount(
            count=1 if seen is None else seen.count + 1,
            first_at=self.observed_at if seen is None else seen.first_at,
            last_at=self.observed_at,
            escalated=self.escalated or (seen is not None and seen.escalated),
            detail=self.detail,
            retry_at=self.retry_at,
        )}
        if self.escalated:
            order.flag(AttentionKind.of_trouble(self.trouble),
                       f"{self.trouble.replace('_', ' ')}: {self.detail}")


class TroubleCleared(OrderEvent):
    """The vendor answered normally again: the trouble's count starts over."""

    TOPIC = "ordertrail.order:TroubleCleared"
    trouble: Trouble

    def evolve(self, order: Order) -> None:
        order.troubles = {k: v for k, v in order.troubles.items() if k != self.trouble}
        if order.attention_kind is AttentionKind.of_trouble(self.trouble):
            order.flag(None)


class ReconciliationAmbiguous(OrderEvent):
    """Reconciliation found several vendor orders that may be ours: a person picks one."""

    TOPIC = "ordertrail.order:ReconciliationAmbiguous"
    candidates: list[str]

    def evolve(self, order: Order) -> None:
        order.flag(AttentionKind.AMBIGUOUS_RECONCILIATION,
                   f"reconciliation found {len(self.candidates)} {self.vendor} orders that may "
                   f"be this one: {', '.join(self.candidates)}")


class CostRecorded(OrderEvent):
    """What the order costs, as the vendor or our own request states it."""

    TOPIC = "ordertrail.order:CostRecorded"
    amount: Decimal
    currency: str | None
    basis: str
    """Where the amount comes from (e.g. ``line_items total``, ``payment``)."""

    def evolve(self, order: Order) -> None:
        order.amount, order.currency = self.amount, self.currency


ORDER_EVENT_CLASSES: tuple[type[OrderEvent], ...] = (
    OrderRequested,
    SubmissionAttempted,
    SubmissionFailed,
    SubmissionOutcomeUnknown,
    PaymentAccepted,
    PaymentDeclined,
    OrderResubmitted,
    OrderPlaced,
    OrderRejected,
    Acked,
    StatusChanged,
    ProgressReported,
    WaitingForUser,
    UserInputProvided,
    AmendmentSent,
    ReturnedToVendor,
    ResultAvailable,
    ResultRetrieved,
    CancellationRequested,
    Cancelled,
    Failed,
    SubmissionHeld,
    HoldLifted,
    TroubleObserved,
    TroubleCleared,
    ReconciliationAmbiguous,
    CostRecorded,
)

for _event_class in ORDER_EVENT_CLASSES:  # module-level classes: the library registers only nested
    register_topic(_event_class.TOPIC, _event_class)
