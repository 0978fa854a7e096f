"""Read the store's notification log after a position and decode the order events in it.

On the library's SQLite and PostgreSQL recorders (ours subclasses the latter)
one raw query, through the recorder's own connection and error translation,
reads the same rows ``select_notifications`` reads (ordered by notification
id, from the position on), without building a ``Notification`` and a UUID per
row; ``ordertrail.projections.decode`` then turns each order event into a small Struct.
Any other recorder is read through ``select_notifications`` and the mapper.
Gap-free order is the recorders' (SQLite has one writer; our PostgreSQL
recorder commits in notification-id order under its table lock).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Recorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from ordertrail.domain.events import ORDER_EVENT_CLASSES
from ordertrail.domain.tracker import Tracker
from ordertrail.projections.connectors.fold import TOPIC_PREFIX as CONNECTOR_TOPIC_PREFIX
from ordertrail.projections.decode import Decoded, FastDecoder

ORDER_TOPICS = frozenset(cls.TOPIC for cls in ORDER_EVENT_CLASSES)
"""Order topics; the store also holds claims and day counters (not projected) and connectors."""
ORDER_TOPIC_PREFIX = "ordertrail.order:"
"""An order topic this code does not know goes to the mapper, which refuses it by name."""

Row = Sequence[Any]
"""(notification id, originator id, originator version, topic, state)"""
Select = Callable[[int, int], Sequence[Row]]


@dataclass(frozen=True)
class Batch:
    last: int
    """The id of the last notification read (the position to record), or the start if none."""
    events: list[tuple[int, Decoded]]
    order_events: int = 0
    """How many of ``events`` are order events (the rest are connectors')."""


class Source:
    """Reads batches of order events from ``tracker``'s store."""

    def __init__(self, tracker: Tracker) -> None:
        self.decoder = FastDecoder(tracker.mapper)
        self._select = select_for(tracker.recorder)

    def read(self, after: int, limit: int) -> Batch:
        """Up to ``limit`` notifications after ``after``; order events decoded, the rest skipped."""
        rows = self._select(after, limit)
        if not rows:
            return Batch(after, [])
        decode = self.decoder.decode
        ids: dict[Any, UUID] = {}
        events: list[tuple[int, Decoded]] = []
        append = events.append
        connectors = 0
        for position, originator_id, version, topic, state in rows:
            if topic in ORDER_TOPICS or topic.startswith(ORDER_TOPIC_PREFIX):
                oid = ids.get(originator_id)
                if oid is None:
                    oid = ids[originator_id] = _uuid(originator_id)
                append((position, decode(topic, oid, version, state)))
            elif topic.startswith(CONNECTOR_TOPIC_PREFIX):
                connectors += 1
                append((position, self.decoder.connector_event(
                    topic, _uuid(originator_id), version, state)))
        return Batch(rows[-1][0], events, len(events) - connectors)


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)


def select_for(recorder: Recorder) -> Select:
    if isinstance(recorder, SQLiteApplicationRecorder):
        return _sqlite_select(recorder)
    if isinstance(recorder, PostgresApplicationRecorder):
        return _postgres_select(recorder)
    return _library_select(recorder)


def _sqlite_select(recorder: SQLiteApplicationRecorder) -> Select:
    statement = (
        "SELECT rowid, originator_id, originator_version, topic, state "
        f'FROM "{recorder.events_table_name}" WHERE rowid > ? ORDER BY rowid LIMIT ?'
    )

    def select(after: int, limit: int) -> Sequence[Row]:
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, (after, limit))
            rows: Sequence[Row] = cursor.fetchall()
            return rows

    return select


def _postgres_select(recorder: PostgresApplicationRecorder) -> Select:
    statement = SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state "
        "FROM {schema}.{table} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
    ).format(schema=Identifier(recorder.datastore.schema),
             table=Identifier(recorder.events_table_name))

    def select(after: int, limit: int) -> Sequence[Row]:
        with recorder.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(statement, (after, limit), prepare=True)
            return cur.fetchall()

    return select


def _library_select(recorder: Recorder) -> Select:
    select_notifications = recorder.select_notifications  # type: ignore[attr-defined]

    def select(after: int, limit: int) -> Sequence[Row]:
        return [(n.id, n.originator_id, n.originator_version, n.topic, n.state)
                for n in select_notifications(after + 1, limit)]

    return select
