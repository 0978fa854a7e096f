"""Commands: one small frozen value per thing that can happen to an order.

Vendor adapters translate what a vendor said into a list of these; the tracker
executes any number of them, for many orders, in one store transaction.
Each command knows which Order method it calls; nothing else dispatches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ordertrail.domain.connector import Connector
from ordertrail.domain.order import Meta
from ordertrail.domain.state_machine import State
from ordertrail.domain.vendors import DEFAULT_ACCOUNT
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


@dataclass(frozen=True, kw_only=True)
class Command:
    order_id: UUID
    source: Source = Source.COMMAND
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
    classification: Classification
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
    classification: Classification = Classification.TERMINAL
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
    outcome: AckOutcome
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
    initiator: Initiator
    reason: str | None = None
    transaction_id: str | None = None

    def run(self, order: Order) -> bool:
        return order.request_cancellation(
            self.initiator, self.reason, self.transaction_id, self.meta()
        )


@dataclass(frozen=True, kw_only=True)
class Cancel(Command):
    initiator: Initiator
    reason: str | None = None
    raw_status: str | None = None

    def run(self, order: Order) -> bool:
        return order.cancel(self.initiator, self.reason, self.raw_status, self.meta())


@dataclass(frozen=True, kw_only=True)
class Fail(Command):
    reason_code: str
    classification: Classification = Classification.TERMINAL
    raw_status: str | None = None
    vendor_message: str | None = None

    def run(self, order: Order) -> bool:
        return order.fail(
            self.reason_code, self.classification, raw_status=self.raw_status,
            vendor_message=self.vendor_message, meta=self.meta(),
        )


@dataclass(frozen=True, kw_only=True)
class HoldSubmission(Command):
    cause: HoldCause
    reason: str
    until: datetime | None = None

    def run(self, order: Order) -> bool:
        return order.hold_submission(self.cause, self.reason, self.until, self.meta())


@dataclass(frozen=True, kw_only=True)
class LiftHold(Command):
    reason: str

    def run(self, order: Order) -> bool:
        return order.lift_hold(self.reason, self.meta())


@dataclass(frozen=True, kw_only=True)
class ObserveTrouble(Command):
    """One more sighting of ``trouble``; a person's task after ``limit`` over ``spread``."""

    trouble: Trouble
    detail: str
    limit: int
    spread: timedelta
    now: datetime

    def run(self, order: Order) -> bool:
        return order.observe_trouble(self.trouble, self.detail, limit=self.limit,
                                     spread=self.spread, now=self.now, meta=self.meta())


@dataclass(frozen=True, kw_only=True)
class ClearTrouble(Command):
    trouble: Trouble

    def run(self, order: Order) -> bool:
        return order.clear_trouble(self.trouble, self.meta())


@dataclass(frozen=True, kw_only=True)
class NoteAmbiguousReconciliation(Command):
    candidates: list[str]

    def run(self, order: Order) -> bool:
        return order.note_ambiguous_reconciliation(self.candidates, self.meta())


@dataclass(frozen=True, kw_only=True)
class RecordCost(Command):
    amount: Decimal
    currency: str | None = None
    basis: str

    def run(self, order: Order) -> bool:
        return order.record_cost(self.amount, self.currency, self.basis, self.meta())


# ---------------------------------------------------------------------- the connector
@dataclass(frozen=True, kw_only=True)
class ConnectorCommand:
    """Something true of a vendor account as a whole; runs on its ``Connector``."""

    vendor: str
    account: str = DEFAULT_ACCOUNT

    def run(self, connector: Connector) -> bool:
        """Run on ``connector``; whether it recorded an event."""
        before = len(connector.pending_events)
        self.apply(connector)
        return len(connector.pending_events) > before

    def apply(self, connector: Connector) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class RefuseCredentials(ConnectorCommand):
    operation: str
    http_status: int | None = None
    message: str
    at: datetime

    def apply(self, connector: Connector) -> None:
        connector.refuse_credentials(self.operation, self.http_status, self.message, self.at)


@dataclass(frozen=True, kw_only=True)
class RestoreCredentials(ConnectorCommand):
    by: Source
    operation: str

    def apply(self, connector: Connector) -> None:
        connector.restore_credentials(self.by, self.operation)


@dataclass(frozen=True, kw_only=True)
class OpenCircuit(ConnectorCommand):
    cause: str
    http_status: int | None = None
    message: str
    at: datetime

    def apply(self, connector: Connector) -> None:
        connector.open_circuit(self.cause, self.http_status, self.message, self.at)


@dataclass(frozen=True, kw_only=True)
class CloseCircuit(ConnectorCommand):
    by: Source
    reason: str

    def apply(self, connector: Connector) -> None:
        connector.close_circuit(self.by, self.reason)


@dataclass(frozen=True, kw_only=True)
class ReachDailyCap(ConnectorCommand):
    day: date
    until: datetime
    message: str
    at: datetime

    def apply(self, connector: Connector) -> None:
        connector.reach_daily_cap(self.day.isoformat(), self.until, self.message, self.at)


@dataclass(frozen=True, kw_only=True)
class LiftDailyCap(ConnectorCommand):
    by: Source
    reason: str

    def apply(self, connector: Connector) -> None:
        connector.lift_daily_cap(self.by, self.reason)


@dataclass(frozen=True, kw_only=True)
class NoteSuccess(ConnectorCommand):
    operation: str
    at: datetime

    def apply(self, connector: Connector) -> None:
        connector.note_success(self.operation, self.at)


@dataclass(frozen=True, kw_only=True)
class SeeUnknownStatus(ConnectorCommand):
    raw_status: str
    order_id: UUID
    at: datetime

    def apply(self, connector: Connector) -> None:
        connector.see_unknown_status(self.raw_status, self.order_id, self.at)


@dataclass(frozen=True, kw_only=True)
class DismissNotice(ConnectorCommand):
    kind: AttentionKind
    ref: str = ""
    by: Source = Source.HUMAN

    def apply(self, connector: Connector) -> None:
        connector.dismiss(self.kind, self.ref, self.by)


@dataclass(frozen=True, kw_only=True)
class MissConfiguration(ConnectorCommand):
    reason: str
    at: datetime

    def apply(self, connector: Connector) -> None:
        connector.miss_configuration(self.reason, self.at)


@dataclass(frozen=True, kw_only=True)
class FindConfiguration(ConnectorCommand):
    def apply(self, connector: Connector) -> None:
        connector.find_configuration()


AnyCommand = Command | ConnectorCommand
