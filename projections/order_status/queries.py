"""What users and reporting tools ask of order_status (each on the caller's connection)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from ordertrail.domain.state_machine import TERMINAL_STATES
from ordertrail.projections.attention.rows import AttentionItem
from ordertrail.projections.order_status.rows import OrderFilter, OrderStatusRow, StuckLimits
from ordertrail.projections.order_status.table import TABLE

COLUMNS = [TABLE.c[name] for name in OrderStatusRow._fields]
_OPEN = TABLE.c.state.not_in([s.value for s in TERMINAL_STATES])
c = TABLE.c


def _filtered(query: Any, f: OrderFilter) -> Any:
    """``query`` restricted to the orders ``f`` selects."""
    if f.vendor is not None:
        query = query.where(c.vendor == f.vendor)
    if f.state is not None:
        query = query.where(c.state == f.state)
    if f.needs_person is not None:
        query = query.where(c.needs_person == f.needs_person)
    if f.open_only:
        query = query.where(_OPEN)
    return query


def list_orders(conn: sa.Connection, f: OrderFilter) -> list[OrderStatusRow]:
    """Orders matching ``f``, most recently requested first (after ``f.after``)."""
    query = _filtered(sa.select(*COLUMNS), f)
    if f.after is not None:
        at, order_id = f.after
        query = query.where(sa.or_(c.requested_at < at,
                                   sa.and_(c.requested_at == at, c.order_id > order_id)))
    query = query.order_by(c.requested_at.desc(), c.order_id).limit(f.limit)
    return [OrderStatusRow._make(row) for row in conn.execute(query)]


def count_orders(conn: sa.Connection, f: OrderFilter) -> int:
    """How many orders match ``f``'s filters (its paging and limit aside)."""
    return int(conn.execute(_filtered(sa.select(sa.func.count()).select_from(TABLE), f))
               .scalar_one())


def get_order_row(conn: sa.Connection, order_id: UUID) -> OrderStatusRow | None:
    row = conn.execute(sa.select(*COLUMNS).where(c.order_id == order_id)).first()
    return None if row is None else OrderStatusRow._make(row)


def rows_of(conn: sa.Connection, order_ids: Sequence[UUID]) -> dict[UUID, OrderStatusRow]:
    return {r.order_id: OrderStatusRow._make(r)
            for r in conn.execute(sa.select(*COLUMNS).where(c.order_id.in_(order_ids)))}


def order_count(conn: sa.Connection) -> int:
    return int(conn.scalar(sa.select(sa.func.count()).select_from(TABLE)) or 0)


def state_counts(conn: sa.Connection) -> dict[tuple[str, str], int]:
    """How many orders each (vendor, state) holds (for metrics: one grouped query)."""
    query = sa.select(c.vendor, c.state, sa.func.count()).group_by(c.vendor, c.state)
    return {(vendor, state): int(n) for vendor, state, n in conn.execute(query)}


def oldest_open(conn: sa.Connection) -> dict[tuple[str, str], datetime]:
    """When the longest-waiting open order of each (vendor, state) entered that state."""
    query = (sa.select(c.vendor, c.state, sa.func.min(c.state_since))
             .where(_OPEN, c.state_since.is_not(None)).group_by(c.vendor, c.state))
    return {(vendor, state): _aware(since) for vendor, state, since in conn.execute(query)
            if since is not None}


def leads(conn: sa.Connection, since: datetime) -> list[tuple[str, datetime, datetime]]:
    """(vendor, placed_at, delivered_at) of the orders delivered since ``since``."""
    query = sa.select(c.vendor, c.placed_at, c.delivered_at).where(
        c.delivered_at >= since, c.placed_at.is_not(None))
    return [(vendor, placed, delivered) for vendor, placed, delivered in conn.execute(query)]


def stuck(conn: sa.Connection, limits: StuckLimits, moment: datetime) -> list[AttentionItem]:
    """Open orders in a state past its age limit (``STUCK``, the state as ``ref``), oldest
    first; orders held for a known cause (on the vendor's item) are left out."""
    vendors = list(conn.scalars(sa.select(c.vendor).distinct()))
    items = []
    for vendor, state, limit in limits.pairs(vendors):
        query = sa.select(c.order_id, c.state_since).where(
            c.vendor == vendor, c.state == state, c.state_since <= moment - limit,
            c.hold.is_(None))
        for order_id, since in conn.execute(query):
            age = moment - since
            items.append(AttentionItem(
                order_id, vendor, "STUCK",
                f"{state} for {span(age)}, longer than its limit of {span(limit)}",
                since, state, age.total_seconds(), limit.total_seconds()))
    return sorted(items, key=lambda i: (i.since, str(i.order_id)))


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every stored one is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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
