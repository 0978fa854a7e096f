"""The pure fold: which outcome each event counts under, in which hour (no I/O)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import NamedTuple
from uuid import UUID

from ordertrail.domain import events as ev
from ordertrail.projections.decode import Decoded


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


def outcome(topic: str, event: Decoded) -> str | None:
    """The outcome ``event`` counts under, or None when it records no answer of a vendor."""
    if topic == _FAILED:
        return f"failed:{event.classification}"
    if topic == _TROUBLE:
        return f"trouble:{event.trouble}"
    return _PLAIN.get(topic)


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def fold(events: Sequence[tuple[int, Decoded]], vendor_of: Mapping[UUID, str]) -> Counter[HourCount]:
    """The counts ``events`` add, keyed by (vendor, hour, outcome)."""
    counts: Counter[HourCount] = Counter()
    for _, event in events:
        vendor = vendor_of.get(event.originator_id)
        if vendor is None:  # a connector's event
            continue
        found = outcome(event.TOPIC, event)
        if found is not None:
            counts[HourCount(vendor, hour_of(event.timestamp), found)] += 1
    return counts
