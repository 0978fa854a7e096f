"""The pure fold: which outcome each event counts under, in which hour (no I/O)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from ordertrail.domain import events as ev
from ordertrail.projections.decode import OrderFact, as_event
from ordertrail.projections.order_status.fold import OrderChanges


class HourCount(NamedTuple):
    vendor: str
    hour: datetime
    outcome: str


_PLAIN: dict[str, str] = {
    ev.SubmissionAttempted.TOPIC: "submitted",
    ev.OrderPlaced.TOPIC: "placed",
    ev.SubmissionOutcomeUnknown.TOPIC: "outcome_unknown",
    ev.OrderRejected.TOPIC: "rejected",
    ev.PaymentDeclined.TOPIC: "declined",
    ev.StatusChanged.TOPIC: "status",
    ev.ResultRetrieved.TOPIC: "retrieved",
}
_FAILED = ev.SubmissionFailed.TOPIC
_TROUBLE = ev.TroubleObserved.TOPIC


def outcome(topic: str, event: OrderFact) -> str | None:
    """The outcome ``event`` counts under, or None when it records no answer of a vendor."""
    if topic == _FAILED:
        return _failed(as_event(ev.SubmissionFailed, event).classification)
    if topic == _TROUBLE:
        return _trouble(as_event(ev.TroubleObserved, event).trouble)
    return _PLAIN.get(topic)


def recorded_outcome(topic: str, fields: Mapping[str, Any]) -> str | None:
    """``outcome`` of an event as its history records it (its fields by name)."""
    if topic == _FAILED:
        return _failed(fields["classification"])
    if topic == _TROUBLE:
        return _trouble(fields["trouble"])
    return _PLAIN.get(topic)


def _failed(classification: str) -> str:
    return f"failed:{classification}"


def _trouble(trouble: str) -> str:
    return f"trouble:{trouble}"


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def fold(orders: OrderChanges) -> Counter[HourCount]:
    """The counts the batch's order events add, keyed by (vendor, hour, outcome); each
    order's vendor is its order_status row's.

    An hour is worked out only when an event leaves the hour of the one before: a batch's
    events mostly share a few hours, and ``datetime.replace`` costs more than the rest of an
    event's counting."""
    counts: dict[tuple[str, datetime, str], int] = {}
    found = counts.get
    plain = _PLAIN.get
    hour = end = _NEVER
    for _, _, events, after in orders.trails:
        vendor = after[0].vendor
        for _, event in events:
            topic = event.TOPIC
            name = plain(topic) or outcome(topic, event)
            if name is None:
                continue
            moment = event.timestamp
            if not hour <= moment < end:
                hour = hour_of(moment)
                end = hour + _HOUR
            key = (vendor, hour, name)
            counts[key] = found(key, 0) + 1
    return Counter({HourCount(*key): n for key, n in counts.items()})


_HOUR = timedelta(hours=1)
_NEVER = datetime.min.replace(tzinfo=UTC)
