"""attention as a registered read model: fold over order_status's rows, replace changed
orders' entries by column name, queue the new ones for the webhook."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

import sqlalchemy as sa

from ordertrail.domain.tracker import Tracker
from ordertrail.projections import alerts, sealed
from ordertrail.projections.attention import fold as folding
from ordertrail.projections.attention.check import NAME, AttentionCheck
from ordertrail.projections.attention.fold import AttentionChanges, Entries
from ordertrail.projections.attention.rows import AttentionEntry, AttentionRow
from ordertrail.projections.attention.table import TABLE
from ordertrail.projections.order_status.check import NAME as ORDER_STATUS
from ordertrail.projections.order_status.fold import OrderChanges
from ordertrail.projections.read_model import Batch, Computed, result
from ordertrail.projections.target import Target


class AttentionModel:
    name = NAME
    depends_on: tuple[str, ...] = (ORDER_STATUS,)
    tables: tuple[sa.Table, ...] = (TABLE,)

    def load(self, target: Target, batch: Batch, computed: Computed) -> dict[UUID, Entries]:
        """The stored entries of the touched orders that had a row before the batch."""
        table = target.table(TABLE)
        query = sa.select(table.c.order_id, table.c.kind, table.c.ref, table.c.reason,
                          table.c.since)
        found: dict[UUID, Entries] = {}
        ids = list(result(computed, ORDER_STATUS, OrderChanges).before)
        for row in target.among(query, table.c.order_id, ids):
            entry = AttentionEntry(row.kind, row.ref, row.reason, row.since)
            found.setdefault(row.order_id, {})[(row.kind, row.ref)] = entry
        return found

    def fold(self, batch: Batch, prior: dict[UUID, Entries],
             computed: Computed) -> AttentionChanges:
        return folding.fold(result(computed, ORDER_STATUS, OrderChanges), prior)

    def store(self, target: Target, changes: AttentionChanges) -> None:
        changed = changes.changed()
        if target.sealed:
            changed = {oid: sealed.entries(found) for oid, found in changed.items()}
        gone = [target.bulk.uuid(oid) for oid in changed if oid in changes.previous]
        if gone:
            table = target.table(TABLE)
            placeholder = "%s" if target.bulk.postgres else "?"
            name = table.name.replace('"', '""')
            target.conn.exec_driver_sql(f'DELETE FROM "{name}" WHERE order_id = {placeholder}',
                                        [(key,) for key in gone])
        vendors = changes.vendors
        target.insert(TABLE, [AttentionRow(oid, e.kind, e.ref, vendors[oid], e.reason, e.since)
                              for oid, found in changed.items() for e in found.values()])
        if target.alerts:
            _queue_alerts(target.conn, vendors, changes.previous, changed)

    def check(self, tracker: Tracker, redact: bool) -> AttentionCheck:
        return AttentionCheck()


def _queue_alerts(conn: sa.Connection, vendors: Mapping[UUID, str],
                  before: Mapping[UUID, Entries], after: Mapping[UUID, Entries]) -> None:
    appeared = alerts.appeared_on_orders(vendors, before, after)
    if appeared:
        alerts.queue(conn, appeared, alerts.enabled_since(conn))


READ_MODEL = AttentionModel()
