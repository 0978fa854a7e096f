"""Commands: one small frozen value per thing that can happen to an order.

Vendor adapters translate what a vendor said into a list of these; the tracker
executes any number of them, for many orders, in one store transaction.
Each command knows which Order method it calls; nothing else dispatches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ordertrail.domain.order import Meta
from ordertrail.domain.state_machine import State

if TYPE_CHECKING:
    from ordertrail.domain.order import Order


@dataclass(frozen=True, kw_only=True)
class Command:
    order_id: UUID
    source: str = "command"
    occurred_at: datetime | None = None
    raw: Any = None
    dedupe_key: str | None = None

    def meta(self) -> Meta:
        return Meta(self.source, self.occurred_at, self.raw, self.dedupe_key)

    def run(self, order: Order) -> bool:  # pragma: no cover - every subclass overrides
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class AttemptSubmission(Command):
    channel: str
    transaction_id: str | None = None
    counts_toward_day: date | None = None
    """The vendor-local day whose submission count (daily cap) this attempt uses."""

    def run(self, order: Order) -> bool:
        return order.attempt_submission(self.channel, self.transaction_id, self.meta())


@dataclass(frozen=True, kw_only=True)
class FailSubmission(Command):
    classification: str
    http_status: int | None = None
    vendor_code: str | None = None
    message: str | None = None
    retry_not_before: datetime | None = None

    def run(self, order: Order) -> bool:
        return order.fail_submission(
            self.classification, http_status=self.http_status, vendor_code=self.vendor_code,
            message=self.message, retry_not_before=self.retry_not_before, meta=self.meta(),
        )


@dataclass(frozen=True, kw_only=True)
class MarkOutcomeUnknown(Command):
    reason: str
    http_status: int | None = None
    vendor_code: str | None = None

    def run(self, order: Order) -> bool:
        return order.mark_outcome_unknown(
            self.reason, http_status=self.http_status, vendor_code=self.vendor_code,
            meta=self.meta(),
        )


@dataclass(frozen=True, kw_only=True)
class AcceptPayment(Command):
    payment_method_id: int | None = None
    promotion_code: str | None = None
    amount: Decimal | None = None

    def run(self, order: Order) -> bool:
        return order.accept_payment(
            payment_method_id=self.payment_method_id, promotion_code=self.promotion_code,
            amount=self.amount, meta=self.meta(),
        )


@dataclass(frozen=True, kw_only=True)
class DeclinePayment(Command):
    reason_code: str
    vendor_code: str | None = None
    http_status: int | None = None
    message: str | None = None

    def run(self, order: Order) -> bool:
        return order.decline_payment(
            self.reason_code, vendor_code=self.vendor_code, http_status=self.http_status,
            message=self.message, meta=self.meta(),
        )


@dataclass(frozen=True, kw_only=True)
class Resubmit(Command):
    changes: dict[str, Any] = field(default_factory=dict)

    def run(self, order: Order) -> bool:
        return order.resubmit(self.changes, self.meta())


@dataclass(frozen=True, kw_only=True)
class Place(Command):
    vendor_ref: str
    vendor_ref_kind: str
    secondary_refs: dict[str, str] = field(default_factory=dict)

    def run(self, order: Order) -> bool:
        return order.place(self.vendor_ref, self.vendor_ref_kind, self.secondary_refs, self.meta())


@dataclass(frozen=True, kw_only=True)
class Reject(Command):
    reason_code: str
    classification: str = "terminal"
    vendor_code: str | None = None
    http_status: int | None = None
    message: str | None = None
    details: dict[str, Any] | None = None

    def run(self, order: Order) -> bool:
        return order.reject(
            self.reason_code, self.classification, vendor_code=self.vendor_code,
            http_status=self.http_status, message=self.message, details=self.details,
            meta=self.meta(),
        )


@dataclass(frozen=True, kw_only=True)
class RecordAck(Command):
    transaction_id: str
    outcome: str
    acked_command: str = "new"
    reason: str | None = None

    def run(self, order: Order) -> bool:
        return order.record_ack(
            self.transaction_id, self.outcome, self.acked_command, self.reason, self.meta()
        )


@dataclass(frozen=True, kw_only=True)
class ChangeStatus(Command):
    raw_status: str
    normalized: State | None

    def run(self, order: Order) -> bool:
        return order.change_status(self.raw_status, self.normalized, self.meta())


@dataclass(frozen=True, kw_only=True)
class ReportProgress(Command):
    current: int
    total: int | None

    def run(self, order: Order) -> bool:
        return order.report_progress(self.current, self.total, self.meta())


@dataclass(frozen=True, kw_only=True)
class WaitForUser(Command):
    kind: str
    prompt: str | None = None
    choices: list[dict[str, str]] = field(default_factory=list)

    def run(self, order: Order) -> bool:
        return order.wait_for_user(self.kind, self.prompt, self.choices, self.meta())


@dataclass(frozen=True, kw_only=True)
class ProvideUserInput(Command):
    kind: str
    selection: Any

    def run(self, order: Order) -> bool:
        return order.provide_user_input(self.kind, self.selection, self.meta())


@dataclass(frozen=True, kw_only=True)
class SendAmendment(Command):
    transaction_id: str
    field: str
    value: str

    def run(self, order: Order) -> bool:
        return order.send_amendment(self.transaction_id, self.field, self.value, self.meta())


@dataclass(frozen=True, kw_only=True)
class ReturnToVendor(Command):
    reason: str
    transaction_id: str | None = None

    def run(self, order: Order) -> bool:
        return order.return_to_vendor(self.reason, self.transaction_id, self.meta())


@dataclass(frozen=True, kw_only=True)
class AnnounceResult(Command):
    result_ref: str
    name: str | None = None
    media_type: str | None = None
    size: int | None = None
    download_ref: str | None = None

    def run(self, order: Order) -> bool:
        return order.announce_result(
            self.result_ref, name=self.name, media_type=self.media_type, size=self.size,
            download_ref=self.download_ref, meta=self.meta(),
        )


@dataclass(frozen=True, kw_only=True)
class RecordResultRetrieved(Command):
    result_ref: str
    file_name: str
    media_type: str
    size: int
    sha256: str

    def run(self, order: Order) -> bool:
        return order.record_result_retrieved(
            self.result_ref, self.file_name, self.media_type, self.size, self.sha256, self.meta()
        )


@dataclass(frozen=True, kw_only=True)
class RequestCancellation(Command):
    initiator: str
    reason: str | None = None
    transaction_id: str | None = None

    def run(self, order: Order) -> bool:
        return order.request_cancellation(
            self.initiator, self.reason, self.transaction_id, self.meta()
        )


@dataclass(frozen=True, kw_only=True)
class Cancel(Command):
    initiator: str
    reason: str | None = None
    raw_status: str | None = None

    def run(self, order: Order) -> bool:
        return order.cancel(self.initiator, self.reason, self.raw_status, self.meta())


@dataclass(frozen=True, kw_only=True)
class Fail(Command):
    reason_code: str
    classification: str = "terminal"
    raw_status: str | None = None
    vendor_message: str | None = None

    def run(self, order: Order) -> bool:
        return order.fail(
            self.reason_code, self.classification, raw_status=self.raw_status,
            vendor_message=self.vendor_message, meta=self.meta(),
        )
