"""The thin SQL writer: one transaction per batch, row changes and tracking position together.

Exactly once: the batch's first statement is a compare-and-set of the tracking
row (``UPDATE ... SET position = :last WHERE name = :name AND position = :expected``).
If it changes no row, another delivery of this position already committed (or
is committing: PostgreSQL makes us wait for it, then re-checks), and the
database's answer, not an earlier read, refuses the batch. ``audit_log``'s
primary key (order_id, version) refuses a repeated event a second time over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from domain.events import OrderEvent
from projections.errors import DuplicateDeliveryError
from projections.fold import Changes, Entries, fold
from projections.models import ProjectionTracking
from projections.rows import AttentionEntry, OrderStatusRow
from projections.tables import TableSet

TRACKING: sa.Table = ProjectionTracking.__table__  # type: ignore[assignment]


class Writer:
    """Writes batches of events into one ``TableSet`` under one tracking ``name``."""

    def __init__(self, engine: sa.Engine, tables: TableSet, name: str) -> None:
        self.engine = engine
        self.tables = tables
        self.name = name
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        self._insert = dialect.insert

    def position(self) -> int:
        """The last applied notification id (0 before the first), creating the row if needed."""
        with self.engine.begin() as conn:
            conn.execute(
                self._insert(TRACKING).values(name=self.name, position=0).on_conflict_do_nothing()
            )
            found = conn.scalar(sa.select(TRACKING.c.position).where(TRACKING.c.name == self.name))
        return int(found or 0)

    def write(self, expected: int, last: int, events: Sequence[tuple[int, OrderEvent]]) -> None:
        """Apply ``events`` and move the position from ``expected`` to ``last``, atomically."""
        with self.engine.begin() as conn:
            advance(conn, self.name, expected, last)
            if events:
                ids = list({event.originator_id for _, event in events})
                changes = fold(events, self._orders(conn, ids), self._entries(conn, ids))
                self._store(conn, changes)

    def _orders(self, conn: sa.Connection, ids: list[UUID]) -> dict[UUID, OrderStatusRow]:
        table = self.tables.order_status
        columns = [table.c[name] for name in OrderStatusRow._fields]
        rows = conn.execute(sa.select(*columns).where(table.c.order_id.in_(ids)))
        return {row.order_id: OrderStatusRow._make(row) for row in rows}

    def _entries(self, conn: sa.Connection, ids: list[UUID]) -> dict[UUID, Entries]:
        table = self.tables.attention
        found: dict[UUID, Entries] = {}
        query = sa.select(table.c.order_id, table.c.kind, table.c.ref, table.c.reason, table.c.since)
        for row in conn.execute(query.where(table.c.order_id.in_(ids))):
            entry = AttentionEntry(row.kind, row.ref, row.reason, row.since)
            found.setdefault(row.order_id, {})[(row.kind, row.ref)] = entry
        return found

    def _store(self, conn: sa.Connection, changes: Changes) -> None:
        t = self.tables
        self._upsert(conn, t.order_status, [r._asdict() for r in changes.orders.values()],
                     lambda stmt: {c.name: stmt.excluded[c.name] for c in t.order_status.columns
                                   if not c.primary_key})
        conn.execute(sa.delete(t.attention).where(t.attention.c.order_id.in_(list(changes.attention))))
        vendors = {oid: row.vendor for oid, row in changes.orders.items()}
        entries = [
            {"order_id": oid, "vendor": vendors[oid], **entry._asdict()}
            for oid, found in changes.attention.items() for entry in found.values()
        ]
        if entries:
            conn.execute(sa.insert(t.attention), entries)
        conn.execute(sa.insert(t.audit_log), [row._asdict() for row in changes.audit])
        counts = [{**key._asdict(), "count": n} for key, n in changes.counters.items()]
        self._upsert(conn, t.vendor_daily, counts,
                     lambda stmt: {"count": t.vendor_daily.c.count + stmt.excluded["count"]})

    def _upsert(self, conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]],
                update: Any) -> None:
        if not rows:
            return
        stmt = self._insert(table)
        keys = list(table.primary_key.columns)
        conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=update(stmt)), rows)


def advance(conn: sa.Connection, name: str, expected: int, last: int) -> None:
    """Compare-and-set the tracking row; raise DuplicateDeliveryError when the database refuses."""
    moved = conn.execute(
        sa.update(TRACKING)
        .where(TRACKING.c.name == name, TRACKING.c.position == expected)
        .values(position=last)
    )
    if moved.rowcount != 1:
        raise DuplicateDeliveryError(name, expected)
