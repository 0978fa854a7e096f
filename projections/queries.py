"""ReadModels: the queries users and reporting tools run; they read only the read-model tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import sqlalchemy as sa

from ordertrail.adapters.store.engines import engine_for
from ordertrail.domain.state_machine import TERMINAL_STATES
from ordertrail.projections.logic.attention import ACK_PENDING
from ordertrail.projections.models import (
    Attention,
    AuditLog,
    ConnectorAttention,
    ConnectorStatus,
    OrderStatus,
    VendorDaily,
)
from ordertrail.projections.reports import assemble
from ordertrail.projections.rows import (
    AttentionItem,
    AuditRow,
    ConnectorRow,
    OrderFilter,
    OrderStatusRow,
    StuckLimits,
    VendorDayReport,
)
from ordertrail.projections.schema import prepare
from ordertrail.projections.vendor_health.queries import VendorHealth, health

ACK_OVERDUE = "ACK_OVERDUE"
DEFAULT_ACK_GRACE = timedelta(minutes=30)
_STATUS_COLUMNS = [OrderStatus.__table__.c[name] for name in OrderStatusRow._fields]
_AUDIT_COLUMNS = [AuditLog.__table__.c[name] for name in AuditRow._fields]


class ReadModels:
    """Queries over order_status, attention, vendor_daily and audit_log."""

    def __init__(self, engine: sa.Engine, ack_grace: timedelta = DEFAULT_ACK_GRACE) -> None:
        self.engine = engine
        self.ack_grace = ack_grace

    def list_orders(self, f: OrderFilter) -> list[OrderStatusRow]:
        """Orders matching ``f``, most recently requested first."""
        query = sa.select(*_STATUS_COLUMNS)
        if f.vendor is not None:
            query = query.where(OrderStatus.vendor == f.vendor)
        if f.state is not None:
            query = query.where(OrderStatus.state == f.state)
        if f.needs_person is not None:
            query = query.where(OrderStatus.needs_person == f.needs_person)
        if f.open_only:
            query = query.where(OrderStatus.state.not_in([s.value for s in TERMINAL_STATES]))
        query = query.order_by(OrderStatus.requested_at.desc(), OrderStatus.order_id).limit(f.limit)
        with self.engine.connect() as conn:
            return [OrderStatusRow._make(row) for row in conn.execute(query)]

    def get_order_row(self, order_id: UUID) -> OrderStatusRow | None:
        query = sa.select(*_STATUS_COLUMNS).where(OrderStatus.order_id == order_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else OrderStatusRow._make(row)

    def attention(
        self, now: datetime | None = None, stuck: StuckLimits | None = None
    ) -> list[AttentionItem]:
        """What a person must act on, oldest first: each order's items (awaited acks only once
        overdue at ``now``), each vendor account's, and with ``stuck`` the stuck orders."""
        cutoff = (now or datetime.now(UTC)) - self.ack_grace
        orders = (
            sa.select(Attention)
            .where(sa.or_(Attention.kind != ACK_PENDING, Attention.since <= cutoff))
        )
        vendors = sa.select(ConnectorAttention)
        with self.engine.connect() as conn:
            items = [
                AttentionItem(r.order_id, r.vendor, ACK_OVERDUE if r.kind == ACK_PENDING else r.kind,
                              r.reason, r.since, r.ref)
                for r in conn.execute(orders)
            ]
            items += [AttentionItem(None, r.vendor, r.kind, r.reason, r.since, r.ref)
                      for r in conn.execute(vendors)]
        if stuck is not None:
            items = _with_stuck(items, self.stuck(stuck, now))
        return sorted(items, key=lambda i: (i.since, i.vendor, str(i.order_id or ""), i.ref))

    def stuck(self, limits: StuckLimits, now: datetime | None = None) -> list[AttentionItem]:
        """Open orders in a state past its age limit (``STUCK``, the state as ``ref``), oldest
        first; orders held for a known cause (on the vendor's item) are left out."""
        moment = now or datetime.now(UTC)
        table = OrderStatus.__table__
        with self.engine.connect() as conn:
            vendors = list(conn.scalars(sa.select(table.c.vendor).distinct()))
            items = []
            for vendor, state, limit in limits.pairs(vendors):
                query = sa.select(table.c.order_id, table.c.state_since).where(
                    table.c.vendor == vendor, table.c.state == state,
                    table.c.state_since <= moment - limit, table.c.hold.is_(None))
                for order_id, since in conn.execute(query):
                    age = moment - since
                    items.append(AttentionItem(
                        order_id, vendor, "STUCK",
                        f"{state} for {span(age)}, longer than its limit of {span(limit)}",
                        since, state))
        return sorted(items, key=lambda i: (i.since, str(i.order_id)))

    def connectors(self) -> list[ConnectorRow]:
        """Every vendor account's connector row."""
        query = sa.select(*[ConnectorStatus.__table__.c[n] for n in ConnectorRow._fields])
        with self.engine.connect() as conn:
            return sorted((ConnectorRow._make(r) for r in conn.execute(query)),
                          key=lambda r: (r.vendor, r.account))

    def connector_entries(self) -> list[tuple[str, str, str, str]]:
        """(vendor, kind, ref, reason) of every vendor account's attention row."""
        query = sa.select(ConnectorAttention.vendor, ConnectorAttention.kind,
                          ConnectorAttention.ref, ConnectorAttention.reason)
        with self.engine.connect() as conn:
            return sorted(tuple(r) for r in conn.execute(query))  # type: ignore[misc]

    def attention_entries(self, order_id: UUID) -> list[tuple[str, str, str]]:
        """(kind, ref, reason) of every stored entry of one order, overdue or not."""
        query = sa.select(Attention.kind, Attention.ref, Attention.reason).where(
            Attention.order_id == order_id
        )
        with self.engine.connect() as conn:
            return sorted((r.kind, r.ref, r.reason) for r in conn.execute(query))

    def vendor_report(self, days: int, today: datetime | None = None) -> list[VendorDayReport]:
        """Per vendor and UTC day over the last ``days`` days (today included), plus totals."""
        first = (today or datetime.now(UTC)).date() - timedelta(days=days - 1)
        since = datetime(first.year, first.month, first.day, tzinfo=UTC)
        counters = sa.select(VendorDaily.vendor, VendorDaily.day, VendorDaily.metric,
                             VendorDaily.count).where(VendorDaily.day >= first)
        leads = sa.select(OrderStatus.vendor, OrderStatus.placed_at, OrderStatus.delivered_at).where(
            OrderStatus.delivered_at >= since, OrderStatus.placed_at.is_not(None)
        )
        with self.engine.connect() as conn:
            return assemble(
                [tuple(r) for r in conn.execute(counters)],  # type: ignore[misc]
                [tuple(r) for r in conn.execute(leads)],  # type: ignore[misc]
            )

    def audit(self, order_id: UUID | None = None, limit: int = 1000) -> list[AuditRow]:
        """Flat event rows in store order, for one order or all."""
        query = sa.select(*_AUDIT_COLUMNS).order_by(AuditLog.position).limit(limit)
        if order_id is not None:
            query = query.where(AuditLog.order_id == order_id)
        with self.engine.connect() as conn:
            return [AuditRow._make(row) for row in conn.execute(query)]

    def rows_of(
        self, order_ids: list[UUID]
    ) -> tuple[dict[UUID, OrderStatusRow], dict[UUID, list[tuple[str, str]]], dict[UUID, int]]:
        """For many orders at once: their order_status rows, their attention entries (kind,
        ref) and how many audit rows each has."""
        status, attention, audit = OrderStatus.__table__, Attention.__table__, AuditLog.__table__
        with self.engine.connect() as conn:
            rows = {r.order_id: OrderStatusRow._make(r) for r in conn.execute(
                sa.select(*_STATUS_COLUMNS).where(status.c.order_id.in_(order_ids)))}
            entries: dict[UUID, list[tuple[str, str]]] = {}
            for order_id, kind, ref in conn.execute(
                    sa.select(attention.c.order_id, attention.c.kind, attention.c.ref)
                    .where(attention.c.order_id.in_(order_ids))):
                entries.setdefault(order_id, []).append((kind, ref))
            counts = {order_id: int(n) for order_id, n in conn.execute(
                sa.select(audit.c.order_id, sa.func.count()).where(audit.c.order_id.in_(order_ids))
                .group_by(audit.c.order_id))}
        return rows, entries, counts

    def audit_count(self, order_id: UUID) -> int:
        query = sa.select(sa.func.count()).where(AuditLog.order_id == order_id)
        with self.engine.connect() as conn:
            return int(conn.scalar(query) or 0)

    def order_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(sa.select(sa.func.count()).select_from(OrderStatus)) or 0)

    def metric_totals(self, metric: str) -> dict[str, int]:
        """One vendor_daily metric summed over all days, per vendor."""
        query = (
            sa.select(VendorDaily.vendor, sa.func.sum(VendorDaily.count))
            .where(VendorDaily.metric == metric)
            .group_by(VendorDaily.vendor)
        )
        with self.engine.connect() as conn:
            return {vendor: int(total) for vendor, total in conn.execute(query)}

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


def _with_stuck(items: list[AttentionItem], stuck: list[AttentionItem]) -> list[AttentionItem]:
    """Stuck orders as items of their own; an order already listed keeps its item, which says
    how long it has waited and its limit."""
    listed = {i.order_id for i in items if i.order_id is not None}
    ages = {s.order_id: s.reason for s in stuck if s.order_id in listed}
    annotated = [i._replace(reason=f"{i.reason} ({ages[i.order_id]})") if i.order_id in ages
                 else i for i in items]
    return annotated + [s for s in stuck if s.order_id not in listed]


def span(delta: timedelta) -> str:
    """A duration as a person reads it: 3d 4h, 2h 5m, 7m, 40s."""
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m" if minutes else f"{secs}s"
