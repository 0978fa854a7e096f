"""The thin SQL writer: one transaction per batch, row changes and tracking position together.

Exactly once: the batch's first statement is a compare-and-set of the tracking
row (``UPDATE ... SET position = :last WHERE name = :name AND position = :expected``).
If it changes no row, another delivery of this position already committed (or
is committing: PostgreSQL makes us wait for it, then re-checks), and the
database's answer, not an earlier read, refuses the batch. ``audit_log``'s
primary key (order_id, version) refuses a repeated event a second time over.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ordertrail.adapters.common import crashpoints
from ordertrail.domain.connector import Notice, notice_key
from ordertrail.domain.events import OrderRequested
from ordertrail.domain.vocabulary import AttentionKind
from ordertrail.projections import alerts, sealed
from ordertrail.projections.bulk import Bulk
from ordertrail.projections.decode import Decoded
from ordertrail.projections.errors import DuplicateDeliveryError
from ordertrail.projections.fold import Changes, Entries, fold
from ordertrail.projections.logic.connectors import Notices, is_connector_event
from ordertrail.projections.models import ProjectionTracking
from ordertrail.projections.registry import READ_MODELS
from ordertrail.projections.rows import AttentionEntry, ConnectorRow, OrderStatusRow
from ordertrail.projections.tables import TableSet

TRACKING: sa.Table = ProjectionTracking.__table__  # type: ignore[assignment]
REQUESTED = OrderRequested.TOPIC


class Writer:
    """Writes batches of events into one ``TableSet`` under one tracking ``name``."""

    def __init__(self, engine: sa.Engine, tables: TableSet, name: str,
                 alerts: bool = False, sealed: bool = False) -> None:
        """``alerts``: queue each new attention item for the webhook (the live tables only: a
        rebuild refolds history, which is not news). ``sealed``: the store is encrypted, so
        keep no free text (``ordertrail.projections.sealed``)."""
        self.engine = engine
        self.tables = tables
        self.name = name
        self.alerts = alerts
        self.sealed = sealed
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        self._insert = dialect.insert
        self.bulk = Bulk(engine.dialect.name)
        attention = tables.attention.name.replace('"', '""')
        placeholder = "%s" if self.bulk.postgres else "?"
        self._delete_entries = f'DELETE FROM "{attention}" WHERE order_id = {placeholder}'
        self._status_columns = _converters(tables.order_status, OrderStatusRow._fields, self.bulk)

    def position(self) -> int:
        """The last applied notification id (0 before the first), creating the row if needed."""
        with self.engine.begin() as conn:
            conn.execute(
                self._insert(TRACKING).values(name=self.name, position=0).on_conflict_do_nothing()
            )
            found = conn.scalar(sa.select(TRACKING.c.position).where(TRACKING.c.name == self.name))
        return int(found or 0)

    def write(self, expected: int, last: int, events: Sequence[tuple[int, Decoded]]) -> None:
        """Apply ``events`` and move the position from ``expected`` to ``last``, atomically."""
        with self.engine.begin() as conn:
            advance(conn, self.name, expected, last)
            if events:
                ids = _known_before(events)
                touched = _connectors_of(events)
                changes = fold(events, self._orders(conn, ids), self._entries(conn, ids),
                               *self._connectors(conn, touched))
                if self.sealed:
                    changes = sealed.changes(changes)
                self._store(conn, changes)
                self._store_connectors(conn, changes)
                vendor_of = {oid: row.vendor for oid, row in changes.orders.items()}
                for model in READ_MODELS:
                    model.store(conn, self.tables.of(model), model.fold(events, vendor_of),
                                self.bulk)
                if self.alerts:
                    self._queue_alerts(conn, changes)
            crashpoints.crash_point("projection_before_commit")  # rows written, not committed

    def _orders(self, conn: sa.Connection, ids: list[UUID]) -> dict[UUID, OrderStatusRow]:
        table = self.tables.order_status
        columns = [table.c[name] for name in OrderStatusRow._fields]
        query = sa.select(*columns).where(self._among(table.c.order_id))
        found: dict[UUID, OrderStatusRow] = {}
        for chunk in self._chunks(ids):
            for row in conn.execute(query, {"ids": chunk}):
                found[row.order_id] = OrderStatusRow._make(row)
        return found

    def _entries(self, conn: sa.Connection, ids: list[UUID]) -> dict[UUID, Entries]:
        table = self.tables.attention
        found: dict[UUID, Entries] = {}
        query = sa.select(table.c.order_id, table.c.kind, table.c.ref, table.c.reason, table.c.since)
        query = query.where(self._among(table.c.order_id))
        for chunk in self._chunks(ids):
            for row in conn.execute(query, {"ids": chunk}):
                entry = AttentionEntry(row.kind, row.ref, row.reason, row.since)
                found.setdefault(row.order_id, {})[(row.kind, row.ref)] = entry
        return found

    def _connectors(
        self, conn: sa.Connection, ids: list[UUID]
    ) -> tuple[dict[UUID, ConnectorRow], dict[UUID, Notices]]:
        if not ids:
            return {}, {}
        status, table = self.tables.connector_status, self.tables.connector_attention
        rows = {
            row.connector_id: ConnectorRow._make(row)
            for row in conn.execute(sa.select(*[status.c[n] for n in ConnectorRow._fields])
                                    .where(status.c.connector_id.in_(ids)))
        }
        notices: dict[UUID, Notices] = {}
        for row in conn.execute(sa.select(table).where(table.c.connector_id.in_(ids))):
            kind = AttentionKind(row.kind)
            notices.setdefault(row.connector_id, {})[notice_key(kind, row.ref)] = Notice(
                kind, row.ref, row.reason, row.since)
        return rows, notices

    def _store_connectors(self, conn: sa.Connection, changes: Changes) -> None:
        """Connectors are few and their events rare: plain SQLAlchemy statements."""
        if not changes.connectors:
            return
        status, table = self.tables.connector_status, self.tables.connector_attention
        for cid, row in changes.connectors.items():
            conn.execute(sa.delete(status).where(status.c.connector_id == cid))
            conn.execute(sa.insert(status).values(row._asdict()))
            conn.execute(sa.delete(table).where(table.c.connector_id == cid))
            for notice in changes.notices.get(cid, {}).values():
                conn.execute(sa.insert(table).values(
                    connector_id=cid, kind=notice.kind.value, ref=notice.ref, vendor=row.vendor,
                    reason=notice.reason, since=notice.since))

    def _queue_alerts(self, conn: sa.Connection, changes: Changes) -> None:
        orders = {oid: row.vendor for oid, row in changes.orders.items()}
        connectors = {cid: row.vendor for cid, row in changes.connectors.items()}
        appeared = [
            *alerts.appeared_on_orders(orders, changes.previous, changes.attention),
            *alerts.appeared_on_connectors(connectors, changes.previous_notices, changes.notices),
        ]
        if appeared:
            alerts.queue(conn, appeared, alerts.enabled_since(conn))

    def _store(self, conn: sa.Connection, changes: Changes) -> None:
        t, bulk, before = self.tables, self.bulk, changes.previous
        uuid, dt = bulk.uuid, bulk.datetime
        keys = {oid: uuid(oid) for oid in changes.orders}
        bulk.upsert(conn, t.order_status, [self._status_values(r) for r in changes.orders.values()])
        # An order's entries are replaced only when they changed; most batches change few.
        changed = {oid: new for oid, new in changes.attention.items() if new != before.get(oid, {})}
        gone = [(keys[oid],) for oid in changed if oid in before]
        if gone:
            conn.exec_driver_sql(self._delete_entries, gone)
        bulk.insert(conn, t.attention, [
            (keys[oid], e.kind, e.ref, changes.orders[oid].vendor, e.reason, dt(e.since))
            for oid, found in changed.items() for e in found.values()
        ])
        bulk.insert(conn, t.audit_log, [
            (keys[a[0]], a[1], a[2], a[3], dt(a[4]), dt(a[5]), a[6], a[7], a[8], a[9])
            for a in changes.audit
        ])
        day = bulk.date
        bulk.upsert(conn, t.vendor_daily, [
            (k.vendor, day(k.day), k.metric, n) for k, n in changes.counters.items()
        ], add="count")


    def _status_values(self, row: OrderStatusRow) -> tuple[Any, ...]:
        """``row``'s values in the order_status table's column order, as the driver takes them."""
        return tuple(convert(row[i]) for i, convert in self._status_columns)

    def _among(self, column: sa.Column[UUID]) -> sa.ColumnElement[bool]:
        """``column`` is one of the bound list ``ids``: one array parameter on PostgreSQL."""
        if self.bulk.postgres:
            return column == sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(column.type)))
        return column.in_(sa.bindparam("ids", expanding=True))

    def _chunks(self, ids: list[UUID]) -> list[list[UUID]]:
        """Keeps SQLite's ``IN (...)`` under its bound-parameter limit."""
        if self.bulk.postgres:
            return [ids]
        return [ids[i:i + 5000] for i in range(0, len(ids), 5000)]


def _connectors_of(events: Sequence[tuple[int, Decoded]]) -> list[UUID]:
    return list(dict.fromkeys(e.originator_id for _, e in events if is_connector_event(e)))


def _known_before(events: Sequence[tuple[int, Decoded]]) -> list[UUID]:
    """The orders of ``events`` that can have rows already: those whose first event in the
    batch is not their OrderRequested. An order requested within the batch has no rows yet,
    so a catch-up over a long history looks up few orders instead of every one it touches."""
    first: dict[UUID, bool] = {}
    for _, event in events:
        if is_connector_event(event):
            continue
        if event.originator_id not in first:
            first[event.originator_id] = event.TOPIC != REQUESTED
    return [oid for oid, known in first.items() if known]


def _converters(
    table: sa.Table, fields: Sequence[str], bulk: Bulk
) -> list[tuple[int, Callable[[Any], Any]]]:
    """For each of ``table``'s columns in order: the index of the row field of that name, and
    how the driver takes its value (UUIDs and times differ by database)."""
    def same(value: Any) -> Any:
        return value

    found = []
    for column in table.columns:
        kind = type(column.type).__name__
        convert = bulk.uuid if kind == "Uuid" else bulk.datetime if kind == "UTCDateTime" else same
        found.append((fields.index(column.name), convert))
    return found


def advance(conn: sa.Connection, name: str, expected: int, last: int) -> None:
    """Compare-and-set the tracking row; raise DuplicateDeliveryError when the database refuses."""
    moved = conn.execute(
        sa.update(TRACKING)
        .where(TRACKING.c.name == name, TRACKING.c.position == expected)
        .values(position=last)
    )
    if moved.rowcount != 1:
        raise DuplicateDeliveryError(name, expected)
