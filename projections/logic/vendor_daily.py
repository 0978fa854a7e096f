"""vendor_daily: counters per vendor, day (UTC) and metric, from one event (no I/O).

Metrics: requested, placed, rejected, declined (and ``declined:<reason_code>``),
failed, cancelled, completed, delivered, and ``placed_against_cap``: a submission
refused because the daily cap was reached (Planviewer's ``daily_cap`` answer or
our own ``daily_cap_local`` guard), each refusal counted on its day.
Lead times come from ``order_status`` (placed_at, delivered_at) at query time.
"""

from __future__ import annotations

from domain import events as ev
from domain.state_machine import State
from projections.rows import DayCount, OrderStatusRow

CAP_CODES = frozenset({"daily_cap", "daily_cap_local"})
COUNTERS = (
    "requested", "placed", "rejected", "declined", "failed", "cancelled", "completed",
    "placed_against_cap",
)
DECLINED_PREFIX = "declined:"

_BY_TYPE: dict[type[ev.OrderEvent], str] = {
    ev.OrderRequested: "requested",
    ev.OrderPlaced: "placed",
    ev.OrderRejected: "rejected",
    ev.PaymentDeclined: "declined",
    ev.Failed: "failed",
    ev.Cancelled: "cancelled",
}


def apply(old: OrderStatusRow | None, new: OrderStatusRow, event: ev.OrderEvent) -> list[DayCount]:
    """The counters ``event`` adds one to, given the order's row before and after it."""
    metrics: list[str] = []
    named = _BY_TYPE.get(type(event))
    if named is not None:
        metrics.append(named)
    match event:
        case ev.PaymentDeclined(reason_code=code):
            metrics.append(DECLINED_PREFIX + code)
        case ev.SubmissionFailed(vendor_code=code) if code in CAP_CODES:
            metrics.append("placed_against_cap")
    was = old.state if old is not None else None
    if new.state == State.COMPLETED and was != State.COMPLETED:
        metrics.append("completed")
    if new.delivered_at is not None and (old is None or old.delivered_at is None):
        metrics.append("delivered")
    day = event.timestamp.date()
    return [DayCount(new.vendor, day, metric) for metric in metrics]
