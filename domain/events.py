"""The Order aggregate's events: immutable facts, named in the past tense.

Every class has an explicit, stable ``TOPIC`` so renaming or moving a Python
class never breaks stored history. Each event records ``to_state``, the state
it leaves the order in, so an audit shows exactly what every event changed.
``apply`` only assigns state: it runs again on every replay.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate
from eventsourcing.utils import resolve_topic

from ordertrail.domain.state_machine import State

if TYPE_CHECKING:
    from ordertrail.domain.order import Order


class OrderEvent(Aggregate.Event):
    """Fields every order event carries (vendor-spec B.2)."""

    TOPIC: ClassVar[str]

    vendor: str
    source: str
    """command | poll | push | ack | reconciliation | human"""
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
        order.state = State.of(self.to_state)
        if self.settles_submission:
            order.submission_in_flight = False
        self.evolve(order)
        if order.state.is_terminal and order.finished_at is None:
            order.finished_at = self.timestamp

    def evolve(self, order: Order) -> None:
        """Assign this event's facts to the order (override per event)."""


class OrderRequested(OrderEvent, Aggregate.Created):
    TOPIC = "ordertrail.order:OrderRequested"
    idempotency_key: str
    vendor_request: dict[str, Any]
    requested_by: str

    def mutate(self, aggregate: Any) -> Any:
        """A new order from this event: the library's ``Created.mutate`` without its search of
        the event's fields for constructor arguments, since an order has no ``__init__`` of its
        own (``ordertrail.domain.order`` checks that when it loads). A third of a creation's cost."""
        assert aggregate is None
        order_class = resolve_topic(self.originator_topic)
        order = order_class.__new__(order_class)
        order.__base_init__(self.originator_id, self.originator_version, self.timestamp)
        self.apply(order)
        return order

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


class SubmissionFailed(OrderEvent):
    TOPIC = "ordertrail.order:SubmissionFailed"
    attempt: int
    http_status: int | None
    vendor_code: str | None
    message: str | None
    classification: str
    """retryable | needs_reauth | needs_human | terminal | reconciled_not_created"""
    retry_not_before: datetime | None

    def evolve(self, order: Order) -> None:
        order.last_error = self.vendor_code or self.message or self.classification
        order.retry_not_before = self.retry_not_before
        order.attention = (
            f"submission failed ({self.classification}): {order.last_error}"
            if self.classification in ("needs_human", "needs_reauth", "terminal")
            else None
        )


class SubmissionOutcomeUnknown(OrderEvent):
    TOPIC = "ordertrail.order:SubmissionOutcomeUnknown"
    attempt: int
    http_status: int | None
    vendor_code: str | None
    reason: str

    def evolve(self, order: Order) -> None:
        order.last_error = self.reason
        order.attention = f"submission outcome unknown ({self.reason}): reconcile before retry"


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
        order.attention = f"payment declined: {self.reason_code}"


class OrderResubmitted(OrderEvent):
    TOPIC = "ordertrail.order:OrderResubmitted"
    changes: dict[str, Any]

    def evolve(self, order: Order) -> None:
        order.vendor_request = {**order.vendor_request, **self.changes}
        order.attention = None
        order.last_error = None


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
        order.attention = None


class OrderRejected(OrderEvent):
    TOPIC = "ordertrail.order:OrderRejected"
    reason_code: str
    vendor_code: str | None
    http_status: int | None
    message: str | None
    classification: str
    details: dict[str, Any] | None

    def evolve(self, order: Order) -> None:
        order.last_error = self.reason_code
        order.attention = (
            f"rejected: {self.reason_code}" if self.classification == "needs_human" else None
        )


class Acked(OrderEvent):
    TOPIC = "ordertrail.order:Acked"
    transaction_id: str
    outcome: str
    """imported | duplicate | refused | unknown"""
    reason: str | None
    acked_command: str

    def evolve(self, order: Order) -> None:
        order.acked_transactions = {**order.acked_transactions, self.transaction_id: self.outcome}
        if self.outcome in ("refused", "unknown"):
            order.attention = f"ack {self.outcome} for {self.acked_command}"


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
        if order.state is not State.WAITING_FOR_USER:
            order.waiting = None
            order.attention = None


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
            order.attention = None


class WaitingForUser(OrderEvent):
    TOPIC = "ordertrail.order:WaitingForUser"
    kind: str
    prompt: str | None
    choices: list[dict[str, str]]

    def evolve(self, order: Order) -> None:
        order.waiting = {"kind": self.kind, "prompt": self.prompt, "choices": self.choices}
        order.attention = f"waiting for user ({self.kind}): {self.prompt or ''}".rstrip(": ")


class UserInputProvided(OrderEvent):
    TOPIC = "ordertrail.order:UserInputProvided"
    kind: str
    selection: Any

    def evolve(self, order: Order) -> None:
        order.user_input = self.selection
        order.attention = None


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
        order.attention = None


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
    TOPIC = "ordertrail.order:CancellationRequested"
    initiator: str
    reason: str | None
    transaction_id: str | None

    def evolve(self, order: Order) -> None:
        order.cancellation_pending = True


class Cancelled(OrderEvent):
    TOPIC = "ordertrail.order:Cancelled"
    initiator: str
    reason: str | None
    raw_status: str | None

    def evolve(self, order: Order) -> None:
        order.cancellation_pending = False
        order.attention = None


class Failed(OrderEvent):
    TOPIC = "ordertrail.order:Failed"
    reason_code: str
    raw_status: str | None
    vendor_message: str | None
    classification: str

    def evolve(self, order: Order) -> None:
        order.last_error = self.reason_code
        if self.raw_status is not None:
            order.last_raw_status = self.raw_status
        order.attention = (
            f"failed: {self.reason_code}" if self.classification == "needs_human" else None
        )


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
)
