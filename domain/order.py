"""The Order aggregate: check against the lifecycle table, then record one event.

Public command methods return True when they recorded an event and False when
the command only re-observed what is already known (polls repeat). A command
the table forbids raises TransitionRefused and records nothing. Recording is
the library's ``trigger_event``; what each event changes is its ``apply``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ordertrail.domain import events as ev
from ordertrail.domain.errors import InvalidCommandError, TransitionRefused
from ordertrail.domain.state_machine import allowed_targets
from ordertrail.domain.states import Guard, State
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


class Meta:
    """Where an observation came from; every event carries it."""

    __slots__ = ("dedupe_key", "occurred_at", "raw", "source")

    def __init__(
        self,
        source: Source = Source.COMMAND,
        occurred_at: datetime | None = None,
        raw: Any = None,
        dedupe_key: str | None = None,
    ) -> None:
        self.source = source
        self.occurred_at = occurred_at
        self.raw = raw
        self.dedupe_key = dedupe_key


class OrderAttributes:
    """The Order's state, declared for type checkers and for the snapshot decoder.

    Kept apart from ``Order`` so the library does not turn the aggregate into a
    dataclass whose constructor demands every attribute.
    """

    vendor: str
    idempotency_key: str
    vendor_request: dict[str, Any]
    requested_by: str
    state: State
    vendor_ref: str | None
    vendor_ref_kind: str | None
    vendor_secondary_refs: dict[str, str]
    submission_attempts: int
    last_submission: tuple[str, str | None] | None
    submission_in_flight: bool
    """A submission was attempted and no outcome is recorded yet."""
    last_error: str | None
    retry_not_before: datetime | None
    payment_accepted: bool
    last_raw_status: str | None
    progress_current: int | None
    progress_total: int | None
    waiting: dict[str, Any] | None
    user_input: Any
    results_available: dict[str, dict[str, Any]]
    results_retrieved: dict[str, str]
    acked_transactions: dict[str, AckOutcome]
    cancellation_pending: bool
    attention: str | None
    """Why a person must act on this order, in words; ``attention_kind`` says what kind."""
    attention_kind: AttentionKind | None
    hold: HoldCause | None
    """Why a requested order is not being submitted now (see ``HoldCause``)."""
    hold_until: datetime | None
    troubles: dict[Trouble, ev.TroubleCount]
    amount: Decimal | None
    currency: str | None
    requested_at: datetime | None
    placed_at: datetime | None
    delivered_at: datetime | None
    finished_at: datetime | None



class Order(Aggregate, OrderAttributes):
    TOPIC = "ordertrail.order:Order"
    Event = ev.OrderEvent
    Created = ev.OrderRequested
    class_version = 2
    """Version 2 added attention kinds, holds, troubles and the cost (see ``upcast_v1_v2``)."""

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A snapshot taken before version 2: the new attributes as a replay would set them.

        Its attention was only text, so the kind is read from the state and that text, once,
        here; the events themselves carry the facts the kind is decided by.
        """
        order_state = State(str(state["state"]))
        attention = state.get("attention")
        requested = order_state is State.REQUESTED and not state.get("submission_in_flight")
        state["hold"], state["hold_until"] = None, None
        state["attention_kind"] = _legacy_attention_kind(order_state, attention)
        if requested and str(attention or "").startswith("submission failed (needs_reauth)"):
            state["attention"], state["attention_kind"] = None, None
            state["hold"] = HoldCause.CREDENTIALS
        elif requested and state.get("last_error") in DAILY_CAP_CODES:
            state["hold"], state["hold_until"] = HoldCause.DAILY_CAP, state.get("retry_not_before")
        state["troubles"] = {}
        state["amount"], state["currency"] = None, None

    def reset_observations(self) -> None:
        """Initial values of everything the vendor has not told us yet."""
        self.state = State.REQUESTED
        self.vendor_ref = None
        self.vendor_ref_kind = None
        self.vendor_secondary_refs = {}
        self.submission_attempts = 0
        self.last_submission = None
        self.submission_in_flight = False
        self.last_error = None
        self.retry_not_before = None
        self.payment_accepted = False
        self.last_raw_status = None
        self.progress_current = None
        self.progress_total = None
        self.waiting = None
        self.user_input = None
        self.results_available = {}
        self.results_retrieved = {}
        self.acked_transactions = {}
        self.cancellation_pending = False
        self.attention = None
        self.attention_kind = None
        self.hold = None
        self.hold_until = None
        self.troubles = {}
        self.amount = None
        self.currency = None
        self.placed_at = None
        self.delivered_at = None
        self.finished_at = None

    def flag(self, kind: AttentionKind | None, text: str | None = None) -> None:
        """Set (or, with ``None``, clear) what a person must do about this order."""
        self.attention_kind = kind
        self.attention = None if kind is None else text or kind.value.lower().replace("_", " ")

    # ---------------------------------------------------------------- creation
    @classmethod
    def request(
        cls,
        order_id: UUID,
        vendor: str,
        idempotency_key: str,
        vendor_request: dict[str, Any],
        requested_by: str,
        meta: Meta | None = None,
    ) -> Order:
        if not isinstance(order_id, UUID):
            raise TypeError(f"order id {order_id!r} is not a UUID")
        m = meta or Meta()
        return cls._create(
            ev.OrderRequested, id=order_id, vendor=vendor, idempotency_key=idempotency_key,
            vendor_request=vendor_request, requested_by=requested_by, source=m.source,
            occurred_at=m.occurred_at, raw=m.raw, dedupe_key=m.dedupe_key,
            to_state=State.REQUESTED.value,
        )

    # ---------------------------------------------------------------- the table
    def _decide(self, event: type[ev.OrderEvent], command: str, **context: Any) -> State:
        """The target state ``event`` leads to now (the first table row whose guard holds),
        or TransitionRefused."""
        for row in allowed_targets(self.state, event):
            if row.guard is None or self._guard_holds(row.guard, context):
                return row.target
        detail = ", ".join(f"{k}={v}" for k, v in context.items() if v is not None)
        raise TransitionRefused(self.id, self.state.value, command, detail)

    def _guard_holds(self, guard: Guard, context: dict[str, Any]) -> bool:
        if guard is Guard.HUMAN:
            return bool(context.get("source") == Source.HUMAN)
        if guard is Guard.NO_OTHER_SUBMISSION_IN_FLIGHT:
            tid = context.get("transaction_id")
            same_offer = tid is not None and self.last_submission is not None \
                and self.last_submission[1] == tid
            return not self.submission_in_flight or same_offer
        if guard is Guard.RECONCILED_NOT_CREATED:
            return bool(context.get("classification") == Classification.RECONCILED_NOT_CREATED)
        if guard is Guard.PROGRESS_STARTED:
            return bool((context.get("current") or 0) > 0)
        if guard is Guard.ALL_RESULTS_RETRIEVED:
            retrieved = set(self.results_retrieved) | {context.get("result_ref")}
            return set(self.results_available) <= retrieved
        raise AssertionError(guard)  # pragma: no cover

    def _record(self, event_class: type[ev.OrderEvent], to: State, m: Meta, **fields: Any) -> bool:
        """Record one event of ``event_class`` leaving the order in state ``to``."""
        self.trigger_event(
            event_class, vendor=self.vendor, source=m.source, occurred_at=m.occurred_at, raw=m.raw,
            dedupe_key=m.dedupe_key, to_state=to.value, **fields,
        )
        return True

    # ---------------------------------------------------------------- submission
    def attempt_submission(
        self, channel: str, transaction_id: str | None = None, meta: Meta | None = None
    ) -> bool:
        if transaction_id is not None and self.last_submission == (channel, transaction_id):
            return False
        to = self._decide(ev.SubmissionAttempted, "attempt_submission",
                          transaction_id=transaction_id)
        return self._record(
            ev.SubmissionAttempted,
            to,
            meta or Meta(),
            attempt=self.submission_attempts + 1,
            channel=channel,
            transaction_id=transaction_id,
        )

    def fail_submission(
        self,
        classification: Classification,
        *,
        http_status: int | None = None,
        vendor_code: str | None = None,
        message: str | None = None,
        retry_not_before: datetime | None = None,
        meta: Meta | None = None,
    ) -> bool:
        to = self._decide(ev.SubmissionFailed, "fail_submission", classification=classification)
        return self._record(
            ev.SubmissionFailed,
            to,
            meta or Meta(),
            attempt=self.submission_attempts,
            http_status=http_status,
            vendor_code=vendor_code,
            message=message,
            classification=classification,
            retry_not_before=retry_not_before,
        )

    def mark_outcome_unknown(
        self,
        reason: str,
        *,
        http_status: int | None = None,
        vendor_code: str | None = None,
        meta: Meta | None = None,
    ) -> bool:
        if self.state is State.SUBMISSION_UNCERTAIN:
            return False
        to = self._decide(ev.SubmissionOutcomeUnknown, "mark_outcome_unknown")
        return self._record(
            ev.SubmissionOutcomeUnknown,
            to,
            meta or Meta(),
            attempt=self.submission_attempts,
            http_status=http_status,
            vendor_code=vendor_code,
            reason=reason,
        )

    def accept_payment(
        self,
        *,
        payment_method_id: int | None = None,
        promotion_code: str | None = None,
        amount: Decimal | None = None,
        meta: Meta | None = None,
    ) -> bool:
        to = self._decide(ev.PaymentAccepted, "accept_payment")
        return self._record(
            ev.PaymentAccepted,
            to,
            meta or Meta(),
            payment_method_id=payment_method_id,
            promotion_code=promotion_code,
            amount=amount,
        )

    def decline_payment(
        self,
        reason_code: str,
        *,
        vendor_code: str | None = None,
        http_status: int | None = None,
        message: str | None = None,
        meta: Meta | None = None,
    ) -> bool:
        to = self._decide(ev.PaymentDeclined, "decline_payment")
        return self._record(
            ev.PaymentDeclined,
            to,
            meta or Meta(),
            reason_code=reason_code,
            vendor_code=vendor_code,
            http_status=http_status,
            message=message,
        )

    def resubmit(self, changes: dict[str, Any], meta: Meta | None = None) -> bool:
        to = self._decide(ev.OrderResubmitted, "resubmit", transaction_id=None)
        return self._record(ev.OrderResubmitted, to, meta or Meta(), changes=dict(changes))

    def place(
        self,
        vendor_ref: str,
        vendor_ref_kind: str,
        secondary_refs: dict[str, str] | None = None,
        meta: Meta | None = None,
    ) -> bool:
        if not vendor_ref:
            raise InvalidCommandError(f"order {self.id}: place needs a non-empty vendor_ref")
        if self.vendor_ref == vendor_ref:
            return False
        if self.vendor_ref is not None:
            raise TransitionRefused(
                self.id,
                self.state.value,
                "place",
                f"vendor_ref is write-once: has {self.vendor_ref}, got {vendor_ref}",
            )
        to = self._decide(ev.OrderPlaced, "place")
        return self._record(
            ev.OrderPlaced,
            to,
            meta or Meta(),
            vendor_ref=vendor_ref,
            vendor_ref_kind=vendor_ref_kind,
            vendor_secondary_refs=dict(secondary_refs or {}),
        )

    def reject(
        self,
        reason_code: str,
        classification: Classification = Classification.TERMINAL,
        *,
        vendor_code: str | None = None,
        http_status: int | None = None,
        message: str | None = None,
        details: dict[str, Any] | None = None,
        meta: Meta | None = None,
    ) -> bool:
        to = self._decide(ev.OrderRejected, "reject")
        return self._record(
            ev.OrderRejected,
            to,
            meta or Meta(),
            reason_code=reason_code,
            vendor_code=vendor_code,
            http_status=http_status,
            message=message,
            classification=classification,
            details=details,
        )

    def record_ack(
        self,
        transaction_id: str,
        outcome: AckOutcome,
        acked_command: str = "new",
        reason: str | None = None,
        meta: Meta | None = None,
    ) -> bool:
        if transaction_id in self.acked_transactions:
            return False
        to = self._decide(ev.Acked, "record_ack")
        return self._record(
            ev.Acked,
            to,
            meta or Meta(),
            transaction_id=transaction_id,
            outcome=outcome,
            reason=reason,
            acked_command=acked_command,
        )

    # ---------------------------------------------------------------- after placement
    def change_status(
        self, raw_status: str, normalized: State | None, meta: Meta | None = None
    ) -> bool:
        rows = allowed_targets(self.state, ev.StatusChanged)
        if not rows:
            if raw_status == self.last_raw_status:
                return False
            raise TransitionRefused(self.id, self.state.value, f"change_status({raw_status!r})")
        targets = {row.target for row in rows}
        anomaly: str | None = None
        if normalized in targets:
            to = normalized
        else:
            to = self.state
            anomaly = (
                f"unknown raw status {raw_status!r}"
                if normalized is None
                else f"{normalized.value} is not reachable from {self.state.value}"
            )
        if normalized is not None and normalized == self.state:
            anomaly = None
        if raw_status == self.last_raw_status and to == self.state:
            return False
        return self._record(
            ev.StatusChanged,
            to,
            meta or Meta(),
            raw_status=raw_status,
            normalized_status=None if normalized is None else normalized.value,
            previous_state=self.state.value,
            anomaly=anomaly,
        )

    def report_progress(self, current: int, total: int | None, meta: Meta | None = None) -> bool:
        if current < 0 or (total is not None and total < 0):
            raise InvalidCommandError(
                f"order {self.id}: progress must not be negative (got {current}/{total})"
            )
        if (current, total) == (self.progress_current, self.progress_total):
            return False
        to = self._decide(ev.ProgressReported, "report_progress", current=current)
        return self._record(ev.ProgressReported, to, meta or Meta(), current=current, total=total)

    def wait_for_user(
        self,
        kind: str,
        prompt: str | None = None,
        choices: list[dict[str, str]] | None = None,
        meta: Meta | None = None,
    ) -> bool:
        waiting = {"kind": kind, "prompt": prompt, "choices": list(choices or [])}
        if self.state is State.WAITING_FOR_USER and self.waiting == waiting:
            return False
        to = self._decide(ev.WaitingForUser, "wait_for_user")
        return self._record(
            ev.WaitingForUser, to, meta or Meta(), kind=kind, prompt=prompt,
            choices=waiting["choices"],
        )

    def provide_user_input(self, kind: str, selection: Any, meta: Meta | None = None) -> bool:
        to = self._decide(ev.UserInputProvided, "provide_user_input")
        return self._record(
            ev.UserInputProvided, to, meta or Meta(), kind=kind, selection=selection
        )

    def send_amendment(
        self, transaction_id: str, field: str, value: str, meta: Meta | None = None
    ) -> bool:
        to = self._decide(ev.AmendmentSent, "send_amendment")
        return self._record(
            ev.AmendmentSent, to, meta or Meta(), transaction_id=transaction_id, field=field,
            value=value,
        )

    def return_to_vendor(
        self, reason: str, transaction_id: str | None = None, meta: Meta | None = None
    ) -> bool:
        to = self._decide(ev.ReturnedToVendor, "return_to_vendor")
        return self._record(
            ev.ReturnedToVendor, to, meta or Meta(), reason=reason, transaction_id=transaction_id
        )

    def announce_result(
        self,
        result_ref: str,
        *,
        name: str | None = None,
        media_type: str | None = None,
        size: int | None = None,
        download_ref: str | None = None,
        meta: Meta | None = None,
    ) -> bool:
        if result_ref in self.results_available:
            return False
        to = self._decide(ev.ResultAvailable, "announce_result")
        return self._record(
            ev.ResultAvailable, to, meta or Meta(), result_ref=result_ref, name=name,
            media_type=media_type, size=size, download_ref=download_ref,
        )

    def record_result_retrieved(
        self,
        result_ref: str,
        file_name: str,
        media_type: str,
        size: int,
        sha256: str,
        meta: Meta | None = None,
    ) -> bool:
        if self.results_retrieved.get(result_ref) == sha256:
            return False
        if result_ref not in self.results_available:
            raise InvalidCommandError(
                f"order {self.id} in state {self.state.value}: record_result_retrieved for "
                f"result {result_ref!r}, which was never announced"
            )
        to = self._decide(ev.ResultRetrieved, "record_result_retrieved", result_ref=result_ref)
        return self._record(
            ev.ResultRetrieved, to, meta or Meta(), result_ref=result_ref, file_name=file_name,
            media_type=media_type, size=size, sha256=sha256,
        )

    def request_cancellation(
        self,
        initiator: Initiator,
        reason: str | None = None,
        transaction_id: str | None = None,
        meta: Meta | None = None,
    ) -> bool:
        if self.cancellation_pending:
            return False
        to = self._decide(ev.CancellationRequested, "request_cancellation")
        return self._record(
            ev.CancellationRequested, to, meta or Meta(), initiator=initiator, reason=reason,
            transaction_id=transaction_id,
        )

    def cancel(
        self,
        initiator: Initiator,
        reason: str | None = None,
        raw_status: str | None = None,
        meta: Meta | None = None,
    ) -> bool:
        m = meta or Meta()
        if self.state is State.CANCELLED:
            return False
        to = self._decide(ev.Cancelled, "cancel", source=m.source)
        return self._record(
            ev.Cancelled, to, m, initiator=initiator, reason=reason, raw_status=raw_status
        )

    def fail(
        self,
        reason_code: str,
        classification: Classification = Classification.TERMINAL,
        *,
        raw_status: str | None = None,
        vendor_message: str | None = None,
        meta: Meta | None = None,
    ) -> bool:
        m = meta or Meta()
        if self.state is State.FAILED:
            return False
        to = self._decide(ev.Failed, "fail", source=m.source)
        return self._record(
            ev.Failed, to, m, reason_code=reason_code, raw_status=raw_status,
            vendor_message=vendor_message, classification=classification,
        )


    # ---------------------------------------------------------------- holds and troubles
    def hold_submission(
        self, cause: HoldCause, reason: str, until: datetime | None = None,
        meta: Meta | None = None,
    ) -> bool:
        if self.hold is cause and self.hold_until == until:
            return False
        to = self._decide(ev.SubmissionHeld, "hold_submission", transaction_id=None)
        return self._record(ev.SubmissionHeld, to, meta or Meta(), cause=cause, until=until,
                            reason=reason)

    def lift_hold(self, reason: str, meta: Meta | None = None) -> bool:
        if self.hold is None:
            return False
        to = self._decide(ev.HoldLifted, "lift_hold")
        return self._record(ev.HoldLifted, to, meta or Meta(), cause=self.hold, reason=reason)

    def observe_trouble(
        self, trouble: Trouble, detail: str, *, limit: int, spread: timedelta, now: datetime,
        meta: Meta | None = None,
    ) -> bool:
        """Count one more ``trouble``; past ``limit`` sightings spread over ``spread``, a person
        is asked to look (once: later sightings only count)."""
        seen = self.troubles.get(trouble)
        count = 1 if seen is None else seen.count + 1
        first = now if seen is None else seen.first_at
        was_escalated = seen is not None and seen.escalated
        escalated = not was_escalated and count >= limit and now - first >= spread
        to = self._decide(ev.TroubleObserved, "observe_trouble")
        return self._record(ev.TroubleObserved, to, meta or Meta(), trouble=trouble,
                            detail=detail, observed_at=now, escalated=escalated,
                            retry_at=_next_try(trouble, count, limit, spread, now,
                                               escalated or was_escalated))

    def clear_trouble(self, trouble: Trouble, meta: Meta | None = None) -> bool:
        if trouble not in self.troubles:
            return False
        to = self._decide(ev.TroubleCleared, "clear_trouble")
        return self._record(ev.TroubleCleared, to, meta or Meta(), trouble=trouble)

    def note_ambiguous_reconciliation(
        self, candidates: list[str], meta: Meta | None = None
    ) -> bool:
        if self.attention_kind is AttentionKind.AMBIGUOUS_RECONCILIATION:
            return False
        to = self._decide(ev.ReconciliationAmbiguous, "note_ambiguous_reconciliation")
        return self._record(ev.ReconciliationAmbiguous, to, meta or Meta(),
                            candidates=sorted(candidates))

    def record_cost(
        self, amount: Decimal, currency: str | None, basis: str, meta: Meta | None = None
    ) -> bool:
        if amount < 0:
            raise InvalidCommandError(f"order {self.id}: a cost must not be negative ({amount})")
        if (self.amount, self.currency) == (amount, currency):
            return False
        to = self._decide(ev.CostRecorded, "record_cost")
        return self._record(ev.CostRecorded, to, meta or Meta(), amount=amount,
                            currency=currency, basis=basis)


TROUBLE_PACE = timedelta(minutes=5)
"""The wait between sightings of a trouble that has no spread of its own."""
TROUBLE_BACKOFF_CAP = timedelta(hours=1)


def _next_try(trouble: Trouble, count: int, limit: int, spread: timedelta, now: datetime,
              escalated: bool) -> datetime | None:
    """When to look again: evenly over ``spread`` until the limit, then backing off (doubling up
    to an hour); never again, until a person acts, for a trouble that ends retries."""
    pace = spread / (limit - 1) if limit > 1 and spread else TROUBLE_PACE
    if not escalated:
        return now + pace
    if trouble.ends_retries:
        return None
    wait: timedelta = min(pace * 2 ** max(count - limit + 1, 1), TROUBLE_BACKOFF_CAP)
    return now + wait


def _legacy_attention_kind(state: State, attention: Any) -> AttentionKind | None:
    """The attention kind of a version-1 snapshot, whose attention was text only."""
    if attention is None:
        return None
    if state.value in AttentionKind.__members__:
        return AttentionKind(state.value)
    text = str(attention)
    for prefix, kind in (("rejected:", AttentionKind.REJECTED), ("failed:", AttentionKind.FAILED),
                         ("ack ", AttentionKind.ACK_PROBLEM)):
        if text.startswith(prefix):
            return kind
    return AttentionKind.SUBMISSION_FAILED

