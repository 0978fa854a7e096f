"""ReadModels: the queries users and reporting tools run; they read only the read-model tables.

Each method opens a connection and asks one read model's ``queries`` module (in its folder).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import sqlalchemy as sa

from ordertrail.adapters.store.engines import engine_for
from ordertrail.projections.attention import queries as attention
from ordertrail.projections.attention.queries import ACK_OVERDUE
from ordertrail.projections.attention.rows import AttentionItem
from ordertrail.projections.audit_log import queries as audit_log
from ordertrail.projections.audit_log.rows import AuditRow
from ordertrail.projections.connectors import queries as connectors
from ordertrail.projections.connectors.rows import ConnectorRow
from ordertrail.projections.models import ProjectionTracking
from ordertrail.projections.order_status import queries as order_status
from ordertrail.projections.order_status.queries import span
from ordertrail.projections.order_status.rows import OrderFilter, OrderStatusRow, StuckLimits
from ordertrail.projections.schema import prepare
from ordertrail.projections.vendor_daily import queries as vendor_daily
from ordertrail.projections.vendor_daily.rows import VendorDayReport
from ordertrail.projections.vendor_health.queries import VendorHealth, health

__all__ = ["ACK_OVERDUE", "DEFAULT_ACK_GRACE", "ReadModels", "open_read_models", "span"]

DEFAULT_ACK_GRACE = timedelta(minutes=30)


class ReadModels:
    """Queries over every read model, on one engine."""

    def __init__(self, engine: sa.Engine, ack_grace: timedelta = DEFAULT_ACK_GRACE) -> None:
        self.engine = engine
        self.ack_grace = ack_grace

    def list_orders(self, f: OrderFilter) -> list[OrderStatusRow]:
        """Orders matching ``f``, most recently requested first (after ``f.after``)."""
        with self.engine.connect() as conn:
            return order_status.list_orders(conn, f)

    def count_orders(self, f: OrderFilter) -> int:
        """How many orders match ``f``'s filters (its paging and limit aside)."""
        with self.engine.connect() as conn:
            return order_status.count_orders(conn, f)

    def get_order_row(self, order_id: UUID) -> OrderStatusRow | None:
        with self.engine.connect() as conn:
            return order_status.get_order_row(conn, order_id)

    def attention(
        self, now: datetime | None = None, stuck: StuckLimits | None = None
    ) -> list[AttentionItem]:
        """What a person must act on, oldest first: each order's items (awaited acks only once
        overdue at ``now``), each vendor account's, and with ``stuck`` the stuck orders."""
        cutoff = (now or datetime.now(UTC)) - self.ack_grace
        with self.engine.connect() as conn:
            items = attention.items(conn, cutoff)
        if stuck is not None:
            items = attention.with_stuck(items, self.stuck(stuck, now))
        return sorted(items, key=lambda i: (i.since, i.vendor, str(i.order_id or ""), i.ref))

    def stuck(self, limits: StuckLimits, now: datetime | None = None) -> list[AttentionItem]:
        """Open orders in a state past its age limit (``STUCK``, the state as ``ref``), oldest
        first; orders held for a known cause (on the vendor's item) are left out."""
        with self.engine.connect() as conn:
            return order_status.stuck(conn, limits, now or datetime.now(UTC))

    def connectors(self) -> list[ConnectorRow]:
        """Every vendor account's connector row."""
        with self.engine.connect() as conn:
            return connectors.connector_rows(conn)

    def connector_entries(self) -> list[tuple[str, str, str, str]]:
        """(vendor, kind, ref, reason) of every vendor account's attention row."""
        with self.engine.connect() as conn:
            return connectors.connector_entries(conn)

    def attention_entries(self, order_id: UUID) -> list[tuple[str, str, str]]:
        """(kind, ref, reason) of every stored entry of one order, overdue or not."""
        with self.engine.connect() as conn:
            return attention.entries(conn, order_id)

    def vendor_report(self, days: int, today: datetime | None = None) -> list[VendorDayReport]:
        """Per vendor and UTC day over the last ``days`` days (today included), plus totals."""
        with self.engine.connect() as conn:
            return vendor_daily.vendor_report(conn, days, today)

    def audit(self, order_id: UUID | None = None, limit: int = 1000) -> list[AuditRow]:
        """Flat event rows in store order, for one order or all."""
        with self.engine.connect() as conn:
            return audit_log.audit(conn, order_id, limit)

    def rows_of(
        self, order_ids: list[UUID]
    ) -> tuple[dict[UUID, OrderStatusRow], dict[UUID, list[tuple[str, str]]], dict[UUID, int]]:
        """For many orders at once: their order_status rows, their attention entries (kind,
        ref) and how many audit rows each has."""
        with self.engine.connect() as conn:
            return (order_status.rows_of(conn, order_ids), attention.kinds_of(conn, order_ids),
                    audit_log.counts(conn, order_ids))

    def audit_count(self, order_id: UUID) -> int:
        with self.engine.connect() as conn:
            return audit_log.count(conn, order_id)

    def order_count(self) -> int:
        with self.engine.connect() as conn:
            return order_status.order_count(conn)

    def state_counts(self) -> dict[tuple[str, str], int]:
        """How many orders each (vendor, state) holds (for metrics: one grouped query)."""
        with self.engine.connect() as conn:
            return order_status.state_counts(conn)

    def oldest_open(self) -> dict[tuple[str, str], datetime]:
        """When the longest-waiting open order of each (vendor, state) entered that state."""
        with self.engine.connect() as conn:
            return order_status.oldest_open(conn)

    def tracking_position(self, name: str = "read_models") -> int:
        """The last notification id the read models hold (0 before the first batch)."""
        query = sa.select(ProjectionTracking.position).where(ProjectionTracking.name == name)
        with self.engine.connect() as conn:
            return int(conn.scalar(query) or 0)

    def metric_totals(self, metric: str) -> dict[str, int]:
        """One vendor_daily metric summed over all days, per vendor."""
        with self.engine.connect() as conn:
            return vendor_daily.metric_totals(conn, metric)

    def vendor_health(self, now: datetime | None = None) -> list[VendorHealth]:
        """Per vendor: outcomes over the last hour and day, today's submissions, the last
        successful call and the oldest open order (``projections/vendor_health``)."""
        with self.engine.connect() as conn:
            return health(conn, now)

    def close(self) -> None:
        self.engine.dispose()


def open_read_models(url: str, auto_upgrade: bool = True) -> ReadModels:
    """The read models of the store at ``url``; the schema is upgraded or checked first."""
    engine = engine_for(url)
    try:
        prepare(engine, auto_upgrade)
    except BaseException:
        engine.dispose()
        raise
    return ReadModels(engine)
