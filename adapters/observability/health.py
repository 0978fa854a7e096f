"""Alive and ready: whether this process can answer from current read models.

Ready means three things, checked in this order, the first failure being the reason: the
event store answers; the read-model schema is at the newest migration; and the read models
are not behind the store by more than ``max_lag`` (the age of the oldest event they do not
hold yet). The lag is also a metric (``ordertrail_projection_lag_events`` and ``_seconds``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from eventsourcing.persistence import MapperDeserialisationError, PersistenceError

from ordertrail.domain.errors import UnknownEventTopicError
from ordertrail.domain.tracker import Tracker
from ordertrail.projections import ReadModels
from ordertrail.projections.schema import current, head

DEFAULT_MAX_LAG = 60.0
"""Seconds the read models may trail the store before a process is not ready."""
STORE_TROUBLE = (sa.exc.SQLAlchemyError, PersistenceError, OSError)
UNREADABLE = (UnknownEventTopicError, MapperDeserialisationError)
"""The store's next event cannot be decoded (an event this version does not know)."""


@dataclass(frozen=True)
class Lag:
    events: int
    """Notifications in the store after the read models' position."""
    seconds: float
    """How long ago the oldest of them was recorded (0 when there is none)."""


def projection_lag(tracker: Tracker, models: ReadModels, now: datetime | None = None) -> Lag:
    """How far the read models trail the event store (two small reads and one decode)."""
    newest = int(tracker.recorder.max_notification_id() or 0)
    position = models.tracking_position()
    if newest <= position:
        return Lag(0, 0.0)
    first = tracker.recorder.select_notifications(position + 1, 1)
    event: Any = tracker.mapper.to_domain_event(first[0])
    recorded: datetime = event.timestamp
    age = ((now or datetime.now(UTC)) - recorded).total_seconds()
    return Lag(newest - position, max(0.0, age))


def not_ready(tracker: Tracker, models: ReadModels, max_lag: float = DEFAULT_MAX_LAG,
              now: datetime | None = None) -> str | None:
    """Why this process is not ready, in one line; None when it is."""
    try:
        tracker.recorder.max_notification_id()
    except STORE_TROUBLE as error:
        return f"the event store does not answer ({type(error).__name__})"
    try:
        schema, newest = current(models.engine), head()
        if schema != newest:
            return f"the read-model schema is at {schema or 'nothing'}, not at head {newest}"
        lag = projection_lag(tracker, models, now)
    except STORE_TROUBLE as error:
        return f"the read models cannot be read ({type(error).__name__})"
    except UNREADABLE as error:
        return f"the read models cannot pass the store's next event ({type(error).__name__})"
    if lag.seconds > max_lag:
        return (f"the read models are {lag.events} event(s) and {lag.seconds:.0f}s behind the "
                f"store (limit {max_lag:.0f}s)")
    return None
