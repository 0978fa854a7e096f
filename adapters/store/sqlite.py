"""The SQLite recorder ordertrail uses: the library's, with a save's events sent in one statement.

The library's application recorder inserts a save's events one ``execute`` at a
time, to read each one's ``lastrowid`` (its notification id). A sync pass saves
thousands of events per transaction, so this subclass sends them in one
``executemany`` and derives the ids instead: within one write transaction
SQLite gives each new row of a rowid table one more than the largest rowid
before it, so the rows of one statement get consecutive ids ending at
``last_insert_rowid()``. A save of one event keeps the library's path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor


class OrdertrailSQLiteRecorder(SQLiteApplicationRecorder):
    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if len(stored_events) < 2:
            return super()._insert_events(c, stored_events, **kwargs)
        c.executemany(self.insert_events_statement, [
            (s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id,
             s.originator_version, s.topic, s.state)
            for s in stored_events
        ])
        c.execute("SELECT last_insert_rowid()")
        last = int(c.fetchone()[0])
        return list(range(last - len(stored_events) + 1, last + 1))
