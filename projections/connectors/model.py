"""connector_status and connector_attention as one registered read model: a vendor account's
connector, folded from its own events (few and rare: plain statements, by column name)."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

import sqlalchemy as sa

from ordertrail.domain.connector import Connector, Notice, notice_key
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.vocabulary import AttentionKind
from ordertrail.projections import alerts, sealed
from ordertrail.projections.connectors import fold as folding
from ordertrail.projections.connectors.check import NAME, ConnectorsCheck
from ordertrail.projections.connectors.fold import ConnectorChanges
from ordertrail.projections.connectors.rows import ConnectorRow, NoticeRow, Notices
from ordertrail.projections.connectors.table import ATTENTION, STATUS
from ordertrail.projections.read_model import Batch, Computed
from ordertrail.projections.target import Target

Prior = tuple[list[Connector.Event], dict[UUID, ConnectorRow], dict[UUID, Notices]]
"""The batch's connector events, and the touched connectors' rows and notices before it."""


class ConnectorsModel:
    name = NAME
    depends_on: tuple[str, ...] = ()
    tables: tuple[sa.Table, ...] = (STATUS, ATTENTION)

    def load(self, target: Target, batch: Batch, computed: Computed) -> Prior:
        events = folding.connector_events(batch)
        if not events:
            return events, {}, {}
        ids = folding.touched(events)
        status, table = target.table(STATUS), target.table(ATTENTION)
        rows = {row.connector_id: ConnectorRow._make(row) for row in target.conn.execute(
            sa.select(*[status.c[n] for n in ConnectorRow._fields])
            .where(status.c.connector_id.in_(ids)))}
        notices: dict[UUID, Notices] = {}
        for row in target.conn.execute(sa.select(table).where(table.c.connector_id.in_(ids))):
            kind = AttentionKind(row.kind)
            notices.setdefault(row.connector_id, {})[notice_key(kind, row.ref)] = Notice(
                kind, row.ref, row.reason, row.since)
        return events, rows, notices

    def fold(self, batch: Batch, prior: Prior, computed: Computed) -> ConnectorChanges:
        return folding.fold(*prior)

    def store(self, target: Target, changes: ConnectorChanges) -> None:
        if not changes.rows:
            return
        notices = changes.notices
        if target.sealed:
            notices = {cid: sealed.notices(found) for cid, found in notices.items()}
        conn, status, table = target.conn, target.table(STATUS), target.table(ATTENTION)
        for cid, row in changes.rows.items():
            conn.execute(sa.delete(status).where(status.c.connector_id == cid))
            conn.execute(sa.insert(status).values(row._asdict()))
            conn.execute(sa.delete(table).where(table.c.connector_id == cid))
            for notice in notices.get(cid, {}).values():
                conn.execute(sa.insert(table).values(NoticeRow(
                    cid, notice.kind.value, notice.ref, row.vendor, notice.reason,
                    notice.since)._asdict()))
        if target.alerts:
            _queue_alerts(conn, {cid: row.vendor for cid, row in changes.rows.items()},
                          changes.previous, notices)

    def check(self, tracker: Tracker, redact: bool) -> ConnectorsCheck:
        return ConnectorsCheck(tracker, redact)


def _queue_alerts(conn: sa.Connection, vendors: Mapping[UUID, str],
                  before: Mapping[UUID, Notices], after: Mapping[UUID, Notices]) -> None:
    appeared = alerts.appeared_on_connectors(vendors, before, after)
    if appeared:
        alerts.queue(conn, appeared, alerts.enabled_since(conn))


READ_MODEL = ConnectorsModel()
