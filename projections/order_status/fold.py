"""order_status: one row per order, folded from its events (no I/O).

Mirrors what ``ordertrail.domain.events.*.evolve`` does to the aggregate, for the columns
the read model keeps; a property test holds the two equal. Events are domain
events or the Structs of ``ordertrail.projections.decode`` (same names, same fields), told
apart by ``TOPIC``; each event type's rule edits a list of the row's values.

``fold`` runs a batch: it groups the order events by order and keeps each order's row after
every event (``OrderChanges.trails``), which the models depending on order_status read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple, TypeVar, cast
from uuid import UUID

from ordertrail.domain import events as ev
from ordertrail.domain.state_machine import NEEDS_A_PERSON, TERMINAL_STATES, State
from ordertrail.domain.vendors import DAILY_CAP_CODES
from ordertrail.domain.vocabulary import AttentionKind as K
from ordertrail.domain.vocabulary import Classification, HoldCause, Initiator
from ordertrail.projections.decode import CONNECTOR_CLASSES, Decoded, OrderFact, as_event
from ordertrail.projections.errors import ProjectionError
from ordertrail.projections.order_status.rows import OrderStatusRow

_TERMINAL = frozenset(s.value for s in TERMINAL_STATES)
_NEEDS_A_PERSON = frozenset(s.value for s in NEEDS_A_PERSON)
_FIELDS = OrderStatusRow._fields
VENDOR_REF, RAW, CURRENT, TOTAL, ATTENTION, KIND, HOLD, AMOUNT, PLACED, DELIVERED, FINISHED = (
    _FIELDS.index(name) for name in (
        "vendor_ref", "last_raw_status", "progress_current", "progress_total", "attention",
        "attention_kind", "hold", "amount_cents", "placed_at", "delivered_at", "finished_at",
    )
)
STATE, NEEDS, LAST_VERSION, SINCE = (
    _FIELDS.index(n) for n in ("state", "needs_person", "last_version", "state_since"))
_new = tuple.__new__
_DELIVERED = State.DELIVERED.value
_REQUESTED = State.REQUESTED.value
_WAITING = State.WAITING_FOR_USER.value
_REQUESTED_TOPIC = ev.OrderRequested.TOPIC

Rule = Callable[[list[Any], OrderFact, str], None]
"""Edits the row's values for one event (the event, its ``to_state``)."""
E = TypeVar("E", bound=ev.OrderEvent)
Group = list[tuple[int, OrderFact]]


class OrderTrail(NamedTuple):
    """One touched order's way through the batch."""

    order_id: UUID
    before: OrderStatusRow | None
    """Its row before the batch (None: requested in it)."""
    events: Group
    """Its events (position, event), in store order."""
    after: list[OrderStatusRow]
    """Its row after each of ``events``."""


@dataclass
class OrderChanges:
    """What a batch did to order_status, and what the models depending on it read.

    A dependent walks ``trails`` (each order's events beside its rows) rather than looking
    orders up by id: hashing a UUID is a Python call, and a batch has tens of thousands."""

    before: Mapping[UUID, OrderStatusRow] = field(default_factory=dict)
    """The rows the touched orders had before the batch (orders requested in it have none)."""
    trails: list[OrderTrail] = field(default_factory=list)
    """Each touched order's events and rows, in the order of its first event in the batch."""
    rows: dict[UUID, OrderStatusRow] = field(default_factory=dict)
    """The new row of every order the batch touched."""

    def vendor_of(self) -> dict[UUID, str]:
        return {oid: row.vendor for oid, row in self.rows.items()}


def group(batch: Sequence[tuple[int, Decoded]]) -> dict[UUID, Group]:
    """The batch's order events by order, each order's in store order (connectors' left out)."""
    groups: dict[UUID, Group] = {}
    connector = CONNECTOR_CLASSES
    for item in batch:
        event = item[1]
        if connector[type(event)]:
            continue
        found = groups.get(event.originator_id)
        if found is None:
            groups[event.originator_id] = [item]  # type: ignore[list-item]  # narrowed above
        else:
            found.append(item)  # type: ignore[arg-type]
    return groups


def known_before(groups: Mapping[UUID, Group]) -> list[UUID]:
    """The touched orders that can have rows already: those whose first event in the batch is
    not their OrderRequested. An order requested within the batch has no rows yet, so a
    catch-up over a long history looks up few orders instead of every one it touches."""
    return [oid for oid, events in groups.items() if events[0][1].TOPIC != _REQUESTED_TOPIC]


def fold(groups: dict[UUID, Group], before: Mapping[UUID, OrderStatusRow]) -> OrderChanges:
    """Each touched order's rows after each of its events, given the rows before the batch."""
    changes = OrderChanges(before)
    trails, rows = changes.trails, changes.rows
    for oid, events in groups.items():
        row = first = before.get(oid) if before else None  # a catch-up's batches find few
        after: list[OrderStatusRow] = []
        keep = after.append
        for _, event in events:
            row = apply(row, event)
            keep(row)
        trails.append(_new(OrderTrail, (oid, first, events, after)))
        rows[oid] = after[-1]
    return changes


def apply(row: OrderStatusRow | None, event: OrderFact) -> OrderStatusRow:
    """The order's row after ``event`` (a domain event or its Struct)."""
    topic = event.TOPIC
    if topic == _REQUESTED_TOPIC:
        row = _created(as_event(ev.OrderRequested, event))
    elif row is None:
        raise ProjectionError(
            f"order {event.originator_id}: {type(event).__name__} v{event.originator_version} "
            "arrived before the order was requested"
        )
    values = list(row)
    state = event.to_state
    if state != values[STATE]:
        values[SINCE] = event.timestamp
    rule = _RULES.get(topic)
    if rule is not None:
        rule(values, event, state)
    values[STATE] = state
    if state != _REQUESTED:
        values[HOLD] = None
    values[NEEDS] = values[ATTENTION] is not None or state in _NEEDS_A_PERSON
    if state in _TERMINAL and values[FINISHED] is None:
        values[FINISHED] = event.timestamp
    values[LAST_VERSION] = event.originator_version
    return _new(OrderStatusRow, values)


def _created(event: ev.OrderRequested) -> OrderStatusRow:
    return OrderStatusRow(
        order_id=event.originator_id, vendor=event.vendor, vendor_ref=None,
        idempotency_key=event.idempotency_key, state=event.to_state, last_raw_status=None,
        progress_current=None, progress_total=None, needs_person=False, attention=None,
        attention_kind=None, hold=None, amount_cents=None, state_since=event.timestamp,
        requested_at=event.timestamp,
        placed_at=None, delivered_at=None, finished_at=None,
        last_version=event.originator_version,
    )


# The rules: the columns each event sets, by the same rules as the aggregate's ``evolve``.

def _flag(v: list[Any], kind: K | None, text: str | None = None) -> None:
    v[KIND] = None if kind is None else kind.value
    v[ATTENTION] = None if kind is None else text


def _attempted(v: list[Any], e: ev.SubmissionAttempted, state: str) -> None:
    v[HOLD] = None


def _submission_failed(v: list[Any], e: ev.SubmissionFailed, state: str) -> None:
    cls = e.classification
    error = e.vendor_code or e.message or cls
    _flag(v, None)
    v[HOLD] = None
    if cls == Classification.NEEDS_REAUTH:
        v[HOLD] = HoldCause.CREDENTIALS.value
    elif e.vendor_code in DAILY_CAP_CODES:
        v[HOLD] = HoldCause.DAILY_CAP.value
    elif cls in (Classification.NEEDS_HUMAN, Classification.TERMINAL):
        _flag(v, K.SUBMISSION_FAILED, f"submission failed ({cls}): {error}")


def _outcome_unknown(v: list[Any], e: ev.SubmissionOutcomeUnknown, state: str) -> None:
    _flag(v, K.SUBMISSION_UNCERTAIN,
          f"submission outcome unknown ({e.reason}): reconcile before retry")


def _payment_declined(v: list[Any], e: ev.PaymentDeclined, state: str) -> None:
    _flag(v, K.PAYMENT_DECLINED, f"payment declined: {e.reason_code}")


def _clears_attention(v: list[Any], e: ev.OrderEvent, state: str) -> None:
    _flag(v, None)


def _resubmitted(v: list[Any], e: ev.OrderResubmitted, state: str) -> None:
    _flag(v, None)
    v[HOLD] = None


def _placed(v: list[Any], e: ev.OrderPlaced, state: str) -> None:
    v[VENDOR_REF] = e.vendor_ref
    v[PLACED] = e.timestamp
    _flag(v, None)


def _rejected(v: list[Any], e: ev.OrderRejected, state: str) -> None:
    needs_human = e.classification == Classification.NEEDS_HUMAN
    _flag(v, K.REJECTED if needs_human else None, f"rejected: {e.reason_code}")


def _acked(v: list[Any], e: ev.Acked, state: str) -> None:
    if e.outcome in ("refused", "unknown"):
        _flag(v, K.ACK_PROBLEM, f"ack {e.outcome} for {e.acked_command}")


def _status_changed(v: list[Any], e: ev.StatusChanged, state: str) -> None:
    v[RAW] = e.raw_status
    if state == _DELIVERED and v[DELIVERED] is None:
        v[DELIVERED] = e.timestamp
    if e.anomaly is None and state != _WAITING:  # an anomaly leaves the attention (B.3)
        _flag(v, None)


def _progress(v: list[Any], e: ev.ProgressReported, state: str) -> None:
    v[CURRENT] = e.current
    v[TOTAL] = e.total
    if state != _WAITING:
        _flag(v, None)


def _waiting(v: list[Any], e: ev.WaitingForUser, state: str) -> None:
    _flag(v, K.WAITING_FOR_USER, f"waiting for user ({e.kind}): {e.prompt or ''}".rstrip(": "))


def _returned(v: list[Any], e: ev.ReturnedToVendor, state: str) -> None:
    v[DELIVERED] = None


def _result(v: list[Any], e: ev.ResultAvailable, state: str) -> None:
    if v[DELIVERED] is None:
        v[DELIVERED] = e.timestamp
    _flag(v, None)


def _cancellation_requested(v: list[Any], e: ev.CancellationRequested, state: str) -> None:
    if e.transaction_id is None and e.initiator in (Initiator.US, Initiator.USER):
        _flag(v, K.CANCEL_AT_VENDOR,
              f"cancellation requested: {e.vendor} has no cancel route; cancel it there, then "
              "confirm the cancellation")


def _failed(v: list[Any], e: ev.Failed, state: str) -> None:
    needs_human = e.classification == Classification.NEEDS_HUMAN
    _flag(v, K.FAILED if needs_human else None, f"failed: {e.reason_code}")
    if e.raw_status is not None:
        v[RAW] = e.raw_status


def _held(v: list[Any], e: ev.SubmissionHeld, state: str) -> None:
    v[HOLD] = e.cause
    if e.cause == HoldCause.INVALID_REQUEST:
        _flag(v, K.INVALID_REQUEST, f"request invalid: {e.reason}")


def _hold_lifted(v: list[Any], e: ev.HoldLifted, state: str) -> None:
    v[HOLD] = None


def _trouble(v: list[Any], e: ev.TroubleObserved, state: str) -> None:
    if e.escalated:
        _flag(v, K.of_trouble(e.trouble), f"{e.trouble.replace('_', ' ')}: {e.detail}")


def _trouble_cleared(v: list[Any], e: ev.TroubleCleared, state: str) -> None:
    if v[KIND] == K.of_trouble(e.trouble).value:
        _flag(v, None)


def _ambiguous(v: list[Any], e: ev.ReconciliationAmbiguous, state: str) -> None:
    _flag(v, K.AMBIGUOUS_RECONCILIATION,
          f"reconciliation found {len(e.candidates)} {e.vendor} orders that may be this one: "
          f"{', '.join(e.candidates)}")


def _cost(v: list[Any], e: ev.CostRecorded, state: str) -> None:
    v[AMOUNT] = cents(e.amount)


def _rule(cls: type[E], rule: Callable[[list[Any], E, str], None]) -> tuple[str, Rule]:
    """``rule`` for events of ``cls``'s topic: it is only ever given events of that topic."""
    return cls.TOPIC, cast(Rule, rule)


def cents(amount: Decimal) -> int:
    """An amount in hundredths, rounded half up (what the read models sum)."""
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


_RULES: dict[str, Rule] = dict((
    _rule(ev.SubmissionAttempted, _attempted),
    _rule(ev.SubmissionFailed, _submission_failed),
    _rule(ev.SubmissionOutcomeUnknown, _outcome_unknown),
    _rule(ev.PaymentDeclined, _payment_declined),
    _rule(ev.OrderResubmitted, _resubmitted),
    _rule(ev.UserInputProvided, _clears_attention),
    _rule(ev.Cancelled, _clears_attention),
    _rule(ev.OrderPlaced, _placed),
    _rule(ev.OrderRejected, _rejected),
    _rule(ev.Acked, _acked),
    _rule(ev.StatusChanged, _status_changed),
    _rule(ev.ProgressReported, _progress),
    _rule(ev.WaitingForUser, _waiting),
    _rule(ev.ReturnedToVendor, _returned),
    _rule(ev.ResultAvailable, _result),
    _rule(ev.Failed, _failed),
    _rule(ev.CancellationRequested, _cancellation_requested),
    _rule(ev.SubmissionHeld, _held),
    _rule(ev.HoldLifted, _hold_lifted),
    _rule(ev.TroubleObserved, _trouble),
    _rule(ev.TroubleCleared, _trouble_cleared),
    _rule(ev.ReconciliationAmbiguous, _ambiguous),
    _rule(ev.CostRecorded, _cost),
))
