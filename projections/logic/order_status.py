"""order_status: one row per order, folded from its events (no I/O).

Mirrors what ``domain.events.*.evolve`` does to the aggregate, for the columns
the read model keeps; a property test holds the two equal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain import events as ev
from domain.state_machine import NEEDS_A_PERSON, TERMINAL_STATES, State
from projections.errors import ProjectionError
from projections.rows import OrderStatusRow

_TERMINAL = frozenset(s.value for s in TERMINAL_STATES)
_NEEDS_A_PERSON = frozenset(s.value for s in NEEDS_A_PERSON)


def apply(row: OrderStatusRow | None, event: ev.OrderEvent) -> OrderStatusRow:
    """The order's row after ``event``."""
    if isinstance(event, ev.OrderRequested):
        row = _created(event)
    elif row is None:
        raise ProjectionError(
            f"order {event.originator_id}: {type(event).__name__} v{event.originator_version} "
            "arrived before the order was requested"
        )
    state = event.to_state
    changes = _changes(event, state, row)
    attention = changes.pop("attention", row.attention)
    finished_at = row.finished_at
    if state in _TERMINAL and finished_at is None:
        finished_at = event.timestamp
    return row._replace(
        state=state,
        attention=attention,
        needs_person=attention is not None or state in _NEEDS_A_PERSON,
        finished_at=finished_at,
        last_version=event.originator_version,
        **changes,
    )


def _created(event: ev.OrderRequested) -> OrderStatusRow:
    return OrderStatusRow(
        order_id=event.originator_id, vendor=event.vendor, vendor_ref=None,
        idempotency_key=event.idempotency_key, state=event.to_state, last_raw_status=None,
        progress_current=None, progress_total=None, needs_person=False, attention=None,
        requested_at=event.timestamp, placed_at=None, delivered_at=None, finished_at=None,
        last_version=event.originator_version,
    )


def _changes(event: ev.OrderEvent, state: str, row: OrderStatusRow) -> dict[str, Any]:
    """The columns ``event`` sets, by the same rules as the aggregate's ``evolve``."""
    working = state != State.WAITING_FOR_USER
    match event:
        case ev.SubmissionFailed(classification=cls):
            error = event.vendor_code or event.message or cls
            flagged = cls in ("needs_human", "needs_reauth", "terminal")
            return {"attention": f"submission failed ({cls}): {error}" if flagged else None}
        case ev.SubmissionOutcomeUnknown(reason=reason):
            return {"attention": f"submission outcome unknown ({reason}): reconcile before retry"}
        case ev.PaymentDeclined(reason_code=code):
            return {"attention": f"payment declined: {code}"}
        case ev.OrderResubmitted() | ev.UserInputProvided() | ev.Cancelled():
            return {"attention": None}
        case ev.OrderPlaced(vendor_ref=ref):
            return {"vendor_ref": ref, "placed_at": event.timestamp, "attention": None}
        case ev.OrderRejected(reason_code=code, classification=cls):
            return {"attention": f"rejected: {code}" if cls == "needs_human" else None}
        case ev.Acked(outcome=outcome) if outcome in ("refused", "unknown"):
            return {"attention": f"ack {outcome} for {event.acked_command}"}
        case ev.StatusChanged(raw_status=raw):
            changes: dict[str, Any] = {"last_raw_status": raw}
            if state == State.DELIVERED and row.delivered_at is None:
                changes["delivered_at"] = event.timestamp
            return changes | ({"attention": None} if working else {})
        case ev.ProgressReported(current=current, total=total):
            changes = {"progress_current": current, "progress_total": total}
            return changes | ({"attention": None} if working else {})
        case ev.WaitingForUser(kind=kind, prompt=prompt):
            return {"attention": f"waiting for user ({kind}): {prompt or ''}".rstrip(": ")}
        case ev.ReturnedToVendor():
            return {"delivered_at": None}
        case ev.ResultAvailable():
            return {"delivered_at": _first(row.delivered_at, event.timestamp), "attention": None}
        case ev.Failed(reason_code=code, classification=cls):
            changes = {"attention": f"failed: {code}" if cls == "needs_human" else None}
            if event.raw_status is not None:
                changes["last_raw_status"] = event.raw_status
            return changes
    return {}


def _first(current: datetime | None, candidate: datetime) -> datetime:
    return current if current is not None else candidate
