"""Read the store's notification log after a position and decode the order events in it."""

from __future__ import annotations

from dataclasses import dataclass

from domain.events import ORDER_EVENT_CLASSES, OrderEvent
from domain.tracker import Tracker

ORDER_TOPICS = frozenset(cls.TOPIC for cls in ORDER_EVENT_CLASSES)
"""The store also holds claims and day counters; only these topics are projected."""


@dataclass(frozen=True)
class Batch:
    last: int
    """The id of the last notification read (the position to record), or the start if none."""
    events: list[tuple[int, OrderEvent]]


def read_batch(tracker: Tracker, after: int, limit: int) -> Batch:
    """Up to ``limit`` notifications after ``after``; order events decoded, the rest skipped."""
    notifications = tracker.recorder.select_notifications(after + 1, limit)
    if not notifications:
        return Batch(after, [])
    decode = tracker.mapper.to_domain_event
    events: list[tuple[int, OrderEvent]] = []
    for notification in notifications:
        if notification.topic in ORDER_TOPICS:
            event = decode(notification)
            if isinstance(event, OrderEvent):
                events.append((notification.id, event))
    return Batch(notifications[-1].id, events)
