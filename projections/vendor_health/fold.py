"""The pure fold: which outcome each event counts under, in which hour (no I/O)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

from ordertrail.domain import events as ev
from ordertrail.domain.connector import Connector
from ordertrail.projections.decode import Decoded, OrderFact, as_event


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


def fold(events: Sequence[tuple[int, Decoded]], vendor_of: Mapping[UUID, str]) -> Counter[HourCount]:
    """The counts ``events`` add, keyed by (vendor, hour, outcome)."""
    counts: Counter[HourCount] = Counter()
    for _, event in events:
        if isinstance(event, Connector.Event):
            continue
        vendor = vendor_of[event.originator_id]
        found = outcome(event.TOPIC, event)
        if found is not None:
            counts[HourCount(vendor, hour_of(event.timestamp), found)] += 1
    return counts
