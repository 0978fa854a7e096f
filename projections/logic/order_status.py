"""order_status: one row per order, folded from its events (no I/O).

Mirrors what ``ordertrail.domain.events.*.evolve`` does to the aggregate, for the columns
the read model keeps; a property test holds the two equal. Events are domain
events or the Structs of ``ordertrail.projections.decode`` (same names, same fields), told
apart by ``TOPIC``; each event type's rule edits a list of the row's values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ordertrail.domain import events as ev
from ordertrail.domain.state_machine import NEEDS_A_PERSON, TERMINAL_STATES, State
from ordertrail.projections.errors import ProjectionError
from ordertrail.projections.rows import OrderStatusRow

_TERMINAL = frozenset(s.value for s in TERMINAL_STATES)
_NEEDS_A_PERSON = frozenset(s.value for s in NEEDS_A_PERSON)
_FIELDS = OrderStatusRow._fields
VENDOR_REF, RAW, CURRENT, TOTAL, ATTENTION, PLACED, DELIVERED, FINISHED = (
    _FIELDS.index(name) for name in (
        "vendor_ref", "last_raw_status", "progress_current", "progress_total", "attention",
        "placed_at", "delivered_at", "finished_at",
    )
)
STATE, NEEDS, LAST_VERSION = (_FIELDS.index(n) for n in ("state", "needs_person", "last_version"))
_new = tuple.__new__
_DELIVERED = State.DELIVERED.value
_WAITING = State.WAITING_FOR_USER.value

Rule = Callable[[list[Any], Any, str], None]
"""Edits the row's values for one event (the event, its ``to_state``)."""


def apply(row: OrderStatusRow | None, event: Any) -> OrderStatusRow:
    """The order's row after ``event`` (a domain event or its Struct)."""
    topic = event.TOPIC
    if topic == ev.OrderRequested.TOPIC:
        row = _created(event)
    elif row is None:
        raise ProjectionError(
            f"order {event.originator_id}: {type(event).__name__} v{event.originator_version} "
            "arrived before the order was requested"
        )
    values = list(row)
    state = event.to_state
    rule = _RULES.get(topic)
    if rule is not None:
        rule(values, event, state)
    values[STATE] = state
    values[NEEDS] = values[ATTENTION] is not None or state in _NEEDS_A_PERSON
    if state in _TERMINAL and values[FINISHED] is None:
        values[FINISHED] = event.timestamp
    values[LAST_VERSION] = event.originator_version
    return _new(OrderStatusRow, values)


def _created(event: Any) -> OrderStatusRow:
    return OrderStatusRow(
        order_id=event.originator_id, vendor=event.vendor, vendor_ref=None,
        idempotency_key=event.idempotency_key, state=event.to_state, last_raw_status=None,
        progress_current=None, progress_total=None, needs_person=False, attention=None,
        requested_at=event.timestamp, placed_at=None, delivered_at=None, finished_at=None,
        last_version=event.originator_version,
    )


# The rules: the columns each event sets, by the same rules as the aggregate's ``evolve``.

def _submission_failed(v: list[Any], e: Any, state: str) -> None:
    cls = e.classification
    error = e.vendor_code or e.message or cls
    flagged = cls in ("needs_human", "needs_reauth", "terminal")
    v[ATTENTION] = f"submission failed ({cls}): {error}" if flagged else None


def _outcome_unknown(v: list[Any], e: Any, state: str) -> None:
    v[ATTENTION] = f"submission outcome unknown ({e.reason}): reconcile before retry"


def _payment_declined(v: list[Any], e: Any, state: str) -> None:
    v[ATTENTION] = f"payment declined: {e.reason_code}"


def _clears_attention(v: list[Any], e: Any, state: str) -> None:
    v[ATTENTION] = None


def _placed(v: list[Any], e: Any, state: str) -> None:
    v[VENDOR_REF] = e.vendor_ref
    v[PLACED] = e.timestamp
    v[ATTENTION] = None


def _rejected(v: list[Any], e: Any, state: str) -> None:
    v[ATTENTION] = f"rejected: {e.reason_code}" if e.classification == "needs_human" else None


def _acked(v: list[Any], e: Any, state: str) -> None:
    if e.outcome in ("refused", "unknown"):
        v[ATTENTION] = f"ack {e.outcome} for {e.acked_command}"


def _status_changed(v: list[Any], e: Any, state: str) -> None:
    v[RAW] = e.raw_status
    if state == _DELIVERED and v[DELIVERED] is None:
        v[DELIVERED] = e.timestamp
    if state != _WAITING:
        v[ATTENTION] = None


def _progress(v: list[Any], e: Any, state: str) -> None:
    v[CURRENT] = e.current
    v[TOTAL] = e.total
    if state != _WAITING:
        v[ATTENTION] = None


def _waiting(v: list[Any], e: Any, state: str) -> None:
    v[ATTENTION] = f"waiting for user ({e.kind}): {e.prompt or ''}".rstrip(": ")


def _returned(v: list[Any], e: Any, state: str) -> None:
    v[DELIVERED] = None


def _result(v: list[Any], e: Any, state: str) -> None:
    if v[DELIVERED] is None:
        v[DELIVERED] = e.timestamp
    v[ATTENTION] = None


def _failed(v: list[Any], e: Any, state: str) -> None:
    v[ATTENTION] = f"failed: {e.reason_code}" if e.classification == "needs_human" else None
    if e.raw_status is not None:
        v[RAW] = e.raw_status


_RULES: dict[str, Rule] = {
    ev.SubmissionFailed.TOPIC: _submission_failed,
    ev.SubmissionOutcomeUnknown.TOPIC: _outcome_unknown,
    ev.PaymentDeclined.TOPIC: _payment_declined,
    ev.OrderResubmitted.TOPIC: _clears_attention,
    ev.UserInputProvided.TOPIC: _clears_attention,
    ev.Cancelled.TOPIC: _clears_attention,
    ev.OrderPlaced.TOPIC: _placed,
    ev.OrderRejected.TOPIC: _rejected,
    ev.Acked.TOPIC: _acked,
    ev.StatusChanged.TOPIC: _status_changed,
    ev.ProgressReported.TOPIC: _progress,
    ev.WaitingForUser.TOPIC: _waiting,
    ev.ReturnedToVendor.TOPIC: _returned,
    ev.ResultAvailable.TOPIC: _result,
    ev.Failed.TOPIC: _failed,
}
