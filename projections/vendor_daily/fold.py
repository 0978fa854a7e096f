"""vendor_daily: counters per vendor, day (UTC) and metric, from one event (no I/O).

Metrics: requested, placed, rejected, declined (and ``declined:<reason_code>``),
failed, cancelled, completed, delivered, and ``placed_against_cap``: a submission refused
or held because the daily cap was reached (the vendor's refusal, or the order held by our own
guard or the vendor's connector), each counted on its day.
Lead times come from ``order_status`` (placed_at, delivered_at) at query time.

``fold`` runs a batch over order_status's rows before and after each event (it depends on
order_status: an order's vendor, and what an event changed).
"""

from __future__ import annotations

from collections import Counter

from ordertrail.domain import events as ev
from ordertrail.domain.state_machine import State
from ordertrail.domain.vendors import DAILY_CAP_CODES
from ordertrail.domain.vocabulary import HoldCause
from ordertrail.projections.decode import OrderFact, as_event
from ordertrail.projections.order_status.fold import OrderChanges
from ordertrail.projections.order_status.rows import OrderStatusRow
from ordertrail.projections.vendor_daily.rows import DayCount

CAP_CODES = DAILY_CAP_CODES
COUNTERS = (
    "requested", "placed", "rejected", "declined", "failed", "cancelled", "completed",
    "placed_against_cap",
)
DECLINED_PREFIX = "declined:"

_BY_TOPIC: dict[str, str] = {
    ev.OrderRequested.TOPIC: "requested",
    ev.OrderPlaced.TOPIC: "placed",
    ev.OrderRejected.TOPIC: "rejected",
    ev.PaymentDeclined.TOPIC: "declined",
    ev.Failed.TOPIC: "failed",
    ev.Cancelled.TOPIC: "cancelled",
}
_DECLINED = ev.PaymentDeclined.TOPIC
_COMPLETED = State.COMPLETED.value
_new = tuple.__new__
_SUBMISSION_FAILED = ev.SubmissionFailed.TOPIC
_HELD = ev.SubmissionHeld.TOPIC
_COST = ev.CostRecorded.TOPIC
_CAP_TOPICS = frozenset((_SUBMISSION_FAILED, _HELD))
"""The topics ``_against_cap`` looks into (a set test is cheaper than its call)."""
_NAMED = frozenset(_BY_TOPIC) | _CAP_TOPICS
"""The topics ``apply`` may count whatever the order's rows (declines are in ``_BY_TOPIC``)."""


SPEND_CENTS = "spend_cents"
"""Hundredths of the vendors' stated costs, summed by the day each cost was recorded."""
PRICED = "priced"
"""Orders whose cost is known (placed orders without one are shown as unknown, not as zero)."""


def fold(orders: OrderChanges) -> Counter[DayCount]:
    """What the batch adds to each counter (a count, or hundredths for SPEND_CENTS)."""
    counters: Counter[DayCount] = Counter()
    for _, old, events, after in orders.trails:
        for (_, event), new in zip(events, after, strict=True):
            topic = event.TOPIC
            delivered = new.delivered_at is not None and (old is None or old.delivered_at is None)
            if topic in _NAMED or new.state == _COMPLETED or delivered:
                for count in apply(old, new, event):
                    counters[count] += 1
            # else ``apply`` would count nothing: no counted topic, completion or delivery
            if topic == _COST:
                for count, amount in spend(old, new, event):
                    counters[count] += amount
            old = new
    return counters


def apply(old: OrderStatusRow | None, new: OrderStatusRow, event: OrderFact) -> list[DayCount]:
    """The counters ``event`` (domain event or Struct) adds one to, given the row before and after.
    A cost adds its amount to SPEND_CENTS instead: see ``spend``."""
    topic = event.TOPIC
    metrics: list[str] = []
    named = _BY_TOPIC.get(topic)
    if named is not None:
        metrics.append(named)
    if topic == _DECLINED:
        metrics.append(DECLINED_PREFIX + as_event(ev.PaymentDeclined, event).reason_code)
    elif topic in _CAP_TOPICS and _against_cap(topic, event):
        metrics.append("placed_against_cap")
    was = old.state if old is not None else None
    if new.state == _COMPLETED and was != _COMPLETED:
        metrics.append("completed")
    if new.delivered_at is not None and (old is None or old.delivered_at is None):
        metrics.append("delivered")
    if not metrics:
        return []
    day = event.timestamp.date()
    vendor = new.vendor
    return [_new(DayCount, (vendor, day, metric)) for metric in metrics]


def _against_cap(topic: str, event: OrderFact) -> bool:
    """The vendor refused a submission for its daily cap, or a submission was held for one."""
    if topic == _SUBMISSION_FAILED:
        return as_event(ev.SubmissionFailed, event).vendor_code in CAP_CODES
    return topic == _HELD and as_event(ev.SubmissionHeld, event).cause == HoldCause.DAILY_CAP


def spend(
    old: OrderStatusRow | None, new: OrderStatusRow, event: OrderFact
) -> list[tuple[DayCount, int]]:
    """What a recorded cost adds to the day's spend (the change from the order's last cost),
    and the order counted as priced the first time it has one."""
    if event.TOPIC != _COST:
        return []
    before = old.amount_cents if old is not None else None
    day, vendor = event.timestamp.date(), new.vendor
    added = [(_new(DayCount, (vendor, day, SPEND_CENTS)), (new.amount_cents or 0) - (before or 0))]
    if before is None:
        added.append((_new(DayCount, (vendor, day, PRICED)), 1))
    return added
